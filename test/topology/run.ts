// `npm run test:topology` (issue #10, Done-when #1): the production topology on one machine.
// PostgreSQL (embedded) and a Temporal dev server run as independent services (started by
// test/helpers/stack.ts); two workers
// and two APIs run the BUILT code (`node dist/…`, NODE_ENV=production, TEMPORAL_EXTERNAL=true)
// with no manual search-attribute registration. Callbacks are booked through both APIs, one
// worker is killed with -9 mid-run, and every callback must end COMPLETED with no leg dialled
// twice. Bounded (4 minutes); prints `topology: N passed, M failed`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  createStack,
  freePort,
  PROJECT_ROOT,
  stopAll,
  stopOnSignals,
  waitFor as until,
  type Service,
} from '../helpers/stack';

const BUDGET_MS = 4 * 60_000;
const CALLBACKS = Number(process.env.TOPOLOGY_CALLBACKS ?? 30);
const KILL_AFTER = Math.floor(CALLBACKS / 3);
const started = Date.now();
const say = (line: string) =>
  process.stdout.write(`[topology ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  stopOnSignals(say);
  const stack = createStack({ name: 'topology', say });
  let stopping = false;
  let passed = false;
  let budget: NodeJS.Timeout | undefined;
  const startBudget = () =>
    (budget = setTimeout(() => {
      say(`over the ${BUDGET_MS / 1000} s budget: giving up`);
      process.stdout.write('topology: 0 passed, 1 failed\n');
      void stopAll(say).finally(() => process.exit(1));
    }, BUDGET_MS));

  try {
    // 1. The build: plain node runs what `npm run build` produced.
    if (process.env.TOPOLOGY_SKIP_BUILD !== '1') {
      const buildStart = Date.now();
      const build = spawnSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
      say(`npm run build: ${((Date.now() - buildStart) / 1000).toFixed(1)} s`);
    }
    // The budget covers the topology itself, not the build (measured above).
    const topologyStart = Date.now();
    startBudget();

    // 2. Independent services: PostgreSQL and a Temporal dev server without our search attributes.
    const postgres = await stack.startPostgres();
    const databaseUrl = postgres.url;
    const temporalHandle = await stack.startTemporal({ searchAttributes: false, logLevel: 'warn' });
    const temporalAddress = temporalHandle.address;
    const temporal = temporalHandle.connection;
    const before = await temporal.operatorService.listSearchAttributes({ namespace: 'default' });
    const preRegistered = ALL_SEARCH_ATTRIBUTES.filter((key) => key.name in (before.customAttributes ?? {}));
    if (preRegistered.length) throw new Error(`the dev server already has ${preRegistered.map((k) => k.name)}`);
    say(`PostgreSQL and Temporal (${temporalAddress}) up, no Callback* search attributes; logs in ${stack.logsDir}`);

    // 3. Production configuration: secrets of its own, no development default.
    const secret = () => randomBytes(18).toString('base64url');
    const apiKey = `topology-${secret()}`;
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_EXTERNAL: 'true',
      TEMPORAL_TASK_QUEUE: 'callbacks',
      SEED_API_KEY: apiKey,
      SIMULATED_AUTH_TOKEN: secret(),
      METRICS_TOKEN: secret(),
      VISITOR_LINK_SECRET: secret(),
      PHONE_SEALING_KEY: `${secret()}${secret()}`,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      // The children stop by themselves if this runner dies.
      CALLBACK_SUPERVISOR_PID: String(process.pid),
    };
    const node = (script: string) => [path.join(PROJECT_ROOT, 'dist', script)];
    for (const script of ['scripts/migrate.js', 'prisma/seed.js']) {
      const run = spawnSync(process.execPath, node(script), { cwd: PROJECT_ROOT, env: base, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`node dist/${script} failed:\n${run.stdout}\n${run.stderr}`);
    }
    const apiPorts = [await freePort(), await freePort()];
    const workers: Service[] = [];
    const services: Service[] = [];
    const workerPorts = [await freePort(), await freePort()];
    for (const [i, apiPort] of apiPorts.entries()) {
      workers.push(
        stack.node(
          `worker-${i + 1}`,
          'workers/main.ts',
          {
            ...base,
            // Each worker's simulated network posts its call events to "its" API.
            PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
            WORKER_METRICS_PORT: String(workerPorts[i]),
          },
          { built: true },
        ),
      );
    }
    for (const [i, apiPort] of apiPorts.entries()) {
      services.push(
        stack.node(
          `api-${i + 1}`,
          'api/main.ts',
          { ...base, PORT: String(apiPort), PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}` },
          { built: true },
        ),
      );
    }
    for (const service of [...workers, ...services]) {
      service.child.once('exit', (code, signal) => {
        if (!stopping && service.name !== 'worker-1')
          say(`${service.name} exited (${code ?? signal}); log: ${service.log}`);
      });
    }
    const apis = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    for (const api of apis) {
      await until(`${api}/readyz`, 90_000, async () => {
        const res = await fetch(`${api}/readyz`);
        return res.status === 200 ? true : undefined;
      });
    }
    // The workers' own health endpoints, and /metrics behind METRICS_TOKEN.
    for (const port of workerPorts) {
      const worker = `http://127.0.0.1:${port}`;
      await until(`${worker}/readyz`, 30_000, async () => ((await fetch(`${worker}/readyz`)).ok ? true : undefined));
      if (!(await fetch(`${worker}/livez`)).ok) throw new Error(`${worker}/livez failed`);
      if ((await fetch(`${worker}/metrics`)).status !== 401) throw new Error(`${worker}/metrics is not protected`);
      const metrics = await fetch(`${worker}/metrics`, { headers: { authorization: `Bearer ${base.METRICS_TOKEN}` } });
      if (!metrics.ok) throw new Error(`${worker}/metrics with the token: ${metrics.status}`);
    }
    if ((await fetch(`${apis[0]}/metrics`)).status !== 401) throw new Error('the API /metrics is not protected');
    const after = await temporal.operatorService.listSearchAttributes({ namespace: 'default' });
    const registered = ALL_SEARCH_ATTRIBUTES.filter((key) => key.name in (after.customAttributes ?? {}));
    say(
      `2 workers, 2 APIs ready (/readyz, worker /readyz /livez, /metrics behind its token); search attributes registered by them: ${registered.map((k) => k.name).join(', ')}`,
    );
    if (registered.length !== ALL_SEARCH_ATTRIBUTES.length) throw new Error('search attributes not registered');

    // 4. The project: fast retries, short rings; six agents logged in and available.
    const headers = { Authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const call = async (api: string, method: string, url: string, body?: unknown) => {
      const res = await fetch(`${api}${url}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const expectOk = async (what: string, result: Promise<{ status: number; body: unknown }>) => {
      const { status, body } = await result;
      if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
      return body as Record<string, unknown>;
    };
    await expectOk(
      'call settings',
      call(apis[0]!, 'PUT', '/v1/projects/demo/call-settings', {
        timezone: 'Europe/Paris',
        countries: ['FR'],
        immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
        deferred: { enabled: false },
        maxHandlingDelaySeconds: 3600,
        retry: { maxRetries: 10, intervalSeconds: 1 },
        autoAnswer: { delaySeconds: 1 },
        ringTimeoutSeconds: 5,
        talkTimeSeconds: 1,
      }),
    );
    for (let i = 0; i < 4; i++) {
      await expectOk(
        'agent',
        call(apis[i % 2]!, 'POST', '/v1/agents', {
          projectIds: ['demo'],
          name: `Topology agent ${i + 1}`,
          kind: 'EMPLOYEE',
          callEnabled: true,
          answerMode: 'PHONE',
          phoneNumber: `+3361234101${5 + (i % 4)}`,
        }),
      );
    }
    const agents = (await expectOk('agents', call(apis[0]!, 'GET', '/v1/agents?projectId=demo&limit=100'))) as {
      items: { id: string; kind: string }[];
    };
    const employees = agents.items.filter((agent) => agent.kind === 'EMPLOYEE');
    for (const [i, agent] of employees.entries()) {
      await expectOk('login', call(apis[i % 2]!, 'POST', `/v1/agents/${agent.id}/login`, {}));
      await expectOk('status', call(apis[i % 2]!, 'PUT', `/v1/agents/${agent.id}/status`, { status: 'AVAILABLE' }));
    }
    say(`${employees.length} agents available`);

    // 5. Bookings through both APIs; worker 1 killed with -9 a third of the way in.
    const ids: string[] = [];
    const bookingStart = Date.now();
    let killedAt: number | undefined;
    for (let i = 0; i < CALLBACKS; i++) {
      if (i === KILL_AFTER) {
        workers[0]!.signal('SIGKILL');
        killedAt = Date.now();
        say(`killed worker-1 (-9) after ${i} bookings`);
      }
      const api = apis[i % 2]!;
      // Numbers that answer on the simulated network (last digit 4–9).
      const phone = `+336987${String(10_000 + i).slice(1)}${4 + (i % 6)}`;
      const booked = await until(`booking ${i + 1}`, 60_000, async () => {
        const res = await call(api, 'POST', '/v1/callbacks', { projectId: 'demo', phone, mode: 'immediate' });
        if (res.status === 201) return res.body.id as string;
        // All agents busy: immediate is refused for a moment (S2); try again.
        if (res.status === 409 && (res.body.error as { code?: string })?.code === 'IMMEDIATE_UNAVAILABLE')
          return undefined;
        throw Object.assign(new Error(`booking: ${res.status} ${JSON.stringify(res.body)}`), { fatal: true });
      });
      ids.push(booked);
      await sleep(150);
    }
    say(`${ids.length} callbacks booked in ${((Date.now() - bookingStart) / 1000).toFixed(1)} s`);

    // 6. Every callback ends; read the outcome from the database.
    const db = new PgClient({ connectionString: databaseUrl });
    await db.connect();
    const terminal = ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'];
    const remainingMs = BUDGET_MS - (Date.now() - topologyStart) - 15_000;
    await until('every callback ended', remainingMs, async () => {
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM callbacks WHERE id = ANY($1::uuid[]) AND status::text <> ALL($2)',
        [ids, terminal],
      );
      return Number(rows[0]!.n) === 0 ? true : undefined;
    }).catch((err: Error) => say(err.message));
    const { rows: statuses } = await db.query<{ id: string; status: string; attempts: string }>(
      `SELECT c.id, c.status::text AS status, (SELECT count(*) FROM attempts a WHERE a.callback_id = c.id) AS attempts
         FROM callbacks c WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    // A leg dialled twice: two telephony rows for one attempt's leg, or one call sid on two rows.
    const { rows: doubled } = await db.query<{ attempt_id: string; leg: string; n: string }>(
      `SELECT t.attempt_id, t.leg, count(*) AS n FROM telephony_calls t JOIN attempts a ON a.id = t.attempt_id
        WHERE a.callback_id = ANY($1::uuid[]) GROUP BY t.attempt_id, t.leg HAVING count(*) > 1`,
      [ids],
    );
    const { rows: legs } = await db.query<{ rows: string; sids: string; distinct_sids: string }>(
      `SELECT count(*) AS rows, count(t.call_sid) AS sids, count(DISTINCT t.call_sid) AS distinct_sids
         FROM telephony_calls t JOIN attempts a ON a.id = t.attempt_id WHERE a.callback_id = ANY($1::uuid[])`,
      [ids],
    );
    await db.end();
    const completed = statuses.filter((row) => row.status === 'COMPLETED');
    const attempts = statuses.reduce((sum, row) => sum + Number(row.attempts), 0);
    const failures: string[] = [];
    for (const row of statuses) {
      if (row.status !== 'COMPLETED') failures.push(`callback ${row.id} is ${row.status} (${row.attempts} attempts)`);
    }
    for (const row of doubled) failures.push(`attempt ${row.attempt_id}: ${row.leg} leg dialled ${row.n} times`);
    const leg = legs[0]!;
    if (leg.sids !== leg.distinct_sids) failures.push(`${leg.sids} placed calls share ${leg.distinct_sids} call sids`);
    say(
      `${completed.length}/${ids.length} COMPLETED; ${attempts} attempts; ${leg.rows} legs dialled ` +
        `(${leg.distinct_sids} distinct calls); worker-1 killed ${killedAt ? `${((killedAt - bookingStart) / 1000).toFixed(1)} s into booking` : 'never'}; ` +
        `topology ${((Date.now() - topologyStart) / 1000).toFixed(1)} s`,
    );
    for (const failure of failures.slice(0, 10)) say(`FAIL ${failure}`);
    if (failures.length) say(`the services' last lines:\n${stack.logTails(15)}`);
    const failed = ids.length - completed.length + doubled.length + (leg.sids !== leg.distinct_sids ? 1 : 0);
    process.stdout.write(`topology: ${completed.length} passed, ${failed} failed\n`);
    passed = failed === 0 && completed.length === CALLBACKS;
    return passed ? 0 : 1;
  } catch (err) {
    say(`the services' last lines:\n${stack.logTails(20)}`);
    throw err;
  } finally {
    stopping = true;
    clearTimeout(budget);
    await stack.stop();
    // The logs of a passing run are removed (TOPOLOGY_KEEP=1 keeps them).
    if (passed && process.env.TOPOLOGY_KEEP !== '1') stack.discardLogs();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.stdout.write('topology: 0 passed, 1 failed\n');
    process.exit(1);
  },
);
