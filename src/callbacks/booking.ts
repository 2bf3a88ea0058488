// Booking a callback (S14, S20–S22) and cancelling it (S23). The callbacks row is committed
// first and is the system of record; the workflow `callback-<id>` is started after it with
// a deterministic id, and reconcile.ts starts any the booking could not.
import { randomUUID } from 'node:crypto';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { Prisma, type Callback } from '../../generated/prisma/client';
import { cancelCallbackUpdate } from '../../workflows/messages';
import { callbackWorkflowId, isCancellable, type CallbackMode, type CallbackStatus } from '../../workflows/types';
import { isImmediateOffered, isSlotBookable } from '../domain/availability';
import { parseVisitorPhone } from '../domain/phone';
import { decideRecording } from '../domain/recording';
import type { CallSettings } from '../domain/settings';
import type { Slot } from '../domain/slots';
import type { Db } from '../infra/prisma';
import type { Logger } from '../logger';
import { availabilityChanged } from '../store/availability-changes';
import { loadCallSettings } from '../store/call-settings';
import { availableAgentsFor } from './presence-read';
import { callbackWorkflowPresence, lockCallbackRow } from './reconcile';
import { startCallbackWorkflow } from './workflow-start';

export type RefusalCode =
  | 'NOT_FOUND'
  | 'PHONE_NOT_ALLOWED'
  | 'VALIDATION_FAILED'
  | 'DUPLICATE_CALLBACK'
  | 'SLOT_UNAVAILABLE'
  | 'SLOT_FULL'
  | 'IMMEDIATE_UNAVAILABLE'
  | 'NOT_CANCELLABLE'
  | 'UNAVAILABLE';

/** A request the callback rules refuse; the API maps `code` to its error table. */
export class CallbackRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'CallbackRefused';
  }
}

export interface BookingDeps {
  prisma: Db;
  temporal: Client;
  /** The callbacks' task queue (config.TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  /** The agent workflows' (config.agentTaskQueue): decides `localAgentSteps` (#15). */
  agentTaskQueue: string;
  logger: Logger;
  clock: () => Date;
}

export interface BookingRequest {
  projectId: string;
  /** As the visitor typed it; the project's first country is the default (S21). */
  phone: string;
  mode: CallbackMode;
  slotStart?: Date;
  recordingOptOut: boolean;
  idempotencyKey?: string;
}

/** A request whose project settings are loaded and whose number is accepted (E.164). */
export interface PreparedBooking extends BookingRequest {
  e164: string;
  settings: CallSettings;
  /** S5 presence count read with the settings; absent: read by bookCallback when it matters. */
  availableAgents?: number;
}

const UNIQUE = {
  slotPosition: 'slot_bookings_pkey',
  openPhone: 'callbacks_project_id_open_phone_key',
  idempotencyKey: 'callbacks_project_id_idempotency_key_key',
} as const;

/** Name of the unique index a Prisma write (P2002) or raw statement (P2010) violated, or null. */
function violatedUniqueIndex(err: unknown): string | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || (err.code !== 'P2002' && err.code !== 'P2010')) {
    return null;
  }
  const cause = (err.meta?.driverAdapterError as { cause?: { constraint?: { index?: string } } } | undefined)?.cause;
  return cause?.constraint?.index ?? null;
}

/** Settings and S21 phone check; PHONE_NOT_ALLOWED names the reason. */
export async function prepareBooking(prisma: Db, request: BookingRequest): Promise<PreparedBooking> {
  const settings = await loadCallSettings(prisma, request.projectId);
  if (!settings) throw new CallbackRefused('NOT_FOUND', `project ${request.projectId} not found`);
  return preparedBooking(request, settings);
}

/**
 * The S21 phone check on settings already read; `availableAgents` is the S5 presence count
 * read with them (#15.3: the booking then reads nothing more before its insert).
 */
export function preparedBooking(request: BookingRequest, settings: CallSettings, availableAgents?: number) {
  const phone = parseVisitorPhone(request.phone, settings.countries);
  if (!phone.ok)
    throw new CallbackRefused('PHONE_NOT_ALLOWED', phone.reason, [{ path: 'phone', message: phone.reason }]);
  const prepared: PreparedBooking = { ...request, e164: phone.e164, settings };
  if (availableAgents !== undefined) prepared.availableAgents = availableAgents;
  return prepared;
}

/**
 * S22: the callback an earlier request with the same Idempotency-Key created, or null.
 * Reusing a key for a different number, mode or slot is refused rather than silently replayed.
 */
export async function findReplay(prisma: Db, booking: PreparedBooking): Promise<Callback | null> {
  if (!booking.idempotencyKey) return null;
  const earlier = await prisma.callback.findUnique({
    where: { projectId_idempotencyKey: { projectId: booking.projectId, idempotencyKey: booking.idempotencyKey } },
  });
  if (!earlier) return null;
  const same =
    earlier.phone === booking.e164 &&
    earlier.mode === booking.mode &&
    (earlier.slotStart?.getTime() ?? null) === (booking.slotStart?.getTime() ?? null);
  if (!same) {
    const message = 'was already used for a different callback request';
    throw new CallbackRefused('VALIDATION_FAILED', `Idempotency-Key ${message}`, [
      { path: 'Idempotency-Key', message },
    ]);
  }
  return earlier;
}

export interface BookingResult {
  callback: Callback;
  /** false when a concurrent request with the same Idempotency-Key created it. */
  created: boolean;
}

export async function bookCallback(deps: BookingDeps, booking: PreparedBooking): Promise<BookingResult> {
  const { prisma, clock } = deps;
  const now = clock();
  const availableAgents =
    booking.availableAgents ?? (await availableAgentsFor(prisma, booking.projectId, booking.settings, booking.mode));
  const id = randomUUID();
  const row = {
    id,
    projectId: booking.projectId,
    mode: booking.mode,
    status: 'SCHEDULED' as const,
    phone: booking.e164,
    // S22: the UNIQUE(project_id, open_phone) index refuses a second open callback, races included.
    openPhone: booking.e164,
    idempotencyKey: booking.idempotencyKey ?? null,
    recordingOptOut: booking.recordingOptOut,
    // S50/S51: decided once, here, from the id.
    recorded: decideRecording({ ...booking.settings.recording, optOut: booking.recordingOptOut, callbackId: id }),
  };

  let callback: Callback;
  try {
    callback =
      booking.mode === 'IMMEDIATE'
        ? await createImmediate(prisma, booking.settings, now, availableAgents, row)
        : await createDeferred(prisma, booking, now, availableAgents, row);
  } catch (err) {
    const index = violatedUniqueIndex(err);
    if (index === UNIQUE.openPhone) {
      throw new CallbackRefused('DUPLICATE_CALLBACK', 'this number already has an open callback in this project');
    }
    const replay = index === UNIQUE.idempotencyKey ? await findReplay(prisma, booking) : null;
    if (replay) return { callback: replay, created: false };
    throw err;
  }
  // #15.3: this process's availability cache shows the taken position from now on.
  if (callback.mode === 'DEFERRED') availabilityChanged(callback.projectId);
  await startWorkflowOrLeaveToReconciliation(deps, callback, booking.settings);
  return { callback, created: true };
}

type NewCallbackRow = Omit<Prisma.CallbackUncheckedCreateInput, 'dueAt'>;

/** S2/S5: due now, only while immediate is offered. */
async function createImmediate(
  prisma: Db,
  settings: CallSettings,
  now: Date,
  availableAgents: number,
  row: NewCallbackRow,
) {
  if (!isImmediateOffered(settings, now, availableAgents)) {
    throw new CallbackRefused('IMMEDIATE_UNAVAILABLE', 'immediate callbacks are not offered now');
  }
  return prisma.callback.create({ data: { ...row, dueAt: now } });
}

/**
 * S14/S20 and #16: the lowest free position of an offered slot at least the minimum lead
 * time ahead, in one statement (#15: one round trip instead of a read, then a transaction of
 * two inserts). The statement picks the candidate, inserts its slot_bookings row — whose
 * primary key makes a position impossible to take twice, so a concurrent booking of the same
 * position makes the insert do nothing — and inserts the callback only if that row went in.
 * A lost race is retried; each one means another booking took a place, so retries are
 * bounded by capacity. Any other violation (S22 open number, Idempotency-Key) fails the whole
 * statement, slot row included.
 */
async function createDeferred(
  prisma: Db,
  booking: PreparedBooking,
  now: Date,
  availableAgents: number,
  row: NewCallbackRow,
): Promise<Callback> {
  const bookable = isSlotBookable({ settings: booking.settings, now, slotStart: booking.slotStart!, availableAgents });
  if (!bookable.ok) throw new CallbackRefused('SLOT_UNAVAILABLE', bookable.message);
  const { slot, firstPosition } = bookable;
  for (let attempt = 0; attempt <= slot.capacity + RETRY_MARGIN; attempt++) {
    const result = await insertAtLowestFreePosition(prisma, row, slot, firstPosition);
    if (result === 'FULL') throw new CallbackRefused('SLOT_FULL', 'every position of this slot still ahead is booked');
    if (result !== 'LOST_RACE') return result;
  }
  throw new CallbackRefused('UNAVAILABLE', 'this slot is being booked by many visitors at once; retry');
}

// Cancellations can free positions while we retry; a few extra rounds cover them.
const RETRY_MARGIN = 8;

/**
 * One statement: no row when no position from `firstPosition` on is free ('FULL'); a row
 * without a callback when the candidate was taken meanwhile ('LOST_RACE'). The position's
 * instant is positionTime's rule (start + ⌊i × length / capacity⌋ ms) in integer arithmetic.
 */
async function insertAtLowestFreePosition(
  prisma: Db,
  row: NewCallbackRow,
  slot: Slot,
  firstPosition: number,
): Promise<Callback | 'FULL' | 'LOST_RACE'> {
  const lengthMs = slot.end.getTime() - slot.start.getTime();
  const rows = await prisma.$queryRaw<Record<string, unknown>[]>`
    WITH candidate AS (
      SELECT p AS position
      FROM generate_series(${firstPosition}::int, ${slot.capacity - 1}::int) AS p
      WHERE NOT EXISTS (
        SELECT 1 FROM slot_bookings b
        WHERE b.project_id = ${row.projectId} AND b.slot_start = ${slot.start} AND b.position = p
      )
      ORDER BY p
      LIMIT 1
    ), booked AS (
      INSERT INTO slot_bookings (project_id, slot_start, position, capacity, callback_id)
      SELECT ${row.projectId}, ${slot.start}, position, ${slot.capacity}::int, ${row.id}::uuid FROM candidate
      ON CONFLICT ON CONSTRAINT slot_bookings_pkey DO NOTHING
      RETURNING position
    ), created AS (
      INSERT INTO callbacks (id, project_id, mode, status, phone, open_phone, due_at, slot_start, position,
                             idempotency_key, recording_opt_out, recorded, updated_at)
      SELECT ${row.id}::uuid, ${row.projectId}, 'DEFERRED'::"CallbackMode", 'SCHEDULED'::"CallbackStatus",
             ${row.phone}, ${row.openPhone}, ${slot.start}::timestamptz
               + (position::bigint * ${lengthMs}::bigint / ${slot.capacity}::bigint) * interval '1 millisecond',
             ${slot.start}, position, ${row.idempotencyKey}, ${row.recordingOptOut}, ${row.recorded}, now()
      FROM booked
      RETURNING *
    )
    SELECT created.* FROM candidate LEFT JOIN created ON true`;
  const [first] = rows;
  if (!first) return 'FULL';
  if (first.id === null) return 'LOST_RACE';
  return callbackFromColumns(first);
}

/** A `callbacks` row read by raw SQL, in the Prisma model's field names (snake → camel). */
function callbackFromColumns(columns: Record<string, unknown>): Callback {
  return Object.fromEntries(
    Object.entries(columns).map(([name, value]) => [
      name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      value,
    ]),
  ) as unknown as Callback;
}

const WORKFLOW_START_TIMEOUT_MS = 5_000;

/** The booking stands once committed: a failed start is repaired by reconcileCallbacks. */
async function startWorkflowOrLeaveToReconciliation(deps: BookingDeps, callback: Callback, settings: CallSettings) {
  try {
    await deps.temporal.withDeadline(Date.now() + WORKFLOW_START_TIMEOUT_MS, () =>
      startCallbackWorkflow(deps.temporal, deps.taskQueue, callback, settings, deps.agentTaskQueue),
    );
  } catch (err) {
    deps.logger.warn({ err, callbackId: callback.id }, 'callback workflow not started; reconciliation will start it');
  }
}

/**
 * S7: positions held per slot start (epoch ms), for slots starting in [from, to); one
 * grouped index scan. Availability passes `from` a slot length early to see started slots.
 */
export async function bookedPositions(
  prisma: Db,
  projectId: string,
  from: Date,
  to: Date,
): Promise<Map<number, number[]>> {
  const groups = await prisma.$queryRaw<{ slot_start: Date; positions: number[] }[]>`
    SELECT slot_start, array_agg(position) AS positions FROM slot_bookings
    WHERE project_id = ${projectId} AND slot_start >= ${from} AND slot_start < ${to}
    GROUP BY slot_start`;
  return new Map(groups.map((group) => [new Date(group.slot_start).getTime(), group.positions]));
}

export interface CancelDeps {
  prisma: Db;
  temporal: Client;
  clock: () => Date;
  /** How long to wait for the workflow to accept the cancel before answering UNAVAILABLE. */
  cancelTimeoutMs?: number;
}

/**
 * S23: cancel before connection. The workflow decides (its update validator refuses once
 * connected or ended); a callback whose workflow never started is cancelled in the database.
 */
export async function cancelCallback(
  deps: CancelDeps,
  callback: { id: string; projectId: string; status: CallbackStatus },
): Promise<void> {
  if (!isCancellable(callback.status)) {
    throw new CallbackRefused('NOT_CANCELLABLE', `callback is ${callback.status}`);
  }
  // Two rounds: a workflow reconciliation starts between our update and our lock gets the update.
  for (let round = 0; round < 2; round++) {
    if (await cancelThroughWorkflow(deps, callback.id)) {
      // The workflow is committed to CANCELLED; write that now so the reply and the freed
      // position (S20) do not wait for its activity, which records the same state again.
      await deps.prisma.$transaction((tx) => recordCancelled(tx, callback.id, deps.clock()));
      availabilityChanged(callback.projectId);
      return;
    }
    if (await cancelWithoutWorkflow(deps, callback.id)) return void availabilityChanged(callback.projectId);
  }
  throw new CallbackRefused('UNAVAILABLE', 'the callback is being started; retry the cancel');
}

/** true: cancelled by the workflow; false: there is no workflow. */
async function cancelThroughWorkflow(deps: CancelDeps, callbackId: string): Promise<boolean> {
  const handle = deps.temporal.workflow.getHandle(callbackWorkflowId(callbackId));
  let final: CallbackStatus;
  try {
    final = await deps.temporal.withDeadline(Date.now() + (deps.cancelTimeoutMs ?? 10_000), () =>
      handle.executeUpdate(cancelCallbackUpdate),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    if (err instanceof WorkflowUpdateFailedError)
      throw new CallbackRefused('NOT_CANCELLABLE', 'the callback can no longer be cancelled');
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new CallbackRefused('UNAVAILABLE', 'the cancellation was not confirmed in time; retry');
    }
    throw err;
  }
  if (final !== 'CANCELLED') throw new CallbackRefused('NOT_CANCELLABLE', `callback ended ${final}`);
  return true;
}

/** The never-started case, under the row lock reconciliation also takes. false: a workflow appeared. */
async function cancelWithoutWorkflow(deps: CancelDeps, callbackId: string): Promise<boolean> {
  return deps.prisma.$transaction(
    async (tx) => {
      const row = await lockCallbackRow(tx, callbackId);
      if (!row) throw new CallbackRefused('NOT_FOUND', `callback ${callbackId} not found`);
      if (!isCancellable(row.status)) throw new CallbackRefused('NOT_CANCELLABLE', `callback is ${row.status}`);
      const workflow = await callbackWorkflowPresence(deps.temporal, callbackId);
      if (workflow === 'RUNNING') return false;
      // A closed workflow with an open row: it ended and its final status is being recorded.
      if (workflow === 'CLOSED') throw new CallbackRefused('NOT_CANCELLABLE', 'the callback has ended');
      await recordCancelled(tx, callbackId, deps.clock());
      return true;
    },
    { timeout: 15_000, maxWait: 15_000 },
  );
}

/** The terminal state a cancel leaves: ended, number free again (S22), position free again (S20). */
async function recordCancelled(tx: Prisma.TransactionClient, callbackId: string, at: Date): Promise<void> {
  await tx.callback.updateMany({
    where: { id: callbackId, endedAt: null },
    data: { status: 'CANCELLED', endedAt: at, openPhone: null },
  });
  await tx.slotBooking.deleteMany({ where: { callbackId } });
}
