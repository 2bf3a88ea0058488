import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker';
import { findTemporalBinary } from '../../src/infra/temporal-binaries';
import { registerSearchAttributes } from '../../src/infra/temporal';

// Worker state chatter hides test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** The real time-skipping test server, from the binary global setup resolved. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = findTemporalBinary('test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    path ? { server: { executable: { type: 'existing-path', path } } } : {},
  );
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Workflow code bundled once per test file. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflows();
  return bundle;
}

/**
 * The real Temporal dev server (the CLI's `server start-dev`, in memory): for tests that
 * need a real server's behaviour rather than skipped time — e.g. a worker restart, where
 * tasks of the dead worker's sticky queue must move to the next worker.
 */
export async function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  const path = findTemporalBinary('cli');
  const env = await TestWorkflowEnvironment.createLocal(
    path ? { server: { executable: { type: 'existing-path', path } } } : {},
  );
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}
