// #15: the agent task queue reaches the routes through the deps each composition root builds
// from its configuration (no process-wide setter). Two apps in ONE process, one with the default
// (agents on the callbacks' queue), one with TEMPORAL_AGENT_TASK_QUEUE set: each starts callback
// workflows with the `localAgentSteps` flag of its own configuration and agent workflows on its
// own agent queue. With a module-level setting, the second app would have changed the first.
// Real time-skipping server (workers with the callback status and presence activities, for the
// visitor link's cancel and the desk's login; callbacks sleep until their slot), real PostgreSQL.
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApiHarness, Tenant } from '../helpers/api';
import { availability, book, createTenant, dailySlotSettings, putSettings } from '../helpers/api';
import { agentRequestBody, createAgent } from '../helpers/agents';
import { useApi } from '../helpers/use-api';
import { createTestWorker, workerActivities } from '../helpers/worker';
import type { Db } from '../../src/infra/prisma';
import { agentWorkflowId } from '../../workflows/agent-types';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';

const activities = (prisma: Db) => ({
  ...workerActivities.callbackStatus(prisma),
  ...workerActivities.presence(prisma),
});
const t = useApi({ temporal: 'time-skipping', worker: activities });

/** The two configurations, side by side: one queue (default) and the split. */
let oneQueue: ApiHarness;
let split: ApiHarness;
const agentsQueueOf = () => `${t.taskQueue}-agents`;

beforeAll(async () => {
  oneQueue = t.harness;
  split = await t.startApi({ env: { TEMPORAL_AGENT_TASK_QUEUE: agentsQueueOf() } });
});

async function tenantWithSlots(app: ApiHarness): Promise<Tenant> {
  const tenant = await createTenant(t.prisma);
  await putSettings(app, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 6 }));
  return tenant;
}

/** The started callback workflow's queue and input. */
async function startedCallback(callbackId: string) {
  const handle = t.env.client.workflow.getHandle(callbackWorkflowId(callbackId));
  const { taskQueue } = await handle.describe();
  const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = defaultPayloadConverter.fromPayload<CallbackWorkflowInput>(started!.input!.payloads![0]!);
  return { taskQueue, input };
}

/** Books a coming slot through `app` (POST /v1/callbacks): its id, link and the other slots. */
async function bookedThrough(app: ApiHarness) {
  const tenant = await tenantWithSlots(app);
  const slots = (await availability(app, tenant)).deferred.slots;
  if (slots.length < 3) throw new Error('not enough slots offered');
  const res = await book(app, tenant, { mode: 'deferred', slotStart: slots[1]!.start });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, manageUrl: res.body.manageUrl as string, nextSlot: slots[2]!.start };
}

const bookThrough = async (app: ApiHarness) => startedCallback((await bookedThrough(app)).id);

/** The visitor moves a callback booked through `bookedVia` with its link, served by `app`. */
async function rebookThrough(app: ApiHarness, bookedVia: ApiHarness) {
  const booked = await bookedThrough(bookedVia);
  const path = new URL(booked.manageUrl).pathname;
  const moved = await app.api().post(`${path}/api/rebook`).send({ slotStart: booked.nextSlot });
  expect(moved.status).toBe(201);
  return startedCallback(moved.body.id as string);
}

/** Creates an agent through `app` (POST /v1/agents starts its workflow); the queue it runs on. */
async function agentQueueThrough(app: ApiHarness): Promise<string> {
  const tenant = await createTenant(t.prisma);
  const res = await app
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentRequestBody([tenant.projectId]));
  expect(res.status).toBe(201);
  const handle = t.env.client.workflow.getHandle(agentWorkflowId(res.body.id as string));
  const { taskQueue } = await handle.describe();
  await handle.terminate('test over');
  return taskQueue;
}

test('#15: a booking route starts its callback with the local-agent-steps flag of its own configuration', async () => {
  // Interleaved on purpose: a process-wide value would be whichever app was built last.
  const splitBooking = await bookThrough(split);
  const defaultBooking = await bookThrough(oneQueue);
  const splitAgain = await bookThrough(split);

  for (const booking of [splitBooking, defaultBooking, splitAgain]) expect(booking.taskQueue).toBe(t.taskQueue);
  expect(defaultBooking.input).not.toHaveProperty('localAgentSteps');
  expect(splitBooking.input.localAgentSteps).toBe(true);
  expect(splitAgain.input.localAgentSteps).toBe(true);
});

test('#15: an agents route starts agent workflows on the agent queue of its own configuration', async () => {
  expect(await agentQueueThrough(split)).toBe(agentsQueueOf());
  expect(await agentQueueThrough(oneQueue)).toBe(t.taskQueue);
  expect(await agentQueueThrough(split)).toBe(agentsQueueOf());
});

test('#15: the visitor link route moves a callback with the local-agent-steps flag of its own configuration', async () => {
  // The same kind of link, served by either app: the app that starts the new workflow decides.
  const movedBySplit = await rebookThrough(split, oneQueue);
  const movedByDefault = await rebookThrough(oneQueue, split);
  expect(movedBySplit.input.localAgentSteps).toBe(true);
  expect(movedByDefault.input).not.toHaveProperty('localAgentSteps');
});

/** An agent signs in at the desk served by `app` (POST /desk/api/login starts its workflow); the queue it runs on. */
async function deskLoginQueueThrough(app: ApiHarness): Promise<string> {
  const tenant = await createTenant(t.prisma);
  const agent = await createAgent(t.prisma, tenant, { answerMode: 'PHONE', phoneNumber: '+33612345678' });
  const issued = await app.api().post(`/v1/agents/${agent.id}/tokens`).set(tenant.auth).send({ label: 'desk' });
  expect(issued.status).toBe(201);
  const login = await app
    .api()
    .post('/desk/api/login')
    .set({ Authorization: `Bearer ${issued.body.token as string}` })
    .send({});
  expect(login.status).toBe(200);
  const handle = t.env.client.workflow.getHandle(agentWorkflowId(agent.id));
  const { taskQueue } = await handle.describe();
  await handle.terminate('test over');
  return taskQueue;
}

test('#15: the desk route starts agent workflows on the agent queue of its own configuration', async () => {
  // The split's agent workflows need a worker on their queue to answer the login.
  const agentsWorker = await createTestWorker(t.env, { taskQueue: agentsQueueOf(), activities: activities(t.prisma) });
  await agentsWorker.runUntil(async () => {
    expect(await deskLoginQueueThrough(split)).toBe(agentsQueueOf());
    expect(await deskLoginQueueThrough(oneQueue)).toBe(t.taskQueue);
  });
});
