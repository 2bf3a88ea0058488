// Worker entry point: the composition root of activities (database, telephony).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createCallbackWaker } from '../src/callbacks/wake';
import { releaseOrphanedReservations } from '../src/agents/orphaned-reservations';
import { reconcileCallbacks } from '../src/callbacks/reconcile';
import { startRepairLoop } from '../src/callbacks/repair';
import { createAgentWorkflowClient } from '../src/agents/agent-workflow-client';
import { createActivities } from '../activities';
import { loadConfig } from '../src/config';
import { createPrisma } from '../src/infra/prisma';
import { createServer } from 'node:http';
import { createLogger } from '../src/logger';
import { createWorkerMetrics } from '../src/metrics';
import { createTelephony } from './telephony';
import { bundleWorkflows, createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required (npm start sets it)');
  Runtime.install({
    logger: {
      log: (level, message, meta) => logger[level.toLowerCase() as 'info'](meta ?? {}, message),
      trace: (message, meta) => logger.trace(meta ?? {}, message),
      debug: (message, meta) => logger.debug(meta ?? {}, message),
      info: (message, meta) => logger.info(meta ?? {}, message),
      warn: (message, meta) => logger.warn(meta ?? {}, message),
      error: (message, meta) => logger.error(meta ?? {}, message),
    },
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  const prisma = createPrisma(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const telephony = createTelephony(config, prisma, logger);
  const metrics = createWorkerMetrics();
  const metricsServer = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    void metrics.registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body));
  });
  if (config.WORKER_METRICS_PORT) {
    metricsServer.listen(config.WORKER_METRICS_PORT, config.HOST, () =>
      logger.info({ url: `http://${config.HOST}:${config.WORKER_METRICS_PORT}/metrics` }, 'worker metrics listening'),
    );
  }
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // Activities that signal other workflows (waking the next waiting callback) use a client.
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  // A booking commits its row before starting the workflow; if the start failed, this
  // starts it (the row is the outbox). One pass at a time.
  const agents = createAgentWorkflowClient({ temporal, prisma, taskQueue: config.TEMPORAL_TASK_QUEUE });
  let reconciling = false;
  let createdFrom: Date | undefined; // the first pass looks at every SCHEDULED row
  const reconcileEveryMs = Math.min(60_000, config.CALLBACK_REPAIR_INTERVAL_SECONDS * 1000); // #11
  const reconcileTimer = setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    reconcileCallbacks({
      prisma,
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      olderThanMs: 60_000,
      createdFrom,
      logger,
    })
      .then(async (result) => {
        createdFrom = result.nextFrom;
        if (result.started > 0) logger.warn(result, 'started callbacks whose workflow was missing');
        // An agent held by a callback that no longer runs (terminated by an operator) is freed.
        await releaseOrphanedReservations({ prisma, temporal, agents, graceMs: 120_000, logger });
      })
      .catch((err: unknown) => logger.error({ err }, 'callback reconciliation failed'))
      .finally(() => {
        reconciling = false;
      });
  }, reconcileEveryMs);
  // #11: rows whose workflow closed without ending them (terminated in the UI…) are ended.
  const repair = startRepairLoop({
    prisma,
    temporal,
    agents,
    hangup: (sid) => telephony.hangup(sid),
    logger,
    intervalMs: config.CALLBACK_REPAIR_INTERVAL_SECONDS * 1000,
  });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      activities: createActivities({
        prisma,
        telephony,
        provider: config.telephony,
        fromNumber: config.fromNumber,
        publicBaseUrl: config.publicBaseUrl,
        metrics,
        wakeCallback: createCallbackWaker(temporal),
        agents,
      }),
      workflowBundle: await bundleWorkflows(),
    });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, telephony: config.telephony }, 'worker started');
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks drained.
    await worker.run();
  } finally {
    clearInterval(reconcileTimer);
    repair.stop();
    telephony.close?.();
    metricsServer.close();
    await clientConnection.close();
    await connection.close();
    await prisma.$disconnect();
    logger.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
