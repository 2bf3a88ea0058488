// #16 / S33: retries per outcome class and the minimum gap, through the callback workflow end
// to end: real time-skipping Temporal server, real PostgreSQL, the simulated network (the
// visitor number's last digit: 0 never answers, 1 busy, 3 fails; an agent number ending in 1
// is busy). Time is skipped explicitly (env.sleep), so each attempt's start is checked to
// the second: still waiting 1 s before it, started within 2 s after it.
import type { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import type { CallSettingsInput } from '../../src/domain/settings';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { callbackWorkflow } from '../../workflows/callback';
import { callbackStateQuery } from '../../workflows/messages';
import { CALLBACK_PROJECT, CALLBACK_STATUS } from '../../workflows/search-attributes';
import { callbackWorkflowId, isTerminal } from '../../workflows/types';
import { addAgent, bookCallback, projectWith, recordHistory, waitForStatus } from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest({ fileWorker: true });
const { taskQueue } = t;

const attemptsOf = (callbackId: string) =>
  t.prisma.attempt.findMany({ where: { callbackId }, orderBy: { number: 'asc' } });

/** Measured schedules, printed at the end (the report's numbers). */
const measured: string[] = [];
afterAll(() => {
  if (measured.length) console.log(`retry schedules under time skipping:\n${measured.join('\n')}`);
});

/**
 * Skips to the next attempt's start, `atMs`: the callback still waits 1 s before it, and has
 * left RETRY_WAIT once the server's clock reached it.
 */
async function expectNextAttemptAt(handle: WorkflowHandle, atMs: number): Promise<void> {
  expect(await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s))).toBe('RETRY_WAIT');
  await t.env.sleep(Math.max(0, atMs - 1000 - (await t.env.currentTimeMs())));
  expect((await handle.query(callbackStateQuery)).status).toBe('RETRY_WAIT');
  await t.env.sleep(Math.max(0, atMs - (await t.env.currentTimeMs())));
  await waitForStatus(handle, (s) => s !== 'RETRY_WAIT');
}

/** Runs a callback whose every attempt fails, stepping to each expected start (seconds after due). */
async function runSchedule(
  settings: CallSettingsInput,
  phones: { visitor: string; agent?: string },
  offsetsSeconds: number[],
  label: string,
) {
  const { account, project } = await projectWith(t.prisma, settings);
  await addAgent(t.prisma, account.id, project.id, { phone: phones.agent ?? '+33612340005' });
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: phones.visitor });
  const dueMs = row.dueAt.getTime();
  for (const offset of offsetsSeconds.slice(1)) await expectNextAttemptAt(handle, dueMs + offset * 1000);
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('FAILED');
  const attempts = await attemptsOf(row.id);
  const starts = attempts.map((a) => a.startedAt.getTime() - dueMs);
  measured.push(`  ${label}: attempts started at +${starts.map((ms) => (ms / 1000).toFixed(3)).join(' s, +')} s`);
  expect(attempts).toHaveLength(offsetsSeconds.length);
  // Retries within 2 s of their due time; the first attempt runs in real time (time skipping is
  // locked while the test watches), up to a few seconds on a cold worker, and does not shift them.
  starts.forEach((offset, i) => {
    expect(offset).toBeGreaterThanOrEqual(offsetsSeconds[i]! * 1000);
    expect(offset).toBeLessThan(offsetsSeconds[i]! * 1000 + (i === 0 ? 10_000 : 2000));
  });
  return { row, handle, attempts };
}

// Each class has its own count and interval; the top level (5 × 300 s) is what none of them uses.
const perClass: CallSettingsInput = {
  retry: {
    maxRetries: 5,
    intervalSeconds: 300,
    minGapSeconds: 1,
    byOutcome: {
      visitorBusy: { maxRetries: 2, intervalSeconds: 60 },
      visitorNoAnswer: { maxRetries: 1, intervalSeconds: 900 },
      agentFailure: { maxRetries: 1, intervalSeconds: 120 },
      technicalFailure: { maxRetries: 3, intervalSeconds: 30 },
    },
  },
};

test('#16 visitorBusy: a busy visitor is retried at +60 s, +120 s (its own interval), twice (its own count), then FAILED', async () => {
  const { handle, attempts } = await runSchedule(perClass, { visitor: '+33698765431' }, [0, 60, 120], 'visitorBusy');
  expect(attempts.map((a) => a.outcome)).toEqual(['VISITOR_BUSY', 'VISITOR_BUSY', 'VISITOR_BUSY']);
  await recordHistory(t.env, handle.workflowId, 'callback-retry-per-outcome-visitor-busy');
});

test('#16 visitorNoAnswer: the same project retries an unanswered visitor once, 900 s later, then FAILED', async () => {
  const { attempts } = await runSchedule(perClass, { visitor: '+33698765440' }, [0, 900], 'visitorNoAnswer');
  expect(attempts.map((a) => a.outcome)).toEqual(['VISITOR_NO_ANSWER', 'VISITOR_NO_ANSWER']);
});

test('#16 agentFailure: a busy agent is retried once, 120 s later; the visitor is never dialled', async () => {
  const { row, attempts } = await runSchedule(
    perClass,
    { visitor: '+33698765445', agent: '+33612340001' },
    [0, 120],
    'agentFailure',
  );
  expect(attempts.map((a) => a.outcome)).toEqual(['AGENT_BUSY', 'AGENT_BUSY']);
  expect(t.harness.placed.filter((p) => p.key.startsWith(row.id)).map((p) => p.key.split(':')[2])).toEqual([
    'agent',
    'agent',
  ]);
});

test('#16 technicalFailure: a failing line is retried at +30, +60, +90 s (3 retries), then FAILED', async () => {
  const { attempts } = await runSchedule(perClass, { visitor: '+33698765443' }, [0, 30, 60, 90], 'technicalFailure');
  expect(attempts.map((a) => a.outcome)).toEqual(Array(4).fill('FAILED'));
});

test('#16 defaults (S33): an unanswered visitor is retried at +5, +10, +15, +20, +25 min exactly, then FAILED', async () => {
  const { attempts } = await runSchedule(
    {},
    { visitor: '+33698765460' },
    [0, 300, 600, 900, 1200, 1500],
    'defaults (visitorNoAnswer)',
  );
  expect(attempts.map((a) => a.outcome)).toEqual(Array(6).fill('VISITOR_NO_ANSWER'));
});

test('#16 minimum gap: with a 1 s interval, the retry starts minGapSeconds after the failed attempt ended, not at its due time', async () => {
  const { account, project } = await projectWith(t.prisma, {
    retry: { maxRetries: 1, intervalSeconds: 1, minGapSeconds: 60 },
  });
  await addAgent(t.prisma, account.id, project.id);
  const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765451' });
  const dueMs = row.dueAt.getTime();
  await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s));
  const [first] = await attemptsOf(row.id);
  const endedMs = first!.endedAt!.getTime();
  // Attempt 2 is due at +1 s; the first one ended before that: it starts 60 s after that end.
  await expectNextAttemptAt(handle, endedMs + 60_000);
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('FAILED');
  const attempts = await attemptsOf(row.id);
  expect(attempts.map((a) => a.outcome)).toEqual(['VISITOR_BUSY', 'VISITOR_BUSY']);
  const gapMs = attempts[1]!.startedAt.getTime() - endedMs;
  measured.push(
    `  minimum gap: attempt 1 ended at +${((endedMs - dueMs) / 1000).toFixed(3)} s, attempt 2 due at +1.000 s, ` +
      `started at +${((attempts[1]!.startedAt.getTime() - dueMs) / 1000).toFixed(3)} s (gap ${(gapMs / 1000).toFixed(3)} s)`,
  );
  expect(gapMs).toBeGreaterThanOrEqual(60_000);
  expect(gapMs).toBeLessThan(62_000);
});

/** How many runs a workflow has had (continue-as-new followed back from the latest). */
async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for (let runId: string | undefined = undefined; ;) {
    const events: temporal.api.history.v1.IHistoryEvent[] =
      (await t.env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs++;
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}

test('#16 #11.2: a retry that waits for an agent and continues-as-new keeps its failures: the class count still stops it', async () => {
  const { account, project } = await projectWith(t.prisma, {
    maxHandlingDelaySeconds: 86_400,
    autoAnswer: { delaySeconds: 1 },
    retry: { minGapSeconds: 1, byOutcome: { visitorBusy: { maxRetries: 1, intervalSeconds: 60 } } },
  });
  const agent = await addAgent(t.prisma, account.id, project.id);
  const row = await t.prisma.callback.create({
    data: {
      projectId: project.id,
      mode: 'IMMEDIATE',
      status: 'SCHEDULED',
      phone: '+33698765471',
      openPhone: '+33698765471',
      dueAt: new Date(await t.env.currentTimeMs()),
    },
  });
  const handle = await t.env.client.workflow.start(callbackWorkflow, {
    workflowId: callbackWorkflowId(row.id),
    taskQueue,
    // Past the first attempt's events: the wait for an agent continues-as-new at once.
    args: [
      {
        callbackId: row.id,
        projectId: project.id,
        mode: 'IMMEDIATE',
        dueAt: row.dueAt.toISOString(),
        maxHandlingDelaySeconds: 86_400,
        maxHistoryEvents: 30,
      },
    ],
    typedSearchAttributes: [
      { key: CALLBACK_PROJECT, value: project.id },
      { key: CALLBACK_STATUS, value: 'SCHEDULED' },
    ],
  });
  await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s));
  // No agent when attempt 2 falls due (+60 s): it waits, an hour, over several runs.
  const agents = createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue });
  for (let tries = 0; ; tries++) {
    try {
      await agents.logout(agent.id);
      break;
    } catch (err) {
      if (tries > 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await t.env.sleep(row.dueAt.getTime() + 60_000 - (await t.env.currentTimeMs()));
  const latest = t.env.client.workflow.getHandle(handle.workflowId);
  await waitForStatus(latest, (s) => s === 'WAITING_AGENT');
  await t.env.sleep(3600_000);
  expect(await runsOf(handle.workflowId)).toBeGreaterThan(1);
  await agents.login(agent.id, {});
  await waitForStatus(latest, isTerminal, 30_000);
  // visitorBusy allows 1 retry: the second busy line ends it (the resumed run knew of the first).
  expect(await latest.result()).toBe('FAILED');
  const attempts = await attemptsOf(row.id);
  expect(attempts.map((a) => a.outcome)).toEqual(['VISITOR_BUSY', 'VISITOR_BUSY']);
  expect(attempts[1]!.startedAt.getTime() - row.dueAt.getTime()).toBeGreaterThan(3600_000);
});
