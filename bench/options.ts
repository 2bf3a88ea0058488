// Command-line options of `npm run bench`. Every figure can be scaled down; --quick scales
// them all for a run of about three minutes.

export type Figure = 'p1' | 'p2' | 'p3' | 'p4' | 'p5';
export const FIGURES: readonly Figure[] = ['p1', 'p2', 'p3', 'p4', 'p5'];

export interface BenchOptions {
  quick: boolean;
  only: Figure[];
  /** P1: immediate callbacks, sent open-loop at `p1Rate` per second. */
  p1: number;
  p1Rate: number;
  /** P2: bookings (and bare starts) at `p2Concurrency` concurrent clients. */
  p2: number;
  p2Concurrency: number;
  /** P3: deferred callbacks due within `p3Window` seconds; agents of their project (0: automatic). */
  p3: number;
  p3Window: number;
  p3Agents: number;
  /** P4: sleeping callbacks started at `p4Concurrency`; cancelled through the API or terminated. */
  p4: number;
  p4Concurrency: number;
  /** How many of them are cancelled through the API (the rest are terminated). */
  p4ApiCancels: number;
  /** Agents of the demo project, all AVAILABLE, numbers ending in 5 (S57: they answer). */
  agents: number;
  /** DATABASE_POOL_SIZE of the worker and the API (and the bench's own bare-stack client). */
  dbPool: number;
  /** Extra Worker.create options for the worker child (measurement shim, bench/worker-preload.js). */
  workerOptions: Record<string, unknown>;
  /** The worker loads a bundle the bench built instead of bundling at start. */
  prebuiltBundle: boolean;
  /** Children run with --cpu-prof (profiles in the run's logs folder). */
  profile: ('api' | 'worker')[];
  /** P4 writes a heap snapshot of the worker's main thread idle and with N sleeping (--heap-snapshots). */
  heapSnapshots: boolean;
  /** Dynamic config of the Temporal dev server (`--dynamic-config-value KEY=VALUE`), for experiments. */
  temporalConfig: string[];
  /** Restart the worker before P4 so its memory is that of the 10,000 sleeping callbacks only. */
  p4FreshWorker: boolean;
  /**
   * #15.1: how the worker reaches the phone network. 'twilio-sim' (default): the production
   * Twilio adapter against the Twilio REST simulator, a process of its own (its CPU measured
   * apart); 'simulated': the simulated network inside the worker (S57), as before.
   */
  telephony: Telephony;
}

export type Telephony = 'twilio-sim' | 'simulated';
export const TELEPHONIES: readonly Telephony[] = ['twilio-sim', 'simulated'];

const FULL: Omit<
  BenchOptions,
  | 'quick'
  | 'only'
  | 'workerOptions'
  | 'prebuiltBundle'
  | 'dbPool'
  | 'p4FreshWorker'
  | 'temporalConfig'
  | 'profile'
  | 'heapSnapshots'
  | 'telephony'
> = {
  p1: 200,
  p1Rate: 2,
  p2: 1000,
  p2Concurrency: 50,
  p3: 1000,
  p3Window: 60,
  p3Agents: 0,
  p4: 10_000,
  p4Concurrency: 50,
  p4ApiCancels: 500,
  agents: 50,
};

const QUICK: Partial<BenchOptions> = { p1: 30, p1Rate: 2, p2: 200, p3: 100, p3Window: 20, p4: 500, p4ApiCancels: 100 };

export const USAGE = `npm run bench [-- options]

  --quick                 scaled-down run (about 3 minutes): ${Object.entries(QUICK)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}
  --only=p1,p2,...        run only these figures (default: all of p1..p5)
  --p1=N --p1-rate=R      P1 immediate callbacks (default ${FULL.p1}), sent at R per second (${FULL.p1Rate})
  --p2=N --p2-concurrency=C
                          P2 bookings and bare starts (${FULL.p2}) with C clients (${FULL.p2Concurrency})
  --p3=N --p3-window=S --p3-agents=A
                          P3 deferred callbacks (${FULL.p3}) due within S seconds (${FULL.p3Window}); A agents (auto)
  --p4=N --p4-concurrency=C --p4-api-cancels=K
                          P4 sleeping callbacks (${FULL.p4}) started with C clients (${FULL.p4Concurrency}); K of them
                          cancelled through the API (${FULL.p4ApiCancels}), the rest terminated
  --no-p4-fresh-worker    measure P4 on the worker that ran P1-P3 (default: restart it first)
  --agents=N              available agents of the demo project (${FULL.agents})
  --db-pool=N             DATABASE_POOL_SIZE of worker and API (default 10, the service's default)
  --worker-options=JSON   extra Worker.create options, e.g. '{"maxCachedWorkflows":500}'
  --prebuilt-bundle       the worker loads a prebuilt workflow bundle instead of bundling at start
  --profile=api,worker    run these children with --cpu-prof (.cpuprofile files next to the logs)
  --heap-snapshots        P4: heap snapshots of the worker's main thread, idle and with N sleeping
                          (logs/profiles/*.heapsnapshot; compare them with bench/heap-diff.ts)
  --telephony=twilio-sim|simulated
                          the worker's phone network: the Twilio adapter against the Twilio REST
                          simulator in its own process (default; the production path), or the
                          simulated network inside the worker
  --temporal-config='K=V;K2=V2'
                          dynamic config of the Temporal dev server, e.g. 'history.timerProcessorMaxTimeShift="100ms"'
`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n\n${USAGE}`);
    const eq = arg.indexOf('=');
    if (eq > 0) raw.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) raw.set(arg.slice(2), argv[++i]!);
    else raw.set(arg.slice(2), 'true');
  }
  if (raw.has('help')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = raw.get('quick') === 'true';
  raw.delete('quick');
  const base: BenchOptions = {
    ...FULL,
    ...(quick ? QUICK : {}),
    quick,
    only: [...FIGURES],
    dbPool: 10,
    workerOptions: {},
    prebuiltBundle: false,
    p4FreshWorker: true,
    temporalConfig: [],
    profile: [],
    heapSnapshots: false,
    telephony: 'twilio-sim',
  };
  const numeric: Record<string, keyof BenchOptions> = {
    p1: 'p1',
    'p1-rate': 'p1Rate',
    p2: 'p2',
    'p2-concurrency': 'p2Concurrency',
    p3: 'p3',
    'p3-window': 'p3Window',
    'p3-agents': 'p3Agents',
    p4: 'p4',
    'p4-concurrency': 'p4Concurrency',
    'p4-api-cancels': 'p4ApiCancels',
    agents: 'agents',
    'db-pool': 'dbPool',
  };
  for (const [name, value] of raw) {
    const key = numeric[name];
    if (key) {
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0) throw new Error(`--${name} must be a number, not ${value}`);
      (base as unknown as Record<string, number>)[key] = number;
    } else if (name === 'only') {
      const figures = value.split(',').map((f) => f.trim().toLowerCase());
      for (const f of figures) if (!FIGURES.includes(f as Figure)) throw new Error(`--only: unknown figure ${f}`);
      base.only = figures as Figure[];
    } else if (name === 'worker-options') {
      base.workerOptions = JSON.parse(value) as Record<string, unknown>;
    } else if (name === 'prebuilt-bundle') {
      base.prebuiltBundle = value !== 'false';
    } else if (name === 'profile') {
      const names = value.split(',');
      for (const n of names) if (n !== 'api' && n !== 'worker') throw new Error(`--profile: api or worker, not ${n}`);
      base.profile = names as ('api' | 'worker')[];
    } else if (name === 'temporal-config') {
      base.temporalConfig = value.split(';').filter(Boolean);
    } else if (name === 'telephony') {
      if (!TELEPHONIES.includes(value as Telephony))
        throw new Error(`--telephony: ${TELEPHONIES.join(' or ')}, not ${value}`);
      base.telephony = value as Telephony;
    } else if (name === 'heap-snapshots') {
      base.heapSnapshots = true;
    } else if (name === 'no-p4-fresh-worker') {
      base.p4FreshWorker = false;
    } else {
      throw new Error(`unknown option --${name}\n\n${USAGE}`);
    }
  }
  if (base.agents < 1) throw new Error('--agents must be at least 1');
  return base;
}
