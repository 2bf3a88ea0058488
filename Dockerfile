# syntax=docker/dockerfile:1
# The production image of the callback service (issue #10): one image, three commands —
#   node dist/api/main.js          the HTTP API (default)
#   node dist/workers/main.js      the Temporal worker
#   node dist/scripts/migrate.js   migrations (then `node dist/prisma/seed.js` for the demo data)
# Build: docker build -t callbacks .      Node is pinned by .nvmrc / package.json "engines".
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# --ignore-scripts: the postinstall fetches Temporal's dev binaries, which the image never runs.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm run generate
COPY tsconfig.json tsconfig.build.json ./
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY api ./api
COPY src ./src
COPY scripts ./scripts
# tsc to dist/ (the generated Prisma client included) and the prebuilt workflow bundle.
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: glibc's per-thread malloc arenas (the worker's Rust core and V8 threads)
# kept 120–165 MB more RSS with 2,000 sleeping callbacks (docs/benchmarks.md, P4).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=3000 \
    WORKER_METRICS_PORT=9464
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
# Not root: the image's `node` user (uid 1000) owns nothing it could overwrite.
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/api/main.js"]
