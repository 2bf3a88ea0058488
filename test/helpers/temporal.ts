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
