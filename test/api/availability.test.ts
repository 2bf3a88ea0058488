// GET /v1/projects/{id}/availability (S5–S7): window defaults and bounds, remaining places,
// immediate by agent presence, deferred offered per S6.
import { availability, book, createTenant, dailySlotSettings, putSettings } from '../helpers/api';
import { createAgent } from '../helpers/agents';
import { useApi } from '../helpers/use-api';

/** The API's clock: a Monday noon in Paris, so no test depends on when it runs (#16 started slots). */
const MONDAY_NOON = new Date('2027-02-15T12:00:00+01:00');
let now = MONDAY_NOON;

// Bookings here start their workflow (no worker runs them).
const t = useApi({ temporal: 'time-skipping', clock: () => now });

beforeEach(() => {
  now = MONDAY_NOON;
});

const THREE_PER_HOUR = { start: '09:00', end: '10:00', capacity: 3 };
const availabilityPath = (projectId: string) => `/v1/projects/${projectId}/availability`;

test('defaults to now … now + 7 days: one slot a day, each in the project offset', async () => {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const body = await availability(t.harness, tenant);
  expect(body.immediate).toEqual({ available: false });
  expect(body.deferred.available).toBe(true);
  // Monday noon + 7 days: Tuesday … Monday, one 09:00 slot each.
  expect(body.deferred.slots.map((slot) => slot.start)).toEqual(
    ['16', '17', '18', '19', '20', '21', '22'].map((day) => `2027-02-${day}T09:00:00+01:00`),
  );
  for (const slot of body.deferred.slots) {
    expect(slot).toMatchObject({ capacity: 3, remaining: 3, nextPositionAt: slot.start });
    expect(slot.end).toBe(slot.start.replace('T09:00', 'T10:00'));
  }
});

test('remaining goes down with each booking, to 0 when full (full slots stay listed)', async () => {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const slotStart = (await availability(t.harness, tenant)).deferred.slots[1]!.start;
  const remaining = async () =>
    (await availability(t.harness, tenant)).deferred.slots.find((s) => s.start === slotStart)!.remaining;
  expect(await remaining()).toBe(3);
  for (const expected of [2, 1, 0]) {
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart })).status).toBe(201);
    expect(await remaining()).toBe(expected);
  }
  // Other days are untouched.
  const others = (await availability(t.harness, tenant)).deferred.slots.filter((s) => s.start !== slotStart);
  expect(others.every((s) => s.remaining === 3)).toBe(true);
});

test('an explicit window lists only the slots starting in it', async () => {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const all = (await availability(t.harness, tenant)).deferred.slots;
  const body = await availability(t.harness, tenant, { from: all[1]!.start, to: all[3]!.start });
  expect(body.deferred.slots.map((s) => s.start)).toEqual([all[1]!.start, all[2]!.start]);
});

test.each([
  ['a malformed from', { from: 'tomorrow' }, 'query.from'],
  ['a date-time without offset', { to: '2030-01-01T00:00:00' }, 'query.to'],
  ['to before from', { from: '2030-01-02T00:00:00Z', to: '2030-01-01T00:00:00Z' }, 'query.to'],
  ['a window over 31 days', { from: '2030-01-01T00:00:00Z', to: '2030-02-02T00:00:00Z' }, 'query.to'],
])('%s is 422 VALIDATION_FAILED', async (_name, query, path) => {
  const tenant = await createTenant(t.prisma);
  const res = await t.harness.api().get(availabilityPath(tenant.projectId)).query(query).set(tenant.auth);
  expect(res.status).toBe(422);
  expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path }] });
});

test('S5: immediate by presence needs a call-enabled AVAILABLE agent free of a chat it may not mix', async () => {
  const tenant = await createTenant(t.prisma);
  await putSettings(
    t.harness,
    tenant,
    dailySlotSettings(THREE_PER_HOUR, {
      immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
      deferred: { enabled: true, offer: 'WHEN_IMMEDIATE_UNAVAILABLE', planning: { mon: [THREE_PER_HOUR] } },
    }),
  );
  const now = async () => availability(t.harness, tenant);
  expect((await now()).immediate.available).toBe(false);
  // S6: deferred only when immediate is unavailable.
  expect((await now()).deferred.available).toBe(true);

  await createAgent(t.prisma, tenant, { presence: { state: 'UNAVAILABLE' } });
  await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE' }, callEnabled: false });
  await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE', inChat: true }, allowChatAndCall: false });
  expect((await now()).immediate.available).toBe(false);

  // An agent of another project does not count.
  const elsewhere = await createTenant(t.prisma);
  await createAgent(t.prisma, elsewhere, { presence: { state: 'AVAILABLE' } });
  expect((await now()).immediate.available).toBe(false);

  await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE', inChat: true }, allowChatAndCall: true });
  const body = await now();
  expect(body.immediate.available).toBe(true);
  expect(body.deferred).toEqual({ available: false, slots: [] });
});

test('S5: immediate by opening hours ignores presence', async () => {
  const tenant = await createTenant(t.prisma);
  const allDay = [{ start: '00:00', end: '24:00' }];
  await putSettings(
    t.harness,
    tenant,
    dailySlotSettings(THREE_PER_HOUR, {
      immediate: {
        enabled: true,
        availability: 'OPENING_HOURS',
        openingHours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
      },
    }),
  );
  expect((await availability(t.harness, tenant)).immediate.available).toBe(true);
});

test('404 for an unknown project, 403 for one of another account', async () => {
  const tenant = await createTenant(t.prisma);
  const other = await createTenant(t.prisma);
  expect((await t.harness.api().get(availabilityPath('nope')).set(tenant.auth)).status).toBe(404);
  const forbidden = await t.harness.api().get(availabilityPath(other.projectId)).set(tenant.auth);
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.code).toBe('FORBIDDEN');
});

describe('#16: a slot that has started offers the positions still ahead', () => {
  const SIX_PER_HOUR = { start: '09:00', end: '10:00', capacity: 6 };
  const nine = '2027-02-15T09:00:00+01:00';
  const at = (time: string) => new Date(`2027-02-15T${time}+01:00`);
  const startedSlot = async (tenant: Awaited<ReturnType<typeof createTenant>>) =>
    (await availability(t.harness, tenant)).deferred.slots.find((slot) => slot.start === nine);

  test.each<[string, number, string | undefined]>([
    ['09:01', 5, '09:10'],
    ['09:29:59', 2, '09:40'],
    ['09:59', 0, undefined],
  ])('at %s the started 09:00 slot has %i places left (default lead time 60 s)', async (time, remaining, next) => {
    const tenant = await createTenant(t.prisma);
    await putSettings(t.harness, tenant, dailySlotSettings(SIX_PER_HOUR));
    now = at(time.length === 5 ? `${time}:00` : time);
    const slot = await startedSlot(tenant);
    if (remaining === 0) {
      expect(slot).toBeUndefined();
    } else {
      expect(slot).toEqual({
        start: nine,
        end: '2027-02-15T10:00:00+01:00',
        capacity: 6,
        remaining,
        nextPositionAt: `2027-02-15T${next}:00+01:00`,
      });
    }
    // The next day's slot is whole either way.
    const tomorrow = (await availability(t.harness, tenant)).deferred.slots.find((s) =>
      s.start.startsWith('2027-02-16'),
    );
    expect(tomorrow).toMatchObject({ remaining: 6 });
  });

  test('bookings of the positions ahead count down to 0; one booked behind does not count', async () => {
    const tenant = await createTenant(t.prisma);
    await putSettings(t.harness, tenant, dailySlotSettings(SIX_PER_HOUR));
    now = at('08:59:00'); // 09:00 is still bookable one minute ahead.
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart: nine })).body.position).toBe(0);
    now = at('09:01:00');
    expect((await startedSlot(tenant))?.remaining).toBe(5);
    for (const remaining of [4, 3, 2, 1, 0]) {
      expect((await book(t.harness, tenant, { mode: 'deferred', slotStart: nine })).status).toBe(201);
      expect((await startedSlot(tenant))?.remaining).toBe(remaining);
    }
    expect(await startedSlot(tenant)).toEqual({
      start: nine,
      end: '2027-02-15T10:00:00+01:00',
      capacity: 6,
      remaining: 0,
    });
  });

  test('minimumLeadSeconds 0: at 09:29:59 the 09:30 position is still offered', async () => {
    const tenant = await createTenant(t.prisma);
    await putSettings(
      t.harness,
      tenant,
      dailySlotSettings(SIX_PER_HOUR, {
        deferred: { enabled: true, offer: 'ALWAYS', minimumLeadSeconds: 0, planning: { mon: [SIX_PER_HOUR] } },
      }),
    );
    now = at('09:29:59');
    expect(await startedSlot(tenant)).toMatchObject({ remaining: 3, nextPositionAt: '2027-02-15T09:30:00+01:00' });
  });

  test('holiday opening hours (API.md) open immediate on a holiday instead of the weekday hours', async () => {
    const tenant = await createTenant(t.prisma);
    const weekday = [{ start: '08:00', end: '18:00' }];
    await putSettings(
      t.harness,
      tenant,
      dailySlotSettings(SIX_PER_HOUR, {
        immediate: {
          enabled: true,
          availability: 'OPENING_HOURS',
          openingHours: { mon: weekday, tue: weekday, holiday: [{ start: '10:00', end: '11:00' }] },
        },
        deferred: { enabled: true, offer: 'ALWAYS', holidays: ['2027-02-15'], planning: { mon: [SIX_PER_HOUR] } },
      }),
    );
    now = at('10:30:00');
    expect((await availability(t.harness, tenant)).immediate.available).toBe(true);
    now = at('12:00:00'); // Monday hours would be open; the holiday's are not.
    expect((await availability(t.harness, tenant)).immediate.available).toBe(false);
    now = new Date('2027-02-16T12:00:00+01:00'); // Tuesday, not a holiday.
    expect((await availability(t.harness, tenant)).immediate.available).toBe(true);
  });
});
