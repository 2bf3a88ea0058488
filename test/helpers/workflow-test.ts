// The callback-workflow fixture (#12): one call at the top of a test/workflows file sets up the
// world of test/helpers/callback-harness.ts and tears it down, instead of a copied preamble.
//
//   const t = useWorkflowTest();                          // server, bundle, database, network
//   const t = useWorkflowTest({ fileWorker: true });      // + one worker on t.taskQueue for the file
//   const t = useWorkflowTest({ temporal: 'dev' });       // a real dev server (worker restarts)
//
//   test('…', async () => {
//     const worker = await t.newWorker(`q-${randomUUID()}`);   // a worker of its own, when needed
//     await bookCallback(t.prisma, t.env, t.taskQueue, projectId, { phone });
//   });
//
// beforeAll: the Temporal server, the run's workflow bundle, the PostgreSQL client, the
// simulated network's webhook server (startHarness) and, with `fileWorker`, a worker that runs
// for the whole file (agent workflows outlive a test: their reservations, wrap-up timers and
// updates need a worker until the file ends). Without a file worker, the agent workflows a
// test started are terminated after it (afterEach): their worker is gone. afterAll, in this
// order: the agent workflows the file created are terminated (left running, their timers
// would hold back the server's time skipping), the file's worker is stopped (its failure
// fails the file), then the network, the client and the server.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import type { Db } from '../../src/infra/prisma';
import { newWorker, startHarness, terminateAgentWorkflows, type Harness } from './callback-harness';
import { testPrisma } from './db';
import { createTemporalEnv, workflowBundle } from './temporal';

type WorkerTuning = Parameters<typeof newWorker>[5];

export interface WorkflowTestOptions {
  /** Default 'time-skipping'; 'dev' for real-time behaviour (sticky queues across a restart). */
  temporal?: 'time-skipping' | 'dev';
  /** A worker with the harness's activities polling `t.taskQueue` from beforeAll to afterAll. */
  fileWorker?: boolean;
}

export interface WorkflowTest {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundle;
  readonly prisma: Db;
  readonly harness: Harness;
  /** The file worker's queue (a fresh `q-<uuid>`; polled only with `fileWorker`). */
  readonly taskQueue: string;
  /** A worker with the harness's activities (production factories) on `taskQueue`, not started. */
  newWorker(taskQueue: string, tuning?: WorkerTuning): Promise<Worker>;
}

export function useWorkflowTest(options: WorkflowTestOptions = {}): WorkflowTest {
  const taskQueue = `q-${randomUUID()}`;
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundle | undefined;
  let prisma: Db | undefined;
  let harness: Harness | undefined;
  let fileWorker: { worker: Worker; running: Promise<void> } | undefined;

  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useWorkflowTest: ${name} is not set up (read it inside a test or hook)`);
    return value;
  };
  const make = (queue: string, tuning?: WorkerTuning) =>
    newWorker(
      ready(env, 'env'),
      ready(bundle, 'bundle'),
      ready(prisma, 'prisma'),
      ready(harness, 'harness'),
      queue,
      tuning,
    );

  beforeAll(async () => {
    env = await createTemporalEnv(options.temporal ?? 'time-skipping');
    bundle = await workflowBundle();
    prisma = testPrisma();
    harness = await startHarness(env, prisma);
    if (options.fileWorker) {
      const worker = await make(taskQueue);
      fileWorker = { worker, running: worker.run() };
    }
  });

  // Without a file worker, each test runs its own worker (t.newWorker … runUntil), gone when the
  // test ends: the agent workflows the test started must end with it. Left running on a queue
  // nobody polls, an agent's wrap-up timer (19-20 s) is skipped past by the NEXT test, its
  // workflow task waits on the dead queue for good, and the server stops skipping time — the
  // next test then waits in real time for its own timers (#11.5 timed out so, now and then,
  // when #11.3's test ended before the server had fired its agent's wrap-up timer).
  if (!options.fileWorker) {
    afterEach(async () => {
      if (env) await terminateAgentWorkflows(env);
    });
  }

  afterAll(async () => {
    if (env) await terminateAgentWorkflows(env);
    if (fileWorker) {
      if (fileWorker.worker.getState() === 'RUNNING') fileWorker.worker.shutdown();
      await fileWorker.running;
    }
    await harness?.close();
    await prisma?.$disconnect();
    await env?.teardown();
  });

  return {
    get env() {
      return ready(env, 'env');
    },
    get bundle() {
      return ready(bundle, 'bundle');
    },
    get prisma() {
      return ready(prisma, 'prisma');
    },
    get harness() {
      return ready(harness, 'harness');
    },
    taskQueue,
    newWorker: make,
  };
}
