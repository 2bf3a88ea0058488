// Worker entry point: the composition root of activities (database, telephony).
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import { createCallbackWaker } from '../src/callbacks/wake';
import { releaseOrphanedReservations } from '../src/agents/orphaned-reservations';
import { reconcileCallbacks } from '../src/callbacks/reconcile';
import { startRepairLoop } from '../src/callbacks/repair';
import { createAgentWorkflowClient } from '../src/agents/agent-workflow-client';
import { moveAgentWorkflows } from '../src/agents/move-agent-queue';
import { createActivities } from '../activities';
import { loadConfig } from '../src/config';
import { setPhoneSealingKey } from '../src/agents/phone-seal';
import { checkDatabase, overall, type CheckResult } from '../src/infra/health';
import { exitWithParent } from '../src/infra/parent-watch';
import { createPrisma } from '../src/infra/prisma';
import { ensureSearchAttributesWhenReachable, exitOnStartupError } from '../src/infra/startup';
import { createTemporalClient, createWorkflowStartMonitor, lazyTemporalConnection } from '../src/infra/temporal-client';
import { PROJECT_ROOT } from '../src/infra/temporal-binaries';
import { createLogger, type Logger } from '../src/logger';
import { createWorkerMetrics } from '../src/metrics';
import { createTelephony } from './telephony';
import { applyWorkerV8Flags } from './node-flags';
import { bundleWorkflowsInThread, createWorker } from './worker';

/** Written by `npm run build` (scripts/build-workflow-bundle.ts). */
export const PREBUILT_WORKFLOW_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/**
 * The built worker (plain `node dist/workers/main.js`) loads the prebuilt workflow bundle;
 * from sources (tsx) it bundles the current workflow code, so a stale build never runs.
 */
async function workflowBundle(logger: Logger) {
  const built = __filename.endsWith('.js');
  if (built && existsSync(PREBUILT_WORKFLOW_BUNDLE)) {
    logger.info({ path: path.relative(PROJECT_ROOT, PREBUILT_WORKFLOW_BUNDLE) }, 'using the prebuilt workflow bundle');
    return { code: readFileSync(PREBUILT_WORKFLOW_BUNDLE, 'utf8') };
  }
  return bundleWorkflowsInThread();
}

async function main(): Promise<void> {
  applyWorkerV8Flags(); // before the bundler's and the workflows' threads exist
  const config = loadConfig();
  setPhoneSealingKey(config.phoneSealingKey);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required (npm start sets it)');
  exitWithParent(logger);
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
  const prisma = createPrisma(config.DATABASE_URL, config.DATABASE_POOL_SIZE, {
    connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const telephony = createTelephony(config, prisma, logger);
  const metrics = createWorkerMetrics();
  let worker: Worker | undefined;
  /** #15: the second Worker, on the agent workflows' own task queue (none when it is the same queue). */
  let agentWorker: Worker | undefined;
  const splitQueues = config.agentTaskQueue !== config.TEMPORAL_TASK_QUEUE;

  // /metrics (Prometheus), /livez (process up), /readyz (polling the task queue, database reachable).
  const healthServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = req.url?.split('?')[0];
    if (url === '/livez') return json(200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
    if (url === '/readyz') {
      void checkDatabase(prisma).then((database) => {
        const state = worker?.getState() ?? 'STARTING';
        const agentState = splitQueues ? (agentWorker?.getState() ?? 'STARTING') : state;
        const running = state === 'RUNNING' && agentState === 'RUNNING';
        const checks: Record<string, CheckResult> = {
          database,
          worker: { status: running ? 'ok' : 'failing', latencyMs: 0, state, agentWorkerState: agentState },
          workflowStarts: {
            status: starts.health.failing ? 'failing' : 'ok',
            latencyMs: 0,
            ...starts.health,
          },
        };
        const status = overall(checks);
        json(status === 'ok' ? 200 : 503, { status, checks });
      });
      return;
    }
    if (url !== '/metrics') return void res.writeHead(404).end();
    if (config.METRICS_TOKEN && req.headers.authorization !== `Bearer ${config.METRICS_TOKEN}`) {
      return void res.writeHead(401).end();
    }
    void metrics.registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body));
  });
  if (config.WORKER_METRICS_PORT) {
    healthServer.on('error', exitOnStartupError('worker'));
    healthServer.listen(config.WORKER_METRICS_PORT, config.HOST, () =>
      logger.info(
        { url: `http://${config.HOST}:${config.WORKER_METRICS_PORT}`, paths: ['/metrics', '/livez', '/readyz'] },
        'worker health and metrics listening',
      ),
    );
  }
  // Activities that signal other workflows (waking the next waiting callback) use a client.
  const clientConnection = lazyTemporalConnection({
    address: config.TEMPORAL_ADDRESS,
    callTimeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS,
  });
  const starts = createWorkflowStartMonitor(logger, (failure) =>
    metrics.workflowStartFailures.inc({ code: failure.grpcCode ?? 'none', permanent: String(failure.permanent) }),
  );
  const temporal = createTemporalClient(clientConnection, config.TEMPORAL_NAMESPACE, starts);
  // Reconciliation starts workflows: their search attributes must exist before anything runs.
  // Waits while Temporal is unreachable; a namespace that refuses them stops the worker.
  const stopWaiting = new AbortController();
  const abortWait = () => stopWaiting.abort();
  process.once('SIGINT', abortWait);
  process.once('SIGTERM', abortWait);
  await ensureSearchAttributesWhenReachable({
    connection: clientConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    address: config.TEMPORAL_ADDRESS,
    logger,
    signal: stopWaiting.signal,
  });
  if (stopWaiting.signal.aborted) {
    healthServer.close();
    await Promise.allSettled([clientConnection.close(), prisma.$disconnect()]);
    return;
  }
  process.removeListener('SIGINT', abortWait);
  process.removeListener('SIGTERM', abortWait);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // A booking commits its row before starting the workflow; if the start failed, this
  // starts it (the row is the outbox). One pass at a time.
  // #15: agent workflows (started by activities, the repair loop) go to their own queue.
  const agents = createAgentWorkflowClient({ temporal, prisma, taskQueue: config.agentTaskQueue });
  let reconciling = false;
  let createdFrom: Date | undefined; // the first pass looks at every SCHEDULED row
  const reconcileTimer = setInterval(
    () => {
      if (reconciling) return;
      reconciling = true;
      reconcileCallbacks({
        prisma,
        temporal,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        agentTaskQueue: config.agentTaskQueue,
        olderThanMs: 60_000,
        createdFrom,
        logger,
      })
        .then(async (result) => {
          createdFrom = result.nextFrom;
          if (result.started > 0) logger.warn(result, 'started callbacks whose workflow was missing');
          // An agent held by a callback that no longer runs (terminated by an operator) is freed.
          await releaseOrphanedReservations({ prisma, temporal, agents, graceMs: 120_000, logger });
          // #15: agent workflows started before the queues were split move to their own.
          await moveAgentWorkflows({ temporal, from: config.TEMPORAL_TASK_QUEUE, to: config.agentTaskQueue, logger });
        })
        .catch((err: unknown) => logger.error({ err }, 'callback reconciliation failed'))
        .finally(() => {
          reconciling = false;
        });
    },
    Math.min(60_000, config.CALLBACK_REPAIR_INTERVAL_SECONDS * 1000),
  ); // #11: chaos tests shorten it
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
    const common = {
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
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
      workflowBundle: await workflowBundle(logger),
    };
    // #15: callback workflows (and agent workflows not yet moved) on the callbacks' queue; agent
    // workflows on their own, with their own workflow-task slots (docs/agent-task-queue.md).
    worker = await createWorker({ ...common, taskQueue: config.TEMPORAL_TASK_QUEUE });
    if (splitQueues)
      agentWorker = await createWorker({ ...common, taskQueue: config.agentTaskQueue, pollers: AGENT_POLLERS });
    logger.info(
      { taskQueue: config.TEMPORAL_TASK_QUEUE, agentTaskQueue: config.agentTaskQueue, telephony: config.telephony },
      'worker started',
    );
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks drained; when one of the
    // two stops (or fails), the other is shut down too.
    await runTogether([worker, agentWorker].filter((w): w is Worker => w !== undefined));
  } finally {
    clearInterval(reconcileTimer);
    repair.stop();
    telephony.close?.();
    healthServer.close();
    await clientConnection.close();
    await connection.close();
    await prisma.$disconnect();
    logger.info('worker stopped');
  }
}

/**
 * #15: the agents' Worker polls with 2 workflow-task pollers (sticky and normal) and 1 activity
 * poller (agent workflows run local activities only). The SDK's default, 10 and 10, doubled the
 * process's long polls and cost the callbacks' timers ~1 s of p99 lateness at 120 due per minute
 * (bench P3: due → waiting p99 0.63 s before the split, 1.6–2.0 s with default pollers, 0.60 s
 * with these).
 */
const AGENT_POLLERS = { maxConcurrentWorkflowTaskPolls: 2, maxConcurrentActivityTaskPolls: 1 };

/** Runs the workers until every one stopped; one that ends shuts the others down. */
async function runTogether(workers: Worker[]): Promise<void> {
  const stopOthers = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const results = await Promise.allSettled(workers.map((w) => w.run().finally(stopOthers)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

main().catch(exitOnStartupError('worker'));
