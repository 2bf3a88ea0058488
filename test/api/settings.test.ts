// GET|PUT /v1/projects/{id}/call-settings: round trip, precise 422 paths (S13), tenancy, and
// the rule that a planning change never moves or drops existing bookings.
import { callSettingsSchema, type CallSettingsInput } from '../../src/domain/settings';
import { availability, book, createTenant, dailySlotSettings, putSettings } from '../helpers/api';
import { useApi } from '../helpers/use-api';

// Bookings start their workflow (no worker runs them).
const t = useApi({ temporal: 'time-skipping' });

/** API.md's example document. */
const API_MD_EXAMPLE: CallSettingsInput = {
  timezone: 'Europe/Paris',
  countries: ['FR'],
  immediate: {
    enabled: true,
    availability: 'AGENT_PRESENCE',
    openingHours: { mon: [{ start: '09:00', end: '18:00' }] },
  },
  deferred: {
    enabled: true,
    offer: 'ALWAYS',
    offerHours: {},
    planning: { mon: [{ start: '09:00', end: '10:00', capacity: 6 }], holiday: [] },
    holidays: ['2026-12-25'],
  },
  maxHandlingDelaySeconds: 120,
  retry: { maxRetries: 5, intervalSeconds: 300 },
  callOrder: 'AGENT_FIRST',
  distribution: { mode: 'AGENTS' },
  autoAnswer: { delaySeconds: 20 },
  recording: { enabled: false, ratio: 0.7 },
  ringTimeoutSeconds: 30,
  talkTimeSeconds: 5,
};

const settingsPath = (projectId: string) => `/v1/projects/${projectId}/call-settings`;

test('a new project reads the defaults with its own zone and countries', async () => {
  const tenant = await createTenant(t.prisma, { timezone: 'America/New_York', countries: ['US', 'CA'] });
  const res = await t.harness.api().get(settingsPath(tenant.projectId)).set(tenant.auth);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ ...callSettingsSchema.parse({}), timezone: 'America/New_York', countries: ['US', 'CA'] });
});

test('PUT then GET round-trips the whole document (defaults filled in)', async () => {
  const tenant = await createTenant(t.prisma);
  const put = await t.harness.api().put(settingsPath(tenant.projectId)).set(tenant.auth).send(API_MD_EXAMPLE);
  expect(put.status).toBe(200);
  const expected = callSettingsSchema.parse(API_MD_EXAMPLE);
  expect(put.body).toEqual(expected);
  const get = await t.harness.api().get(settingsPath(tenant.projectId)).set(tenant.auth);
  expect(get.body).toEqual(expected);

  // Every field changed, including ACD distribution and the holiday column, survives a round trip.
  const changed = {
    ...get.body,
    timezone: 'Australia/Lord_Howe',
    countries: ['AU', 'NZ'],
    immediate: { ...get.body.immediate, availability: 'OPENING_HOURS' },
    deferred: {
      ...get.body.deferred,
      offer: 'SCHEDULE',
      offerHours: { ...get.body.deferred.offerHours, sat: [{ start: '10:00', end: '12:00' }] },
      planning: { ...get.body.deferred.planning, holiday: [{ start: '10:00', end: '10:30', capacity: 30 }] },
      holidays: ['2026-12-25', '2027-01-01'],
    },
    distribution: { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: 8, identificationAttempts: 2 },
    recording: { enabled: true, ratio: 0.25 },
    retry: {
      maxRetries: 0,
      intervalSeconds: 1,
      minGapSeconds: 1,
      byOutcome: { visitorBusy: { maxRetries: 0 }, technicalFailure: { maxRetries: 0, intervalSeconds: 2 } },
    },
  };
  changed.immediate.openingHours = { ...changed.immediate.openingHours, holiday: [{ start: '10:00', end: '11:00' }] };
  changed.deferred.minimumLeadSeconds = 0;
  await putSettings(t.harness, tenant, changed);
  expect((await t.harness.api().get(settingsPath(tenant.projectId)).set(tenant.auth)).body).toEqual(changed);
});

test('an invalid document is 422 VALIDATION_FAILED with one detail per bad path, and nothing is stored', async () => {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, API_MD_EXAMPLE);
  const res = await t.harness
    .api()
    .put(settingsPath(tenant.projectId))
    .set(tenant.auth)
    .send({
      ...API_MD_EXAMPLE,
      timezone: 'Europe/Pariss',
      deferred: {
        planning: {
          mon: [
            { start: '09:00', end: '10:00', capacity: 61 },
            { start: '9h30', end: '11:00', capacity: 1 },
          ],
          tue: [
            { start: '09:00', end: '10:00', capacity: 6 },
            { start: '09:30', end: '10:30', capacity: 6 },
          ],
          wed: [{ start: '10:00', end: '09:00', capacity: 1 }],
        },
        holidays: ['2026-02-30'],
      },
      recording: { enabled: true, ratio: 1.5 },
      distribution: { mode: 'ACD', number: '+33899123456' },
      retry: { maxRetries: 99 },
      surprise: true,
    });
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
  expect(paths).toEqual(
    [
      'timezone',
      'deferred.planning.mon.0.capacity',
      'deferred.planning.mon.1.start',
      'deferred.planning.tue.1',
      'deferred.planning.wed.0.end',
      'deferred.holidays.0',
      'recording.ratio',
      'distribution.number',
      'retry.maxRetries',
      'surprise',
    ].sort(),
  );
  const capacity = res.body.error.details.find((d: { path: string }) => d.path === 'deferred.planning.mon.0.capacity');
  expect(capacity.message).toMatch(/at most 60/);
  // Atomic: the earlier document is untouched.
  const get = await t.harness.api().get(settingsPath(tenant.projectId)).set(tenant.auth);
  expect(get.body).toEqual(callSettingsSchema.parse(API_MD_EXAMPLE));
});

test('a planning change keeps existing bookings at their position and time', async () => {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 6 }));
  const slot = (await availability(t.harness, tenant)).deferred.slots[1]!;
  const booked = [];
  for (let i = 0; i < 3; i++)
    booked.push((await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start })).body);

  // Capacity cut to 2 and the slot moved: the three bookings stay as they were.
  await putSettings(t.harness, tenant, dailySlotSettings({ start: '14:00', end: '15:00', capacity: 2 }));
  for (const callback of booked) {
    const res = await t.harness.api().get(`/v1/callbacks/${callback.id}`).set(tenant.auth);
    expect(res.body).toMatchObject({
      status: 'SCHEDULED',
      slotStart: slot.start,
      position: callback.position,
      scheduledAt: callback.scheduledAt,
    });
  }
  expect(await t.prisma.slotBooking.count({ where: { projectId: tenant.projectId } })).toBe(3);

  // Back to 09:00 with capacity 4: positions 0–2 are still held, the next booking gets 3.
  await putSettings(t.harness, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 4 }));
  const sameSlot = (await availability(t.harness, tenant)).deferred.slots.find((s) => s.start === slot.start)!;
  expect(sameSlot).toMatchObject({ capacity: 4, remaining: 1 });
  const next = await book(t.harness, tenant, { mode: 'deferred', slotStart: slot.start });
  expect(next.body).toMatchObject({ position: 3, scheduledAt: slot.start.replace('T09:00', 'T09:45') });
});

describe('tenancy', () => {
  test('401 without or with an unknown API key', async () => {
    const tenant = await createTenant(t.prisma);
    const none = await t.harness.api().get(settingsPath(tenant.projectId));
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const unknown = await t.harness.api().get(settingsPath(tenant.projectId)).set('Authorization', 'Bearer not-a-key');
    expect(unknown.status).toBe(401);
  });

  test("403 on another account's project, for read and write", async () => {
    const owner = await createTenant(t.prisma);
    const other = await createTenant(t.prisma);
    const read = await t.harness.api().get(settingsPath(owner.projectId)).set(other.auth);
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('FORBIDDEN');
    const write = await t.harness.api().put(settingsPath(owner.projectId)).set(other.auth).send(API_MD_EXAMPLE);
    expect(write.status).toBe(403);
  });

  test('404 on a project that does not exist', async () => {
    const tenant = await createTenant(t.prisma);
    const res = await t.harness.api().get(settingsPath('no-such-project')).set(tenant.auth);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
