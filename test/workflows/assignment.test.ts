// S41 assignment: priority agents first, then the longest idle; callbacks served in the
// order they started waiting; one agent never reserved twice, whatever the concurrency.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createAgentActivities } from '../../activities/agents';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { callbackWorkflowId, isTerminal } from '../../workflows/types';
import { releaseOrphanedReservations } from '../../src/agents/orphaned-reservations';
import { createProjectFixture, createWaitingCallback } from '../helpers/db';
import { addAgent, bookCallback, projectWith, waitForStatus } from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest({ fileWorker: true });
const { taskQueue } = t;
// Agent workflows answer reservations: a worker runs for the whole file on this queue.
let activities: ReturnType<typeof createActivities>;
beforeAll(() => {
  activities = createActivities({
    prisma: t.prisma,
    telephony: t.harness.telephony,
    provider: 'simulated',
    fromNumber: '+33100000000',
    publicBaseUrl: t.harness.baseUrl,
    agents: createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue }),
  });
});

// #11.1: a fresh waiting lease, as a live workflow's looks keep it.
const waitingCallback = (projectId: string, waitingSince: Date) =>
  createWaitingCallback(t.prisma, projectId, { waitingSince });

test('a priority agent is chosen before a non-priority one who has idled longer', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  await addAgent(t.prisma, account.id, project.id, { idleSinceMs: Date.now() - 3600_000 });
  const priority = await addAgent(t.prisma, account.id, project.id, { priority: true, idleSinceMs: Date.now() });
  const callback = await waitingCallback(project.id, new Date());
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: callback.id, attempt: 1 })).toMatchObject({
    agentId: priority.id,
  });
});

test('among equals, the longest idle agent is chosen; a logged-out or chatting agent never', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  await addAgent(t.prisma, account.id, project.id, { idleSinceMs: Date.now() - 60_000 });
  const longest = await addAgent(t.prisma, account.id, project.id, { idleSinceMs: Date.now() - 600_000 });
  await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT', idleSinceMs: Date.now() - 7200_000 });
  const chatting = await addAgent(t.prisma, account.id, project.id, { idleSinceMs: Date.now() - 9000_000 });
  await t.prisma.agentPresence.update({ where: { agentId: chatting.id }, data: { inChat: true } });
  const callback = await waitingCallback(project.id, new Date());
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: callback.id, attempt: 1 })).toMatchObject({
    agentId: longest.id,
  });
});

test('a callback does not take an agent while an older one of its project waits (FIFO)', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  const agent = await addAgent(t.prisma, account.id, project.id);
  const older = await waitingCallback(project.id, new Date(Date.now() - 5000));
  const newer = await waitingCallback(project.id, new Date());
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: newer.id, attempt: 1 })).toBeNull();
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: older.id, attempt: 1 })).toMatchObject({
    agentId: agent.id,
  });
});

test('FIFO: an older callback that already holds an agent does not hold the next one back', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  await addAgent(t.prisma, account.id, project.id);
  await addAgent(t.prisma, account.id, project.id);
  const older = await waitingCallback(project.id, new Date(Date.now() - 5000));
  const newer = await waitingCallback(project.id, new Date());
  const first = await activities.reserveAgent({ projectId: project.id, callbackId: older.id, attempt: 1 });
  // The older one is still WAITING_AGENT in its row (its workflow moves on next), but it has its agent.
  const second = await activities.reserveAgent({ projectId: project.id, callbackId: newer.id, attempt: 1 });
  expect(first).not.toBeNull();
  expect(second).not.toBeNull();
  expect(second!.agentId).not.toBe(first!.agentId);
});

test('FIFO without serialising: with enough agents a newer callback reserves at once, leaving the best ones to those ahead; with too few it waits', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  const best = await addAgent(t.prisma, account.id, project.id, { priority: true });
  const second = await addAgent(t.prisma, account.id, project.id, { idleSinceMs: Date.now() - 600_000 });
  const third = await addAgent(t.prisma, account.id, project.id, { idleSinceMs: Date.now() - 60_000 });
  const oldest = await waitingCallback(project.id, new Date(Date.now() - 6000));
  const older = await waitingCallback(project.id, new Date(Date.now() - 5000));
  const newest = await waitingCallback(project.id, new Date(Date.now() - 4000));
  const late = await waitingCallback(project.id, new Date(Date.now() - 3000));
  // Two are ahead of `newest` without an agent: it is offered the third best.
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: newest.id, attempt: 1 })).toMatchObject({
    agentId: third.id,
  });
  // Three are ahead of `late` and only two agents are left: it waits.
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: late.id, attempt: 1 })).toBeNull();
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: oldest.id, attempt: 1 })).toMatchObject({
    agentId: best.id,
  });
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: older.id, attempt: 1 })).toMatchObject({
    agentId: second.id,
  });
  // A retried activity of a callback that holds an agent gets the same one back.
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: newest.id, attempt: 1 })).toMatchObject({
    agentId: third.id,
  });
});

test('a reservation wakes the next callback of the project that waits without an agent', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  await addAgent(t.prisma, account.id, project.id);
  const woken: string[] = [];
  const agentActivities = createAgentActivities({
    prisma: t.prisma,
    agents: createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue }),
    wakeCallback: async (id) => void woken.push(id),
  });
  const first = await waitingCallback(project.id, new Date(Date.now() - 5000));
  const second = await waitingCallback(project.id, new Date(Date.now() - 4000));
  await waitingCallback(project.id, new Date(Date.now() - 3000));
  expect(
    await agentActivities.reserveAgent({ projectId: project.id, callbackId: first.id, attempt: 1 }),
  ).not.toBeNull();
  expect(woken).toEqual([second.id]);
});

test('an agent held by a callback whose workflow is gone (terminated by an operator) is released; one held by a running callback is not', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  const orphaned = await addAgent(t.prisma, account.id, project.id);
  const held = await addAgent(t.prisma, account.id, project.id);
  // No workflow behind this row: the agent it holds is an orphan.
  const gone = await waitingCallback(project.id, new Date(Date.now() - 5000));
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: gone.id, attempt: 1 })).toMatchObject({
    agentId: orphaned.id,
  });
  // A callback sleeping until tomorrow: its workflow runs, its hold stands.
  const { row } = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
    phone: '+33698765471',
    dueInMs: 86_400_000,
  });
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: row.id, attempt: 1 })).toMatchObject({
    agentId: held.id,
  });

  const agents = createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue });
  // Within the grace period nothing is touched.
  expect(
    await releaseOrphanedReservations({ prisma: t.prisma, temporal: t.env.client, agents, graceMs: 3600_000 }),
  ).toEqual([]);
  const released = await releaseOrphanedReservations({
    prisma: t.prisma,
    temporal: t.env.client,
    agents,
    graceMs: 0,
    now: new Date(Date.now() + 1000),
  });
  // (Other tests of this file leave orphans of their own behind: only ours are looked at.)
  expect(released).toContain(orphaned.id);
  expect(released).not.toContain(held.id);
  const presence = await t.prisma.agentPresence.findMany({ where: { agentId: { in: [orphaned.id, held.id] } } });
  expect(Object.fromEntries(presence.map((p) => [p.agentId, p.state]))).toEqual({
    [orphaned.id]: 'AVAILABLE',
    [held.id]: 'RESERVED',
  });
  await t.env.client.workflow.getHandle(callbackWorkflowId(row.id)).terminate('test over');
});

test('no double booking: 40 concurrent reservations for 5 agents give exactly 5, all different', async () => {
  const { account } = await createProjectFixture(t.prisma);
  // One project per callback, every agent in every project: FIFO does not serialise them.
  const projects = await Promise.all(
    Array.from({ length: 40 }, () =>
      t.prisma.project.create({
        data: {
          id: `p-${randomUUID()}`,
          accountId: account.id,
          name: 'p',
          timezone: 'Europe/Paris',
          countries: ['FR'],
        },
      }),
    ),
  );
  const agents = [];
  for (let i = 0; i < 5; i++) {
    const agent = await addAgent(t.prisma, account.id, projects[0]!.id);
    await t.prisma.agentProject.createMany({
      data: projects.slice(1).map((p) => ({ agentId: agent.id, projectId: p.id })),
    });
    agents.push(agent);
  }
  const callbacks = await Promise.all(projects.map((p) => waitingCallback(p.id, new Date())));
  const results = await Promise.all(
    callbacks.map((c) => activities.reserveAgent({ projectId: c.projectId, callbackId: c.id, attempt: 1 })),
  );
  const reserved = results.flatMap((r) => (r ? [r.agentId] : []));
  expect(reserved).toHaveLength(5);
  expect(new Set(reserved).size).toBe(5);
});

test('S41 end to end: one agent, three immediate callbacks -> served one after the other in request order', async () => {
  const { account, project } = await projectWith(t.prisma, {
    talkTimeSeconds: 30,
    maxHandlingDelaySeconds: 3600,
    autoAnswer: { delaySeconds: 1 },
  });
  const agent = await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  await (async () => {
    const booked = [];
    for (const phone of ['+33698765455', '+33698765456', '+33698765457']) {
      const b = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone, maxHandlingDelaySeconds: 3600 });
      await waitForStatus(b.handle, (s) => s === 'WAITING_AGENT');
      booked.push(b);
    }
    // The agent logs in through its workflow: the projection wakes the head of the queue at
    // once (#11.2: a waiting callback otherwise looks only every 15 minutes).
    await createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue }).login(agent.id, {});
    for (const b of booked) {
      await waitForStatus(b.handle, isTerminal, 30_000);
      expect(await b.handle.result()).toBe('COMPLETED');
    }
    const attempts = await t.prisma.attempt.findMany({
      where: { callbackId: { in: booked.map((b) => b.row.id) } },
      orderBy: { startedAt: 'asc' },
    });
    expect(attempts.map((a) => a.callbackId)).toEqual(booked.map((b) => b.row.id));
    expect(new Set(attempts.map((a) => a.agentId))).toEqual(new Set([agent.id]));
  })();
});

test('S41: a refusal an agent gave on one look is not replayed to the next look of the same attempt', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  const agent = await addAgent(t.prisma, account.id, project.id);
  const first = await waitingCallback(project.id, new Date(Date.now() - 5000));
  const second = await waitingCallback(project.id, new Date());
  // Each look of a waiting callback is a new activity: a new activityId, same attempt.
  const look = (callbackId: string, activityId: string) =>
    new MockActivityEnvironment({ activityId }).run(activities.reserveAgent, {
      projectId: project.id,
      callbackId,
      attempt: 1,
    });
  expect(await look(first.id, '7')).toMatchObject({ agentId: agent.id });
  // The race: the read model still shows the agent free when the second callback looks.
  await t.prisma.agentPresence.update({ where: { agentId: agent.id }, data: { state: 'AVAILABLE', callbackId: null } });
  await t.prisma.callback.update({ where: { id: first.id }, data: { status: 'COMPLETED', openPhone: null } });
  expect(await look(second.id, '7')).toBeNull(); // asked, refused: the agent holds the first
  await activities.releaseAgent({ agentId: agent.id, callbackId: first.id, attempt: 1, talked: false });
  // The agent is free now: the next look of the same attempt gets it.
  expect(await look(second.id, '12')).toMatchObject({ agentId: agent.id });
});

test('#11: when the agent the read model says holds a callback refuses it, the other free agents are asked in the same look', async () => {
  const { account, project } = await createProjectFixture(t.prisma);
  const holder = await addAgent(t.prisma, account.id, project.id, { priority: true });
  const other = await addAgent(t.prisma, account.id, project.id);
  const taken = await waitingCallback(project.id, new Date(Date.now() - 5000));
  const callback = await waitingCallback(project.id, new Date());
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: taken.id, attempt: 1 })).toMatchObject({
    agentId: holder.id,
  });
  // A read model ahead of the agent's workflow (a lost workflow task): it names `callback`.
  await t.prisma.agentPresence.update({ where: { agentId: holder.id }, data: { callbackId: callback.id } });
  await t.prisma.callback.update({ where: { id: taken.id }, data: { waitingSince: null } });
  expect(await activities.reserveAgent({ projectId: project.id, callbackId: callback.id, attempt: 1 })).toMatchObject({
    agentId: other.id,
  });
});
