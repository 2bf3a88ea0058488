// #15.3 (S7, S14, S20, S23): availability and API keys served from memory stay exact. The
// app here is built as api/main.ts builds it (change feed, availability cache, key cache) on
// the real PostgreSQL of the run; a second app stands for a second API process.
import type { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createV1Routers } from '../../api/routes';
import { availabilityFromMemory } from '../../api/routes/availability';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createAvailabilityCache, type AvailabilityCache } from '../../src/store/availability-cache';
import { loadAvailabilityInputs } from '../../src/store/call-settings';
import { startChangeFeed, type ChangeFeed } from '../../src/store/change-feed';
import { createTenant, dailySlotSettings, serveAsMain, type Tenant } from '../helpers/api';
import { createAgent } from '../helpers/agents';
import { useApi } from '../helpers/use-api';

const MONDAY_NOON = new Date('2027-02-15T12:00:00+01:00');
const THREE_PER_HOUR = { start: '09:00', end: '10:00', capacity: 3 };

const t = useApi({ temporal: 'time-skipping', clock: () => MONDAY_NOON });

interface CachedApi {
  api: () => ReturnType<typeof request>;
  cache: AvailabilityCache;
  feed: ChangeFeed;
  close: () => Promise<void>;
}

const apps: CachedApi[] = [];

/** An API process as api/main.ts makes it, caches on. */
async function startCachedApi(options: { bookingTemporal?: Client } = {}): Promise<CachedApi> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    TEMPORAL_TASK_QUEUE: t.taskQueue,
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent' });
  const feed = startChangeFeed({ connectionString: process.env.DATABASE_URL! });
  const cache = createAvailabilityCache(
    (projectId, from, to) => loadAvailabilityInputs(t.prisma, projectId, from, to),
    feed,
    { maxAgeMs: 600_000 },
  );
  const app = createApp({
    prisma: t.prisma,
    temporal: t.temporal,
    config,
    logger,
    apiKeyCache: { feed, maxAgeMs: 600_000 },
    availabilityFromMemory: availabilityFromMemory({ cache, clock: () => MONDAY_NOON }),
    v1Routers: createV1Routers({
      prisma: t.prisma,
      temporal: options.bookingTemporal ?? t.temporal,
      config,
      logger,
      rateLimits: { perApiKeyPerMinute: 100_000, perPhonePerHour: 1_000, perIpPerHour: 100_000 },
      clock: () => MONDAY_NOON,
      availabilityCache: cache,
    }),
  });
  const { base, close } = await serveAsMain(app, feed);
  const running: CachedApi = { api: () => request(base), cache, feed, close };
  apps.push(running);
  return running;
}

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

type Slots = { start: string; remaining: number; nextPositionAt?: string }[];

async function read(app: CachedApi, tenant: Tenant) {
  const res = await app.api().get(`/v1/projects/${tenant.projectId}/availability`).set(tenant.auth);
  expect(res.status).toBe(200);
  return res.body as { immediate: { available: boolean }; deferred: { available: boolean; slots: Slots } };
}

/** What another process's change looks like here once announced (bounded; not a timing assertion). */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await probe();
  for (let i = 0; i < 100 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

async function tenantWithSlots(app: CachedApi, settings = dailySlotSettings(THREE_PER_HOUR)) {
  const tenant = await createTenant(t.prisma);
  const res = await app.api().put(`/v1/projects/${tenant.projectId}/call-settings`).set(tenant.auth).send(settings);
  expect(res.status).toBe(200);
  return tenant;
}

function book(app: CachedApi, tenant: Tenant, slotStart: string, phone: string) {
  return app
    .api()
    .post('/v1/callbacks')
    .set(tenant.auth)
    .send({ projectId: tenant.projectId, phone, mode: 'deferred', slotStart });
}

let phone = 612_340_000 + Math.floor(Math.random() * 50_000);
const nextPhone = () => `+33${++phone}`;

test('S7/S20: a booking shows in the next read at once; repeated reads come from memory', async () => {
  const app = await startCachedApi();
  const tenant = await tenantWithSlots(app);
  const first = await read(app, tenant);
  const slot = first.deferred.slots[1]!;
  expect(slot.remaining).toBe(3);
  const before = { ...app.cache.stats };
  await read(app, tenant);
  await read(app, tenant);
  expect(app.cache.stats.hits - before.hits).toBe(2);
  expect(app.cache.stats.misses).toBe(before.misses);

  for (const remaining of [2, 1, 0]) {
    expect((await book(app, tenant, slot.start, nextPhone())).status).toBe(201);
    const after = (await read(app, tenant)).deferred.slots.find((s) => s.start === slot.start)!;
    expect(after.remaining).toBe(remaining);
  }
  // S14: the cache never decides capacity.
  const full = await book(app, tenant, slot.start, nextPhone());
  expect(full.status).toBe(409);
  expect(full.body.error.code).toBe('SLOT_FULL');
});

/** Every workflow start fails (as test/api/reconcile.test.ts): the cancel is the database's. */
function failingStarts(client: Client): Client {
  const workflow = Object.create(client.workflow, {
    start: { value: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')) },
  });
  return Object.create(client, { workflow: { value: workflow } }) as Client;
}

test('S23: a cancel frees the position in the next read', async () => {
  // No worker runs workflows here: a never-started callback is cancelled in the database.
  const app = await startCachedApi({ bookingTemporal: failingStarts(t.env.client) });
  const tenant = await tenantWithSlots(app);
  const slot = (await read(app, tenant)).deferred.slots[2]!;
  const booked = await book(app, tenant, slot.start, nextPhone());
  expect(booked.status).toBe(201);
  expect((await read(app, tenant)).deferred.slots[2]!.remaining).toBe(2);
  const cancel = await app.api().post(`/v1/callbacks/${booked.body.id}/cancel`).set(tenant.auth);
  expect(cancel.status).toBe(200);
  expect((await read(app, tenant)).deferred.slots[2]!.remaining).toBe(3);
});

test('a settings change shows in the next read at once', async () => {
  const app = await startCachedApi();
  const tenant = await tenantWithSlots(app);
  expect((await read(app, tenant)).deferred.slots[0]!.start).toContain('T09:00');
  const res = await app
    .api()
    .put(`/v1/projects/${tenant.projectId}/call-settings`)
    .set(tenant.auth)
    .send(dailySlotSettings({ start: '14:00', end: '15:00', capacity: 6 }));
  expect(res.status).toBe(200);
  const slots = (await read(app, tenant)).deferred.slots;
  expect(slots[0]).toMatchObject({ capacity: 6, remaining: 6 });
  expect(slots.every((s) => s.start.includes('T14:00'))).toBe(true);
});

test('changes made by another process (a second API, the worker, psql) reach this one through the database', async () => {
  const app = await startCachedApi();
  const other = await startCachedApi();
  const tenant = await tenantWithSlots(
    app,
    dailySlotSettings(THREE_PER_HOUR, {
      immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
      deferred: { enabled: true, offer: 'ALWAYS', planning: { tue: [THREE_PER_HOUR] } },
    }),
  );
  const slot = (await read(app, tenant)).deferred.slots[0]!;
  expect((await read(app, tenant)).immediate.available).toBe(false);

  // A booking through the other API process.
  expect((await book(other, tenant, slot.start, nextPhone())).status).toBe(201);
  const afterBooking = await eventually(
    () => read(app, tenant),
    (b) => b.deferred.slots[0]!.remaining === 2,
  );
  expect(afterBooking.deferred.slots[0]!.remaining).toBe(2);

  // Presence as the worker's projection writes it (S5).
  const agent = await createAgent(t.prisma, tenant, { presence: { state: 'UNAVAILABLE' } });
  await read(app, tenant);
  await t.prisma.agentPresence.update({ where: { agentId: agent.id }, data: { state: 'AVAILABLE' } });
  const afterPresence = await eventually(
    () => read(app, tenant),
    (b) => b.immediate.available,
  );
  expect(afterPresence.immediate.available).toBe(true);

  // A position freed straight in the database (as the worker's repair pass does).
  await t.prisma.slotBooking.deleteMany({ where: { projectId: tenant.projectId } });
  const afterDelete = await eventually(
    () => read(app, tenant),
    (b) => b.deferred.slots[0]!.remaining === 3,
  );
  expect(afterDelete.deferred.slots[0]!.remaining).toBe(3);
});

test('without the change feed the cache is bypassed: every read is fresh', async () => {
  const app = await startCachedApi();
  const tenant = await tenantWithSlots(app);
  await read(app, tenant);
  await app.feed.close();
  expect(app.feed.live).toBe(false);
  const before = { ...app.cache.stats };
  await t.prisma.planningSlot.updateMany({ where: { projectId: tenant.projectId }, data: { capacity: 5 } });
  // No announcement can arrive any more, and none is needed.
  expect((await read(app, tenant)).deferred.slots[0]!.remaining).toBe(5);
  expect(app.cache.stats).toEqual(before);
});

test('an API key revoked elsewhere stops working; revoked here, at once', async () => {
  const app = await startCachedApi();
  const tenant = await tenantWithSlots(app);
  await read(app, tenant);
  // Revoked by another process (the admin CLI): announced by the database.
  await t.prisma.apiKey.updateMany({ where: { accountId: tenant.accountId }, data: { revokedAt: new Date() } });
  const refused = await eventually(
    () => app.api().get(`/v1/projects/${tenant.projectId}/availability`).set(tenant.auth),
    (res) => res.status === 401,
  );
  expect(refused.status).toBe(401);

  // Revoked through this API with another key of the account.
  const owner = await createTenant(t.prisma);
  const created = await app.api().post('/v1/api-keys').set(owner.auth).send({ name: 'second' });
  expect(created.status).toBe(201);
  const second = { Authorization: `Bearer ${created.body.key as string}` };
  expect((await app.api().get('/v1/api-keys').set(second)).status).toBe(200);
  const revoke = await app
    .api()
    .post(`/v1/api-keys/${created.body.id as string}/revoke`)
    .set(owner.auth);
  expect(revoke.status).toBe(200);
  expect((await app.api().get('/v1/api-keys').set(second)).status).toBe(401);
});

test('an unchanged answer is revalidated with its ETag (304)', async () => {
  const app = await startCachedApi();
  const tenant = await tenantWithSlots(app);
  const path = `/v1/projects/${tenant.projectId}/availability`;
  const first = await app.api().get(path).set(tenant.auth);
  const etag = first.headers.etag as string;
  expect(etag).toMatch(/^W\//);
  const again = await app.api().get(path).set(tenant.auth).set('If-None-Match', etag);
  expect(again.status).toBe(304);
  // After a booking the answer differs: a full 200 with another validator.
  expect(
    (await book(app, tenant, (first.body as { deferred: { slots: Slots } }).deferred.slots[0]!.start, nextPhone()))
      .status,
  ).toBe(201);
  const changed = await app.api().get(path).set(tenant.auth).set('If-None-Match', etag);
  expect(changed.status).toBe(200);
  expect(changed.headers.etag).not.toBe(etag);
});

test('S5: an immediate booking reads presence from memory, as fresh as the announcements', async () => {
  const app = await startCachedApi();
  const tenant = await tenantWithSlots(
    app,
    dailySlotSettings(THREE_PER_HOUR, { immediate: { enabled: true, availability: 'AGENT_PRESENCE' } }),
  );
  const immediate = () =>
    app
      .api()
      .post('/v1/callbacks')
      .set(tenant.auth)
      .send({ projectId: tenant.projectId, phone: nextPhone(), mode: 'immediate' });
  const refused = await immediate();
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('IMMEDIATE_UNAVAILABLE');
  const agent = await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE' } });
  await eventually(
    () => read(app, tenant),
    (b) => b.immediate.available,
  );
  expect((await immediate()).status).toBe(201);
  await t.prisma.agentPresence.update({ where: { agentId: agent.id }, data: { state: 'UNAVAILABLE' } });
  await eventually(
    () => read(app, tenant),
    (b) => !b.immediate.available,
  );
  expect((await immediate()).body.error.code).toBe('IMMEDIATE_UNAVAILABLE');
  // Another account's key still gets 403 from the cached project.
  const stranger = await createTenant(t.prisma);
  const foreign = await app
    .api()
    .post('/v1/callbacks')
    .set(stranger.auth)
    .send({ projectId: tenant.projectId, phone: nextPhone(), mode: 'immediate' });
  expect(foreign.status).toBe(403);
});
