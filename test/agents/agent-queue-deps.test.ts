// #15: the agent task queue reaches the routes through the deps each composition root builds
// from its configuration (no process-wide setter). Two apps in ONE process, one with the default
// (agents on the callbacks' queue), one with TEMPORAL_AGENT_TASK_QUEUE set: each starts callback
// workflows with the `localAgentSteps` flag of its own configuration and agent workflows on its
// own agent queue. With a module-level setting, the second app would have changed the first.
// Real time-skipping server (no worker: started workflows stay scheduled), real PostgreSQL.
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApiHarness, Tenant } from '../helpers/api';
import { availability, book, createTenant, dailySlotSettings, putSettings } from '../helpers/api';
import { useApi } from '../helpers/use-api';
import { agentWorkflowId } from '../../workflows/agent-types';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';

const t = useApi({ temporal: 'time-skipping' });

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

/** Books tomorrow's slot through `app` (POST /v1/callbacks); the started workflow's queue and input. */
async function bookThrough(app: ApiHarness) {
  const tenant = await tenantWithSlots(app);
  const slot = (await availability(app, tenant)).deferred.slots[1];
  if (!slot) throw new Error('no slot offered');
  const res = await book(app, tenant, { mode: 'deferred', slotStart: slot.start });
  expect(res.status).toBe(201);
  const handle = t.env.client.workflow.getHandle(callbackWorkflowId(res.body.id as string));
  const { taskQueue } = await handle.describe();
  const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = defaultPayloadConverter.fromPayload<CallbackWorkflowInput>(started!.input!.payloads![0]!);
  return { taskQueue, input };
}

/** Creates an agent through `app` (POST /v1/agents starts its workflow); the queue it runs on. */
async function agentQueueThrough(app: ApiHarness): Promise<string> {
  const tenant = await createTenant(t.prisma);
  const res = await app
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send({
      projectIds: [tenant.projectId],
      name: 'Alice',
      kind: 'EMPLOYEE',
      callEnabled: true,
      answerMode: 'PHONE',
      phoneNumber: '+33612345678',
      priority: false,
      askNumberAtLogin: false,
      allowChatAndCall: false,
    });
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
