// The HTTP API, built by a function so tests drive it with supertest and the entry
// point (api/main.ts) only listens and shuts down.
import express, { type Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config';
import type { Db } from '../src/infra/prisma';
import type { Logger } from '../src/logger';
import { createApiMetrics, type ApiMetrics } from '../src/metrics';
import { corsForProjects, requireApiKey } from './auth';
import { createCallboxSurfaces } from './routes/callbox';
import { ApiError, errorHandler, notFoundHandler } from './errors';

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
}

export const JSON_BODY_LIMIT = '32kb';

export function createApp(deps: AppDeps) {
  const { prisma, temporal, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  const metrics = deps.metrics ?? createApiMetrics(prisma);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use('/v1/callbacks', (req, res, next) => {
    if (req.method !== 'POST' || req.path !== '/') return next();
    const end = metrics.bookingLatency.startTimer();
    res.once('finish', () => end({ status: String(res.statusCode) }));
    next();
  });

  app.get('/healthz', async (_req, res) => {
    const checks = await Promise.allSettled([prisma.$queryRaw`SELECT 1`, temporal.workflowService.getSystemInfo({})]);
    const [database, temporalCheck] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unreachable'));
    const ok = database === 'ok' && temporalCheck === 'ok';
    if (!ok) logger.warn({ database, temporal: temporalCheck }, 'health check failed');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', database, temporal: temporalCheck });
  });

  for (const router of deps.publicRouters ?? []) app.use(router);
  // #13: the widget, demo page, visitor link page and agent desk (their own auth).
  const callbox = createCallboxSurfaces({ prisma, temporal, config: deps.config, logger });
  app.use(callbox.router);
  app.locals.closeCallbox = callbox.close;

  const v1 = express.Router();
  v1.use((req, _res, next) => {
    // S59: JSON in; anything else on a body-carrying method is a 400, not a parse crash.
    const hasBody = req.method !== 'GET' && req.method !== 'DELETE' && Number(req.get('content-length') ?? 0) > 0;
    if (hasBody && !req.is('application/json') && !req.path.endsWith('/hold-music')) {
      return next(new ApiError('INVALID_REQUEST', 'Content-Type must be application/json'));
    }
    next();
  });
  v1.use(express.json({ limit: JSON_BODY_LIMIT }));
  v1.use(requireApiKey(prisma));
  for (const router of deps.v1Routers ?? []) v1.use(router);
  // #13: CORS for the projects' allowed web origins (preflights answered before auth).
  app.use('/v1', corsForProjects(prisma), v1);

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
