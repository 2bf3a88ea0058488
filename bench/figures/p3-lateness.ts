// P3: N deferred callbacks due within one window (a minute by default), each with a free
// agent; lateness = first dial - due time. S13 allows at most one position per minute in a
// slot, so N callbacks in one minute cannot be booked through the API in one project: the
// rows are inserted and their workflows started with the project's own startCallbackWorkflow,
// exactly as a booking does after its transaction, due times spread evenly over the window.
import { randomUUID } from 'node:crypto';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { callSettingsSchema } from '../../src/domain/settings';
import { addAvailableAgents, benchSettings, ensureProject, uniquePhone } from '../fixtures';
import type { BenchOptions } from '../options';
import { AGENT_TASK_QUEUE, TASK_QUEUE, type Stack } from '../stack';
import { countBy, pool, sleep, summarize, waitFor, type Summary } from '../stats';
import { callbackWorkflowId } from '../../workflows/types';
import { awaitFirstDials, dialTimes, histogramShare, stepSummary, TERMINAL, type DialTimes } from './dials';

export const P3_PROJECT = 'bench-p3';

export interface P3Result {
  callbacks: number;
  windowSeconds: number;
  agents: number;
  /** Seconds between the last workflow start and the first due time (must be > 0). */
  startLeadSeconds: number;
  startsPerSecond: number;
  outcomes: Record<string, number>;
  /** Not dialled by the deadline after the window closed: counted at that bound, then terminated. */
  notDialledInTime: number;
  deadlineSeconds: number;
  /** first dial - due time, ms (undialled ones at the deadline: a lower bound) */
  latenessMs: Summary;
  /** Every first dial - due, ms (the chart's distribution; undialled ones at the bound). */
  samplesMs?: number[];
  /** Timer side only: due -> the workflow awake, plan loaded, WAITING_AGENT recorded (all callbacks). */
  wakeLatenessMs: Summary;
  breakdownMs: Record<string, Summary>;
  workerHistogram: { count: number; shareAtOrUnder: number };
}

export async function runP3(
  stack: Stack,
  options: BenchOptions,
  say: (line: string) => void,
  knownStartRate?: number,
): Promise<P3Result> {
  const n = options.p3;
  const window = options.p3Window * 1000;
  // What is not dialled this long after the window closed counts at the bound (a lower bound).
  const DIAL_DEADLINE_MS = Math.min(60_000, Math.max(20_000, window));
  // Agents are held ~3.5 s per call (1 s ring each side, 1 s talk): twice what the rate needs.
  const agents = options.p3Agents || Math.max(10, Math.ceil((n / options.p3Window) * 8));
  await ensureProject(stack, P3_PROJECT, benchSettings());
  say(`P3: ${agents} agents for project ${P3_PROJECT}`);
  await addAvailableAgents(stack, P3_PROJECT, agents);
  const settings = callSettingsSchema.parse(benchSettings());

  // Start everything before the first is due: lead from the start rate seen in P2 (or a guess).
  const rate = knownStartRate && knownStartRate > 0 ? knownStartRate : 100;
  const leadMs = Math.ceil((n / rate) * 1.5 * 1000) + 10_000;
  const firstDue = Date.now() + leadMs;
  const rows = Array.from({ length: n }, (_, i) => {
    const phone = uniquePhone(5);
    return {
      id: randomUUID(),
      projectId: P3_PROJECT,
      mode: 'DEFERRED' as const,
      status: 'SCHEDULED' as const,
      phone,
      openPhone: phone,
      dueAt: new Date(firstDue + Math.floor((i * window) / n)),
    };
  });
  await stack.prisma.callback.createMany({ data: rows });
  say(`P3: ${n} callbacks due within ${options.p3Window} s, starting in ${Math.round(leadMs / 1000)} s`);
  const started = performance.now();
  await pool(n, 50, (i) =>
    startCallbackWorkflow(
      stack.temporal,
      TASK_QUEUE,
      { ...rows[i]!, slotStart: null, position: null },
      settings,
      AGENT_TASK_QUEUE,
    ),
  );
  const startSeconds = (performance.now() - started) / 1000;
  const startLeadSeconds = Math.round((firstDue - Date.now()) / 100) / 10;
  if (startLeadSeconds <= 0) say(`!! P3: the last workflow started ${-startLeadSeconds} s after the first was due`);

  await sleep(Math.max(0, firstDue + window - Date.now()));
  const ids = new Set<string>(rows.map((r) => r.id));
  const mine = async () => (await dialTimes(stack.prisma, P3_PROJECT, 'DEFERRED')).filter((r) => ids.has(r.id));
  // Bounded: what is not dialled by then counts at the bound (a lower bound) and is terminated.
  const { undialled, censoredAt } = await awaitFirstDials('P3', mine, DIAL_DEADLINE_MS, 1000, () =>
    say(`!! P3: not every callback dialled ${DIAL_DEADLINE_MS / 1000} s after the window; terminating the rest`),
  );
  // Terminated, not cancelled: the cancel API runs ~20/s here and would eat the time budget.
  await pool(undialled.length, 50, (i) =>
    stack.temporal.workflow.getHandle(callbackWorkflowId(undialled[i]!.id)).terminate('bench: P3 deadline'),
  );
  const terminated = new Set(undialled.map((r) => r.id));
  const done = await waitFor(
    'P3 calls to end',
    180_000,
    async () => {
      const current = await mine();
      return current.every((r) => TERMINAL.has(r.status) || terminated.has(r.id)) ? current : undefined;
    },
    1000,
  );

  const dialled = done.filter((r) => r.firstDialAt !== null);
  const part = (from: (r: DialTimes) => number | null, to: (r: DialTimes) => number | null) =>
    stepSummary(dialled, from, to);
  // Every callback that woke up, dialled or not: the timer side alone.
  const awake = done.filter((r) => r.waitingSince !== null);
  const lateness = done.map((r) => (r.firstDialAt ?? censoredAt) - r.dueAt);
  return {
    callbacks: n,
    windowSeconds: options.p3Window,
    agents,
    startLeadSeconds,
    startsPerSecond: Math.round(n / startSeconds),
    outcomes: countBy(done, (r) => r.status),
    deadlineSeconds: DIAL_DEADLINE_MS / 1000,
    notDialledInTime: undialled.length,
    latenessMs: summarize(lateness),
    samplesMs: lateness.map((ms) => Math.round(ms)),
    wakeLatenessMs: summarize(awake.map((r) => r.waitingSince! - r.dueAt)),
    breakdownMs: {
      'due -> workflow waits for agent (dialled ones)': part(
        (r) => r.dueAt,
        (r) => r.waitingSince,
      ),
      'agent wait -> attempt recorded': part(
        (r) => r.waitingSince,
        (r) => r.attemptStartedAt,
      ),
      'attempt recorded -> first dial': part(
        (r) => r.attemptStartedAt,
        (r) => r.firstDialAt,
      ),
    },
    workerHistogram: histogramShare(await stack.workerMetricsText(), 'callbacks_deferred_dial_lateness_seconds', '1'),
  };
}
