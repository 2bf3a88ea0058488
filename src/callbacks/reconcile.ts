// Row/workflow divergence repair. Booking commits the callbacks row first (the row is the
// outbox), then starts `callback-<id>`; when that start fails, the row stays SCHEDULED with
// no workflow, and this pass (run periodically by the worker) starts it. Idempotent.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Prisma } from '../../generated/prisma/client';
import { callbackWorkflowId } from '../../workflows/types';
import type { CallSettings } from '../domain/settings';
import type { Db } from '../infra/prisma';
import type { Logger } from '../logger';
import { loadCallSettings } from '../store/call-settings';
import { startCallbackWorkflow } from './workflow-start';

export type WorkflowPresence = 'RUNNING' | 'CLOSED' | 'NONE';

/** Whether `callback-<id>` exists, and whether its latest run is still running. */
export async function callbackWorkflowPresence(temporal: Client, callbackId: string): Promise<WorkflowPresence> {
  try {
    const description = await temporal.workflow.getHandle(callbackWorkflowId(callbackId)).describe();
    return description.status.name === 'RUNNING' ? 'RUNNING' : 'CLOSED';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'NONE';
    throw err;
  }
}

/**
 * Locks the callback row for the rest of the transaction. Reconciliation and the cancel of a
 * never-started callback both take it, so one of them cannot act on a stale "no workflow".
 */
export async function lockCallbackRow(tx: Prisma.TransactionClient, callbackId: string) {
  await tx.$queryRaw`SELECT id FROM callbacks WHERE id = ${callbackId}::uuid FOR UPDATE`;
  return tx.callback.findUnique({ where: { id: callbackId } });
}

export interface ReconcileOptions {
  prisma: Db;
  temporal: Client;
  /** The callbacks' task queue (config.TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  /** The agent workflows' (config.agentTaskQueue): decides `localAgentSteps` (#15). */
  agentTaskQueue: string;
  /** Rows younger than this are left alone: their booking request may still be starting them. */
  olderThanMs: number;
  /**
   * Only rows created at or after this instant (the previous pass's `nextFrom`): the ones
   * before were checked already. Unset: every SCHEDULED row (a worker's first pass).
   */
  createdFrom?: Date;
  now?: Date;
  batchSize?: number;
  /** Rows checked at once; each candidate holds a database connection while it is started. */
  concurrency?: number;
  logger?: Logger;
}

export interface ReconcileResult {
  checked: number;
  started: number;
  /** `createdFrom` for the next pass: this pass's cutoff less a margin for late commits. */
  nextFrom: Date;
}

/**
 * A booking's row may commit this long after its created_at and still be found next pass
 * (its transaction is a few statements; Prisma's interactive transactions time out at 5 s).
 */
const LATE_COMMIT_MARGIN_MS = 30_000;

const LOCK_TIMEOUT_MS = 15_000;

/**
 * Starts the workflow of every SCHEDULED callback that has none. Passes after the first
 * look only at rows created since the previous one: 10,000 sleeping callbacks are not
 * described again every minute.
 */
export async function reconcileCallbacks(options: ReconcileOptions): Promise<ReconcileResult> {
  const { prisma, batchSize = 100, concurrency = 4 } = options;
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.olderThanMs);
  const settingsOf = settingsCache(prisma);
  const result: ReconcileResult = {
    checked: 0,
    started: 0,
    nextFrom: new Date(cutoff.getTime() - LATE_COMMIT_MARGIN_MS),
  };
  const createdAt = { lt: cutoff, ...(options.createdFrom ? { gte: options.createdFrom } : {}) };
  // Keyset pages over every candidate: a missing workflow far down the list is still found.
  for (let after: string | undefined; ;) {
    const page = await prisma.callback.findMany({
      where: { status: 'SCHEDULED', createdAt, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      select: { id: true },
      take: batchSize,
    });
    const ids = page.map((row) => row.id);
    for (let i = 0; i < ids.length; i += concurrency) {
      const outcomes = await Promise.all(
        ids.slice(i, i + concurrency).map((id) => startIfMissing(options, id, settingsOf)),
      );
      result.started += outcomes.filter(Boolean).length;
    }
    result.checked += ids.length;
    after = ids.at(-1);
    if (ids.length < batchSize) return result;
  }
}

async function startIfMissing(
  options: ReconcileOptions,
  callbackId: string,
  settingsOf: (projectId: string) => Promise<CallSettings | null>,
): Promise<boolean> {
  const { prisma, temporal, taskQueue, agentTaskQueue } = options;
  // Nearly every row has its workflow: that answer needs no lock and no transaction.
  if ((await callbackWorkflowPresence(temporal, callbackId)) !== 'NONE') return false;
  return prisma.$transaction(
    async (tx) => {
      const row = await lockCallbackRow(tx, callbackId);
      if (row?.status !== 'SCHEDULED') return false;
      // Asked again under the lock: a cancel or another reconciler may have acted meanwhile.
      if ((await callbackWorkflowPresence(temporal, callbackId)) !== 'NONE') return false;
      const settings = await settingsOf(row.projectId);
      if (!settings) return false;
      const started = await startCallbackWorkflow(temporal, taskQueue, row, settings, agentTaskQueue);
      if (started) options.logger?.info({ callbackId }, 'reconciliation started a callback workflow');
      return started;
    },
    { timeout: LOCK_TIMEOUT_MS, maxWait: LOCK_TIMEOUT_MS },
  );
}

function settingsCache(prisma: Db) {
  const cache = new Map<string, Promise<CallSettings | null>>();
  return (projectId: string) => {
    let settings = cache.get(projectId);
    if (!settings) cache.set(projectId, (settings = loadCallSettings(prisma, projectId)));
    return settings;
  };
}
