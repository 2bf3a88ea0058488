// Issue #10 item 7: two API processes enforce ONE booking limit — the counters are in
// PostgreSQL (rate_limits), each app with its own connection pool as a process would have.
import { Pool } from 'pg';
import request from 'supertest';
import { createTenant, dailySlotSettings, frenchMobile, type Tenant } from '../helpers/api';
import { useApi } from '../helpers/use-api';

// Bookings start workflows: a time-skipping server (no worker needed).
const t = useApi({ temporal: 'time-skipping' });
const pools: Pool[] = [];
afterAll(() => Promise.all(pools.map((pool) => pool.end())));

/** One "API process": its own app, its own pool for the shared counters. */
async function apiProcess(limits: { perApiKeyPerMinute: number; perPhonePerHour: number }) {
  const store = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  pools.push(store);
  return (await t.startApi({ rateLimits: { ...limits, store } })).base;
}

async function tenantWithSlot(api: string): Promise<{ tenant: Tenant; slotStart: string }> {
  const tenant = await createTenant(t.prisma);
  await request(api)
    .put(`/v1/projects/${tenant.projectId}/call-settings`)
    .set(tenant.auth)
    .send(dailySlotSettings({ start: '09:00', end: '10:00', capacity: 60 }))
    .expect(200);
  const slots = await request(api).get(`/v1/projects/${tenant.projectId}/availability`).set(tenant.auth).expect(200);
  return { tenant, slotStart: (slots.body as { deferred: { slots: { start: string }[] } }).deferred.slots[1]!.start };
}

const book = (api: string, tenant: Tenant, slotStart: string, phone = frenchMobile()) =>
  request(api)
    .post('/v1/callbacks')
    .set(tenant.auth)
    .send({ projectId: tenant.projectId, phone, mode: 'deferred', slotStart });

test('the per-key limit is one limit across two API processes', async () => {
  const limits = { perApiKeyPerMinute: 4, perPhonePerHour: 100 };
  const [a, b] = [await apiProcess(limits), await apiProcess(limits)];
  const { tenant, slotStart } = await tenantWithSlot(a);
  const statuses: number[] = [];
  for (const api of [a, b, a, b]) statuses.push((await book(api, tenant, slotStart)).status);
  expect(statuses).toEqual([201, 201, 201, 201]);
  // Each process alone has seen two requests; together they have seen the limit.
  for (const api of [a, b]) {
    const limited = await book(api, tenant, slotStart);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  }
  const { rows } = await pools[0]!.query<{ n: string }>("SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'key:%'");
  expect(Number(rows[0]!.n)).toBeGreaterThan(0);
});

test('the per-phone limit is shared too, and counted per project', async () => {
  const limits = { perApiKeyPerMinute: 1000, perPhonePerHour: 1 };
  const [a, b] = [await apiProcess(limits), await apiProcess(limits)];
  const first = await tenantWithSlot(a);
  const phone = frenchMobile();
  expect((await book(a, first.tenant, first.slotStart, phone)).status).toBe(201);
  const open = await t.prisma.callback.findFirstOrThrow({ where: { projectId: first.tenant.projectId } });
  await t.prisma.callback.update({ where: { id: open.id }, data: { status: 'COMPLETED', openPhone: null } });
  // The other process knows this number has had its callback in this project.
  const limited = await book(b, first.tenant, first.slotStart, phone);
  expect(limited.status).toBe(429);
  // Another project may still call the same person.
  const second = await tenantWithSlot(b);
  expect((await book(b, second.tenant, second.slotStart, phone)).status).toBe(201);
  // No number in clear in the store.
  const { rows } = await pools[0]!.query<{ key: string }>('SELECT key FROM rate_limits');
  for (const row of rows) expect(row.key).not.toContain(phone.slice(1));
});
