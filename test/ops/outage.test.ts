// Issue #10 item 5: outages answer, they do not hang. PostgreSQL paused (SIGSTOP on the
// postmaster and its backends) → 503 UNAVAILABLE with Retry-After within 5 s, and everything
// works again by itself after SIGCONT. The API started while Temporal is unreachable boots,
// serves reads, and says so on /readyz.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/infra/migrate';
import { ensureDatabase } from '../../src/infra/postgres';
import { createPrisma, type Db } from '../../src/infra/prisma';
import { createCallbackRow } from '../helpers/db';
import { createTenant, dailySlotSettings, frenchMobile, startApi, type ApiHarness } from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { freePort } from '../helpers/stack';
import { createTimeSkippingEnv } from '../helpers/temporal';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

describe('PostgreSQL paused', () => {
  let work: string;
  let server: ChildProcess;
  let prisma: Db;
  let env: TestWorkflowEnvironment;
  let harness: ApiHarness | undefined;
  let postmaster = 0;
  let paused: number[] = [];

  /** The postmaster and every backend it runs now (the pool's connections included). */
  const pause = () => {
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout;
    paused = [postmaster, ...children.split('\n').filter(Boolean).map(Number)];
    for (const pid of paused) process.kill(pid, 'SIGSTOP');
  };
  const resume = () => {
    for (const pid of paused) process.kill(pid, 'SIGCONT');
    paused = [];
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'callbacks-outage-'));
    chmodSync(work, 0o755);
    const dataDir = path.join(work, 'data');
    server = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures', 'postgres-server.ts'), dataDir, String(await freePort())],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const started = await new Promise<{ url: string; postmaster: number }>((resolve, reject) => {
      let buffer = '';
      server.stdout!.on('data', (chunk) => {
        buffer += String(chunk);
        if (buffer.includes('\n')) resolve(JSON.parse(buffer.split('\n')[0]!));
      });
      server.once('exit', (code) => reject(new Error(`postgres server exited with ${code}`)));
    });
    const url = new URL(started.url);
    url.pathname = '/outage';
    await ensureDatabase(url.toString());
    await migrate(url.toString());
    prisma = createPrisma(url.toString(), 5, { connectMs: 2000, statementMs: 3000 });
    env = await createTimeSkippingEnv();
    postmaster = started.postmaster;
  });

  afterAll(async () => {
    resume();
    await harness?.close();
    await prisma?.$disconnect();
    await env?.teardown();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  test('requests answer 503 UNAVAILABLE with Retry-After within 5 s, and recover after SIGCONT', async () => {
    // The test fixture's app (test/helpers/api.ts) on this file's own, pausable PostgreSQL.
    harness = await startApi({
      prisma,
      temporal: env.client,
      taskQueue: 'outage',
      requestTimeoutMs: loadConfig({ NODE_ENV: 'test' }).REQUEST_TIMEOUT_MS,
      rateLimits: { perApiKeyPerMinute: 1000, perPhonePerHour: 1000 },
    });
    const api = () => harness!.api();
    const tenant = await createTenant(prisma);
    await api()
      .put(`/v1/projects/${tenant.projectId}/call-settings`)
      .set(tenant.auth)
      .send(dailySlotSettings({ start: '09:00', end: '10:00', capacity: 50 }))
      .expect(200);
    const row = await createCallbackRow(prisma, tenant.projectId, { dueAt: new Date(Date.now() + 86_400_000) });
    const read = () => api().get(`/v1/callbacks/${row.id}`).set(tenant.auth);
    await read().expect(200);
    const slots = await api().get(`/v1/projects/${tenant.projectId}/availability`).set(tenant.auth);
    const slotStart = (slots.body as { deferred: { slots: { start: string }[] } }).deferred.slots[1]!.start;

    pause();
    const during = await Promise.all([
      timed(() => read()),
      timed(() => api().get('/healthz')),
      timed(() => api().get('/readyz')),
      timed(() =>
        api()
          .post('/v1/callbacks')
          .set(tenant.auth)
          .send({ projectId: tenant.projectId, phone: frenchMobile(), mode: 'deferred', slotStart }),
      ),
    ]);
    const [getting, health, ready, booking] = during;
    process.stdout.write(
      `outage answers (ms): GET callback ${getting.ms}, /healthz ${health.ms}, /readyz ${ready.ms}, booking ${booking.ms}\n`,
    );
    for (const { value, ms } of [getting, booking]) {
      expect(ms).toBeLessThan(5000);
      expect(value.status).toBe(503);
      expect(value.body.error.code).toBe('UNAVAILABLE');
      expect(Number(value.headers['retry-after'])).toBeGreaterThan(0);
    }
    for (const { value, ms } of [health, ready]) {
      expect(ms).toBeLessThan(5000);
      expect(value.status).toBe(503);
    }
    expect(health.value.body.database).toBe('unreachable');

    resume();
    const resumed = Date.now();
    for (;;) {
      const res = await read();
      if (res.status === 200) break;
      if (Date.now() - resumed > 30_000) throw new Error(`not recovered: ${res.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.stdout.write(`recovered ${Date.now() - resumed} ms after SIGCONT\n`);
    await api().get('/healthz').expect(200);
    const after = await api()
      .post('/v1/callbacks')
      .set(tenant.auth)
      .send({ projectId: tenant.projectId, phone: frenchMobile(), mode: 'deferred', slotStart });
    expect(after.status).toBe(201);
    // What was booked before the outage is still there.
    expect(await prisma.callback.count({ where: { id: row.id } })).toBe(1);
  });
});

describe('Temporal unreachable at start', () => {
  let api: ChildProcess | undefined;
  let prisma: Db;

  beforeAll(() => {
    prisma = testPrisma();
  });
  afterAll(async () => {
    api?.kill('SIGKILL');
    await prisma?.$disconnect();
  });

  test('the API boots, serves reads, reports Temporal on /readyz, and still books (outbox)', async () => {
    const port = await freePort();
    const output: string[] = [];
    api = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'api', 'main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: process.env.DATABASE_URL,
        TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, // nothing listens there
        PORT: String(port),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.on('data', (chunk) => output.push(String(chunk)));
    api.stderr!.on('data', (chunk) => output.push(String(chunk)));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (!output.join('').includes('API listening')) {
      if (Date.now() > deadline || api.exitCode !== null) throw new Error(`API did not start:\n${output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const tenant = await createTenant(prisma);
    const row = await createCallbackRow(prisma, tenant.projectId, { dueAt: new Date(Date.now() + 86_400_000) });
    const first = await timed(() => fetch(`${base}/v1/callbacks/${row.id}`, { headers: tenant.auth }));
    expect(first.value.status).toBe(200);
    const read = await timed(() => fetch(`${base}/v1/callbacks/${row.id}`, { headers: tenant.auth }));
    expect(read.value.status).toBe(200);
    expect(((await read.value.json()) as { id: string }).id).toBe(row.id);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const ready = await timed(() => fetch(`${base}/readyz`));
    expect(ready.ms).toBeLessThan(5000);
    expect(ready.value.status).toBe(503);
    const body = (await ready.value.json()) as { checks: Record<string, { status: string }> };
    expect(body.checks.database!.status).toBe('ok');
    expect(body.checks.temporal!.status).toBe('unreachable');

    const headers = { ...tenant.auth, 'content-type': 'application/json' };
    const settings = await fetch(`${base}/v1/projects/${tenant.projectId}/call-settings`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(dailySlotSettings({ start: '09:00', end: '10:00', capacity: 50 })),
    });
    expect(settings.status).toBe(200);
    const slots = (await (await fetch(`${base}/v1/projects/${tenant.projectId}/availability`, { headers })).json()) as {
      deferred: { slots: { start: string }[] };
    };
    const booking = await timed(() =>
      fetch(`${base}/v1/callbacks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          projectId: tenant.projectId,
          phone: frenchMobile(),
          mode: 'deferred',
          slotStart: slots.deferred.slots[1]!.start,
        }),
      }),
    );
    process.stdout.write(
      `Temporal down: first read ${first.ms} ms, read ${read.ms} ms, /readyz ${ready.ms} ms, booking ${booking.ms} ms\n`,
    );
    expect(booking.ms).toBeLessThan(5000);
    // The row is the outbox: the booking stands, reconciliation starts its workflow later.
    expect(booking.value.status).toBe(201);
    const booked = (await booking.value.json()) as { id: string };
    expect(await prisma.callback.count({ where: { id: booked.id, status: 'SCHEDULED' } })).toBe(1);
    // The failed start is logged with its cause, not masked into "Object".
    const logs = output.join('');
    expect(logs).toContain('workflow start failed');
    expect(logs).not.toContain('"type":"Object"');
  });
});
