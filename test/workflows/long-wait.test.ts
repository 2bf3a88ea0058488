// #11.2: a callback waiting for an agent keeps a bounded history — it wakes on events (an
// agent became free), looks by itself only at a slow safety poll, and continues-as-new when
// the history grows — measured under the time-skipping server over the longest allowed wait.
import type { temporal } from '@temporalio/proto';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { callbackWorkflow } from '../../workflows/callback';
import { CALLBACK_PROJECT, CALLBACK_STATUS } from '../../workflows/search-attributes';
import { callbackWorkflowId, isTerminal } from '../../workflows/types';
import { addAgent, bookCallback, projectWith, recordHistory, waitForStatus } from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest({ fileWorker: true });
const { taskQueue } = t;

/** The longest maxHandlingDelaySeconds the settings allow (API.md). */
const LONGEST_WAIT_SECONDS = 86_400;

/** Every run's events of a workflow, oldest run first (continue-as-new followed back from the latest). */
async function historyChain(workflowId: string) {
  const runs: temporal.api.history.v1.IHistoryEvent[][] = [];
  for (let runId: string | undefined = undefined; ;) {
    const events: temporal.api.history.v1.IHistoryEvent[] =
      (await t.env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.unshift(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}

test('#11.2 S4: waiting the longest allowed delay (86,400 s) with no agent costs < 30 events per hour, then EXPIRED', async () => {
  const { account, project } = await projectWith(t.prisma, { maxHandlingDelaySeconds: LONGEST_WAIT_SECONDS });
  await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  const { handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
    phone: '+33698765481',
    maxHandlingDelaySeconds: LONGEST_WAIT_SECONDS,
  });
  expect(await handle.result()).toBe('EXPIRED');

  const runs = await historyChain(handle.workflowId);
  const total = runs.reduce((n, events) => n + events.length, 0);
  // Workflow time, from the first event to the last (the test server's clock is skipped).
  const timeOf = (e: temporal.api.history.v1.IHistoryEvent | undefined) =>
    Number(e?.eventTime?.seconds ?? 0) * 1000 + Math.floor((e?.eventTime?.nanos ?? 0) / 1e6);
  const waitedHours = (timeOf(runs.at(-1)!.at(-1)) - timeOf(runs[0]![0])) / 3600_000;
  expect(waitedHours).toBeGreaterThan(23.99);
  const perHour = total / waitedHours;
  console.log(
    `#11.2 measured: ${total} events over ${waitedHours.toFixed(1)} h of waiting (${perHour.toFixed(1)}/h), ${runs.length} run(s)`,
  );
  expect(perHour).toBeLessThan(30);
  // Far from Temporal's limit (51,200 events per run) and from its continue-as-new suggestion (~4,000).
  for (const events of runs) expect(events.length).toBeLessThan(4000);
  await recordHistory(t.env, handle.workflowId, 'callback-expired-after-longest-wait');
});

test('#11.2: a waiting callback continues-as-new when its history grows, keeps its place and attempt, and is served when an agent logs in', async () => {
  const { account, project } = await projectWith(t.prisma, {
    maxHandlingDelaySeconds: LONGEST_WAIT_SECONDS,
    autoAnswer: { delaySeconds: 1 },
  });
  const agent = await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  const row = await t.prisma.callback.create({
    data: {
      projectId: project.id,
      mode: 'IMMEDIATE',
      status: 'SCHEDULED',
      phone: '+33698765482',
      openPhone: '+33698765482',
      dueAt: new Date(await t.env.currentTimeMs()),
    },
  });
  const handle = await t.env.client.workflow.start(callbackWorkflow, {
    workflowId: callbackWorkflowId(row.id),
    taskQueue,
    args: [
      {
        callbackId: row.id,
        projectId: project.id,
        mode: 'IMMEDIATE',
        dueAt: row.dueAt.toISOString(),
        maxHandlingDelaySeconds: LONGEST_WAIT_SECONDS,
        // Low, so a few safety polls cross it.
        maxHistoryEvents: 30,
      },
    ],
    typedSearchAttributes: [
      { key: CALLBACK_PROJECT, value: project.id },
      { key: CALLBACK_STATUS, value: 'SCHEDULED' },
    ],
  });
  await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
  const { waitingSince } = await t.prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  // Let two hours of safety polls pass (time skips while nothing else happens).
  await t.env.sleep(2 * 3600_000);
  let runs = await historyChain(handle.workflowId);
  expect(runs.length).toBeGreaterThan(1);

  // The agent logs in through its workflow: the projection wakes the callback at once.
  const agents = createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue });
  const loginAtMs = await t.env.currentTimeMs();
  await agents.login(agent.id, {});
  const latest = t.env.client.workflow.getHandle(handle.workflowId);
  await waitForStatus(latest, isTerminal, 30_000);
  expect(await latest.result()).toBe('COMPLETED');

  const attempts = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
  expect(attempts).toHaveLength(1);
  expect(attempts[0]).toMatchObject({ number: 1, agentId: agent.id, outcome: 'CONNECTED' });
  // Woken by the event, not by the next safety poll (15 min): dialled within seconds.
  const wokenMs = attempts[0]!.startedAt.getTime() - loginAtMs;
  console.log(`#11.2 measured: agent login -> attempt started ${wokenMs} ms (workflow time)`);
  expect(wokenMs).toBeLessThan(10_000);
  // The row kept its place in the queue across runs.
  const after = await t.prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  expect(after.waitingSince).toEqual(waitingSince);
  runs = await historyChain(handle.workflowId);
  for (const events of runs.slice(0, -1)) expect(events.length).toBeLessThan(60);
  // The last run: it started from continue-as-new (input.resume), replayed by the gate.
  await recordHistory(t.env, handle.workflowId, 'callback-continued-as-new-while-waiting');
});

test('#11.1: a waiting row whose workflow is gone (terminated) does not hold the next callback back', async () => {
  const { account, project } = await projectWith(t.prisma, {
    maxHandlingDelaySeconds: 3600,
    autoAnswer: { delaySeconds: 1 },
  });
  const agent = await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  const dead = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
    phone: '+33698765483',
    maxHandlingDelaySeconds: 3600,
  });
  await waitForStatus(dead.handle, (s) => s === 'WAITING_AGENT');
  // An operator terminates it: the row stays WAITING_AGENT (the repair pass ends it later).
  await dead.handle.terminate('operator');
  const next = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
    phone: '+33698765484',
    maxHandlingDelaySeconds: 3600,
  });
  await waitForStatus(next.handle, (s) => s === 'WAITING_AGENT');
  const agents = createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue });
  const loginAtMs = await t.env.currentTimeMs();
  await agents.login(agent.id, {});
  await waitForStatus(next.handle, isTerminal, 30_000);
  expect(await next.handle.result()).toBe('COMPLETED');
  const [attempt] = await t.prisma.attempt.findMany({ where: { callbackId: next.row.id } });
  expect(attempt!.startedAt.getTime() - loginAtMs).toBeLessThan(10_000);
  // The dead row lost its lease when the wake-up found no workflow.
  const deadRow = await t.prisma.callback.findUniqueOrThrow({ where: { id: dead.row.id } });
  expect(deadRow.status).toBe('WAITING_AGENT');
  expect(deadRow.waitingSeenAt).toBeNull();
});
