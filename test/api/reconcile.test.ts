// Row/workflow divergence: a booking whose workflow start failed stands (the row is the
// outbox), reconcileCallbacks starts it, and a cancel before that happens in the database.
import type { Client } from '@temporalio/client';
import { callbackWorkflowPresence, reconcileCallbacks } from '../../src/callbacks/reconcile';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';
import { availability, book, dailySlotSettings, putSettings, type ApiHarness, type Tenant } from '../helpers/api';
import { useApi } from '../helpers/use-api';

// No worker polls the fixture's queue: started workflows stay scheduled.
const t = useApi({ temporal: 'time-skipping' });
/** The same API, but every workflow start fails as if Temporal were unreachable. */
let temporalDown: ApiHarness;

function failingStarts(client: Client): Client {
  const workflow = Object.create(client.workflow, {
    start: { value: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')) },
  });
  return Object.create(client, { workflow: { value: workflow } });
}

beforeAll(async () => {
  temporalDown = await t.startApi({ bookingTemporal: failingStarts(t.env.client) });
});

/** A reconciliation pass on the fixture's queue (over the whole shared database, as in production). */
const pass = (options: { olderThanMs: number; createdFrom?: Date }) =>
  reconcileCallbacks({
    prisma: t.prisma,
    temporal: t.env.client,
    taskQueue: t.taskQueue,
    agentTaskQueue: t.taskQueue,
    ...options,
  });

async function bookWhileTemporalIsDown(): Promise<{ tenant: Tenant; id: string; slotStart: string }> {
  const tenant = await t.newTenant();
  await putSettings(t.harness, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 2 }));
  const slotStart = (await availability(t.harness, tenant)).deferred.slots[1]!.start;
  const res = await book(temporalDown, tenant, { mode: 'deferred', slotStart });
  // The booking stands: the row is committed before the start is attempted.
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'SCHEDULED', position: 0 });
  return { tenant, id: res.body.id, slotStart };
}

test('a booking whose workflow did not start is started by reconciliation, once', async () => {
  const { id, slotStart } = await bookWhileTemporalIsDown();
  expect(await callbackWorkflowPresence(t.env.client, id)).toBe('NONE');

  // Young rows are left to the request that may still be starting them.
  await pass({ olderThanMs: 60_000 });
  expect(await callbackWorkflowPresence(t.env.client, id)).toBe('NONE');

  const first = await pass({ olderThanMs: 0 });
  expect(first.started).toBeGreaterThanOrEqual(1);
  const handle = t.env.client.workflow.getHandle(callbackWorkflowId(id));
  const started = await handle.describe();
  expect(started.status.name).toBe('RUNNING');
  const history = await handle.fetchHistory();
  const input = t.env.client.options.loadedDataConverter.payloadConverter.fromPayload<CallbackWorkflowInput>(
    history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!,
  );
  expect(input).toMatchObject({ callbackId: id, mode: 'DEFERRED', dueAt: new Date(slotStart).toISOString() });

  // Idempotent: a second pass leaves the running workflow alone.
  await pass({ olderThanMs: 0 });
  expect((await handle.describe()).runId).toBe(started.runId);
});

test('later passes look only at rows created since the previous pass (less a margin), so sleeping callbacks are not described every minute', async () => {
  const { id } = await bookWhileTemporalIsDown();
  const row = await t.prisma.callback.findUniqueOrThrow({ where: { id } });
  // A pass that starts after this row (beyond the margin) does not see it ...
  const past = await pass({ olderThanMs: 0, createdFrom: new Date(row.createdAt.getTime() + 1) });
  expect(await callbackWorkflowPresence(t.env.client, id)).toBe('NONE');
  // ... and the next pass starts from the cutoff less the margin, which covers it.
  expect(past.nextFrom.getTime()).toBeLessThanOrEqual(row.createdAt.getTime());
  const next = await pass({ olderThanMs: 0, createdFrom: past.nextFrom });
  expect(next.started).toBe(1);
  expect(await callbackWorkflowPresence(t.env.client, id)).toBe('RUNNING');
});

test('cancelling a never-started callback cancels it in the database and frees its position', async () => {
  const { tenant, id, slotStart } = await bookWhileTemporalIsDown();
  const res = await t.harness.api().post(`/v1/callbacks/${id}/cancel`).set(tenant.auth);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ id, status: 'CANCELLED' });
  expect(res.body.endedAt).not.toBeNull();
  const row = await t.prisma.callback.findUniqueOrThrow({ where: { id } });
  expect(row).toMatchObject({ status: 'CANCELLED', openPhone: null });
  expect(await t.prisma.slotBooking.count({ where: { callbackId: id } })).toBe(0);

  // Reconciliation no longer starts it.
  await pass({ olderThanMs: 0 });
  expect(await callbackWorkflowPresence(t.env.client, id)).toBe('NONE');
  // Its position is free for the next visitor.
  const next = await book(t.harness, tenant, { mode: 'deferred', slotStart });
  expect(next.body.position).toBe(0);
});
