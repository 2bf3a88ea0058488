// POST /v1/callbacks against real PostgreSQL and the real Temporal test server (no worker:
// started workflows just stay scheduled). S14, S20, S21, S22, S50/S51, S5, S12.
import { randomUUID } from 'node:crypto';
import { callbackWorkflowId } from '../../workflows/types';
import {
  availability,
  book,
  createTenant,
  dailySlotSettings,
  frenchMobile,
  putSettings,
  type ApiHarness,
  type Tenant,
} from '../helpers/api';
import { createAgent } from '../helpers/agents';
import { useApi } from '../helpers/use-api';

// Bookings start their workflow; no worker runs them (they stay scheduled).
const t = useApi({ temporal: 'time-skipping', pool: 10 });

const SIX_PER_HOUR = { start: '09:00', end: '10:00', capacity: 6 };

async function tenantWithSlots(slot = SIX_PER_HOUR, overrides = {}): Promise<Tenant> {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, dailySlotSettings(slot, overrides));
  return tenant;
}

/** Tomorrow's slot or later: never one that starts while the test runs. */
async function aComingSlot(tenant: Tenant) {
  const { deferred } = await availability(t.harness, tenant);
  const slot = deferred.slots[1];
  if (!slot) throw new Error('no slot offered');
  return slot;
}

describe('S20: positions in a slot', () => {
  test('capacity 6 on 09:00–10:00 books :00 :10 … :50, then the 7th is SLOT_FULL', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    expect(slot.start).toMatch(/T09:00:00\+0[12]:00$/);

    for (let i = 0; i < 6; i++) {
      const res = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        projectId: tenant.projectId,
        mode: 'deferred',
        status: 'SCHEDULED',
        slotStart: slot.start,
        position: i,
        scheduledAt: slot.start.replace('T09:00:00', `T09:${i}0:00`),
        recordingOptOut: false,
        recorded: false,
      });
      expect(res.body.phone).toMatch(/^\+336\d{8}$/);
    }
    const seventh = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
    expect(seventh.status).toBe(409);
    expect(seventh.body.error.code).toBe('SLOT_FULL');
    expect(await t.prisma.slotBooking.count({ where: { projectId: tenant.projectId } })).toBe(6);
  });

  test('the workflow callback-<id> is started with the booked position as due time', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const res = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
    expect(res.status).toBe(201);
    const description = await t.env.client.workflow.getHandle(callbackWorkflowId(res.body.id)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(t.taskQueue);
    const row = await t.prisma.callback.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(row.dueAt.toISOString()).toBe(new Date(slot.start).toISOString());
  });
});

describe('S14: capacity under concurrency', () => {
  test('200 simultaneous bookings of a 6-place slot: exactly 6 × 201 and 194 × 409 SLOT_FULL, no 5xx', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6);
    expect(statuses.filter((s) => s === 409)).toHaveLength(194);
    expect(responses.filter((r) => r.status === 409).every((r) => r.body.error.code === 'SLOT_FULL')).toBe(true);
    const positions = responses.filter((r) => r.status === 201).map((r) => r.body.position as number);
    expect(positions.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await t.prisma.callback.count({ where: { projectId: tenant.projectId } })).toBe(6);
  });
});

describe('S22: duplicates and idempotency', () => {
  test('a second open callback for the same number, in any format, is DUPLICATE_CALLBACK', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const first = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start, phone: '06 12 34 56 78' });
    expect(first.status).toBe(201);
    expect(first.body.phone).toBe('+33612345678');
    const again = await book(t.harness, tenant, {
      mode: 'deferred',
      slotStart: slot.start,
      phone: '+33 6 12 34 56 78',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('DUPLICATE_CALLBACK');
    // Refused before a position was taken: one booking only.
    expect(await t.prisma.slotBooking.count({ where: { projectId: tenant.projectId } })).toBe(1);
  });

  test('simultaneous requests for one number create one callback', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const phone = frenchMobile();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start, phone })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409).every((r) => r.body.error.code === 'DUPLICATE_CALLBACK')).toBe(
      true,
    );
    expect(await t.prisma.slotBooking.count({ where: { projectId: tenant.projectId } })).toBe(1);
  });

  test('an Idempotency-Key replay returns the same callback (200, Idempotent-Replayed)', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const key = { 'Idempotency-Key': `k-${randomUUID()}` };
    const body = { mode: 'deferred', slotStart: slot.start, phone: frenchMobile() };
    const first = await book(t.harness, tenant, body, key);
    expect(first.status).toBe(201);
    const replay = await book(t.harness, tenant, body, key);
    expect(replay.status).toBe(200);
    expect(replay.get('Idempotent-Replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  test('simultaneous requests with one Idempotency-Key all answer the same callback', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const key = { 'Idempotency-Key': `k-${randomUUID()}` };
    const body = { mode: 'deferred', slotStart: slot.start, phone: frenchMobile() };
    const responses = await Promise.all(Array.from({ length: 8 }, () => book(t.harness, tenant, body, key)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
  });

  test('reusing an Idempotency-Key for another number is refused, naming the header', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const key = { 'Idempotency-Key': `k-${randomUUID()}` };
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start }, key)).status).toBe(201);
    const other = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start }, key);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'Idempotency-Key' }] });
  });

  test('an Idempotency-Key over 200 characters is VALIDATION_FAILED', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const res = await book(
      t.harness,
      tenant,
      { mode: 'deferred', slotStart: slot.start },
      { 'Idempotency-Key': 'k'.repeat(201) },
    );
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('Idempotency-Key');
  });
});

describe('S21: phone numbers', () => {
  test.each([
    ['premium rate', '0899123456'],
    ['shared cost', '0810 12 34 56'],
    ['short number', '3949'],
    ['a country the project does not call', '+44 7911 123456'],
    ['not a number', 'call me maybe'],
  ])('%s → 422 PHONE_NOT_ALLOWED', async (_name, phone) => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const res = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start, phone });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'PHONE_NOT_ALLOWED', details: [{ path: 'phone' }] });
    expect(await t.prisma.callback.count({ where: { projectId: tenant.projectId } })).toBe(0);
  });
});

describe('booking request validation', () => {
  test.each([
    ['deferred without slotStart', { mode: 'deferred' }, ['slotStart']],
    ['immediate with a slotStart', { mode: 'immediate', slotStart: '2030-01-01T09:00:00+01:00' }, ['slotStart']],
    ['slotStart without offset', { mode: 'deferred', slotStart: '2030-01-01T09:00:00' }, ['slotStart']],
    ['unknown mode and field', { mode: 'later', extra: 1 }, ['mode', 'extra']],
    ['recordingOptOut not a boolean', { mode: 'immediate', recordingOptOut: 'yes' }, ['recordingOptOut']],
  ])('%s → 422 naming each path', async (_name, body, paths) => {
    const tenant = await tenantWithSlots();
    const res = await book(t.harness, tenant, body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([...paths].sort());
  });
});

describe('S5/S6: what may be booked', () => {
  test('a time that is not a slot start is SLOT_UNAVAILABLE', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    const res = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start.replace('T09:00', 'T09:05') });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SLOT_UNAVAILABLE');
  });

  test('deferred switched off is SLOT_UNAVAILABLE', async () => {
    const tenant = await tenantWithSlots();
    const slot = await aComingSlot(tenant);
    await putSettings(t.harness, tenant, dailySlotSettings(SIX_PER_HOUR, { deferred: { enabled: false } }));
    const res = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SLOT_UNAVAILABLE');
  });

  test('immediate by presence with no free agent is IMMEDIATE_UNAVAILABLE; with one it is due now', async () => {
    const tenant = await tenantWithSlots(SIX_PER_HOUR, {
      immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
    });
    await createAgent(t.prisma, tenant, { presence: { state: 'ON_CALL' } });
    const refused = await book(t.harness, tenant, { mode: 'immediate' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('IMMEDIATE_UNAVAILABLE');

    await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE' } });
    const before = Date.now();
    const res = await book(t.harness, tenant, { mode: 'immediate' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mode: 'immediate', status: 'SCHEDULED' });
    expect(res.body).not.toHaveProperty('slotStart');
    expect(res.body).not.toHaveProperty('position');
    expect(Date.parse(res.body.scheduledAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(res.body.scheduledAt).toMatch(/\+0[12]:00$/);
  });

  test('S6: deferred "when immediate is unavailable" is SLOT_UNAVAILABLE while an agent is free', async () => {
    const tenant = await tenantWithSlots(SIX_PER_HOUR, {
      immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
      deferred: {
        enabled: true,
        offer: 'WHEN_IMMEDIATE_UNAVAILABLE',
        planning: {
          mon: [SIX_PER_HOUR],
          tue: [SIX_PER_HOUR],
          wed: [SIX_PER_HOUR],
          thu: [SIX_PER_HOUR],
          fri: [SIX_PER_HOUR],
          sat: [SIX_PER_HOUR],
          sun: [SIX_PER_HOUR],
        },
      },
    });
    const slot = await aComingSlot(tenant);
    await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE' } });
    const refused = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SLOT_UNAVAILABLE');
    await t.prisma.agentPresence.updateMany({
      where: { agent: { accountId: tenant.accountId } },
      data: { state: 'UNAVAILABLE' },
    });
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start })).status).toBe(201);
  });

  test('immediate switched off is IMMEDIATE_UNAVAILABLE even with a free agent', async () => {
    const tenant = await tenantWithSlots();
    await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE' } });
    const res = await book(t.harness, tenant, { mode: 'immediate' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('IMMEDIATE_UNAVAILABLE');
  });
});

describe('S50/S51: recording decided once at booking', () => {
  test('ratio 1 records, the visitor opt-out never does', async () => {
    const tenant = await tenantWithSlots(SIX_PER_HOUR, { recording: { enabled: true, ratio: 1 } });
    const slot = await aComingSlot(tenant);
    const recorded = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
    expect(recorded.body).toMatchObject({ recorded: true, recordingOptOut: false });
    const optedOut = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start, recordingOptOut: true });
    expect(optedOut.body).toMatchObject({ recorded: false, recordingOptOut: true });
    const row = await t.prisma.callback.findUniqueOrThrow({ where: { id: optedOut.body.id } });
    expect(row).toMatchObject({ recorded: false, recordingOptOut: true });
  });
});

describe('S12: daylight-saving days (Europe/Paris)', () => {
  async function dstHarness(nowIso: string) {
    return t.startApi({ clock: () => new Date(nowIso) });
  }

  test('2026-03-29: a slot planned at 02:30 (skipped hour) is not offered and is SLOT_UNAVAILABLE', async () => {
    const dst = await dstHarness('2026-03-20T12:00:00Z');
    try {
      const tenant = await createTenant(t.prisma);
      await putSettings(dst, tenant, {
        timezone: 'Europe/Paris',
        immediate: { enabled: false },
        deferred: {
          planning: {
            sun: [
              { start: '02:30', end: '03:00', capacity: 3 },
              { start: '04:00', end: '05:00', capacity: 6 },
            ],
          },
        },
      });
      const { deferred } = await availability(dst, tenant, {
        from: '2026-03-21T00:00:00+01:00',
        to: '2026-03-30T00:00:00+02:00',
      });
      expect(deferred.slots.map((s) => s.start)).toEqual([
        '2026-03-22T02:30:00+01:00',
        '2026-03-22T04:00:00+01:00',
        '2026-03-29T04:00:00+02:00',
      ]);
      for (const slotStart of ['2026-03-29T02:30:00+01:00', '2026-03-29T02:30:00+02:00']) {
        const res = await book(dst, tenant, { mode: 'deferred', slotStart });
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('SLOT_UNAVAILABLE');
      }
      const booked = await book(dst, tenant, { mode: 'deferred', slotStart: '2026-03-29T04:00:00+02:00' });
      expect(booked.status).toBe(201);
      expect(booked.body.scheduledAt).toBe('2026-03-29T04:00:00+02:00');
      const second = await book(dst, tenant, { mode: 'deferred', slotStart: '2026-03-29T02:00:00Z' });
      expect(second.body).toMatchObject({ position: 1, scheduledAt: '2026-03-29T04:10:00+02:00' });
    } finally {
      await dst.close();
    }
  });

  test('2026-10-25: a slot at 02:30 (repeated hour) is offered once, at its first occurrence', async () => {
    const dst = await dstHarness('2026-10-20T12:00:00Z');
    try {
      const tenant = await createTenant(t.prisma);
      await putSettings(dst, tenant, {
        timezone: 'Europe/Paris',
        immediate: { enabled: false },
        deferred: { planning: { sun: [{ start: '02:30', end: '03:00', capacity: 3 }] } },
      });
      const { deferred } = await availability(dst, tenant, {
        from: '2026-10-24T00:00:00+02:00',
        to: '2026-10-26T00:00:00+01:00',
      });
      expect(deferred.slots.map((s) => s.start)).toEqual(['2026-10-25T02:30:00+02:00']);
      const second = await book(dst, tenant, { mode: 'deferred', slotStart: '2026-10-25T02:30:00+01:00' });
      expect(second.body.error.code).toBe('SLOT_UNAVAILABLE');
      const booked = await book(dst, tenant, { mode: 'deferred', slotStart: '2026-10-25T02:30:00+02:00' });
      expect(booked.status).toBe(201);
    } finally {
      await dst.close();
    }
  });
});

describe('#16: booking a slot that has started (API clock at a fixed day, real PostgreSQL)', () => {
  const nine = '2027-02-15T09:00:00+01:00';
  const at = (time: string) => new Date(`2027-02-15T${time}+01:00`);
  let now = at('09:01:00');
  let started: ApiHarness;

  beforeAll(async () => {
    started = await t.startApi({ clock: () => now });
  });

  async function sixPerHour(): Promise<Tenant> {
    const tenant = await createTenant(t.prisma);
    await putSettings(started, tenant, dailySlotSettings(SIX_PER_HOUR));
    return tenant;
  }
  const bookNine = (tenant: Tenant) => book(started, tenant, { mode: 'deferred', slotStart: nine });

  test('at 09:01: positions 09:10 … 09:50, then SLOT_FULL; the 09:00 behind is never taken', async () => {
    const tenant = await sixPerHour();
    now = at('09:01:00');
    for (let position = 1; position < 6; position++) {
      const res = await bookNine(tenant);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ slotStart: nine, position, scheduledAt: `2027-02-15T09:${position}0:00+01:00` });
    }
    const full = await bookNine(tenant);
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('SLOT_FULL');
    const rows = await t.prisma.slotBooking.findMany({ where: { projectId: tenant.projectId } });
    expect(rows.map((row) => row.position).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  test('at 09:29:59: 09:30 is under the 60 s lead, so 09:40 then 09:50', async () => {
    const tenant = await sixPerHour();
    now = at('09:29:59');
    const first = await bookNine(tenant);
    expect(first.body).toMatchObject({ position: 4, scheduledAt: '2027-02-15T09:40:00+01:00' });
    const row = await t.prisma.callback.findUniqueOrThrow({ where: { id: first.body.id } });
    expect(row.dueAt.toISOString()).toBe('2027-02-15T08:40:00.000Z');
    expect((await bookNine(tenant)).body).toMatchObject({ position: 5, scheduledAt: '2027-02-15T09:50:00+01:00' });
    expect((await bookNine(tenant)).body.error.code).toBe('SLOT_FULL');
  });

  test('at 09:59: nothing of the slot is ahead, SLOT_UNAVAILABLE; the next day books from 09:00', async () => {
    const tenant = await sixPerHour();
    now = at('09:59:00');
    const res = await bookNine(tenant);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SLOT_UNAVAILABLE');
    const tomorrow = await book(started, tenant, { mode: 'deferred', slotStart: '2027-02-16T09:00:00+01:00' });
    expect(tomorrow.body).toMatchObject({ position: 0, scheduledAt: '2027-02-16T09:00:00+01:00' });
  });

  test('a race on the last position ahead (09:50 at 09:41): 40 requests, exactly one 201, never overbooked', async () => {
    const tenant = await sixPerHour();
    now = at('09:41:00');
    const responses = await Promise.all(Array.from({ length: 40 }, () => bookNine(tenant)));
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    expect(created[0]!.body).toMatchObject({ position: 5, scheduledAt: '2027-02-15T09:50:00+01:00' });
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.every((r) => r.status === 409 && r.body.error.code === 'SLOT_FULL')).toBe(true);
    expect(await t.prisma.slotBooking.count({ where: { projectId: tenant.projectId } })).toBe(1);
    expect(await t.prisma.callback.count({ where: { projectId: tenant.projectId } })).toBe(1);
  });

  test('a race at 09:29:59 on the two positions ahead: exactly 09:40 and 09:50, the free ones behind untouched', async () => {
    const tenant = await sixPerHour();
    now = at('09:29:59');
    const responses = await Promise.all(Array.from({ length: 30 }, () => bookNine(tenant)));
    const positions = responses.filter((r) => r.status === 201).map((r) => r.body.position as number);
    expect(positions.sort()).toEqual([4, 5]);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(28);
    const rows = await t.prisma.slotBooking.findMany({ where: { projectId: tenant.projectId } });
    expect(rows.map((row) => row.position).sort()).toEqual([4, 5]);
  });

  test('a cancelled position ahead is offered again; one behind is not', async () => {
    const tenant = await sixPerHour();
    now = at('09:01:00');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await bookNine(tenant)).body.id as string);
    now = at('09:25:00'); // 09:10 and 09:20 are behind now.
    // What a cancel leaves (S23, tested with a worker in callbacks.test.ts): the positions freed.
    await t.prisma.slotBooking.deleteMany({ where: { callbackId: { in: [ids[0]!, ids[3]!] } } }); // 09:10, 09:40
    const again = await bookNine(tenant);
    expect(again.body).toMatchObject({ position: 4, scheduledAt: '2027-02-15T09:40:00+01:00' });
    expect((await bookNine(tenant)).body.error.code).toBe('SLOT_FULL');
  });
});
