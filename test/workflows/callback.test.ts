// The callback workflow end to end (S2-S4, S23, S30-S35): real time-skipping Temporal
// server, real PostgreSQL activities, the simulated network's signed webhooks. Time is
// skipped explicitly (env.sleep) so retry times are exact, never waited for.
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { cancelCallbackUpdate } from '../../workflows/messages';
import { isTerminal } from '../../workflows/types';
import { Worker } from '@temporalio/worker';
import { toHistory, withLateLocalActivityResults } from './late-local-activity';
import {
  addAgent,
  bookCallback as bookCallbackRow,
  projectWith,
  recordHistory,
  waitForStatus,
} from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';
import { expectWrapUpAfterCall } from '../helpers/agents';

// One worker for the whole file: agent workflows outlive a test and must keep a worker.
const t = useWorkflowTest({ fileWorker: true });
const { taskQueue } = t;

/** Every callback this file runs: their live histories must replay (last test). */
const booked: string[] = [];

const saveHistory = (workflowId: string, scenario: string) => recordHistory(t.env, workflowId, `callback-${scenario}`);

const bookCallback: typeof bookCallbackRow = async (...args) => {
  const booking = await bookCallbackRow(...args);
  booked.push(booking.handle.workflowId);
  return booking;
};

const attemptsOf = (callbackId: string) =>
  t.prisma.attempt.findMany({ where: { callbackId }, orderBy: { number: 'asc' } });

describe('an immediate callback, an agent free, a visitor who answers', () => {
  const phone = '+33698765435';
  const agentPhone = '+33612340005';
  let row: Awaited<ReturnType<typeof bookCallback>>['row'];
  let handle: Awaited<ReturnType<typeof bookCallback>>['handle'];
  let agentId: string;
  let projectId: string;
  beforeAll(async () => {
    const { account, project } = await projectWith(t.prisma, {});
    projectId = project.id;
    agentId = (await addAgent(t.prisma, account.id, project.id, { phone: agentPhone })).id;
    ({ row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone }));
    await waitForStatus(handle, isTerminal);
    await saveHistory(handle.workflowId, 'completed');
  });

  test('S2/S32: one attempt, CONNECTED by the agent, then COMPLETED', async () => {
    expect(await handle.result()).toBe('COMPLETED');
    const attempts = await attemptsOf(row.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ number: 1, outcome: 'CONNECTED', agentId });
  });

  test('S30: AGENT_FIRST (the default) dials the agent, then the visitor', () => {
    const legs = t.harness.placed.filter((p) => p.key.startsWith(row.id));
    expect(legs.map((l) => l.key.split(':')[2])).toEqual(['agent', 'visitor']);
  });

  test('S45: an employee auto-answers, so a 20 s wrap-up follows the call', async () => {
    await expectWrapUpAfterCall(t.prisma, agentId);
  });

  test('S2: due at once, so no timer (the server fires even a 1 ms timer about a second late) before the first dial', async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const firstDial = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'dialLeg');
    expect(firstDial).toBeGreaterThan(0);
    expect(events.slice(0, firstDial).filter((e) => e.timerStartedEventAttributes)).toEqual([]);
  });

  test('S55: no phone number in the workflow id, search attributes, memo or anywhere in history', async () => {
    const description = await handle.describe();
    // Payloads are bytes: decode them so a number inside any input or result would show.
    const visible = JSON.stringify(
      {
        id: handle.workflowId,
        searchAttributes: description.searchAttributes,
        memo: description.memo,
        history: await handle.fetchHistory(),
      },
      (key, value: unknown) => {
        if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
        // fetchHistory gives payload bytes as base64 text: decode them too.
        if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
        return value;
      },
    );
    expect(visible).toContain('maxHandlingDelaySeconds'); // the decoding works: the input's fields show
    for (const number of [phone, phone.slice(3), agentPhone, agentPhone.slice(3)])
      expect(visible).not.toContain(number);
    expect(description.searchAttributes).toMatchObject({ CallbackProject: [projectId], CallbackStatus: ['COMPLETED'] });
  });
});

test('S30: VISITOR_FIRST dials the visitor before the agent', async () => {
  const { account, project } = await projectWith(t.prisma, { callOrder: 'VISITOR_FIRST' });
  await addAgent(t.prisma, account.id, project.id);
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765436' });
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('COMPLETED');
  const legs = t.harness.placed.filter((p) => p.key.startsWith(row.id));
  expect(legs.map((l) => l.key.split(':')[2])).toEqual(['visitor', 'agent']);
});

test('S32: a voicemail (number ending in 2) counts as answered', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  await addAgent(t.prisma, account.id, project.id);
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765432' });
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('COMPLETED');
  expect((await attemptsOf(row.id))[0]!.outcome).toBe('CONNECTED');
});

test('S33: a visitor who never answers gets attempts at +0, +5, +10, +15, +20, +25 min, then FAILED', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  const agent = await addAgent(t.prisma, account.id, project.id);
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765430' });
  const dueMs = row.dueAt.getTime();
  for (let retry = 1; retry <= 5; retry++) {
    await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s));
    // Skip exactly to the next attempt's due time.
    await t.env.sleep(dueMs + retry * 300_000 - (await t.env.currentTimeMs()));
    await waitForStatus(handle, (s) => s !== 'RETRY_WAIT');
  }
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('FAILED');
  const attempts = await attemptsOf(row.id);
  expect(attempts.map((a) => a.outcome)).toEqual(Array(6).fill('VISITOR_NO_ANSWER'));
  attempts.forEach((a, i) => {
    const offset = a.startedAt.getTime() - dueMs;
    expect(offset).toBeGreaterThanOrEqual(i * 300_000);
    expect(offset).toBeLessThan(i * 300_000 + 2000);
  });
  // S41/S44: the one agent served all six attempts and is free again afterwards (each
  // attempt's release counts, not only the first).
  expect(new Set(attempts.map((a) => a.agentId))).toEqual(new Set([agent.id]));
  const presence = await t.prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
  expect(presence).toMatchObject({ state: 'AVAILABLE', callbackId: null });
  await saveHistory(handle.workflowId, 'failed-after-retries');
});

test('S33: a busy agent (number ending in 1) is AGENT_BUSY and the visitor is not dialled', async () => {
  const { account, project } = await projectWith(t.prisma, { retry: { maxRetries: 0, intervalSeconds: 60 } });
  await addAgent(t.prisma, account.id, project.id, { phone: '+33612340001' });
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765437' });
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('FAILED');
  expect((await attemptsOf(row.id)).map((a) => a.outcome)).toEqual(['AGENT_BUSY']);
  expect(t.harness.placed.filter((p) => p.key.startsWith(row.id)).map((p) => p.key.split(':')[2])).toEqual(['agent']);
});

test('S4: with no agent free, the callback EXPIRES after maxHandlingDelaySeconds and nobody is dialled', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
    phone: '+33698765438',
    dueInMs: 3600_000,
    maxHandlingDelaySeconds: 120,
  });
  // Nothing here needs telephony events: let the server skip time freely.
  expect(await handle.result()).toBe('EXPIRED');
  const stored = await t.prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  const expectedEnd = row.dueAt.getTime() + 120_000;
  expect(stored.endedAt!.getTime()).toBeGreaterThanOrEqual(expectedEnd);
  expect(stored.endedAt!.getTime()).toBeLessThan(expectedEnd + 6000);
  expect(stored.openPhone).toBeNull();
  expect(t.harness.placed.filter((p) => p.key.startsWith(row.id))).toEqual([]);
  await saveHistory(handle.workflowId, 'expired');
});

test('S23: cancelling while scheduled ends CANCELLED and frees the slot position (S20)', async () => {
  const { project } = await projectWith(t.prisma, {});
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
    phone: '+33698765439',
    dueInMs: 86_400_000,
  });
  await t.prisma.slotBooking.create({
    data: { projectId: project.id, slotStart: row.dueAt, position: 0, capacity: 6, callbackId: row.id },
  });
  expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
  expect(await handle.result()).toBe('CANCELLED');
  await saveHistory(handle.workflowId, 'cancelled-while-scheduled');
  expect(await t.prisma.slotBooking.count({ where: { projectId: project.id } })).toBe(0);
});

test('S23: cancelling during the retry wait ends CANCELLED without another dial', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  await addAgent(t.prisma, account.id, project.id);
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765410' });
  await waitForStatus(handle, (s) => s === 'RETRY_WAIT');
  expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
  expect(await handle.result()).toBe('CANCELLED');
  expect(await attemptsOf(row.id)).toHaveLength(1);
  await saveHistory(handle.workflowId, 'cancelled-during-retry-wait');
});

test('S35: a retried dial that finds its leg row without a call id refuses to dial again', async () => {
  const { project } = await projectWith(t.prisma, {});
  const phone = '+33698765449';
  const callback = await t.prisma.callback.create({
    data: { projectId: project.id, mode: 'IMMEDIATE', status: 'DIALING', phone, openPhone: phone, dueAt: new Date() },
  });
  const attempt = await t.prisma.attempt.create({
    data: { callbackId: callback.id, number: 1, startedAt: new Date() },
  });
  // What a crash between placing the call and saving its id leaves behind.
  await t.prisma.telephonyCall.create({
    data: {
      key: `${callback.id}:1:visitor`,
      attemptId: attempt.id,
      leg: 'visitor',
      provider: 'simulated',
      status: 'placing',
    },
  });
  const placedBefore = t.harness.placed.length;
  const activities = createActivities({
    prisma: t.prisma,
    telephony: t.harness.telephony,
    provider: 'simulated',
    fromNumber: '+33100000000',
    publicBaseUrl: t.harness.baseUrl,
    agents: createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue: `q-${randomUUID()}` }),
  });
  await expect(
    activities.dialLeg({
      callbackId: callback.id,
      projectId: project.id,
      attempt: 1,
      leg: 'visitor',
      agentId: null,
      first: true,
      ringTimeoutSeconds: 30,
      record: false,
    }),
  ).rejects.toMatchObject({ type: 'DialOutcomeUnknown', nonRetryable: true });
  expect(t.harness.placed.length).toBe(placedBefore);
});

// #11: the live runs above replay, as they were written and with each local activity's result
// one workflow task late (the shape that broke replay on queries after eviction).
test('#11: every live history of this file replays, also with local-activity results one task late', async () => {
  expect(booked.length).toBeGreaterThanOrEqual(8);
  const histories = [];
  for (const workflowId of booked) {
    const json = JSON.parse(JSON.stringify(await t.env.client.workflow.getHandle(workflowId).fetchHistory()));
    histories.push({ workflowId, history: toHistory(json) });
    const late = withLateLocalActivityResults(json);
    if (late) histories.push({ workflowId: `${workflowId} (late local-activity results)`, history: toHistory(late) });
  }
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: t.bundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});
