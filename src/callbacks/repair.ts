// #11 repair pass: a callback row still open whose workflow is closed is ended. A callback
// workflow always ends its row itself (COMPLETED, FAILED, EXPIRED, CANCELLED); but one an
// operator terminates, cancels or resets in the Temporal UI, one that fails or times out,
// or one whose history is gone never will, and its row would hold the visitor's number
// (S22), its slot position (S14) and its agent (S41) for good. This pass, run by the worker
// every CALLBACK_REPAIR_INTERVAL_SECONDS, ends such a row as ABORTED with the reason, frees
// the number and the position, hangs up the legs of its unfinished attempt and releases its
// agent. Rows never started are reconciliation's (reconcile.ts), not this pass's.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CallbackEndReason, CallbackStatus as RowStatus } from '../../generated/prisma/client';
import { callbackWorkflowId, isTerminal, type CallbackStatus } from '../../workflows/types';
import type { Db } from '../infra/prisma';
import type { Logger } from '../logger';
import { lockCallbackRow } from './reconcile';
import { createCallbackWaker, wakeOldestWaiting } from './wake';

/** Statuses of an open row whose workflow has run (SCHEDULED may still be starting). */
const ACTIVE_STATUSES: RowStatus[] = ['WAITING_AGENT', 'DIALING', 'CONNECTED', 'RETRY_WAIT'];
const OPEN_STATUSES: RowStatus[] = ['SCHEDULED', ...ACTIVE_STATUSES];

/** How the latest run of `callback-<id>` stands. */
export type WorkflowClosure =
  | { state: 'RUNNING' }
  | { state: 'NONE' }
  /** Closed by Temporal or an operator: the row ends ABORTED with this reason. */
  | { state: 'ABORTED'; reason: CallbackEndReason }
  /** Returned normally (its final status write was lost): the row takes that status. */
  | { state: 'RETURNED'; status: CallbackStatus };

const REASON_BY_STATUS: Partial<Record<string, CallbackEndReason>> = {
  TERMINATED: 'TERMINATED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  CANCELLED: 'CANCELLED_IN_TEMPORAL',
};

/** Describes the latest run (a reset or continue-as-new chain is followed to its newest run). */
export async function describeCallbackWorkflow(temporal: Client, callbackId: string): Promise<WorkflowClosure> {
  const handle = temporal.workflow.getHandle(callbackWorkflowId(callbackId));
  let statusName: string;
  try {
    statusName = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'NONE' };
    throw err;
  }
  if (statusName === 'COMPLETED') {
    const result = (await handle.result()) as CallbackStatus;
    return isTerminal(result) ? { state: 'RETURNED', status: result } : { state: 'ABORTED', reason: 'FAILED' };
  }
  const reason = REASON_BY_STATUS[statusName];
  // RUNNING, CONTINUED_AS_NEW (a newer run exists), PAUSED, UNKNOWN: not this pass's business.
  return reason ? { state: 'ABORTED', reason } : { state: 'RUNNING' };
}

export interface RepairOptions {
  prisma: Db;
  temporal: Client;
  /** The agent workflows' client: a held agent is released as the callback would have. */
  agents: {
    callEnded(agentId: string, input: { callbackId: string; talked: boolean; requestId: string }): Promise<unknown>;
    /** The agent workflow's own view (a query); given, held agents' read model is checked against it. */
    presence?(agentId: string): Promise<{ state: string; since: string; callbackId?: string; inChat: boolean }>;
  };
  /** Hangs up a leg still up (the telephony port); best effort. */
  hangup?: (callSid: string) => Promise<void>;
  /**
   * Active rows (waiting, dialing, connected, retry wait) not updated for this long are
   * described; a row being written has a running workflow.
   */
  quietMs: number;
  /** A row whose workflow is not found at all is aborted only after this long without an update. */
  notFoundGraceMs?: number;
  /**
   * Only workflows closed at or after this instant are listed from visibility (the previous
   * pass's `nextClosedSince`). Unset: every closed callback workflow the server still keeps.
   */
  closedSince?: Date;
  now?: Date;
  batchSize?: number;
  concurrency?: number;
  logger?: Logger;
}

export interface RepairedCallback {
  callbackId: string;
  status: CallbackStatus;
  reason: CallbackEndReason | null;
  releasedAgents: string[];
}

export interface RepairResult {
  /** Candidates looked at (visibility hits plus quiet active rows). */
  checked: number;
  repaired: RepairedCallback[];
  /** `closedSince` for the next pass: this pass's start less a margin for visibility lag. */
  nextClosedSince: Date;
}

/** Visibility lags the close by a little; the next pass looks back this much further. */
const VISIBILITY_MARGIN_MS = 120_000;
const LOCK_TIMEOUT_MS = 15_000;

/**
 * One pass. Candidates come from two cheap sources, never from every open row:
 * - visibility: callback workflows closed abnormally (terminated, failed, timed out,
 *   cancelled) whose CallbackStatus search attribute still says open — a sleeping deferred
 *   callback terminated days before its slot is found here without describing the others;
 * - the database: active rows not written for `quietMs` (their workflow may be gone with
 *   its history), described one by one.
 * Each candidate is then ended under the row lock taken by cancel and reconciliation.
 */
export async function repairClosedCallbacks(options: RepairOptions): Promise<RepairResult> {
  const { prisma, batchSize = 200, concurrency = 4 } = options;
  const now = options.now ?? new Date();
  const result: RepairResult = {
    checked: 0,
    repaired: [],
    nextClosedSince: new Date(now.getTime() - VISIBILITY_MARGIN_MS),
  };
  const candidates = new Set<string>();
  for (const id of await openRowsOf(prisma, await closedInVisibility(options))) candidates.add(id);
  const quietBefore = new Date(now.getTime() - options.quietMs);
  for (let after: string | undefined; ;) {
    const page = await prisma.callback.findMany({
      where: {
        status: { in: ACTIVE_STATUSES },
        updatedAt: { lt: quietBefore },
        ...(after ? { id: { gt: after } } : {}),
      },
      orderBy: { id: 'asc' },
      select: { id: true },
      take: batchSize,
    });
    for (const row of page) candidates.add(row.id);
    after = page.at(-1)?.id;
    if (page.length < batchSize) break;
  }
  const ids = [...candidates];
  result.checked = ids.length;
  for (let i = 0; i < ids.length; i += concurrency) {
    const outcomes = await Promise.all(ids.slice(i, i + concurrency).map((id) => repairOne(options, id, now)));
    for (const outcome of outcomes) if (outcome) result.repaired.push(outcome);
  }
  return result;
}

const CALLBACK_ID = /^callback-([0-9a-f-]{36})$/;

async function closedInVisibility(options: RepairOptions): Promise<string[]> {
  const open = OPEN_STATUSES.map((status) => `'${status}'`).join(', ');
  const since = options.closedSince ? ` AND CloseTime >= '${options.closedSince.toISOString()}'` : '';
  const query =
    `ExecutionStatus IN ('Terminated', 'Failed', 'TimedOut', 'Canceled')` + ` AND CallbackStatus IN (${open})${since}`;
  const ids = new Set<string>();
  for await (const execution of options.temporal.workflow.list({ query, pageSize: 500 })) {
    const match = CALLBACK_ID.exec(execution.workflowId);
    if (match) ids.add(match[1]!);
  }
  return [...ids];
}

/** The ids among `ids` whose row is still open (one query per thousand). */
async function openRowsOf(prisma: Db, ids: string[]): Promise<string[]> {
  const open: string[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await prisma.callback.findMany({
      where: { id: { in: ids.slice(i, i + 1000) }, endedAt: null },
      select: { id: true },
    });
    open.push(...rows.map((row) => row.id));
  }
  return open;
}

async function repairOne(options: RepairOptions, callbackId: string, now: Date): Promise<RepairedCallback | null> {
  const { prisma, temporal } = options;
  // Nearly every quiet row has its workflow running: no lock for that answer.
  if ((await describeCallbackWorkflow(temporal, callbackId)).state === 'RUNNING') return null;
  const graceBefore = new Date(now.getTime() - (options.notFoundGraceMs ?? options.quietMs));
  const ended = await prisma.$transaction(
    async (tx) => {
      const row = await lockCallbackRow(tx, callbackId);
      if (!row || row.endedAt || isTerminal(row.status)) return null;
      // Asked again under the lock: a reset may have started a new run meanwhile.
      const closure = await describeCallbackWorkflow(temporal, callbackId);
      if (closure.state === 'RUNNING') return null;
      // Never started: reconciliation starts it. Gone after it ran: only after the grace.
      if (closure.state === 'NONE' && (row.status === 'SCHEDULED' || row.updatedAt >= graceBefore)) return null;
      const status: CallbackStatus = closure.state === 'RETURNED' ? closure.status : 'ABORTED';
      const reason = closure.state === 'ABORTED' ? closure.reason : closure.state === 'NONE' ? 'NOT_FOUND' : null;
      // S22 number free again; S14/S20 position free again (a cancel frees it the same way).
      await tx.callback.update({
        where: { id: callbackId },
        data: { status, endReason: reason, endedAt: now, openPhone: null },
      });
      await tx.slotBooking.deleteMany({ where: { callbackId } });
      const unfinished = await tx.attempt.findMany({
        where: { callbackId, endedAt: null },
        select: { id: true, agentId: true },
      });
      // The attempt cut short says how far it got: bridged (the row CONNECTED) or not.
      await tx.attempt.updateMany({
        where: { callbackId, endedAt: null, outcome: null },
        data: { outcome: row.status === 'CONNECTED' ? 'CONNECTED' : 'FAILED' },
      });
      await tx.attempt.updateMany({ where: { callbackId, endedAt: null }, data: { endedAt: now } });
      return { status, reason, unfinished };
    },
    { timeout: LOCK_TIMEOUT_MS, maxWait: LOCK_TIMEOUT_MS },
  );
  if (!ended) return null;
  await hangUpLegs(
    options,
    callbackId,
    ended.unfinished.map((attempt) => attempt.id),
  );
  const releasedAgents = await releaseAgents(options, callbackId, ended.unfinished);
  options.logger?.warn(
    { callbackId, status: ended.status, reason: ended.reason, releasedAgents },
    'repair pass ended a callback whose workflow had closed',
  );
  return { callbackId, status: ended.status, reason: ended.reason, releasedAgents };
}

/** A leg of the unfinished attempt may still ring or sit in the conference: hang it up. */
async function hangUpLegs(options: RepairOptions, callbackId: string, attemptIds: string[]): Promise<void> {
  if (!options.hangup || attemptIds.length === 0) return;
  const legs = await options.prisma.telephonyCall.findMany({
    where: { attemptId: { in: attemptIds }, callSid: { not: null } },
    select: { callSid: true },
  });
  for (const { callSid } of legs) {
    try {
      await options.hangup(callSid!);
    } catch (err) {
      options.logger?.warn({ callbackId, callSid, err }, 'repair pass could not hang up a leg');
    }
  }
}

/**
 * The agent the callback held (presence projection) or dialled in its unfinished attempt
 * gets the callEnded the callback would have sent: wrap-up after a talk (S45), else
 * available at once. An agent that serves another callback by now ignores it.
 */
async function releaseAgents(
  options: RepairOptions,
  callbackId: string,
  unfinished: { agentId: string | null }[],
): Promise<string[]> {
  const held = await options.prisma.agentPresence.findMany({
    where: { callbackId, state: { in: ['RESERVED', 'ON_CALL'] } },
    select: { agentId: true, state: true },
  });
  const talked = new Map(held.map((presence) => [presence.agentId, presence.state === 'ON_CALL']));
  for (const { agentId } of unfinished) if (agentId && !talked.has(agentId)) talked.set(agentId, false);
  const released: string[] = [];
  for (const [agentId, onCall] of talked) {
    try {
      await options.agents.callEnded(agentId, { callbackId, talked: onCall, requestId: `${callbackId}:repair` });
      released.push(agentId);
    } catch (err) {
      // The row is ended; the orphaned-reservation pass retries the agent next time.
      options.logger?.error({ callbackId, agentId, err }, 'repair pass could not release an agent');
    }
  }
  return released;
}

/** A held agent's read model is compared with its workflow only once it is this old. */
const HELD_RESYNC_AFTER_MS = 60_000;

export interface HeldAgentResync {
  agentId: string;
  /** What the read model said, and what the agent workflow says. */
  was: { state: string; callbackId: string | null };
  now: { state: string; callbackId: string | null };
}

/**
 * #11.1 An agent's read model ahead of its workflow. The agent workflow writes its
 * agent_presence row from a local activity inside the workflow task that changed it, and a
 * write lands only with a newer revision. When that task is lost (worker killed, task timed
 * out) the write stays while the replayed workflow never made the change — its update was
 * lost with the task, or answered otherwise — and its next write carries the same revision
 * and is refused. The row then shows the agent RESERVED or ON_CALL for a callback it does not
 * serve: availability never offers the agent again, and the callback named there asks that
 * agent only, so both wait until the next change, which may never come. (Seen in the chaos
 * suite's (b): a callback WAITING_AGENT for 3 minutes with 11 agents free.)
 *
 * Rows held for a callback that has no unfinished attempt with that agent, unchanged for
 * `olderThanMs`, are compared with the workflow's own view (a query); one that disagrees is
 * rewritten from it one revision lower, so the workflow's next write lands again, and an
 * agent found free wakes the oldest waiting callback.
 */
export async function resyncHeldAgents(options: {
  prisma: Db;
  presence: NonNullable<RepairOptions['agents']['presence']>;
  wake?: (agentId: string) => Promise<void>;
  olderThanMs?: number;
  now?: Date;
  logger?: Logger;
}): Promise<HeldAgentResync[]> {
  const { prisma } = options;
  const before = new Date((options.now ?? new Date()).getTime() - (options.olderThanMs ?? HELD_RESYNC_AFTER_MS));
  const suspects = await prisma.$queryRaw<
    { agent_id: string; state: string; callback_id: string | null; revision: number; updated_at: Date }[]
  >`
    SELECT p.agent_id, p.state::text AS state, p.callback_id, p.revision, p.updated_at FROM agent_presence p
     WHERE p.state IN ('RESERVED', 'ON_CALL') AND p.updated_at < ${before}
       AND NOT EXISTS (SELECT 1 FROM attempts a
                        WHERE a.callback_id = p.callback_id AND a.agent_id = p.agent_id AND a.ended_at IS NULL)
     ORDER BY p.updated_at LIMIT 200`;
  const fixed: HeldAgentResync[] = [];
  for (const row of suspects) {
    let view;
    try {
      view = await options.presence(row.agent_id);
    } catch (err) {
      options.logger?.warn(
        { agentId: row.agent_id, err },
        'held agent: its workflow did not answer the presence query',
      );
      continue;
    }
    const callbackId = view.callbackId ?? null;
    if (view.state === row.state && callbackId === row.callback_id) continue;
    // Only the row as it was read: a write of the workflow meanwhile wins.
    const written = await prisma.$executeRaw`
      UPDATE agent_presence
         SET state = ${view.state}::"PresenceState", since = ${view.since}::timestamptz, callback_id = ${callbackId}::uuid,
             in_chat = ${view.inChat}, revision = revision - 1, updated_at = now()
       WHERE agent_id = ${row.agent_id}::uuid AND revision = ${row.revision} AND updated_at = ${row.updated_at}`;
    if (written === 0) continue;
    const change = {
      agentId: row.agent_id,
      was: { state: row.state, callbackId: row.callback_id },
      now: { state: view.state, callbackId },
    };
    options.logger?.warn(change, "an agent's read model was ahead of its workflow; rewritten from the workflow");
    fixed.push(change);
    if (view.state === 'AVAILABLE') await options.wake?.(row.agent_id).catch(() => undefined);
  }
  return fixed;
}

export interface RepairLoopOptions extends Omit<RepairOptions, 'closedSince' | 'now' | 'quietMs'> {
  intervalMs: number;
  /**
   * Default: four periods, at least 2 minutes. Only a workflow gone with its history needs
   * this path (a closed one is found through visibility): a long quiet period keeps the
   * describe calls for long-waiting callbacks rare.
   */
  quietMs?: number;
}

/**
 * The worker's periodic pass: one at a time, every `intervalMs`; a failed pass (database or
 * Temporal down) is logged and the next one looks back as far as the last good one did.
 */
export function startRepairLoop(options: RepairLoopOptions): { stop(): void } {
  const quietMs = options.quietMs ?? Math.max(120_000, 4 * options.intervalMs);
  let closedSince: Date | undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    repairClosedCallbacks({ ...options, quietMs, closedSince })
      .then(async (result) => {
        closedSince = result.nextClosedSince;
        const presence = options.agents.presence?.bind(options.agents);
        if (presence) {
          const waker = createCallbackWaker(options.temporal);
          await resyncHeldAgents({
            prisma: options.prisma,
            presence,
            wake: (agentId) => wakeOldestWaiting(options.prisma, waker, { agentId }),
            olderThanMs: Math.max(HELD_RESYNC_AFTER_MS, 2 * options.intervalMs),
            logger: options.logger,
          });
        }
      })
      .catch((err: unknown) => options.logger?.error({ err }, 'callback repair pass failed'))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
