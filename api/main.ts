// API entry point: listens, and shuts down cleanly on SIGINT/SIGTERM. It boots while
// Temporal is unreachable (lazy client; reads are served, /readyz says what is missing).
import { createServer } from 'node:http';
import express from 'express';
import { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { setPhoneSealingKey } from '../src/agents/phone-seal';
import { createPrisma } from '../src/infra/prisma';
import { exitWithParent } from '../src/infra/parent-watch';
import { ensureSearchAttributesWhenReachable, exitOnStartupError } from '../src/infra/startup';
import { createTemporalClient, createWorkflowStartMonitor, lazyTemporalConnection } from '../src/infra/temporal-client';
import { createLogger } from '../src/logger';
import { createAvailabilityCache } from '../src/store/availability-cache';
import { loadAvailabilityInputs } from '../src/store/call-settings';
import { startChangeFeed } from '../src/store/change-feed';
import { createApiMetrics } from '../src/metrics';
import { createAcdIdentifier } from '../src/callbacks/acd';
import { createLegEventDelivery } from '../src/callbacks/leg-events';
import { createProjectLanguage } from '../src/callbacks/call-language';
import { createApp, metricsAuth, metricsHandler, requestListener } from './app';
import { createOpenApiRouter, createV1Routers } from './routes';
import { availabilityFromMemory } from './routes/availability';
import { createHoldMusicMediaRouter, createHoldMusicRouter } from './routes/hold-music';
import { createRecordingWebhookRouter } from './webhooks/recordings';
import { createTwilioWebhookRouter } from './webhooks/twilio';

async function main(): Promise<void> {
  const config = loadConfig();
  setPhoneSealingKey(config.phoneSealingKey);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required (npm start sets it)');
  exitWithParent(logger);
  const timeouts = { connectMs: config.DATABASE_CONNECT_TIMEOUT_MS, statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS };
  const prisma = createPrisma(config.DATABASE_URL, config.DATABASE_POOL_SIZE, timeouts);
  // The rate-limit counters (shared by every API process) have a small pool of their own.
  const rateLimitPool = new Pool({
    connectionString: config.DATABASE_URL,
    max: 2,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + 1000,
  });
  rateLimitPool.on('error', (err) => logger.warn({ err }, 'rate-limit pool connection error'));
  const connection = lazyTemporalConnection({
    address: config.TEMPORAL_ADDRESS,
    callTimeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS,
  });
  const metrics = createApiMetrics(prisma);
  const starts = createWorkflowStartMonitor(logger, (failure) =>
    metrics.workflowStartFailures.inc({ code: failure.grpcCode ?? 'none', permanent: String(failure.permanent) }),
  );
  const temporal = createTemporalClient(connection, config.TEMPORAL_NAMESPACE, starts);
  // #15.3: availability and API keys from memory, dropped on every change PostgreSQL announces.
  const caching = config.AVAILABILITY_CACHE_MS > 0 || config.API_KEY_CACHE_MS > 0;
  const feed = caching ? startChangeFeed({ connectionString: config.DATABASE_URL }, logger) : null;
  const availabilityCache =
    feed && config.AVAILABILITY_CACHE_MS > 0
      ? createAvailabilityCache((projectId, from, to) => loadAvailabilityInputs(prisma, projectId, from, to), feed, {
          maxAgeMs: config.AVAILABILITY_CACHE_MS,
        })
      : undefined;
  const app = createApp({
    prisma,
    temporal,
    config,
    logger,
    metrics,
    workflowStarts: starts.health,
    accessLog: true,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    ...(feed && config.API_KEY_CACHE_MS > 0 ? { apiKeyCache: { feed, maxAgeMs: config.API_KEY_CACHE_MS } } : {}),
    // #15.3: a read memory answers entirely takes the short path (api/short-path.ts).
    ...(availabilityCache
      ? { availabilityFromMemory: availabilityFromMemory({ cache: availabilityCache, clock: () => new Date() }) }
      : {}),
    v1Routers: [
      ...createV1Routers({
        prisma,
        temporal,
        config,
        logger,
        rateLimits: {
          perApiKeyPerMinute: config.RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE,
          perPhonePerHour: config.RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR,
          store: rateLimitPool,
        },
        ...(availabilityCache ? { availabilityCache } : {}),
      }),
      createHoldMusicRouter({ prisma }),
    ],
    publicRouters: [
      createOpenApiRouter(),
      createHoldMusicMediaRouter({ prisma }),
      createRecordingWebhookRouter({
        prisma,
        authToken: config.webhookAuthToken,
        publicBaseUrl: config.publicBaseUrl,
        provider: config.telephony,
        logger,
      }),
      createTwilioWebhookRouter({
        authToken: config.webhookAuthToken,
        publicBaseUrl: config.publicBaseUrl,
        onLegEvent: createLegEventDelivery(temporal),
        acdIdentify: createAcdIdentifier({ prisma, temporal, publicBaseUrl: config.publicBaseUrl }),
        projectLanguage: createProjectLanguage(prisma),
        logger,
      }),
    ],
  });
  // #15.3: requestListener runs the availability short path before express.
  const server = createServer(requestListener(app)).listen(config.PORT, config.HOST, () => {
    logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'API listening');
  });
  server.on('error', exitOnStartupError('api'));
  let metricsServer: ReturnType<typeof createServer> | undefined;
  if (config.API_METRICS_PORT) {
    const metricsApp = express();
    metricsApp.get('/metrics', metricsAuth(config.METRICS_TOKEN), metricsHandler(metrics));
    metricsServer = metricsApp.listen(config.API_METRICS_PORT, config.METRICS_HOST, () =>
      logger.info({ url: `http://${config.METRICS_HOST}:${config.API_METRICS_PORT}/metrics` }, 'API metrics listening'),
    );
  }

  // Bookings start workflows: their search attributes must exist. Waits for Temporal in the
  // background (reads are served meanwhile); a namespace that refuses them stops the API.
  const stopWaiting = new AbortController();
  ensureSearchAttributesWhenReachable({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    address: config.TEMPORAL_ADDRESS,
    logger,
    signal: stopWaiting.signal,
  }).catch(exitOnStartupError('api'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stopWaiting.abort();
    logger.info({ signal }, 'API stopping');
    metricsServer?.close();
    // #13: the desks' event streams end with their LISTEN connection, so close() can finish.
    void (app.locals.closeCallbox as (() => Promise<void>) | undefined)?.();
    server.close(() => {
      void Promise.allSettled([prisma.$disconnect(), connection.close(), rateLimitPool.end(), feed?.close()]).finally(
        () => {
          logger.info('API stopped');
          process.exit(0);
        },
      );
    });
    // Keep-alive connections would hold close() open.
    server.closeIdleConnections();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch(exitOnStartupError('api'));
