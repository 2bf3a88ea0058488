import { existsSync, readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker';
import { findTemporalBinary } from '../../src/infra/temporal-binaries';
import { registerSearchAttributes } from '../../src/infra/temporal';

// Worker state chatter hides test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

const atPath = (path: string | undefined) =>
  path ? { server: { executable: { type: 'existing-path' as const, path } } } : {};

async function withSearchAttributes(env: TestWorkflowEnvironment): Promise<TestWorkflowEnvironment> {
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** The real time-skipping test server, from the binary global setup resolved. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping(atPath(findTemporalBinary('test-server'))).then(
    withSearchAttributes,
  );
}

let bundle: Promise<WorkflowBundle> | undefined;
/**
 * Workflow code bundled once per test RUN: test/global-setup.ts bundles it before the
 * workers start and names the file (TEST_WORKFLOW_BUNDLE, test/helpers/bundle-cache.ts);
 * every file reads it back instead of bundling again (seconds each). Sources do not change
 * in a run. Without it (a script outside jest's global setup) the code is bundled here.
 */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= cachedBundle();
  return bundle;
}

async function cachedBundle(): Promise<WorkflowBundle> {
  const file = process.env.TEST_WORKFLOW_BUNDLE;
  if (file && existsSync(file)) return { code: readFileSync(file, 'utf8') };
  return bundleWorkflows();
}

/**
 * The real Temporal dev server (the CLI's `server start-dev`, in memory): for tests that
 * need a real server's behaviour rather than skipped time — e.g. a worker restart, where
 * tasks of the dead worker's sticky queue must move to the next worker.
 */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal(atPath(findTemporalBinary('cli'))).then(withSearchAttributes);
}

export type TemporalKind = 'none' | 'time-skipping' | 'dev';

/** The server a test file asks for (useApi's `temporal` option); 'none' starts nothing. */
export function createTemporalEnv(kind: Exclude<TemporalKind, 'none'>): Promise<TestWorkflowEnvironment> {
  return kind === 'dev' ? createDevServerEnv() : createTimeSkippingEnv();
}
