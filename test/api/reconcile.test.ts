// Row/workflow divergence: a booking whose workflow start failed stands (the row is the
// outbox), reconcileCallbacks starts it, and a cancel before that happens in the database.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { callbackWorkflowPresence, reconcileCallbacks } from '../../src/callbacks/reconcile';
import type { Db } from '../../src/infra/prisma';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';
import {
  availability,
  book,
  createTenant,
  dailySlotSettings,
  putSettings,
  startApi,
  type ApiHarness,
  type Tenant,
} from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let prisma: Db;
let harness: ApiHarness;
/** The same API, but every workflow start fails as if Temporal were unreachable. */
let temporalDown: ApiHarness;
// No worker polls this queue: started workflows stay scheduled, whichever test file's rows
// the reconciliation (which scans the shared database) starts here.
const taskQueue = `q-${randomUUID()}`;

function failingStarts(client: Client): Client {
  const workflow = Object.create(client.workflow, {
    start: { value: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')) },
  });
  return Object.create(client, { workflow: { value: workflow } });
}

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  harness = await startApi({ prisma, temporal: env.client, taskQueue });
  temporalDown = await startApi({
    prisma,
    temporal: env.client,
    taskQueue,
    bookingTemporal: failingStarts(env.client),
  });
});

afterAll(async () => {
  await temporalDown?.close();
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

async function bookWhileTemporalIsDown(): Promise<{ tenant: Tenant; id: string; slotStart: string }> {
  const tenant = await createTenant(prisma);
  await putSettings(harness, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 2 }));
  const slotStart = (await availability(harness, tenant)).deferred.slots[1]!.start;
  const res = await book(temporalDown, tenant, { mode: 'deferred', slotStart });
  // The booking stands: the row is committed before the start is attempted.
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'SCHEDULED', position: 0 });
  return { tenant, id: res.body.id, slotStart };
}

test('a booking whose workflow did not start is started by reconciliation, once', async () => {
  const { id, slotStart } = await bookWhileTemporalIsDown();
  expect(await callbackWorkflowPresence(env.client, id)).toBe('NONE');

  // Young rows are left to the request that may still be starting them.
  await reconcileCallbacks({ prisma, temporal: env.client, taskQueue, olderThanMs: 60_000 });
  expect(await callbackWorkflowPresence(env.client, id)).toBe('NONE');

  const first = await reconcileCallbacks({ prisma, temporal: env.client, taskQueue, olderThanMs: 0 });
  expect(first.started).toBeGreaterThanOrEqual(1);
  const handle = env.client.workflow.getHandle(callbackWorkflowId(id));
  const started = await handle.describe();
  expect(started.status.name).toBe('RUNNING');
  const history = await handle.fetchHistory();
  const input = env.client.options.loadedDataConverter.payloadConverter.fromPayload<CallbackWorkflowInput>(
    history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!,
  );
  expect(input).toMatchObject({ callbackId: id, mode: 'DEFERRED', dueAt: new Date(slotStart).toISOString() });

  // Idempotent: a second pass leaves the running workflow alone.
  await reconcileCallbacks({ prisma, temporal: env.client, taskQueue, olderThanMs: 0 });
  expect((await handle.describe()).runId).toBe(started.runId);
});

test('later passes look only at rows created since the previous pass (less a margin), so sleeping callbacks are not described every minute', async () => {
  const { id } = await bookWhileTemporalIsDown();
  const row = await prisma.callback.findUniqueOrThrow({ where: { id } });
  // A pass that starts after this row (beyond the margin) does not see it ...
  const past = await reconcileCallbacks({
    prisma,
    temporal: env.client,
    taskQueue,
    olderThanMs: 0,
    createdFrom: new Date(row.createdAt.getTime() + 1),
  });
  expect(await callbackWorkflowPresence(env.client, id)).toBe('NONE');
  // ... and the next pass starts from the cutoff less the margin, which covers it.
  expect(past.nextFrom.getTime()).toBeLessThanOrEqual(row.createdAt.getTime());
  const next = await reconcileCallbacks({
    prisma,
    temporal: env.client,
    taskQueue,
    olderThanMs: 0,
    createdFrom: past.nextFrom,
  });
  expect(next.started).toBe(1);
  expect(await callbackWorkflowPresence(env.client, id)).toBe('RUNNING');
});

test('cancelling a never-started callback cancels it in the database and frees its position', async () => {
  const { tenant, id, slotStart } = await bookWhileTemporalIsDown();
  const res = await harness.api().post(`/v1/callbacks/${id}/cancel`).set(tenant.auth);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ id, status: 'CANCELLED' });
  expect(res.body.endedAt).not.toBeNull();
  const row = await prisma.callback.findUniqueOrThrow({ where: { id } });
  expect(row).toMatchObject({ status: 'CANCELLED', openPhone: null });
  expect(await prisma.slotBooking.count({ where: { callbackId: id } })).toBe(0);

  // Reconciliation no longer starts it.
  await reconcileCallbacks({ prisma, temporal: env.client, taskQueue, olderThanMs: 0 });
  expect(await callbackWorkflowPresence(env.client, id)).toBe('NONE');
  // Its position is free for the next visitor.
  const next = await book(harness, tenant, { mode: 'deferred', slotStart });
  expect(next.body.position).toBe(0);
});
