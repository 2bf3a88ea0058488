// API entry point: listens, and shuts down cleanly on SIGINT/SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { createPrisma } from '../src/infra/prisma';
import { createLogger } from '../src/logger';
import { createAcdIdentifier } from '../src/callbacks/acd';
import { createLegEventDelivery } from '../src/callbacks/leg-events';
import { createApp } from './app';
import { createOpenApiRouter, createV1Routers } from './routes';
import { createHoldMusicMediaRouter, createHoldMusicRouter } from './routes/hold-music';
import { createRecordingWebhookRouter } from './webhooks/recordings';
import { createTwilioWebhookRouter } from './webhooks/twilio';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required (npm start sets it)');
  const prisma = createPrisma(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = createApp({
    prisma,
    temporal,
    config,
    logger,
    v1Routers: [...createV1Routers({ prisma, temporal, config, logger }), createHoldMusicRouter({ prisma })],
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
        logger,
      }),
    ],
  });
  const server = app.listen(config.PORT, config.HOST, () => {
    logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'API listening');
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'API stopping');
    server.close(() => {
      void Promise.all([prisma.$disconnect(), connection.close()]).finally(() => logger.info('API stopped'));
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
