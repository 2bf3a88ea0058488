// The real stack in one process tree (started by the shared test/helpers/stack.ts): embedded
// PostgreSQL (throwaway cluster), the Temporal dev server (in memory), then the worker and the API as child processes run exactly as in
// production (`workers/main.ts`, `api/main.ts`). The phone network (#15.1, --telephony): by
// default the Twilio REST simulator (scripts/twilio-simulator.ts) as a child process of its
// own, the worker on the production Twilio adapter against it; or the simulated network
// inside the worker. Either way status events reach the API's signed webhook. Child processes rather than
// in-process: it is the production shape, the bench's own load generator does not share
// their event loop, and the worker's RSS is its own (P4).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { createPrisma, type Db } from '../src/infra/prisma';
import { createStack, freePort, PROJECT_ROOT, type Service } from '../test/helpers/stack';
import { onCleanup, reclaimSignals } from './cleanup';
import { createHttpClient, type HttpClient } from './http';
import type { Telephony } from './options';
import { sleep, waitFor } from './stats';

export { freePort };
export const NAMESPACE = 'default';
export const TASK_QUEUE = 'callbacks';
/**
 * #15: agent workflows' task queue: the callbacks' (the service's default). BENCH_AGENT_TASK_QUEUE
 * measures the opt-in split (docs/agent-task-queue.md).
 */
export const AGENT_TASK_QUEUE = process.env.BENCH_AGENT_TASK_QUEUE || TASK_QUEUE;
export const API_KEY = 'bench-api-key-0001';

export interface StackOptions {
  dbPool: number;
  temporalConfig: string[];
  profile: ('api' | 'worker')[];
  /** The worker runs with --heapsnapshot-signal=SIGWINCH (not SIGUSR2: the Temporal Runtime shuts down on it). */
  heapSnapshots?: boolean;
  workerOptions: Record<string, unknown>;
  /** Path of a prebuilt workflow bundle the worker loads instead of bundling. */
  workflowBundlePath?: string;
  /** #15.1: the Twilio simulator in its own process (default) or the simulated network in the worker. */
  telephony?: Telephony;
  /** Seconds the simulator's second party talks (the bench projects' talkTimeSeconds). */
  talkTimeSeconds?: number;
  logsDir: string;
  say: (line: string) => void;
}

export interface MemorySample {
  /** From the worker's own /metrics (prom-client default metrics, main thread). */
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** From /proc: the whole process, workflow thread and Rust core included. */
  procRssMb: number;
  procPeakRssMb: number;
}

export interface Stack {
  databaseUrl: string;
  prisma: Db;
  temporal: Client;
  api: HttpClient;
  apiBaseUrl: string;
  accountId: string;
  /** The sealing key the worker and API children were given (agent numbers sealed here must open there). */
  phoneSealingKey: string;
  /** POST /v1/agents/{id}/login etc. are mounted (issue #5); else presence rows are set directly. */
  agentsApi: boolean;
  startupMs: Record<string, number>;
  /** #15.1: which phone network the worker dials. */
  telephony: Telephony;
  worker(): ChildProcess;
  apiProcess(): ChildProcess;
  restartWorker(): Promise<number>;
  workerMemory(): Promise<MemorySample>;
  /** Writes a heap snapshot of the worker's main thread (needs `heapSnapshots`); resolves to its path. */
  workerHeapSnapshot(label: string): Promise<string>;
  apiMemoryMb(): number;
  workerMetricsText(): Promise<string>;
  workflowBacklog(): Promise<number | undefined>;
  /** Requests the Temporal frontend served so far, by operation (its own /metrics). */
  temporalRequests(): Promise<Record<string, number>>;
  /** CPU seconds used so far by each part (a worker restart starts its count again). */
  cpu(): CpuSnapshot;
}

function procMemoryMb(pid: number | undefined): { rss: number; peak: number } {
  if (!pid) return { rss: Number.NaN, peak: Number.NaN };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
}

/** CPU seconds a process used (utime + stime), plus its reaped children's when asked. */
function procCpuSeconds(pid: number | undefined, withChildren = false): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (n: number) => Number(fields[n - 3] ?? 0);
    return (ticks(14) + ticks(15) + (withChildren ? ticks(16) + ticks(17) : 0)) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** This process's children whose command line contains `text`. */
export function ownChildrenRunning(text: string): number[] {
  return childrenOf(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** `network`: the Twilio simulator's process (0 when the simulated network runs inside the worker). */
export type CpuSnapshot = Record<'temporal' | 'postgres' | 'worker' | 'api' | 'network' | 'bench', number>;

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    temporal: round(after.temporal - before.temporal),
    postgres: round(after.postgres - before.postgres),
    worker: round(after.worker - before.worker),
    api: round(after.api - before.api),
    network: round((after.network ?? 0) - (before.network ?? 0)),
    bench: round(after.bench - before.bench),
  };
}

/** Per-operation request counts between two readings, largest first, zeros left out. */
export function requestDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

async function getText(url: string, token?: string): Promise<string> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return res.text();
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { say, logsDir } = options;
  mkdirSync(logsDir, { recursive: true });
  const startupMs: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    startupMs[name] = Math.round(performance.now() - t);
    t = performance.now();
  };
  // The shared whole-stack harness (#12): it registers every part with bench/cleanup.ts.
  const stack = createStack({ name: 'bench', say, logsDir });

  // PostgreSQL: a throwaway cluster (fsync off), like the test suite's; migrated and seeded.
  const postgres = await stack.startPostgres({ seedApiKey: API_KEY });
  reclaimSignals();
  const postmaster = postgres.postmasterPid;
  const databaseUrl = postgres.url;
  const accountId = postgres.accountId!;
  const prisma = createPrisma(databaseUrl, options.dbPool);
  onCleanup('prisma', () => prisma.$disconnect());
  lap('postgres');

  // Temporal dev server, in memory (no --db-filename), no UI.
  const temporalServer = await stack.startTemporal({ dynamicConfig: options.temporalConfig });
  const { connection, client: temporal, address } = temporalServer;
  const temporalMetricsPort = temporalServer.metricsPort;
  lap('temporal');

  // The worker and the API, as `npm start` runs them.
  const apiPort = await freePort();
  const metricsPort = await freePort();
  const apiBaseUrl = `http://127.0.0.1:${apiPort}`;
  const metricsToken = randomBytes(16).toString('hex');
  const phoneSealingKey = randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TWILIO_') || key.startsWith('BENCH_')) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(options.dbPool),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_AGENT_TASK_QUEUE: AGENT_TASK_QUEUE,
    TEMPORAL_EXTERNAL: 'true',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_BASE_URL: apiBaseUrl,
    WORKER_METRICS_PORT: String(metricsPort),
    SEED_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
    // Every bench visitor has their own number; the limits would only measure themselves.
    RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR: '1000000',
    RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE: '100000000',
    // Production refuses the public development secrets: the bench run has its own.
    SIMULATED_AUTH_TOKEN: randomBytes(16).toString('hex'),
    VISITOR_LINK_SECRET: randomBytes(32).toString('hex'),
    PHONE_SEALING_KEY: phoneSealingKey,
    METRICS_TOKEN: metricsToken,
  });
  // #15.1: the Twilio REST simulator, a process of its own; worker and API configured for Twilio.
  const telephony = options.telephony ?? 'twilio-sim';
  let simulator: Service | undefined;
  if (telephony === 'twilio-sim') {
    const simPort = await freePort();
    const simUrl = `http://127.0.0.1:${simPort}`;
    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    simulator = stack.node('twilio-sim', 'scripts/twilio-simulator.ts', {
      ...process.env,
      LOG_LEVEL: 'warn',
      TWILIO_SIM_PORT: String(simPort),
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_SIM_TALK_TIME_SECONDS: String(options.talkTimeSeconds ?? 1),
    });
    await stack.waitForHttp(`${simUrl}/healthz`, 60_000, simulator);
    Object.assign(env, {
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM_NUMBER: '+33100000000',
      TWILIO_API_BASE_URL: simUrl,
    });
    lap('twilio-sim');
  }
  const workerEnv: NodeJS.ProcessEnv = {
    // As the Dockerfile and `npm start` run it (an explicit MALLOC_ARENA_MAX wins).
    MALLOC_ARENA_MAX: '2',
    ...env,
    ...(Object.keys(options.workerOptions).length
      ? { BENCH_WORKER_OPTIONS: JSON.stringify(options.workerOptions) }
      : {}),
    ...(options.workflowBundlePath ? { BENCH_WORKFLOW_BUNDLE: options.workflowBundlePath } : {}),
  };
  const preload = path.join(PROJECT_ROOT, 'bench', 'worker-preload.js');
  const profiling = (name: 'api' | 'worker') =>
    options.profile.includes(name)
      ? // One folder per child, Node's own file names: the tsx loader's thread writes a profile too,
        // and a fixed name let it overwrite the main thread's.
        ['--cpu-prof', '--cpu-prof-dir', path.join(logsDir, 'profiles', name)]
      : [];
  const snapshotsDir = path.join(logsDir, 'profiles');
  const workerArgs = [
    // #15.5: as `npm start` and the compose file start it, no V8 flag on the command line (the
    // worker gives its threads theirs, workers/node-flags.ts); BENCH_WORKER_NODE_FLAGS adds some
    // (e.g. workers/node-flags.ts' flags for the main thread too, or V8's defaults to measure without).
    ...(process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ...profiling('worker'),
    ...(options.heapSnapshots ? ['--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${snapshotsDir}`] : []),
    '--require',
    preload,
  ];

  const watchExit = (service: Service) =>
    service.child.once('exit', (code, signal) => {
      if (!service.stopping()) say(`!! ${service.name} exited unexpectedly (${code ?? signal}); see ${service.log}`);
    });
  if (simulator) watchExit(simulator);
  const startWorker = async () => {
    const service = stack.node('worker', 'workers/main.ts', workerEnv, { nodeArgs: workerArgs });
    watchExit(service);
    // Ready when this process polls the workflow task queue.
    await stack.waitForWorker(temporalServer, 120_000, service);
    return service;
  };
  let worker = await startWorker();
  lap('worker');

  const apiService = stack.node('api', 'api/main.ts', env, { nodeArgs: profiling('api') });
  watchExit(apiService);
  await stack.waitForHttp(`${apiBaseUrl}/healthz`, 60_000, apiService);
  lap('api');

  const api = createHttpClient(apiBaseUrl, API_KEY, 256);
  onCleanup('http client', () => api.close());
  const agentsApi = (await api.get('/v1/agents')).status === 200;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

  let workerCpuBefore = 0; // CPU of the workers stopped earlier in the run

  return {
    databaseUrl,
    prisma,
    temporal,
    api,
    apiBaseUrl,
    accountId,
    phoneSealingKey,
    agentsApi,
    startupMs,
    telephony,
    worker: () => worker.child,
    apiProcess: () => apiService.child,
    async restartWorker() {
      workerCpuBefore += procCpuSeconds(worker.child.pid);
      await worker.stop(15_000);
      const started = performance.now();
      worker = await startWorker();
      return Math.round(performance.now() - started);
    },
    workerMetricsText: () => getText(metricsUrl, metricsToken),
    async workerMemory() {
      const text = await getText(metricsUrl, metricsToken);
      const mb = (name: string) => Math.round((metricValue(text, name) / 2 ** 20) * 10) / 10;
      const proc = procMemoryMb(worker.child.pid);
      return {
        rssMb: mb('callbacks_worker_process_resident_memory_bytes'),
        heapUsedMb: mb('callbacks_worker_nodejs_heap_size_used_bytes'),
        heapTotalMb: mb('callbacks_worker_nodejs_heap_size_total_bytes'),
        externalMb: mb('callbacks_worker_nodejs_external_memory_bytes'),
        procRssMb: Math.round(proc.rss * 10) / 10,
        procPeakRssMb: Math.round(proc.peak * 10) / 10,
      };
    },
    async workerHeapSnapshot(label) {
      if (!options.heapSnapshots) throw new Error('workerHeapSnapshot: start the stack with heapSnapshots');
      mkdirSync(snapshotsDir, { recursive: true });
      const before = new Set(readdirSync(snapshotsDir));
      worker.child.kill('SIGWINCH');
      // Node names it Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot; done when its size stops moving.
      const file = await waitFor(
        'the worker to write its heap snapshot',
        600_000,
        async () => {
          const name = readdirSync(snapshotsDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
          if (!name) return undefined;
          const size = statSync(path.join(snapshotsDir, name)).size;
          await sleep(2000);
          return size > 0 && statSync(path.join(snapshotsDir, name)).size === size ? name : undefined;
        },
        1000,
      );
      const target = path.join(snapshotsDir, `worker-${label}.heapsnapshot`);
      renameSync(path.join(snapshotsDir, file), target);
      return target;
    },
    async temporalRequests() {
      const text = await getText(`http://127.0.0.1:${temporalMetricsPort}/metrics`);
      const counts: Record<string, number> = {};
      for (const match of text.matchAll(
        /^service_requests\{[^}]*operation="([^"]+)"[^}]*service_name="frontend"[^}]*\} ([0-9.eE+]+)$/gm,
      )) {
        counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
      }
      return counts;
    },
    cpu: () => {
      const own = process.cpuUsage();
      return {
        temporal: procCpuSeconds(temporalServer.service().child.pid),
        postgres: postmaster
          ? procCpuSeconds(postmaster, true) + childrenOf(postmaster).reduce((sum, pid) => sum + procCpuSeconds(pid), 0)
          : 0,
        worker: workerCpuBefore + procCpuSeconds(worker.child.pid),
        api: procCpuSeconds(apiService.child.pid),
        network: procCpuSeconds(simulator?.child.pid),
        bench: (own.user + own.system) / 1e6,
      };
    },
    apiMemoryMb: () => Math.round(procMemoryMb(apiService.child.pid).rss * 10) / 10,
    async workflowBacklog() {
      const described = await connection.workflowService.describeTaskQueue({
        namespace: NAMESPACE,
        taskQueue: { name: TASK_QUEUE, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        reportStats: true,
      });
      const count = described.stats?.approximateBacklogCount;
      return count === undefined || count === null ? undefined : Number(count.toString());
    },
  };
}

export { sleep };
