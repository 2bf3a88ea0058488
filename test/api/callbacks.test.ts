// Reading, listing and cancelling callbacks (S20, S22, S23) with a real worker running the
// callback workflow against the time-skipping test server.
import { randomUUID } from 'node:crypto';
import { callbackWorkflowId } from '../../workflows/types';
import { availability, book, createTenant, dailySlotSettings, putSettings, type Tenant } from '../helpers/api';
import { createAgent } from '../helpers/agents';
import { useApi } from '../helpers/use-api';
import { workerActivities } from '../helpers/worker';

// Only the status activity: these callbacks are cancelled or read while they wait for their slot.
const t = useApi({ temporal: 'time-skipping', worker: workerActivities.callbackStatus, pool: 10 });

const THREE_PER_HOUR = { start: '09:00', end: '10:00', capacity: 3 };

async function tenantWithSlot(): Promise<{ tenant: Tenant; slotStart: string }> {
  const tenant = await createTenant(t.prisma);
  await putSettings(t.harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const slotStart = (await availability(t.harness, tenant)).deferred.slots[1]!.start;
  return { tenant, slotStart };
}

/**
 * Waits for `callback-<id>` to close. Polls describe: the time-skipping client's result()
 * unlocks time skipping, which would jump every other test's sleeping callback to its slot.
 */
async function closedWorkflowStatus(callbackId: string): Promise<string> {
  const handle = t.env.client.workflow.getHandle(callbackWorkflowId(callbackId));
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return status.name;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cancel = (tenant: Tenant, id: string) => t.harness.api().post(`/v1/callbacks/${id}/cancel`).set(tenant.auth);

describe('S23: cancel', () => {
  test('a scheduled callback is cancelled by its workflow: 200 CANCELLED, ended, position freed', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(t.harness, tenant, { mode: 'deferred', slotStart });
    const res = await cancel(tenant, booked.body.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: booked.body.id, status: 'CANCELLED', position: 0, slotStart });
    expect(res.body.endedAt).not.toBeNull();
    expect(await t.prisma.slotBooking.count({ where: { callbackId: booked.body.id } })).toBe(0);
    expect(await closedWorkflowStatus(booked.body.id)).toBe('COMPLETED');
    expect((await t.prisma.callback.findUniqueOrThrow({ where: { id: booked.body.id } })).status).toBe('CANCELLED');
  });

  test('S20: a cancelled position is taken by the next booking', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await book(t.harness, tenant, { mode: 'deferred', slotStart })).body.id);
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart })).body.error.code).toBe('SLOT_FULL');

    expect((await cancel(tenant, ids[1]!)).status).toBe(200);
    const slot = (await availability(t.harness, tenant)).deferred.slots.find((s) => s.start === slotStart);
    expect(slot?.remaining).toBe(1);
    const next = await book(t.harness, tenant, { mode: 'deferred', slotStart });
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ position: 1, scheduledAt: slotStart.replace('T09:00', 'T09:20') });
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart })).body.error.code).toBe('SLOT_FULL');
  });

  test('S22: once cancelled, the same number may book again; a second cancel is NOT_CANCELLABLE', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const phone = '+33612340001';
    const first = await book(t.harness, tenant, { mode: 'deferred', slotStart, phone });
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart, phone })).body.error.code).toBe(
      'DUPLICATE_CALLBACK',
    );
    expect((await cancel(tenant, first.body.id)).status).toBe(200);

    const again = await cancel(tenant, first.body.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NOT_CANCELLABLE');
    expect((await book(t.harness, tenant, { mode: 'deferred', slotStart, phone })).status).toBe(201);
  });

  test('an ended callback is NOT_CANCELLABLE, and an ended workflow is never restarted by a cancel', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(t.harness, tenant, { mode: 'deferred', slotStart });
    await cancel(tenant, booked.body.id);
    await closedWorkflowStatus(booked.body.id);
    const ended = await cancel(tenant, booked.body.id);
    expect(ended.body.error.code).toBe('NOT_CANCELLABLE');

    // A row the database still shows open while its workflow has closed (divergence).
    await t.prisma.callback.update({ where: { id: booked.body.id }, data: { status: 'SCHEDULED', endedAt: null } });
    const divergent = await cancel(tenant, booked.body.id);
    expect(divergent.status).toBe(409);
    expect(divergent.body.error.code).toBe('NOT_CANCELLABLE');
    const latest = await t.env.client.workflow.getHandle(callbackWorkflowId(booked.body.id)).describe();
    expect(latest.status.name).toBe('COMPLETED');
  });

  test('a connected callback is NOT_CANCELLABLE', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(t.harness, tenant, { mode: 'deferred', slotStart });
    await t.prisma.callback.update({ where: { id: booked.body.id }, data: { status: 'CONNECTED' } });
    const res = await cancel(tenant, booked.body.id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_CANCELLABLE');
  });

  test('404 for an unknown or malformed id, 403 for another account', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const other = await createTenant(t.prisma);
    const booked = await book(t.harness, tenant, { mode: 'deferred', slotStart });
    expect((await cancel(tenant, randomUUID())).status).toBe(404);
    expect((await cancel(tenant, 'not-a-uuid')).status).toBe(404);
    const forbidden = await cancel(other, booked.body.id);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    expect((await t.prisma.callback.findUniqueOrThrow({ where: { id: booked.body.id } })).status).toBe('SCHEDULED');
  });
});

describe('GET /v1/callbacks/{id}', () => {
  test('the callback with its attempts, in order, times in the project offset', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(t.harness, tenant, { mode: 'deferred', slotStart, phone: '06 12 34 00 02' });
    const agent = await createAgent(t.prisma, tenant, { presence: { state: 'AVAILABLE' } });
    const t0 = new Date(slotStart);
    await t.prisma.attempt.createMany({
      data: [
        { callbackId: booked.body.id, number: 2, startedAt: new Date(t0.getTime() + 300_000), agentId: agent.id },
        {
          callbackId: booked.body.id,
          number: 1,
          startedAt: t0,
          endedAt: new Date(t0.getTime() + 30_000),
          outcome: 'VISITOR_NO_ANSWER',
          agentId: agent.id,
        },
      ],
    });
    const res = await t.harness.api().get(`/v1/callbacks/${booked.body.id}`).set(tenant.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...booked.body,
      phone: '+33612340002',
      attempts: [
        {
          number: 1,
          startedAt: slotStart,
          endedAt: slotStart.replace('T09:00:00', 'T09:00:30'),
          outcome: 'VISITOR_NO_ANSWER',
          agentId: agent.id,
        },
        {
          number: 2,
          startedAt: slotStart.replace('T09:00', 'T09:05'),
          agentId: agent.id,
        },
      ],
      recordings: [],
    });
  });

  test('404 for an unknown id, 403 for another account', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const other = await createTenant(t.prisma);
    const booked = await book(t.harness, tenant, { mode: 'deferred', slotStart });
    expect((await t.harness.api().get(`/v1/callbacks/${randomUUID()}`).set(tenant.auth)).status).toBe(404);
    expect((await t.harness.api().get(`/v1/callbacks/${booked.body.id}`).set(other.auth)).status).toBe(403);
  });
});

describe('GET /v1/projects/{id}/callbacks', () => {
  test('filters by status and due time, sorted by due time, limited', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await book(t.harness, tenant, { mode: 'deferred', slotStart })).body.id);
    await cancel(tenant, ids[0]!);
    const list = (query: Record<string, string | number>) =>
      t.harness.api().get(`/v1/projects/${tenant.projectId}/callbacks`).query(query).set(tenant.auth);

    const all = await list({});
    expect(all.status).toBe(200);
    expect(all.body.items.map((c: { id: string }) => c.id)).toEqual(ids);
    expect((await list({ status: 'SCHEDULED' })).body.items.map((c: { id: string }) => c.id)).toEqual(ids.slice(1));
    expect((await list({ status: 'CANCELLED,COMPLETED' })).body.items.map((c: { id: string }) => c.id)).toEqual([
      ids[0],
    ]);
    const from = slotStart.replace('T09:00', 'T09:20');
    const to = slotStart.replace('T09:00', 'T09:40');
    expect((await list({ from, to })).body.items.map((c: { id: string }) => c.id)).toEqual([ids[1]]);
    expect((await list({ limit: 2 })).body.items).toHaveLength(2);

    const bad = await list({ status: 'LOST', limit: 0 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['query.limit', 'query.status']);
  });

  test("403 for another account's project", async () => {
    const { tenant } = await tenantWithSlot();
    const other = await createTenant(t.prisma);
    const res = await t.harness.api().get(`/v1/projects/${tenant.projectId}/callbacks`).set(other.auth);
    expect(res.status).toBe(403);
  });
});
