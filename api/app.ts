// The HTTP API, built by a function so tests drive it with supertest and the entry
// point (api/main.ts) only listens and shuts down.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config';
import {
  checkDatabase,
  checkTemporal,
  checkWorkers,
  checkWorkflowStarts,
  overall,
  type CheckResult,
} from '../src/infra/health';
import { isOutageError, RETRY_AFTER_SECONDS } from '../src/infra/outage';
import type { Db } from '../src/infra/prisma';
import type { WorkflowStartHealth } from '../src/infra/temporal-client';
import { maskPhonesInText, type Logger } from '../src/logger';
import { createApiMetrics, type ApiMetrics } from '../src/metrics';
import { apiKeyAuth, corsForProjects, type ApiKeyCacheOptions, type AuthContext } from './auth';
import type { AvailabilityAnswer } from './routes/availability';
import { availabilityShortPath, REQUEST_ID, type ShortPath } from './short-path';
import { createCallboxSurfaces } from './routes/callbox';
import { ApiError, errorHandler, notFoundHandler } from './errors';
import { JSON_MEDIA_TYPES, requireJsonBody } from './json-body';
import { methodNotAllowedHandler } from './openapi';

export interface AppDeps {
  prisma: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  /** Routers mounted under /v1 behind API-key auth. */
  v1Routers?: Router[];
  /** Routers mounted at the root without API-key auth (webhooks, media). */
  publicRouters?: Router[];
  metrics?: ApiMetrics;
  /** Workflow starts watched by the client interceptor (src/infra/temporal-client.ts), for /readyz. */
  workflowStarts?: WorkflowStartHealth;
  /** Access logs (pino-http); off by default in tests. */
  accessLog?: boolean;
  /**
   * A request not answered by then gets 503 UNAVAILABLE with Retry-After (config
   * REQUEST_TIMEOUT_MS; api/main.ts sets it). Unset: no guard (tests on a loaded machine).
   */
  requestTimeoutMs?: number;
  /** #15.3: API keys checked from memory (api/main.ts); default: every request reads the database. */
  apiKeyCache?: ApiKeyCacheOptions;
  /**
   * #15.3: default-window availability answers from memory (api/routes/availability.ts
   * availabilityFromMemory, on the same cache and clock as the route): with the key cache,
   * reads they answer take the short path (api/short-path.ts). Default: every read goes
   * through the full stack.
   */
  availabilityFromMemory?: (projectId: string, auth: AuthContext) => AvailabilityAnswer | undefined;
}

export const JSON_BODY_LIMIT = '32kb';

const PROBES = new Set(['/livez', '/readyz', '/healthz', '/metrics']);

/** 503 UNAVAILABLE in API.md's format, with Retry-After. */
function unavailable(res: express.Response, message: string): void {
  res
    .status(503)
    .set('Retry-After', String(RETRY_AFTER_SECONDS))
    .json({ error: { code: 'UNAVAILABLE', message } });
}

/** Only the metrics token opens /metrics when one is configured (required in production). */
export function metricsAuth(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token || req.get('authorization') === `Bearer ${token}`) return next();
    next(new ApiError('UNAUTHENTICATED', 'metrics need Authorization: Bearer <METRICS_TOKEN>'));
  };
}

export function metricsHandler(metrics: ApiMetrics): RequestHandler {
  return async (_req, res, next) => {
    try {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  };
}

/** The short path of an app (createApp with availabilityFromMemory and apiKeyCache), run by requestListener. */
const shortPaths = new WeakMap<object, ShortPath>();

/**
 * The HTTP server's listener for an app: #15.3's short path first (api/short-path.ts), which
 * answers a read memory can answer entirely before express, then the app for everything
 * else. `http.createServer(requestListener(app))`; `app.listen` serves without the short path.
 */
export function requestListener(app: ReturnType<typeof createApp>): RequestListener {
  const shortPath = shortPaths.get(app);
  if (!shortPath) return app;
  return (req, res) => {
    if (!shortPath(req, res)) app(req, res);
  };
}

export function createApp(deps: AppDeps) {
  const { prisma, temporal, logger, config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  // Every request has an id (X-Request-Id in, or a new one), echoed and in its access log.
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    (req as { id?: string }).id = id;
    res.set('X-Request-Id', id);
    next();
  });
  const keys = apiKeyAuth(prisma, logger, deps.apiKeyCache);
  if (deps.availabilityFromMemory && deps.apiKeyCache) {
    shortPaths.set(
      app,
      availabilityShortPath({
        authFromMemory: keys.fromMemory,
        availability: deps.availabilityFromMemory,
        logger,
        accessLog: deps.accessLog ?? false,
      }),
    );
  }
  if (deps.accessLog) {
    app.use(
      pinoHttp({
        logger,
        genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
        autoLogging: { ignore: (req) => PROBES.has(req.url?.split('?')[0] ?? '') },
        customLogLevel: (_req, res, err) =>
          err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        serializers: {
          req: (req: { id?: string; method?: string; url?: string }) => ({
            id: req.id,
            method: req.method,
            url: maskPhonesInText(req.url ?? ''),
          }),
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
      }),
    );
  }

  // An outage answers, it does not hang: anything not answered in time is a 503.
  const timeoutMs = deps.requestTimeoutMs;
  if (timeoutMs) {
    app.use((req, res, next) => {
      const timer = setTimeout(() => {
        if (res.headersSent) return;
        logger.warn({ method: req.method, path: req.path, timeoutMs }, 'request timed out');
        unavailable(res, 'a dependency (database or Temporal) did not answer in time; retry later');
      }, timeoutMs);
      res.once('close', () => clearTimeout(timer));
      res.once('finish', () => clearTimeout(timer));
      next();
    });
  }

  const metrics = deps.metrics ?? createApiMetrics(prisma);
  if (!config.API_METRICS_PORT) app.get('/metrics', metricsAuth(config.METRICS_TOKEN), metricsHandler(metrics));
  app.use('/v1/callbacks', (req, res, next) => {
    if (req.method !== 'POST' || req.path !== '/') return next();
    const end = metrics.bookingLatency.startTimer();
    res.once('finish', () => end({ status: String(res.statusCode) }));
    next();
  });

  /** The process is up (no dependency checked): restart it only when this fails. */
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  /** Database and Temporal reachable (the README's health check). */
  app.get('/healthz', async (_req, res) => {
    const [database, temporalCheck] = await Promise.all([checkDatabase(prisma), checkTemporal(temporal)]);
    const ok = database.status === 'ok' && temporalCheck.status === 'ok';
    const word = (c: CheckResult) => (c.status === 'ok' ? 'ok' : 'unreachable');
    if (!ok) logger.warn({ database, temporal: temporalCheck }, 'health check failed');
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', database: word(database), temporal: word(temporalCheck) });
  });

  /** Ready to serve bookings end to end: database, Temporal, a worker polling, workflow starts working. */
  app.get('/readyz', async (_req, res) => {
    // #15: agent workflows on a task queue of their own (opt-in): that one is polled too.
    const agentQueue = config.agentTaskQueue;
    const [database, temporalCheck, workers, agentWorkers] = await Promise.all([
      checkDatabase(prisma),
      checkTemporal(temporal),
      checkWorkers(temporal, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE),
      agentQueue === config.TEMPORAL_TASK_QUEUE
        ? undefined
        : checkWorkers(temporal, config.TEMPORAL_NAMESPACE, agentQueue),
    ]);
    const checks: Record<string, CheckResult> = { database, temporal: temporalCheck, workers };
    if (agentWorkers) checks.agentWorkers = agentWorkers;
    if (deps.workflowStarts) checks.workflowStarts = checkWorkflowStarts(deps.workflowStarts);
    const status = overall(checks);
    if (status !== 'ok') logger.warn({ checks }, 'not ready');
    res.status(status === 'ok' ? 200 : 503).json({ status, checks });
  });

  for (const router of deps.publicRouters ?? []) app.use(router);
  // #13: the widget, demo page, visitor link page and agent desk (their own auth).
  const callbox = createCallboxSurfaces({ prisma, temporal, config: deps.config, logger });
  app.use(callbox.router);
  app.locals.closeCallbox = callbox.close;

  const v1 = express.Router();
  // S59: JSON in; anything else on a body-carrying method (chunked too) is a 400, not a parse crash.
  v1.use(requireJsonBody((req) => req.path.endsWith('/hold-music')));
  v1.use(express.json({ limit: JSON_BODY_LIMIT, type: JSON_MEDIA_TYPES }));
  v1.use(keys.middleware);
  for (const router of deps.v1Routers ?? []) v1.use(router);
  // The OpenAPI document needs no key: another method on it is 405, not 401 from the v1 auth.
  const notAllowed = methodNotAllowedHandler();
  app.all('/v1/openapi.json', (req, res, next) => notAllowed(req, res, next));
  // #13: CORS for the projects' allowed web origins (preflights answered before auth).
  app.use('/v1', corsForProjects(prisma), v1);

  app.use(methodNotAllowedHandler());
  app.use(notFoundHandler);
  app.use(outageHandler(logger));
  app.use(errorHandler(logger));
  return app;
}

/**
 * Dependency outages (PostgreSQL, Temporal) become 503 UNAVAILABLE with Retry-After; an
 * error after the timeout guard already answered is only logged.
 */
function outageHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      logger.warn({ err, method: req.method, path: req.path }, 'request failed after it was answered');
      return;
    }
    if (!(err instanceof ApiError) && isOutageError(err)) {
      logger.warn({ err, method: req.method, path: req.path }, 'dependency unavailable');
      return unavailable(res, 'a dependency (database or Temporal) is unavailable; retry later');
    }
    next(err);
  };
}
