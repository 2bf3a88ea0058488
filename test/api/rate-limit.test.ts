// Booking rate limits: per API key and per visitor number (429 RATE_LIMITED, API.md format).
import { randomUUID } from 'node:crypto';
import {
  availability,
  book,
  dailySlotSettings,
  frenchMobile,
  putSettings,
  type ApiHarness,
  type Tenant,
} from '../helpers/api';
import { useApi } from '../helpers/use-api';

// Bookings start their workflow (no worker runs them); each test makes an app with its limits.
const t = useApi({ temporal: 'time-skipping' });

function api(rateLimits: { perApiKeyPerMinute?: number; perPhonePerHour?: number }) {
  return t.startApi({ rateLimits });
}

async function tenantWithSlot(harness: ApiHarness): Promise<{ tenant: Tenant; slotStart: string }> {
  const tenant = await t.newTenant();
  await putSettings(harness, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 60 }));
  return { tenant, slotStart: (await availability(harness, tenant)).deferred.slots[1]!.start };
}

test('per API key: every booking request counts, the next one is 429 with Retry-After', async () => {
  const harness = await api({ perApiKeyPerMinute: 3 });
  const { tenant, slotStart } = await tenantWithSlot(harness);
  expect((await book(harness, tenant, { mode: 'deferred', slotStart })).status).toBe(201);
  expect((await book(harness, tenant, { mode: 'deferred', slotStart, phone: '0899123456' })).status).toBe(422);
  expect((await book(harness, tenant, { mode: 'deferred', slotStart })).status).toBe(201);
  const limited = await book(harness, tenant, { mode: 'deferred', slotStart });
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
  expect(Number(limited.get('Retry-After'))).toBeGreaterThan(0);

  // Another key of another account is not affected; reads are never limited.
  const { tenant: other, slotStart: otherSlot } = await tenantWithSlot(harness);
  expect((await book(harness, other, { mode: 'deferred', slotStart: otherSlot })).status).toBe(201);
  expect((await availability(harness, tenant)).deferred.available).toBe(true);
});

test('per phone number, per project: created callbacks count; refusals and replays do not (#10 item 7)', async () => {
  const harness = await api({ perPhonePerHour: 2 });
  const phone = frenchMobile();
  const first = await tenantWithSlot(harness);
  const key = { 'Idempotency-Key': randomUUID() };
  expect((await book(harness, first.tenant, { mode: 'deferred', slotStart: first.slotStart, phone }, key)).status).toBe(
    201,
  );
  // A duplicate (refused) and a replay (200) do not use the number's allowance.
  const duplicate = await book(harness, first.tenant, { mode: 'deferred', slotStart: first.slotStart, phone });
  expect(duplicate.body.error.code).toBe('DUPLICATE_CALLBACK');
  expect((await book(harness, first.tenant, { mode: 'deferred', slotStart: first.slotStart, phone }, key)).status).toBe(
    200,
  );

  // The first booking ends (completed): the number may be booked again in the same project.
  const end = (id: string) =>
    t.prisma.callback.update({ where: { id }, data: { status: 'COMPLETED', openPhone: null } });
  await end((await t.prisma.callback.findFirstOrThrow({ where: { projectId: first.tenant.projectId } })).id);
  const again = await book(harness, first.tenant, { mode: 'deferred', slotStart: first.slotStart, phone });
  expect(again.status).toBe(201);
  await end(again.body.id as string);
  // Written another way, it is the same number: the project's allowance (2) is used up.
  const limited = await book(harness, first.tenant, {
    mode: 'deferred',
    slotStart: first.slotStart,
    phone: phone.replace('+33', '0'),
  });
  expect(limited.status).toBe(429);
  expect(limited.body.error.code).toBe('RATE_LIMITED');
  expect(Number(limited.get('Retry-After'))).toBeGreaterThan(0);
  // Another tenant's bookings of the same number are not limited by this one's.
  const second = await tenantWithSlot(harness);
  expect((await book(harness, second.tenant, { mode: 'deferred', slotStart: second.slotStart, phone })).status).toBe(
    201,
  );
  expect(await t.prisma.callback.count({ where: { projectId: first.tenant.projectId } })).toBe(2);
  // Other numbers are still welcome.
  expect((await book(harness, first.tenant, { mode: 'deferred', slotStart: first.slotStart })).status).toBe(201);
});
