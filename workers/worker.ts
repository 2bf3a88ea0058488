// Builds the worker: one task queue for callback and agent workflows and their activities.
import path from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { Activities } from '../activities';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

/** Bundles workflow code once (tests share one bundle across workers). */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

/**
 * #15.5: bundles in a worker thread that exits once done. webpack's heap (some 100 MB of the
 * main thread's heap and RSS, which V8 then keeps) goes with the thread: the worker started
 * from sources (`npm start`) no longer carries it for its whole life. Same code as
 * bundleWorkflows.
 */
export function bundleWorkflowsInThread(): Promise<WorkflowBundle> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const noop = () => undefined;
    const logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
    require(workerData.sdk)
      .bundleWorkflowCode({ workflowsPath: workerData.workflowsPath, logger })
      .then((bundle) => parentPort.postMessage({ code: bundle.code }));`;
  return new Promise((resolve, reject) => {
    const thread = new Thread(source, {
      eval: true,
      // Plain JavaScript: no tsx loader in the thread (webpack compiles the workflows itself).
      execArgv: [],
      workerData: { sdk: require.resolve('@temporalio/worker'), workflowsPath: WORKFLOWS_PATH },
    });
    let bundle: WorkflowBundle | undefined;
    thread.once('message', (message: { code: string }) => {
      bundle = { code: message.code };
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (code) =>
      bundle ? resolve(bundle) : reject(new Error(`the workflow bundler thread exited with ${code}`)),
    );
  });
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  workflowBundle?: WorkflowBundle;
  /** Worker.create's maxCachedWorkflows (config WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** #15: pollers (the agents' queue needs few: more cost the server matching work, bench P3). */
  pollers?: Pick<
    Parameters<typeof Worker.create>[0],
    'maxConcurrentWorkflowTaskPolls' | 'maxConcurrentActivityTaskPolls'
  >;
}

export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...options.pollers,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
