// #11 repair pass on the real dev server: a callback whose workflow an operator terminates,
// cancels or resets, or whose workflow is gone, ends ABORTED within one pass — number and
// position free, agent released — and a running one is never touched.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { cancelCallback, CallbackRefused } from '../../src/callbacks/booking';
import { describeCallbackWorkflow, repairClosedCallbacks, resyncHeldAgents } from '../../src/callbacks/repair';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { callSettingsSchema } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { callbackWorkflowId } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import {
  addAgent,
  bookCallback,
  newWorker,
  projectWith,
  startHarness,
  terminateAgentWorkflows,
  waitForDbStatus,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;
let harness: Harness;
const taskQueue = `q-${randomUUID()}`;
let worker: Awaited<ReturnType<typeof newWorker>>;
let running: Promise<void>;
let agents: ReturnType<typeof createAgentWorkflowClient>;
const hungUp: string[] = [];

beforeAll(async () => {
  env = await createDevServerEnv();
  bundle = await workflowBundle();
  prisma = testPrisma();
  harness = await startHarness(env, prisma);
  agents = createAgentWorkflowClient({ temporal: env.client, prisma, taskQueue });
  worker = await newWorker(env, bundle, prisma, harness, taskQueue);
  running = worker.run();
});
afterAll(async () => {
  if (env) await terminateAgentWorkflows(env);
  worker?.shutdown();
  await running;
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

let phoneSeq = 0;
const newPhone = () =>
  `+3361${String(1_000_000 + phoneSeq++ + Math.floor(Math.random() * 1000) * 1000).padStart(7, '0')}5`;

/** One pass as the worker runs it, with a quiet period long enough that only visibility finds rows. */
function pass(quietMs = 3600_000) {
  return repairClosedCallbacks({
    prisma,
    temporal: env.client,
    agents,
    hangup: async (sid) => {
      hungUp.push(sid);
      await harness.telephony.hangup(sid);
    },
    quietMs,
  });
}

/** Visibility sees a close a moment after it: the pass that follows finds it. */
async function passUntilRepaired(callbackId: string, quietMs?: number) {
  for (let i = 0; i < 50; i++) {
    const result = await pass(quietMs);
    const repaired = result.repaired.find((r) => r.callbackId === callbackId);
    if (repaired) return repaired;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`callback ${callbackId} was not repaired`);
}

test('#11: a callback waiting for an agent, terminated in Temporal, ends ABORTED in one pass; its number books again and cancel says NOT_CANCELLABLE', async () => {
  // No agent at all: it waits.
  const { project } = await projectWith(prisma, { maxHandlingDelaySeconds: 3600 });
  const phone = newPhone();
  const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, {
    phone,
    maxHandlingDelaySeconds: 3600,
  });
  await waitForDbStatus(prisma, row.id, (s) => s === 'WAITING_AGENT');
  // Still running: nothing to do.
  expect((await pass(0)).repaired.find((r) => r.callbackId === row.id)).toBeUndefined();

  const closedAt = Date.now();
  await handle.terminate('operator: stuck');
  const repaired = await passUntilRepaired(row.id);
  const convergedMs = Date.now() - closedAt;
  expect(repaired).toMatchObject({ status: 'ABORTED', reason: 'TERMINATED' });
  const stored = await prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  expect(stored).toMatchObject({ status: 'ABORTED', endReason: 'TERMINATED', openPhone: null });
  expect(stored.endedAt).not.toBeNull();
  process.stderr.write(`[repair] terminated WAITING_AGENT → ABORTED in ${convergedMs} ms\n`);

  // S22: the number books again (the open-number unique index lets it in).
  const again = await prisma.callback.create({
    data: { projectId: project.id, mode: 'IMMEDIATE', status: 'SCHEDULED', phone, openPhone: phone, dueAt: new Date() },
  });
  expect(again.id).not.toBe(row.id);
  // S23: an ended callback is not cancellable.
  await expect(cancelCallback({ prisma, temporal: env.client, clock: () => new Date() }, stored)).rejects.toThrow(
    CallbackRefused,
  );
  // A second pass finds nothing more to do.
  expect((await pass()).repaired.find((r) => r.callbackId === row.id)).toBeUndefined();
});

test('#11: a dialling callback holding an agent, terminated, releases the agent and closes its attempt', async () => {
  const { account, project } = await projectWith(prisma, { ringTimeoutSeconds: 120 });
  const agent = await addAgent(prisma, account.id, project.id, { phone: newPhone() });
  // S45 auto-answer off: the reservation holds while the agent is asked to accept.
  await prisma.agent.update({ where: { id: agent.id }, data: { autoAnswer: false } });
  const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: newPhone() });
  await waitForStatus(handle, (s) => s === 'DIALING');
  await expect(prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).resolves.toMatchObject({
    state: 'RESERVED',
    callbackId: row.id,
  });

  await handle.terminate('operator: stuck');
  const repaired = await passUntilRepaired(row.id);
  expect(repaired).toMatchObject({ status: 'ABORTED', reason: 'TERMINATED', releasedAgents: [agent.id] });
  // The agent workflow projects its release: AVAILABLE again, holding nothing.
  for (let i = 0; ; i++) {
    const presence = await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
    if (presence.state === 'AVAILABLE') break;
    if (i > 100) throw new Error(`agent still ${presence.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const attempt = await prisma.attempt.findFirstOrThrow({ where: { callbackId: row.id } });
  expect(attempt.endedAt).not.toBeNull();
  // Cut short before the bridge: the attempt says FAILED, not nothing.
  expect(attempt.outcome).toBe('FAILED');
});

test('#11: a callback terminated while CONNECTED ends ABORTED and its attempt keeps the outcome CONNECTED', async () => {
  const { account, project } = await projectWith(prisma, { ringTimeoutSeconds: 120 });
  const agent = await addAgent(prisma, account.id, project.id, { phone: newPhone() });
  await prisma.agent.update({ where: { id: agent.id }, data: { autoAnswer: false } });
  const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: newPhone() });
  await waitForStatus(handle, (s) => s === 'DIALING');
  await handle.terminate('operator: stuck');
  // The simulated talk lasts 50 ms: the row is put where a bridged call leaves it (the
  // workflow's own write of CONNECTED) rather than raced for.
  await prisma.callback.update({ where: { id: row.id }, data: { status: 'CONNECTED' } });
  const repaired = await passUntilRepaired(row.id);
  expect(repaired).toMatchObject({ status: 'ABORTED', reason: 'TERMINATED' });
  const attempt = await prisma.attempt.findFirstOrThrow({ where: { callbackId: row.id } });
  expect(attempt).toMatchObject({ outcome: 'CONNECTED' });
  expect(attempt.endedAt).not.toBeNull();
});

test('#11: a deferred callback cancelled in Temporal while sleeping ends CANCELLED by itself and frees its slot position', async () => {
  const { project } = await projectWith(prisma, {});
  const phone = newPhone();
  const slotStart = new Date(Date.now() + 86_400_000);
  const row = await prisma.callback.create({
    data: {
      projectId: project.id,
      mode: 'DEFERRED',
      status: 'SCHEDULED',
      phone,
      openPhone: phone,
      dueAt: slotStart,
      slotStart,
      position: 0,
      booking: { create: { projectId: project.id, slotStart, position: 0, capacity: 1 } },
    },
  });
  await startCallbackWorkflow(env.client, taskQueue, row, callSettingsSchema.parse({}));
  const handle = env.client.workflow.getHandle(callbackWorkflowId(row.id));
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow();

  // #11.7: a cancellation requested in Temporal is the callback's own cancel: the workflow
  // ends its row CANCELLED (position and number freed) and the pass has nothing left to do.
  await waitForDbStatus(prisma, row.id, (s) => s === 'CANCELLED');
  const result = await pass();
  expect(result.repaired.find((r) => r.callbackId === row.id)).toBeUndefined();
  expect(await prisma.slotBooking.count({ where: { callbackId: row.id } })).toBe(0);
  expect((await prisma.callback.findUniqueOrThrow({ where: { id: row.id } })).openPhone).toBeNull();
});

test('#11: a reset callback keeps running and is left alone; a workflow gone after it ran ends NOT_FOUND', async () => {
  const { project } = await projectWith(prisma, { maxHandlingDelaySeconds: 3600 });
  const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, {
    phone: newPhone(),
    maxHandlingDelaySeconds: 3600,
  });
  await waitForDbStatus(prisma, row.id, (s) => s === 'WAITING_AGENT');
  const { runId } = await handle.describe();
  // Reset to the first workflow task: the old run is terminated, a new run starts.
  await env.connection.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId, runId },
    reason: 'operator reset',
    // int64 fields take a number on the wire (protobufjs), whatever the typing says.
    workflowTaskFinishEventId:
      3 as unknown as proto.api.workflowservice.v1.ResetWorkflowExecutionRequest['workflowTaskFinishEventId'],
    requestId: randomUUID(),
    resetReapplyType: proto.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
  });
  expect((await describeCallbackWorkflow(env.client, row.id)).state).toBe('RUNNING');
  for (let i = 0; i < 5; i++) expect((await pass(0)).repaired.find((r) => r.callbackId === row.id)).toBeUndefined();
  expect((await prisma.callback.findUniqueOrThrow({ where: { id: row.id } })).endedAt).toBeNull();
  await handle.terminate('test over');

  // An active row whose workflow never existed here (its history is gone): NOT_FOUND, after the grace.
  const phone = newPhone();
  const orphan = await prisma.callback.create({
    data: {
      projectId: project.id,
      mode: 'IMMEDIATE',
      status: 'WAITING_AGENT',
      phone,
      openPhone: phone,
      dueAt: new Date(),
    },
  });
  const scheduled = await prisma.callback.create({
    data: {
      projectId: project.id,
      mode: 'IMMEDIATE',
      status: 'SCHEDULED',
      phone: newPhone(),
      openPhone: null,
      dueAt: new Date(),
    },
  });
  // Young: left alone.
  expect((await pass(60_000)).repaired.find((r) => r.callbackId === orphan.id)).toBeUndefined();
  const result = await repairClosedCallbacks({
    prisma,
    temporal: env.client,
    agents,
    quietMs: 0,
    now: new Date(Date.now() + 1000),
  });
  expect(result.repaired.find((r) => r.callbackId === orphan.id)).toMatchObject({
    status: 'ABORTED',
    reason: 'NOT_FOUND',
  });
  // A SCHEDULED row with no workflow is reconciliation's: never aborted here.
  expect(result.repaired.find((r) => r.callbackId === scheduled.id)).toBeUndefined();
});

test("#11: an agent's read model left ahead of its workflow (a lost task's projection) is rewritten from the workflow, and the workflow's next change lands", async () => {
  const { account, project } = await projectWith(prisma, {});
  const agent = await addAgent(prisma, account.id, project.id, { phone: newPhone() });
  await agents.ensure(agent.id);
  expect((await agents.presence(agent.id)).state).toBe('AVAILABLE');
  const before = await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
  // What a workflow task lost after its local activity projected a reservation leaves: the
  // row one revision ahead, RESERVED for a callback, while the replayed workflow never was.
  const ghost = randomUUID();
  await prisma.$executeRaw`
    UPDATE agent_presence SET state = 'RESERVED', callback_id = ${ghost}::uuid, revision = revision + 1,
           updated_at = now() - interval '2 minutes'
     WHERE agent_id = ${agent.id}::uuid`;
  const resync = (olderThanMs: number) =>
    resyncHeldAgents({ prisma, presence: (id) => agents.presence(id), olderThanMs });

  // Younger than the threshold: left alone.
  expect(await resync(600_000)).toEqual([]);
  expect(await resync(60_000)).toEqual([
    {
      agentId: agent.id,
      was: { state: 'RESERVED', callbackId: ghost },
      now: { state: 'AVAILABLE', callbackId: null },
    },
  ]);
  await expect(prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).resolves.toMatchObject({
    state: 'AVAILABLE',
    callbackId: null,
    revision: before.revision,
  });
  // The read model agrees now: nothing more to do.
  expect(await resync(0)).toEqual([]);
  // The workflow's next change is projected again (with the stale revision it was refused).
  await agents.setStatus(agent.id, { status: 'UNAVAILABLE' });
  await expect(prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).resolves.toMatchObject({
    state: 'UNAVAILABLE',
  });
});
