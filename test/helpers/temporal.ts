import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker';
import { findTemporalBinary } from '../../src/infra/temporal-binaries';
import { registerSearchAttributes } from '../../src/infra/temporal';
import { bundleCacheFile } from './bundle-cache';

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
 * Workflow code bundled once per test RUN: the first file that asks bundles it and leaves the
 * code in a file named after the run's database (global setup makes one per run); the next
 * files read it back instead of bundling again (seconds each). Sources do not change in a run.
 */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= cachedBundle();
  return bundle;
}

async function cachedBundle(): Promise<WorkflowBundle> {
  const run = process.env.DATABASE_URL;
  if (!run) return bundleWorkflows();
  const file = bundleCacheFile(run);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const fresh = await bundleWorkflows();
  if ('code' in fresh) {
    // Written whole, then renamed: a reader never sees half a bundle.
    writeFileSync(`${file}.${process.pid}`, fresh.code);
    renameSync(`${file}.${process.pid}`, file);
  }
  return fresh;
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
