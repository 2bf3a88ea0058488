// GET /v1/projects/{id}/availability (S5–S7): window defaults and bounds, remaining places,
// immediate by agent presence, deferred offered per S6.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/infra/prisma';
import {
  availability,
  book,
  createAgent,
  createTenant,
  dailySlotSettings,
  putSettings,
  startApi,
  type ApiHarness,
} from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let prisma: Db;
let harness: ApiHarness;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  harness = await startApi({ prisma, temporal: env.client, taskQueue: `q-${randomUUID()}` });
});

afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

const THREE_PER_HOUR = { start: '09:00', end: '10:00', capacity: 3 };
const availabilityPath = (projectId: string) => `/v1/projects/${projectId}/availability`;

test('defaults to now … now + 7 days: one slot a day, each in the project offset', async () => {
  const tenant = await createTenant(prisma);
  await putSettings(harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const body = await availability(harness, tenant);
  expect(body.immediate).toEqual({ available: false });
  expect(body.deferred.available).toBe(true);
  // 7 days from now hold 7 starts at 09:00, or 6 when now is between 09:00 and the day's 09:00 cut.
  expect(body.deferred.slots.length).toBeGreaterThanOrEqual(6);
  expect(body.deferred.slots.length).toBeLessThanOrEqual(7);
  for (const slot of body.deferred.slots) {
    expect(slot).toMatchObject({ capacity: 3, remaining: 3 });
    expect(slot.start).toMatch(/T09:00:00\+0[12]:00$/);
    expect(slot.end).toMatch(/T10:00:00\+0[12]:00$/);
    expect(Date.parse(slot.start)).toBeGreaterThan(Date.now() - 1000);
  }
});

test('remaining goes down with each booking, to 0 when full (full slots stay listed)', async () => {
  const tenant = await createTenant(prisma);
  await putSettings(harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const slotStart = (await availability(harness, tenant)).deferred.slots[1]!.start;
  const remaining = async () =>
    (await availability(harness, tenant)).deferred.slots.find((s) => s.start === slotStart)!.remaining;
  expect(await remaining()).toBe(3);
  for (const expected of [2, 1, 0]) {
    expect((await book(harness, tenant, { mode: 'deferred', slotStart })).status).toBe(201);
    expect(await remaining()).toBe(expected);
  }
  // Other days are untouched.
  const others = (await availability(harness, tenant)).deferred.slots.filter((s) => s.start !== slotStart);
  expect(others.every((s) => s.remaining === 3)).toBe(true);
});

test('an explicit window lists only the slots starting in it', async () => {
  const tenant = await createTenant(prisma);
  await putSettings(harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const all = (await availability(harness, tenant)).deferred.slots;
  const body = await availability(harness, tenant, { from: all[1]!.start, to: all[3]!.start });
  expect(body.deferred.slots.map((s) => s.start)).toEqual([all[1]!.start, all[2]!.start]);
});

test.each([
  ['a malformed from', { from: 'tomorrow' }, 'query.from'],
  ['a date-time without offset', { to: '2030-01-01T00:00:00' }, 'query.to'],
  ['to before from', { from: '2030-01-02T00:00:00Z', to: '2030-01-01T00:00:00Z' }, 'query.to'],
  ['a window over 31 days', { from: '2030-01-01T00:00:00Z', to: '2030-02-02T00:00:00Z' }, 'query.to'],
])('%s is 422 VALIDATION_FAILED', async (_name, query, path) => {
  const tenant = await createTenant(prisma);
  const res = await harness.api().get(availabilityPath(tenant.projectId)).query(query).set(tenant.auth);
  expect(res.status).toBe(422);
  expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path }] });
});

test('S5: immediate by presence needs a call-enabled AVAILABLE agent free of a chat it may not mix', async () => {
  const tenant = await createTenant(prisma);
  await putSettings(
    harness,
    tenant,
    dailySlotSettings(THREE_PER_HOUR, {
      immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
      deferred: { enabled: true, offer: 'WHEN_IMMEDIATE_UNAVAILABLE', planning: { mon: [THREE_PER_HOUR] } },
    }),
  );
  const now = async () => availability(harness, tenant);
  expect((await now()).immediate.available).toBe(false);
  // S6: deferred only when immediate is unavailable.
  expect((await now()).deferred.available).toBe(true);

  await createAgent(prisma, tenant, { state: 'UNAVAILABLE' });
  await createAgent(prisma, tenant, { state: 'AVAILABLE' }, { callEnabled: false });
  await createAgent(prisma, tenant, { state: 'AVAILABLE', inChat: true }, { allowChatAndCall: false });
  expect((await now()).immediate.available).toBe(false);

  // An agent of another project does not count.
  const elsewhere = await createTenant(prisma);
  await createAgent(prisma, elsewhere, { state: 'AVAILABLE' });
  expect((await now()).immediate.available).toBe(false);

  await createAgent(prisma, tenant, { state: 'AVAILABLE', inChat: true }, { allowChatAndCall: true });
  const body = await now();
  expect(body.immediate.available).toBe(true);
  expect(body.deferred).toEqual({ available: false, slots: [] });
});

test('S5: immediate by opening hours ignores presence', async () => {
  const tenant = await createTenant(prisma);
  const allDay = [{ start: '00:00', end: '24:00' }];
  await putSettings(
    harness,
    tenant,
    dailySlotSettings(THREE_PER_HOUR, {
      immediate: {
        enabled: true,
        availability: 'OPENING_HOURS',
        openingHours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
      },
    }),
  );
  expect((await availability(harness, tenant)).immediate.available).toBe(true);
});

test('404 for an unknown project, 403 for one of another account', async () => {
  const tenant = await createTenant(prisma);
  const other = await createTenant(prisma);
  expect((await harness.api().get(availabilityPath('nope')).set(tenant.auth)).status).toBe(404);
  const forbidden = await harness.api().get(availabilityPath(other.projectId)).set(tenant.auth);
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.code).toBe('FORBIDDEN');
});
