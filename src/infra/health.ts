// Health checks shared by the API (/healthz, /readyz) and the worker's health endpoint.
// Each check is bounded: a paused database or an unreachable Temporal answers "unreachable"
// within the timeout instead of hanging the probe.
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { Db } from './prisma';
import type { WorkflowStartHealth } from './temporal-client';

export const CHECK_TIMEOUT_MS = 2000;
/** A poller not seen for this long has gone (a worker long-polls at least every ~70 s). */
export const POLLER_FRESH_MS = 120_000;

export interface CheckResult {
  status: 'ok' | 'unreachable' | 'failing';
  latencyMs: number;
  error?: string;
  [detail: string]: unknown;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(
  what: string,
  run: () => Promise<Record<string, unknown> | void>,
  ms: number,
): Promise<CheckResult> {
  const started = Date.now();
  try {
    const details = (await withTimeout(run(), ms, what)) ?? {};
    return { status: 'ok', latencyMs: Date.now() - started, ...details };
  } catch (err) {
    const error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { status: 'unreachable', latencyMs: Date.now() - started, error };
  }
}

export function checkDatabase(prisma: Db, ms = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  return timed('database', async () => void (await prisma.$queryRaw`SELECT 1`), ms);
}

export function checkTemporal(temporal: Client, ms = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  return timed('temporal', async () => void (await temporal.workflowService.getSystemInfo({})), ms);
}

/** Workers polling the task queue for workflow tasks (DescribeTaskQueue's pollers). */
export async function checkWorkers(
  temporal: Client,
  namespace: string,
  taskQueue: string,
  ms = CHECK_TIMEOUT_MS,
): Promise<CheckResult> {
  const result = await timed(
    'workers',
    async () => {
      const description = await temporal.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const now = Date.now();
      const fresh = (description.pollers ?? []).filter((poller) => {
        const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
        return seconds === 0 || now - seconds * 1000 < POLLER_FRESH_MS;
      });
      return { taskQueue, pollers: fresh.length };
    },
    ms,
  );
  if (result.status === 'ok' && result.pollers === 0) {
    return { ...result, status: 'failing', error: `no worker polls task queue "${taskQueue}"` };
  }
  return result;
}

export function checkWorkflowStarts(health: WorkflowStartHealth): CheckResult {
  return {
    status: health.failing ? 'failing' : 'ok',
    latencyMs: 0,
    failures: health.failures,
    permanentFailures: health.permanentFailures,
    ...(health.lastFailure ? { lastFailure: health.lastFailure } : {}),
    ...(health.lastSuccessAt ? { lastSuccessAt: health.lastSuccessAt } : {}),
    ...(health.failing && health.lastFailure
      ? { error: `workflow starts fail: ${health.lastFailure.grpcCode ?? ''} ${health.lastFailure.message}`.trim() }
      : {}),
  };
}

export function overall(checks: Record<string, CheckResult>): 'ok' | 'unavailable' {
  return Object.values(checks).every((check) => check.status === 'ok') ? 'ok' : 'unavailable';
}
