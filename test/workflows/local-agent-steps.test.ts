// #15 local-agent-steps (S41, S44, S45, S4, S23, S33): with agent workflows on a task queue of
// their own, a callback runs its agent steps (reserve, on call, release) as local activities —
// three activities and about three workflow tasks fewer per completed callback — and behaves as
// before: the same agent, the same wrap-up, the same expiry, cancel and retries. Real
// time-skipping server, real PostgreSQL, the simulated network's signed webhooks, one Worker
// per queue (the production shape, docs/agent-task-queue.md). Each run's history replays as it
// was written and with every local activity's result one workflow task late.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Db } from '../../src/infra/prisma';
import { cancelCallbackUpdate } from '../../workflows/messages';
import { LOCAL_AGENT_STEPS } from '../../workflows/patches';
import { isTerminal } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import {
  addAgent,
  bookCallback,
  newWorker,
  projectWith,
  recordHistory,
  startHarness,
  terminateAgentWorkflows,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';
import { toHistory, withLateLocalActivityResults } from './late-local-activity';
import { expectWrapUpAfterCall } from '../helpers/agents';

const EventType = temporal.api.enums.v1.EventType;
const AGENT_STEPS = ['reserveAgent', 'markAgentOnCall', 'releaseAgent'];

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;
let harness: Harness;
const callbacksQueue = `q-${randomUUID()}`;
const agentsQueue = `${callbacksQueue}-agents`;
let workers: Worker[] = [];
let running: Promise<void>[] = [];
const recorded: string[] = [];

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), workflowBundle()]);
  prisma = testPrisma();
  harness = await startHarness(env, prisma);
  // The split, configured as a composition root does (config.agentTaskQueue passed down): agent
  // workflows start on their queue, callbacks get `localAgentSteps`.
  workers = await Promise.all([
    newWorker(env, bundle, prisma, harness, callbacksQueue, { agentTaskQueue: agentsQueue }),
    newWorker(env, bundle, prisma, harness, agentsQueue, { agentTaskQueue: agentsQueue }),
  ]);
  running = workers.map((w) => w.run());
});
afterAll(async () => {
  await terminateAgentWorkflows(env);
  for (const w of workers) w.shutdown();
  await Promise.all(running);
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

/** A callback started as the split configuration's booking route starts it (agents on their own queue). */
const book = (projectId: string, fields: Parameters<typeof bookCallback>[4]) =>
  bookCallback(prisma, env, callbacksQueue, projectId, { ...fields, agentTaskQueue: agentsQueue });

async function historyOf(workflowId: string) {
  return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** What a history asked of Temporal: regular activities by name, patch ids, workflow tasks. */
async function workOf(workflowId: string) {
  const events = await historyOf(workflowId);
  const activities = events.flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
  const patches = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
  const workflowTasks = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
  return { activities, patches, workflowTasks };
}

async function keep(workflowId: string, name: string) {
  recorded.push(workflowId);
  await recordHistory(env, workflowId, `callback-${name}.local-agent-steps`);
}

test('S41/S44/S45: the agent is reserved, put on call and released by local activities; COMPLETED, wrap-up as before', async () => {
  const { account, project } = await projectWith(prisma, {});
  const agent = await addAgent(prisma, account.id, project.id, { phone: '+33612340025' });
  const { row, handle } = await book(project.id, { phone: '+33698765425' });
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('COMPLETED');

  const work = await workOf(handle.workflowId);
  expect(work.patches).toContain(LOCAL_AGENT_STEPS);
  // The three agent steps left the activity queue: only the telephony remains.
  expect(work.activities.filter((name) => AGENT_STEPS.includes(name))).toEqual([]);
  expect(work.activities).toEqual(['dialLeg', 'dialLeg', 'hangupLeg']);
  const attempts = await prisma.attempt.findMany({ where: { callbackId: row.id } });
  expect(attempts).toMatchObject([{ number: 1, outcome: 'CONNECTED', agentId: agent.id }]);
  // S45: the employee auto-answers, so the release after the talk starts the 20 s wrap-up.
  await expectWrapUpAfterCall(prisma, agent.id);
  // The agent workflow runs on its own queue.
  expect((await env.client.workflow.getHandle(`agent-${agent.id}`).describe()).taskQueue).toBe(agentsQueue);
  await keep(handle.workflowId, 'completed');
});

test('S41: a callback refused while the only agent is busy waits, is woken when the agent is free, and completes', async () => {
  const { account, project } = await projectWith(prisma, {
    autoAnswer: { delaySeconds: 1 },
    maxHandlingDelaySeconds: 3600,
  });
  const agent = await addAgent(prisma, account.id, project.id, { phone: '+33612340035' });
  const first = await book(project.id, {
    phone: '+33698765435',
    maxHandlingDelaySeconds: 3600,
  });
  await waitForStatus(first.handle, (s) => s === 'DIALING' || s === 'CONNECTED' || isTerminal(s));
  const second = await book(project.id, {
    phone: '+33698765436',
    maxHandlingDelaySeconds: 3600,
  });
  await waitForStatus(second.handle, (s) => s === 'WAITING_AGENT');
  for (const b of [first, second]) {
    await waitForStatus(b.handle, isTerminal, 30_000);
    expect(await b.handle.result()).toBe('COMPLETED');
  }
  const attempts = await prisma.attempt.findMany({
    where: { callbackId: { in: [first.row.id, second.row.id] } },
    orderBy: { startedAt: 'asc' },
  });
  expect(attempts.map((a) => [a.callbackId, a.agentId, a.outcome])).toEqual([
    [first.row.id, agent.id, 'CONNECTED'],
    [second.row.id, agent.id, 'CONNECTED'],
  ]);
  expect((await workOf(second.handle.workflowId)).activities).toEqual(['dialLeg', 'dialLeg', 'hangupLeg']);
  await keep(first.handle.workflowId, 'served-first');
  await keep(second.handle.workflowId, 'waited-for-agent');
});

test('S4: with no agent free the callback EXPIRES after maxHandlingDelaySeconds, nobody dialled', async () => {
  const { account, project } = await projectWith(prisma, {});
  await addAgent(prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  const { row, handle } = await book(project.id, {
    phone: '+33698765438',
    maxHandlingDelaySeconds: 120,
  });
  expect(await handle.result()).toBe('EXPIRED');
  const stored = await prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  const expectedEnd = row.dueAt.getTime() + 120_000;
  expect(stored.endedAt!.getTime()).toBeGreaterThanOrEqual(expectedEnd);
  expect(stored.endedAt!.getTime()).toBeLessThan(expectedEnd + 6000);
  expect(harness.placed.filter((p) => p.key.startsWith(row.id))).toEqual([]);
  expect((await workOf(handle.workflowId)).activities).toEqual([]);
  await keep(handle.workflowId, 'expired');
});

test('S23: cancelling while waiting for an agent ends CANCELLED, nobody dialled', async () => {
  const { account, project } = await projectWith(prisma, {});
  await addAgent(prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  const { row, handle } = await book(project.id, {
    phone: '+33698765439',
    maxHandlingDelaySeconds: 3600,
  });
  await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
  expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
  expect(await handle.result()).toBe('CANCELLED');
  expect(harness.placed.filter((p) => p.key.startsWith(row.id))).toEqual([]);
  await keep(handle.workflowId, 'cancelled-while-waiting');
});

test('S23: cancelling while the visitor rings hangs up both legs, gives the agent back, ends CANCELLED', async () => {
  const { account, project } = await projectWith(prisma, {});
  const agent = await addAgent(prisma, account.id, project.id, { phone: '+33612340055' });
  // A visitor number ending in 0 never answers: the attempt stays in DIALING while it rings.
  const { row, handle } = await book(project.id, { phone: '+33698765450' });
  const visitorKey = `${row.id}:1:visitor`;
  const deadline = Date.now() + 20_000;
  while (!harness.placed.some((p) => p.key === visitorKey)) {
    if (Date.now() > deadline) throw new Error('the visitor was never dialled');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
  expect(await handle.result()).toBe('CANCELLED');
  const attempts = await prisma.attempt.findMany({ where: { callbackId: row.id } });
  expect(attempts).toMatchObject([{ number: 1, outcome: null, agentId: agent.id }]);
  expect(attempts[0]!.endedAt).not.toBeNull();
  // Both legs hung up; the agent steps were local (no activity task of their own).
  expect((await workOf(handle.workflowId)).activities).toEqual(['dialLeg', 'dialLeg', 'hangupLeg', 'hangupLeg']);
  const presence = await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
  expect(presence).toMatchObject({ state: 'AVAILABLE', callbackId: null });
  await keep(handle.workflowId, 'cancelled-while-dialing');
});

test('S33: a visitor who does not answer: the agent is released after each attempt, retried 5 min later, then FAILED', async () => {
  const { account, project } = await projectWith(prisma, { retry: { maxRetries: 1 } });
  const agent = await addAgent(prisma, account.id, project.id, { phone: '+33612340045' });
  const { row, handle } = await book(project.id, { phone: '+33698765440' });
  const dueMs = row.dueAt.getTime();
  await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s));
  // Skip exactly to the retry's due time (S33: 5 minutes after the first attempt was due).
  await env.sleep(dueMs + 300_000 - (await env.currentTimeMs()));
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('FAILED');
  const attempts = await prisma.attempt.findMany({ where: { callbackId: row.id }, orderBy: { number: 'asc' } });
  expect(attempts.map((a) => [a.number, a.agentId, a.outcome])).toEqual([
    [1, agent.id, 'VISITOR_NO_ANSWER'],
    [2, agent.id, 'VISITOR_NO_ANSWER'],
  ]);
  const offset = attempts[1]!.startedAt.getTime() - dueMs;
  expect(offset).toBeGreaterThanOrEqual(300_000);
  expect(offset).toBeLessThan(302_000);
  // S44: released without a talk after each attempt: AVAILABLE again, no wrap-up.
  const presence = await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
  expect(presence).toMatchObject({ state: 'AVAILABLE', callbackId: null });
  expect((await workOf(handle.workflowId)).activities.filter((name) => AGENT_STEPS.includes(name))).toEqual([]);
  await keep(handle.workflowId, 'failed-after-retries');
});

test('#11/#15: every history of this file replays, also with local-activity results one task late', async () => {
  expect(recorded.length).toBeGreaterThanOrEqual(7);
  const histories = [];
  for (const workflowId of recorded) {
    const json = JSON.parse(JSON.stringify(await env.client.workflow.getHandle(workflowId).fetchHistory()));
    histories.push({ workflowId, history: toHistory(json) });
    const late = withLateLocalActivityResults(json);
    if (late) histories.push({ workflowId: `${workflowId} (late local-activity results)`, history: toHistory(late) });
  }
  expect(histories.length).toBeGreaterThan(recorded.length);
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});
