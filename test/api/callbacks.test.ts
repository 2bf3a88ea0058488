// Reading, listing and cancelling callbacks (S20, S22, S23) with a real worker running the
// callback workflow against the time-skipping test server.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCallbackActivities } from '../../activities/callbacks';
import { createPrisma, type Db } from '../../src/infra/prisma';
import { callbackWorkflowId } from '../../workflows/types';
import {
  availability,
  book,
  createAgent,
  createTenant,
  dailySlotSettings,
  putSettings,
  startApi,
  type ApiHarness,
  type Tenant,
} from '../helpers/api';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let prisma: Db;
let harness: ApiHarness;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = `q-${randomUUID()}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = createPrisma(process.env.DATABASE_URL!, 10);
  // Only the status activity: these callbacks are cancelled or read while they wait for their slot.
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createCallbackActivities({ prisma }),
  });
  workerRun = worker.run();
  harness = await startApi({ prisma, temporal: env.client, taskQueue });
});

afterAll(async () => {
  await harness?.close();
  worker?.shutdown();
  await workerRun;
  await prisma?.$disconnect();
  await env?.teardown();
});

const THREE_PER_HOUR = { start: '09:00', end: '10:00', capacity: 3 };

async function tenantWithSlot(): Promise<{ tenant: Tenant; slotStart: string }> {
  const tenant = await createTenant(prisma);
  await putSettings(harness, tenant, dailySlotSettings(THREE_PER_HOUR));
  const slotStart = (await availability(harness, tenant)).deferred.slots[1]!.start;
  return { tenant, slotStart };
}

/**
 * Waits for `callback-<id>` to close. Polls describe: the time-skipping client's result()
 * unlocks time skipping, which would jump every other test's sleeping callback to its slot.
 */
async function closedWorkflowStatus(callbackId: string): Promise<string> {
  const handle = env.client.workflow.getHandle(callbackWorkflowId(callbackId));
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return status.name;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cancel = (tenant: Tenant, id: string) => harness.api().post(`/v1/callbacks/${id}/cancel`).set(tenant.auth);

describe('S23: cancel', () => {
  test('a scheduled callback is cancelled by its workflow: 200 CANCELLED, ended, position freed', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(harness, tenant, { mode: 'deferred', slotStart });
    const res = await cancel(tenant, booked.body.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: booked.body.id, status: 'CANCELLED', position: 0, slotStart });
    expect(res.body.endedAt).not.toBeNull();
    expect(await prisma.slotBooking.count({ where: { callbackId: booked.body.id } })).toBe(0);
    expect(await closedWorkflowStatus(booked.body.id)).toBe('COMPLETED');
    expect((await prisma.callback.findUniqueOrThrow({ where: { id: booked.body.id } })).status).toBe('CANCELLED');
  });

  test('S20: a cancelled position is taken by the next booking', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await book(harness, tenant, { mode: 'deferred', slotStart })).body.id);
    expect((await book(harness, tenant, { mode: 'deferred', slotStart })).body.error.code).toBe('SLOT_FULL');

    expect((await cancel(tenant, ids[1]!)).status).toBe(200);
    const slot = (await availability(harness, tenant)).deferred.slots.find((s) => s.start === slotStart);
    expect(slot?.remaining).toBe(1);
    const next = await book(harness, tenant, { mode: 'deferred', slotStart });
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ position: 1, scheduledAt: slotStart.replace('T09:00', 'T09:20') });
    expect((await book(harness, tenant, { mode: 'deferred', slotStart })).body.error.code).toBe('SLOT_FULL');
  });

  test('S22: once cancelled, the same number may book again; a second cancel is NOT_CANCELLABLE', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const phone = '+33612340001';
    const first = await book(harness, tenant, { mode: 'deferred', slotStart, phone });
    expect((await book(harness, tenant, { mode: 'deferred', slotStart, phone })).body.error.code).toBe(
      'DUPLICATE_CALLBACK',
    );
    expect((await cancel(tenant, first.body.id)).status).toBe(200);

    const again = await cancel(tenant, first.body.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NOT_CANCELLABLE');
    expect((await book(harness, tenant, { mode: 'deferred', slotStart, phone })).status).toBe(201);
  });

  test('an ended callback is NOT_CANCELLABLE, and an ended workflow is never restarted by a cancel', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(harness, tenant, { mode: 'deferred', slotStart });
    await cancel(tenant, booked.body.id);
    await closedWorkflowStatus(booked.body.id);
    const ended = await cancel(tenant, booked.body.id);
    expect(ended.body.error.code).toBe('NOT_CANCELLABLE');

    // A row the database still shows open while its workflow has closed (divergence).
    await prisma.callback.update({ where: { id: booked.body.id }, data: { status: 'SCHEDULED', endedAt: null } });
    const divergent = await cancel(tenant, booked.body.id);
    expect(divergent.status).toBe(409);
    expect(divergent.body.error.code).toBe('NOT_CANCELLABLE');
    const latest = await env.client.workflow.getHandle(callbackWorkflowId(booked.body.id)).describe();
    expect(latest.status.name).toBe('COMPLETED');
  });

  test('a connected callback is NOT_CANCELLABLE', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(harness, tenant, { mode: 'deferred', slotStart });
    await prisma.callback.update({ where: { id: booked.body.id }, data: { status: 'CONNECTED' } });
    const res = await cancel(tenant, booked.body.id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_CANCELLABLE');
  });

  test('404 for an unknown or malformed id, 403 for another account', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const other = await createTenant(prisma);
    const booked = await book(harness, tenant, { mode: 'deferred', slotStart });
    expect((await cancel(tenant, randomUUID())).status).toBe(404);
    expect((await cancel(tenant, 'not-a-uuid')).status).toBe(404);
    const forbidden = await cancel(other, booked.body.id);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    expect((await prisma.callback.findUniqueOrThrow({ where: { id: booked.body.id } })).status).toBe('SCHEDULED');
  });
});

describe('GET /v1/callbacks/{id}', () => {
  test('the callback with its attempts, in order, times in the project offset', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const booked = await book(harness, tenant, { mode: 'deferred', slotStart, phone: '06 12 34 00 02' });
    const agent = await createAgent(prisma, tenant, { state: 'AVAILABLE' });
    const t0 = new Date(slotStart);
    await prisma.attempt.createMany({
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
    const res = await harness.api().get(`/v1/callbacks/${booked.body.id}`).set(tenant.auth);
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
    });
  });

  test('404 for an unknown id, 403 for another account', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const other = await createTenant(prisma);
    const booked = await book(harness, tenant, { mode: 'deferred', slotStart });
    expect((await harness.api().get(`/v1/callbacks/${randomUUID()}`).set(tenant.auth)).status).toBe(404);
    expect((await harness.api().get(`/v1/callbacks/${booked.body.id}`).set(other.auth)).status).toBe(403);
  });
});

describe('GET /v1/projects/{id}/callbacks', () => {
  test('filters by status and due time, sorted by due time, limited', async () => {
    const { tenant, slotStart } = await tenantWithSlot();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await book(harness, tenant, { mode: 'deferred', slotStart })).body.id);
    await cancel(tenant, ids[0]!);
    const list = (query: Record<string, string | number>) =>
      harness.api().get(`/v1/projects/${tenant.projectId}/callbacks`).query(query).set(tenant.auth);

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
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'query.limit',
      'query.status.0',
    ]);
  });

  test("403 for another account's project", async () => {
    const { tenant } = await tenantWithSlot();
    const other = await createTenant(prisma);
    const res = await harness.api().get(`/v1/projects/${tenant.projectId}/callbacks`).set(other.auth);
    expect(res.status).toBe(403);
  });
});
