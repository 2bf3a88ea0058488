// P4: N sleeping callbacks (due in 30 days). The worker's memory once every workflow has run
// its first task (the task queue has drained), none lost (every row SCHEDULED, every
// workflow running with CallbackStatus SCHEDULED), then all cancelled and checked again.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { callSettingsSchema } from '../../src/domain/settings';
import { callbackWorkflowId } from '../../workflows/types';
import { benchSettings, ensureProject, uniquePhone } from '../fixtures';
import type { BenchOptions } from '../options';
import {
  AGENT_TASK_QUEUE,
  cpuDelta,
  requestDelta,
  TASK_QUEUE,
  type CpuSnapshot,
  type MemorySample,
  type Stack,
} from '../stack';
import { countBy, pool, sleep, summarize, waitFor, type Summary } from '../stats';
import { waitForIdleQueue } from './p2-booking';

export const P4_PROJECT = 'bench-p4';

export interface P4Result {
  callbacks: number;
  workerRestartMs: number | null;
  startsPerSecond: number;
  startLatencyMs: Summary;
  /** Time from the first start until the worker had run every first workflow task. */
  touchedAfterSeconds: number;
  /** CPU seconds by part from the first start until the worker had touched them all. */
  startCpuSeconds: CpuSnapshot;
  /** Temporal frontend requests in that phase, by operation. */
  startTemporalRequests: Record<string, number>;
  memoryIdle: MemorySample;
  memorySleeping: MemorySample;
  memoryAfterCancel: MemorySample;
  /** (RSS with N sleeping - idle RSS) / N */
  rssPerCallbackKb: number;
  scheduledRows: number;
  runningScheduledWorkflows: number;
  terminated: number;
  /** Already closed when the bench came to terminate them (should be 0: they sleep 30 days). */
  closedBeforeTerminate?: number;
  terminatesPerSecond: number | null;
  cancel: {
    count: number;
    perSecond: number;
    latencyMs: Summary;
    statuses: Record<string, number>;
    cpuSeconds: CpuSnapshot;
  };
  cancelledRows: number;
  runningAfterCancel: number;
}

export async function runP4(stack: Stack, options: BenchOptions, say: (line: string) => void): Promise<P4Result> {
  const n = options.p4;
  let workerRestartMs: number | null = null;
  if (options.p4FreshWorker) {
    say('P4: restarting the worker (its memory is then that of these callbacks only)');
    workerRestartMs = await stack.restartWorker();
  }
  await ensureProject(stack, P4_PROJECT, benchSettings());
  const settings = callSettingsSchema.parse(benchSettings());
  await sleep(5000);
  const memoryIdle = await stack.workerMemory();
  if (options.heapSnapshots) say(`P4: heap snapshot ${await stack.workerHeapSnapshot('idle')}`);

  const dueAt = new Date(Date.now() + 30 * 86_400_000);
  const rows = Array.from({ length: n }, () => {
    const phone = uniquePhone(5);
    return {
      id: randomUUID(),
      projectId: P4_PROJECT,
      mode: 'DEFERRED' as const,
      status: 'SCHEDULED' as const,
      phone,
      openPhone: phone,
      dueAt,
    };
  });
  const ids = rows.map((row) => row.id);
  // Rows in bulk (the bench's own CPU is the machine's too), then one start per callback.
  for (let i = 0; i < n; i += 1000) await stack.prisma.callback.createMany({ data: rows.slice(i, i + 1000) });
  say(`P4: starting ${n} sleeping callbacks, ${options.p4Concurrency} concurrent`);
  const cpuBefore = stack.cpu();
  const requestsBefore = await stack.temporalRequests();
  const started = performance.now();
  const starts = await pool(n, options.p4Concurrency, async (i) => {
    const t = performance.now();
    await startCallbackWorkflow(
      stack.temporal,
      TASK_QUEUE,
      { ...rows[i]!, slotStart: null, position: null },
      settings,
      AGENT_TASK_QUEUE,
    );
    return performance.now() - t;
  });
  const startSeconds = (performance.now() - started) / 1000;
  await waitForIdleQueue(stack, Math.max(300_000, n * 100));
  const touchedAfterSeconds = Math.round((performance.now() - started) / 100) / 10;
  const startCpuSeconds = cpuDelta(cpuBefore, stack.cpu());
  const startTemporalRequests = requestDelta(requestsBefore, await stack.temporalRequests());
  // A sample of histories proves the worker ran their first task (the timer is started).
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(n / 50)) === 0);
  const untouched = await pool(sample.length, 10, async (i) => {
    const history = await stack.temporal.workflow.getHandle(callbackWorkflowId(sample[i]!)).fetchHistory();
    return history.events?.some((e) => e.timerStartedEventAttributes) ? 0 : 1;
  });
  if (untouched.some((u) => u)) say(`!! P4: ${untouched.filter((u) => u).length} sampled workflows have no timer yet`);
  await sleep(2000);
  const memorySleeping = await stack.workerMemory();
  if (options.heapSnapshots) say(`P4: heap snapshot ${await stack.workerHeapSnapshot(`sleeping-${n}`)}`);

  const scheduledRows = await stack.prisma.callback.count({ where: { projectId: P4_PROJECT, status: 'SCHEDULED' } });
  const runningQuery = `CallbackProject = "${P4_PROJECT}" AND ExecutionStatus = "Running"`;
  const runningScheduledWorkflows = await waitFor(
    'visibility to list every sleeping callback',
    60_000,
    async () => {
      const count = (await stack.temporal.workflow.count(`${runningQuery} AND CallbackStatus = "SCHEDULED"`)).count;
      return count >= n ? count : undefined;
    },
    1000,
  ).catch(async () => (await stack.temporal.workflow.count(`${runningQuery} AND CallbackStatus = "SCHEDULED"`)).count);
  say(`P4: ${scheduledRows} rows SCHEDULED, ${runningScheduledWorkflows} workflows running; cancelling`);

  // The cancel API for the first `apiCancels` (the measured path: update, workflow, activity),
  // terminate for the rest (the API path runs ~20/s here; 10,000 would take the whole budget).
  const apiCancels = Math.min(n, options.p4ApiCancels);
  const cancelCpuBefore = stack.cpu();
  const cancelStarted = performance.now();
  const cancels = await pool(apiCancels, options.p4Concurrency, async (i) => {
    const res = await stack.api.post(`/v1/callbacks/${ids[i]}/cancel`);
    return { ms: res.ms, status: res.status };
  });
  const cancelSeconds = (performance.now() - cancelStarted) / 1000;
  const cancelCpuSeconds = cpuDelta(cancelCpuBefore, stack.cpu());
  const terminateStarted = performance.now();
  // A workflow that closed by itself meanwhile is counted (and reported), not a bench failure.
  let closedBeforeTerminate = 0;
  await pool(n - apiCancels, options.p4Concurrency, async (i) => {
    try {
      await stack.temporal.workflow.getHandle(callbackWorkflowId(ids[apiCancels + i]!)).terminate('bench: P4 done');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      closedBeforeTerminate++;
    }
  });
  const terminateSeconds = (performance.now() - terminateStarted) / 1000;
  const runningAfterCancel = await waitFor(
    'visibility to show no running callback',
    60_000,
    async () => {
      const count = (await stack.temporal.workflow.count(runningQuery)).count;
      return count === 0 ? 0 : undefined;
    },
    1000,
  ).catch(async () => (await stack.temporal.workflow.count(runningQuery)).count);
  // terminate bypasses the workflow, so only the API path records CANCELLED rows.
  const cancelledRows = await stack.prisma.callback.count({
    where: { id: { in: ids.slice(0, apiCancels) }, status: 'CANCELLED' },
  });
  await sleep(2000);
  const memoryAfterCancel = await stack.workerMemory();

  return {
    callbacks: n,
    workerRestartMs,
    startsPerSecond: Math.round(n / startSeconds),
    startLatencyMs: summarize(starts),
    touchedAfterSeconds,
    startCpuSeconds,
    startTemporalRequests,
    memoryIdle,
    memorySleeping,
    memoryAfterCancel,
    rssPerCallbackKb: Math.round((((memorySleeping.procRssMb - memoryIdle.procRssMb) * 1024) / n) * 10) / 10,
    scheduledRows,
    runningScheduledWorkflows,
    terminated: n - apiCancels - closedBeforeTerminate,
    closedBeforeTerminate,
    terminatesPerSecond: n > apiCancels ? Math.round((n - apiCancels) / terminateSeconds) : null,
    cancel: {
      count: apiCancels,
      perSecond: Math.round(apiCancels / cancelSeconds),
      latencyMs: summarize(cancels.map((c) => c.ms)),
      statuses: countBy(cancels, (c) => c.status),
      cpuSeconds: cancelCpuSeconds,
    },
    cancelledRows,
    runningAfterCancel,
  };
}
