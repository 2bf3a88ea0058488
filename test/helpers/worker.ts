// The worker harness (#12), as the SDK's packages/test helpers-integration.ts does: a Worker on
// a fresh task queue of the test file's server, the workflow code bundled once per run
// (workflowBundle), the activities a test needs built from their factories, real PostgreSQL.
//
//   const worker = await startWorker(env, { activities: workerActivities.callbackStatus(prisma) });
//   … worker.taskQueue …
//   await worker.shutdown();       // in afterAll (useApi({ worker }) does both for you)
//
// Or, for one test: `await (await createTestWorker(env, options)).runUntil(async () => …)`.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createCallbackActivities } from '../../activities/callbacks';
import { createPresenceActivities } from '../../activities/presence';
import type { Db } from '../../src/infra/prisma';
import { workflowBundle } from './temporal';

export interface WorkerOptions {
  /** Default: a fresh `test-<uuid>` queue. */
  taskQueue?: string;
  activities: object;
  /** Default: the project's workflows (workflowBundle()). */
  bundle?: WorkflowBundle;
}

/** The activity sets tests run with; each is the production factory, on the test database. */
export const workerActivities = {
  /** The callback workflow's status activity only: callbacks that wait for their slot or are cancelled. */
  callbackStatus: (prisma: Db) => createCallbackActivities({ prisma }),
  /** The agent workflow's presence projection (agent_presence read model). */
  presence: (prisma: Db) => createPresenceActivities({ prisma }),
};

export async function createTestWorker(env: TestWorkflowEnvironment, options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue ?? `test-${randomUUID()}`,
    workflowBundle: options.bundle ?? (await workflowBundle()),
    activities: options.activities,
  });
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  /** Stops polling and waits for the run to end (rethrows a worker failure). */
  shutdown(): Promise<void>;
}

/** A worker running in the background until shutdown(). */
export async function startWorker(env: TestWorkflowEnvironment, options: WorkerOptions): Promise<RunningWorker> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const worker = await createTestWorker(env, { ...options, taskQueue });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
