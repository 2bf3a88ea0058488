import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
// The agent workflow (S41, S43–S46) on the real time-skipping server with the real presence
// projection: every wait is skipped (env.sleep), never waited for, so wrap-up times are exact.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import {
  AgentNumberRequiredError,
  AgentStateError,
  createAgentWorkflowClient,
  type AgentWorkflowClient,
} from '../../src/agents/agent-workflow-client';
import type { Db } from '../../src/infra/prisma';
import {
  callEndedUpdate,
  loginUpdate,
  presenceQuery,
  refreshSettingsUpdate,
  reserveUpdate,
  setStatusUpdate,
} from '../../workflows/agent-messages';
import type { UpdateDefinition } from '@temporalio/common';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import {
  agentFixture,
  newAgentWorker,
  saveAgentHistory,
  startAgentWorkflow,
  waitForPresence,
  workflowDeps,
  type AgentFields,
} from './agent-harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;

// One test server for the file: every test ends its agent workflows before its worker stops
// (withAgent), so no timer is left on a queue nobody polls to hold back the next test's time
// skipping.
beforeAll(async () => {
  [bundle, env] = await Promise.all([workflowBundle(), createTimeSkippingEnv()]);
  prisma = testPrisma();
});
afterAll(async () => {
  await env?.teardown();
  await prisma?.$disconnect();
});

interface World {
  agentId: string;
  agents: AgentWorkflowClient;
  handle: Awaited<ReturnType<typeof startAgentWorkflow>>;
  row: () => ReturnType<Db['agentPresence']['findUniqueOrThrow']>;
}

/** One agent with its workflow running on a fresh task queue, for the duration of `body`. */
async function withAgent(
  fields: AgentFields,
  options: { accountAutoAnswer?: boolean; autoAnswerDelaySeconds?: number; maxHistoryEvents?: number },
  body: (world: World) => Promise<void>,
) {
  const taskQueue = `agents-${randomUUID()}`;
  const { agent } = await agentFixture(prisma, fields, options);
  const worker = await newAgentWorker(env, bundle, prisma, taskQueue);
  await worker.runUntil(async () => {
    const handle = await startAgentWorkflow(env, prisma, taskQueue, agent.id, {
      maxHistoryEvents: options.maxHistoryEvents,
    });
    await body({
      agentId: agent.id,
      agents: createAgentWorkflowClient(workflowDeps(env, prisma, taskQueue)),
      handle,
      row: () => prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } }),
    });
    // Left running, its timers would wait on a queue nobody polls once this worker stops,
    // and the test server would stop skipping time for the next tests.
    await handle.terminate('test over').catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // it had ended already
    });
  });
}

/** Reserved, bridged and hung up after a talk: the agent enters wrap-up. */
async function talkOnce(agents: AgentWorkflowClient, agentId: string, callbackId = randomUUID()) {
  expect(await agents.reserve(agentId, { callbackId })).toMatchObject({ ok: true });
  await agents.callStarted(agentId, { callbackId });
  return agents.callEnded(agentId, { callbackId, talked: true });
}

test('S44: login makes the agent AVAILABLE, logout LOGGED_OUT; the read model follows each answer', async () => {
  await withAgent({}, {}, async ({ agentId, agents, row }) => {
    const loggedIn = await agents.login(agentId, { phoneNumber: '+33698765434' });
    expect(loggedIn).toMatchObject({
      state: 'AVAILABLE',
      inChat: false,
      loginNumber: '+33698765434',
      busyForChat: false,
    });
    // The update answers once the projection landed: read-your-writes on agent_presence (S5).
    expect(await row()).toMatchObject({ state: 'AVAILABLE', loginNumber: '+33698765434', revision: 1 });

    expect(await agents.logout(agentId)).toMatchObject({ state: 'LOGGED_OUT' });
    expect(await row()).toMatchObject({ state: 'LOGGED_OUT', loginNumber: null, revision: 2 });
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'LOGGED_OUT' });
  });
});

test('S43: askNumberAtLogin refuses a login without a number and takes one with it', async () => {
  await withAgent({ askNumberAtLogin: true, phoneNumber: null }, {}, async ({ agentId, agents }) => {
    await expect(agents.login(agentId)).rejects.toBeInstanceOf(AgentNumberRequiredError);
    expect(await agents.login(agentId, { phoneNumber: '+33698765436' })).toMatchObject({
      state: 'AVAILABLE',
      loginNumber: '+33698765436',
    });
    // S43: the call rings on the login number.
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toMatchObject({
      ok: true,
      answerTarget: { mode: 'PHONE', number: '+33698765436' },
    });
  });
});

test('S43: a desk agent is reached at the Twilio Client identity client:agent-<id>', async () => {
  await withAgent({ answerMode: 'DESK', phoneNumber: null }, {}, async ({ agentId, agents }) => {
    await agents.login(agentId);
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toEqual({
      ok: true,
      autoAnswer: true,
      answerTarget: { mode: 'DESK', identity: `client:agent-${agentId}` },
    });
  });
});

test('S44: UNAVAILABLE stops reservations until the agent is AVAILABLE again', async () => {
  await withAgent({}, {}, async ({ agentId, agents, row }) => {
    await agents.login(agentId);
    expect(await agents.setStatus(agentId, { status: 'UNAVAILABLE' })).toMatchObject({ state: 'UNAVAILABLE' });
    expect((await row()).state).toBe('UNAVAILABLE');
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'NOT_AVAILABLE' });
    await agents.setStatus(agentId, { status: 'AVAILABLE' });
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toMatchObject({ ok: true });
  });
});

test('S41: two callbacks racing for one agent: exactly one gets it; the winner asking again gets it again', async () => {
  await withAgent({}, {}, async ({ agentId, agents, row, handle }) => {
    await agents.login(agentId);
    const callbacks = Array.from({ length: 5 }, () => randomUUID());
    const results = await Promise.all(callbacks.map((callbackId) => agents.reserve(agentId, { callbackId })));
    const winners = callbacks.filter((_, i) => results[i]!.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(Array(4).fill({ ok: false, reason: 'BUSY' }));
    expect(await agents.reserve(agentId, { callbackId: winners[0]! })).toMatchObject({ ok: true });
    expect(await row()).toMatchObject({ state: 'RESERVED', callbackId: winners[0] });
    expect(await handle.query(presenceQuery)).toMatchObject({
      state: 'RESERVED',
      callbackId: winners[0],
      busyForChat: true,
    });
    await saveAgentHistory(env, handle.workflowId, 'reservation-race');
  });
});

test('S41: a released reservation (no answer) gives the agent straight back, AVAILABLE', async () => {
  await withAgent({}, {}, async ({ agentId, agents, row }) => {
    await agents.login(agentId);
    const callbackId = randomUUID();
    await agents.reserve(agentId, { callbackId });
    expect(await agents.callEnded(agentId, { callbackId, talked: false })).toMatchObject({ state: 'AVAILABLE' });
    expect((await row()).lastCallEndedAt).toBeNull();
    // A late release of the same callback changes nothing.
    expect(await agents.callEnded(agentId, { callbackId, talked: true })).toMatchObject({ state: 'AVAILABLE' });
  });
});

test('S45: auto-answer on (employee default): WRAP_UP exactly 20 s after the call, then AVAILABLE', async () => {
  await withAgent({ kind: 'EMPLOYEE' }, {}, async ({ agentId, agents, handle, row }) => {
    await agents.login(agentId);
    const callbackId = randomUUID();
    const reserved = await agents.reserve(agentId, { callbackId });
    expect(reserved).toMatchObject({ ok: true, autoAnswer: true });
    expect(await agents.callStarted(agentId, { callbackId })).toMatchObject({ state: 'ON_CALL', callbackId });
    const wrap = await agents.callEnded(agentId, { callbackId, talked: true });
    expect(wrap.state).toBe('WRAP_UP');
    const endedAt = Date.parse(wrap.since);
    expect(Date.parse(wrap.wrapUpUntil!) - endedAt).toBe(20_000);
    expect((await row()).lastCallEndedAt?.getTime()).toBe(endedAt);

    await env.sleep(endedAt + 19_000 - (await env.currentTimeMs()));
    expect((await handle.query(presenceQuery)).state).toBe('WRAP_UP');
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'NOT_AVAILABLE' });

    await env.sleep(endedAt + 20_000 - (await env.currentTimeMs()));
    const available = await waitForPresence(handle, (v) => v.state === 'AVAILABLE');
    expect(Date.parse(available.since)).toBe(endedAt + 20_000);
    const projected = await row();
    expect(projected.state).toBe('AVAILABLE');
    expect(projected.since.getTime()).toBe(endedAt + 20_000);
    await saveAgentHistory(env, handle.workflowId, 'auto-answer-wrap-up');
  });
});

test("S45: the wrap-up lasts the project's autoAnswer.delaySeconds (7 s here)", async () => {
  await withAgent({}, { autoAnswerDelaySeconds: 7 }, async ({ agentId, agents, handle }) => {
    await agents.login(agentId);
    const wrap = await talkOnce(agents, agentId);
    const endedAt = Date.parse(wrap.since);
    expect(Date.parse(wrap.wrapUpUntil!) - endedAt).toBe(7_000);
    await env.sleep(endedAt + 6_999 - (await env.currentTimeMs()));
    expect((await handle.query(presenceQuery)).state).toBe('WRAP_UP');
    await env.sleep(endedAt + 7_000 - (await env.currentTimeMs()));
    expect(Date.parse((await waitForPresence(handle, (v) => v.state === 'AVAILABLE')).since)).toBe(endedAt + 7_000);
  });
});

test('S45: auto-answer off (expert default): WRAP_UP holds until the agent sets AVAILABLE', async () => {
  await withAgent({ kind: 'EXPERT' }, {}, async ({ agentId, agents, handle }) => {
    await agents.login(agentId);
    const callbackId = randomUUID();
    expect(await agents.reserve(agentId, { callbackId })).toMatchObject({ ok: true, autoAnswer: false });
    await agents.callStarted(agentId, { callbackId });
    const wrap = await agents.callEnded(agentId, { callbackId, talked: true });
    expect(wrap).toMatchObject({ state: 'WRAP_UP' });
    expect(wrap.wrapUpUntil).toBeUndefined();
    // No wrap-up timer exists to fire (wrapUpUntil undefined); a while later it still holds.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await handle.query(presenceQuery)).state).toBe('WRAP_UP');
    expect(await agents.setStatus(agentId, { status: 'AVAILABLE' })).toMatchObject({ state: 'AVAILABLE' });
  });
});

test('S45: the account switch off overrides an employee agent set to auto-answer', async () => {
  await withAgent({ kind: 'EMPLOYEE', autoAnswer: true }, { accountAutoAnswer: false }, async ({ agentId, agents }) => {
    await agents.login(agentId);
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toMatchObject({ ok: true, autoAnswer: false });
  });
});

test('S45: settings pushed by refreshSettings apply to the next reservation', async () => {
  await withAgent({ kind: 'EXPERT' }, {}, async ({ agentId, agents }) => {
    await agents.login(agentId);
    await prisma.agent.update({ where: { id: agentId }, data: { autoAnswer: true } });
    expect(await agents.refreshSettings(agentId)).toBe(true);
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toMatchObject({ ok: true, autoAnswer: true });
  });
});

test('S44/S45: UNAVAILABLE during wrap-up holds the agent out past the pause', async () => {
  await withAgent({}, {}, async ({ agentId, agents, handle, row }) => {
    await agents.login(agentId);
    const wrap = await talkOnce(agents, agentId);
    expect(await agents.setStatus(agentId, { status: 'UNAVAILABLE' })).toMatchObject({ state: 'UNAVAILABLE' });
    await env.sleep(Date.parse(wrap.since) + 60_000 - (await env.currentTimeMs()));
    expect((await handle.query(presenceQuery)).state).toBe('UNAVAILABLE');
    expect((await row()).state).toBe('UNAVAILABLE');
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'NOT_AVAILABLE' });
  });
});

test('S44: UNAVAILABLE asked during a call takes effect when it ends', async () => {
  await withAgent({}, {}, async ({ agentId, agents }) => {
    await agents.login(agentId);
    const callbackId = randomUUID();
    await agents.reserve(agentId, { callbackId });
    await agents.callStarted(agentId, { callbackId });
    expect(await agents.setStatus(agentId, { status: 'UNAVAILABLE' })).toMatchObject({ state: 'ON_CALL' });
    expect(await agents.callEnded(agentId, { callbackId, talked: true })).toMatchObject({ state: 'UNAVAILABLE' });
  });
});

test('S46: a non-mixer in a chat gets no call, and on a call is busy for chats', async () => {
  await withAgent({ allowChatAndCall: false }, {}, async ({ agentId, agents, row }) => {
    await agents.login(agentId);
    expect(await agents.startChat(agentId)).toMatchObject({ inChat: true, state: 'AVAILABLE' });
    expect((await row()).inChat).toBe(true);
    expect(await agents.reserve(agentId, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'IN_CHAT' });
    await agents.endChat(agentId);

    const callbackId = randomUUID();
    expect(await agents.reserve(agentId, { callbackId })).toMatchObject({ ok: true });
    const refused = agents.startChat(agentId);
    await expect(refused).rejects.toBeInstanceOf(AgentStateError);
    await expect(refused).rejects.toMatchObject({ reason: 'BUSY_ON_CALL' });
    expect(await agents.presence(agentId)).toMatchObject({ state: 'RESERVED', busyForChat: true, inChat: false });
  });
});

test('S46: an agent who may mix takes a call in a chat and a chat on a call', async () => {
  await withAgent({ allowChatAndCall: true }, {}, async ({ agentId, agents }) => {
    await agents.login(agentId);
    await agents.startChat(agentId);
    const callbackId = randomUUID();
    expect(await agents.reserve(agentId, { callbackId })).toMatchObject({ ok: true });
    await agents.endChat(agentId);
    expect(await agents.startChat(agentId)).toMatchObject({ state: 'RESERVED', inChat: true, busyForChat: false });
  });
});

test('invalid transitions are refused with AgentStateError and change nothing', async () => {
  await withAgent({}, {}, async ({ agentId, agents, row }) => {
    await expect(agents.setStatus(agentId, { status: 'AVAILABLE' })).rejects.toBeInstanceOf(AgentStateError);
    await agents.login(agentId);
    const callbackId = randomUUID();
    await expect(agents.callStarted(agentId, { callbackId })).rejects.toBeInstanceOf(AgentStateError);
    await expect(agents.acceptCall(agentId, { callbackId })).rejects.toBeInstanceOf(AgentStateError);
    await agents.reserve(agentId, { callbackId });
    await expect(agents.logout(agentId)).rejects.toBeInstanceOf(AgentStateError);
    expect(await row()).toMatchObject({ state: 'RESERVED', callbackId });
  });
});

test('#11.6: malformed update arguments are rejected by the validators; the workflow never fails a task', async () => {
  await withAgent({}, {}, async ({ handle, row }) => {
    const rejected = async (update: UpdateDefinition<unknown, [never]>, arg: unknown) => {
      const error = await handle
        .executeUpdate(update as unknown as UpdateDefinition<unknown, [unknown]>, { args: [arg] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((error as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidAgentArgument' });
    };
    await rejected(loginUpdate as never, { phoneNumber: 42 });
    await rejected(loginUpdate as never, 'login');
    await rejected(setStatusUpdate as never, { status: 'AVAILABLE', requestId: {} });
    await rejected(reserveUpdate as never, [1, 2]);
    await rejected(callEndedUpdate as never, { callbackId: 'x', talked: 'yes' });
    await rejected(refreshSettingsUpdate as never, null);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
    expect(await row()).toMatchObject({ state: 'LOGGED_OUT' });
  });
});

test('a repeated requestId returns the first result, even after the state moved on', async () => {
  await withAgent({}, {}, async ({ agentId, agents, handle }) => {
    await agents.login(agentId, { requestId: 'login-1' });
    const first = await agents.setStatus(agentId, { status: 'UNAVAILABLE', requestId: 'pause-1' });
    await agents.setStatus(agentId, { status: 'AVAILABLE', requestId: 'back-1' });
    // Replayed: the first answer, no second pause.
    expect(await agents.setStatus(agentId, { status: 'UNAVAILABLE', requestId: 'pause-1' })).toEqual(first);
    expect((await handle.query(presenceQuery)).state).toBe('AVAILABLE');

    const callbackId = randomUUID();
    const reserved = await agents.reserve(agentId, { callbackId, requestId: 'r-1' });
    await agents.callEnded(agentId, { callbackId, talked: false });
    // A retried reservation after the release does not reserve the agent again.
    expect(await agents.reserve(agentId, { callbackId, requestId: 'r-1' })).toEqual(reserved);
    expect((await handle.query(presenceQuery)).state).toBe('AVAILABLE');
  });
});

test('continue-as-new in the middle of a wrap-up keeps the deadline, the dedupe memory and the revision', async () => {
  await withAgent({}, { maxHistoryEvents: 60 }, async ({ agentId, agents, handle, row }) => {
    const firstRunId = handle.firstExecutionRunId;
    await agents.login(agentId);
    const released = randomUUID();
    const reservedFirst = await agents.reserve(agentId, { callbackId: released, requestId: 'before-can' });
    await agents.callEnded(agentId, { callbackId: released, talked: false });
    const wrap = await talkOnce(agents, agentId);
    const deadline = Date.parse(wrap.wrapUpUntil!);
    // Chats during wrap-up grow the history past the cap.
    let runId = firstRunId;
    for (let i = 0; i < 40 && runId === firstRunId; i++) {
      await agents.startChat(agentId);
      await agents.endChat(agentId);
      runId = (await handle.describe()).runId;
    }
    expect(runId).not.toBe(firstRunId);
    const carried = await waitForPresence(handle, () => true);
    expect(carried).toMatchObject({ state: 'WRAP_UP', since: wrap.since, wrapUpUntil: wrap.wrapUpUntil });
    // Deduplication crosses runs.
    expect(await agents.reserve(agentId, { callbackId: randomUUID(), requestId: 'before-can' })).toEqual(reservedFirst);
    const revisionBefore = (await row()).revision;

    await env.sleep(deadline - 1 - (await env.currentTimeMs()));
    expect((await handle.query(presenceQuery)).state).toBe('WRAP_UP');
    await env.sleep(1);
    const available = await waitForPresence(handle, (v) => v.state === 'AVAILABLE');
    expect(Date.parse(available.since)).toBe(deadline);
    // The new run's projections continue the revision sequence, so they land (the timer's
    // projection is written just after the state changes: poll for it).
    let projected = await row();
    for (let i = 0; i < 100 && projected.state !== 'AVAILABLE'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      projected = await row();
    }
    expect(projected.state).toBe('AVAILABLE');
    expect(projected.revision).toBe(revisionBefore + 1);
    await saveAgentHistory(env, handle.workflowId, 'continued-as-new-in-wrap-up', firstRunId);
  });
});

test('continue-as-new does not lose a reservation: the call starts and ends in the next run', async () => {
  await withAgent({}, { maxHistoryEvents: 40 }, async ({ agentId, agents, handle }) => {
    const firstRunId = handle.firstExecutionRunId;
    await agents.login(agentId);
    const callbackId = randomUUID();
    await agents.reserve(agentId, { callbackId });
    let runId = firstRunId;
    for (let i = 0; i < 40 && runId === firstRunId; i++) {
      // A losing competitor's reservation attempts grow the history.
      expect(await handle.executeUpdate(reserveUpdate, { args: [{ callbackId: randomUUID() }] })).toMatchObject({
        ok: false,
      });
      runId = (await handle.describe()).runId;
    }
    expect(runId).not.toBe(firstRunId);
    expect(await agents.presence(agentId)).toMatchObject({ state: 'RESERVED', callbackId });
    expect(await agents.callStarted(agentId, { callbackId })).toMatchObject({ state: 'ON_CALL' });
    expect(await agents.callEnded(agentId, { callbackId, talked: true })).toMatchObject({ state: 'WRAP_UP' });
  });
});

test('an agent workflow that ended is started again from the read model on the next update', async () => {
  await withAgent({}, {}, async ({ agentId, agents, handle, row }) => {
    await agents.login(agentId, { phoneNumber: '+33698765437' });
    const callbackId = randomUUID();
    await agents.reserve(agentId, { callbackId });
    const revision = (await row()).revision;
    await handle.terminate('operator restart');
    // ensureAgentWorkflow (ALLOW_DUPLICATE) starts a new run holding the projected reservation.
    expect(await agents.callStarted(agentId, { callbackId })).toMatchObject({
      state: 'ON_CALL',
      callbackId,
      loginNumber: '+33698765437',
    });
    expect(await row()).toMatchObject({ state: 'ON_CALL', revision: revision + 1 });
  });
});

/** Every run's payloads decoded to text (base64 `data` fields included), continue-as-new followed back. */
async function visibleHistory(workflowId: string): Promise<string> {
  const texts: string[] = [];
  for (let runId: string | undefined = undefined; ;) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    texts.push(
      JSON.stringify(history, (key, value: unknown) => {
        if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
        if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
        return value;
      }),
    );
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return texts.join('\n');
  }
}

test('#10.8: no agent phone number in clear in the agent workflow history (input, login, reservation, projection, continue-as-new)', async () => {
  await withAgent(
    { phoneNumber: '+33612345678' },
    { maxHistoryEvents: 40 },
    async ({ agentId, agents, handle, row }) => {
      const view = await agents.login(agentId, { phoneNumber: '+33698765439' });
      // Callers still see the number: the client opens what the workflow holds sealed.
      expect(view.loginNumber).toBe('+33698765439');
      expect(await row()).toMatchObject({ loginNumber: '+33698765439' });
      expect(await agents.presence(agentId)).toMatchObject({ loginNumber: '+33698765439' });
      const reserved = await agents.reserve(agentId, { callbackId: randomUUID() });
      expect(reserved).toMatchObject({ ok: true, answerTarget: { mode: 'PHONE', number: '+33698765439' } });
      await agents.refreshSettings(agentId);
      for (let i = 0; i < 8; i++) await agents.setStatus(agentId, { status: i % 2 ? 'AVAILABLE' : 'UNAVAILABLE' });
      const visible = await visibleHistory(handle.workflowId);
      expect(visible).toContain('maxHistoryEvents'); // the decoding works: the input's fields show
      expect(visible).toContain('sealed:v1:');
      expect(visible).toContain('continuedExecutionRunId');
      for (const phone of ['+33612345678', '612345678', '+33698765439', '698765439'])
        expect(visible).not.toContain(phone);
    },
  );
});

test('#14.5: an agent run started on demand carries search attributes (projects, presence) and a summary', async () => {
  const taskQueue = `agents-${randomUUID()}`;
  const { agent, project } = await agentFixture(prisma, {});
  const worker = await newAgentWorker(env, bundle, prisma, taskQueue);
  await worker.runUntil(async () => {
    const agents = createAgentWorkflowClient(workflowDeps(env, prisma, taskQueue));
    // No run yet: the update starts one from the database (ensureAgentWorkflow).
    await agents.login(agent.id, {});
    const handle = env.client.workflow.getHandle(`agent-${agent.id}`);
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({ AgentProjects: [project.id], AgentPresence: ['AVAILABLE'] });
    expect(await description.staticSummary()).toBe(`Agent ${agent.id}`);
    await agents.logout(agent.id);
    expect((await handle.describe()).searchAttributes).toMatchObject({ AgentPresence: ['LOGGED_OUT'] });
    await handle.terminate('test over');
  });
});
