// Reads back, from the database, when each callback's first leg was dialled and the steps
// before it. `telephony_calls.created_at` is written just before the call is placed (S35),
// so it is the first dial to the millisecond; every timestamp comes from this machine's clock.
import type { Db } from '../../src/infra/prisma';
import { summarize, waitFor, type Summary } from '../stats';

export interface DialTimes {
  id: string;
  status: string;
  createdAt: number;
  dueAt: number;
  /** Workflow time when attempt 1 began waiting for an agent (null: no agent wait, e.g. ACD). */
  waitingSince: number | null;
  /** Workflow time when attempt 1 was recorded (agent reserved, status DIALING). */
  attemptStartedAt: number | null;
  /** First leg of attempt 1 (null: not dialled yet). */
  firstDialAt: number | null;
}

export async function dialTimes(prisma: Db, projectId: string, mode: 'IMMEDIATE' | 'DEFERRED'): Promise<DialTimes[]> {
  const rows = await prisma.$queryRaw<
    {
      id: string;
      status: string;
      created_at: Date;
      due_at: Date;
      waiting_since: Date | null;
      attempt_started_at: Date | null;
      first_dial_at: Date | null;
    }[]
  >`
    SELECT c.id, c.status::text AS status, c.created_at, c.due_at, c.waiting_since,
           a.started_at AS attempt_started_at, min(tc.created_at) AS first_dial_at
      FROM callbacks c
      LEFT JOIN attempts a ON a.callback_id = c.id AND a.number = 1
      LEFT JOIN telephony_calls tc ON tc.attempt_id = a.id
     WHERE c.project_id = ${projectId} AND c.mode = ${mode}::"CallbackMode"
     GROUP BY c.id, a.started_at`;
  const ms = (date: Date | null) => (date ? date.getTime() : null);
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    createdAt: row.created_at.getTime(),
    dueAt: row.due_at.getTime(),
    waitingSince: ms(row.waiting_since),
    attemptStartedAt: ms(row.attempt_started_at),
    firstDialAt: ms(row.first_dial_at),
  }));
}

export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED']);

/** Histogram of the worker's /metrics: total count and the share at or under `le` seconds. */
export function histogramShare(
  metricsText: string,
  name: string,
  le: string,
): { count: number; shareAtOrUnder: number } {
  const bucket = new RegExp(`^${name}_bucket\\{le="${le.replace('.', '\\.')}"\\} ([0-9.eE+-]+)$`, 'm').exec(
    metricsText,
  );
  const count = new RegExp(`^${name}_count ([0-9.eE+-]+)$`, 'm').exec(metricsText);
  const total = Number(count?.[1] ?? 0);
  return {
    count: total,
    shareAtOrUnder: total ? Math.round((Number(bucket?.[1] ?? 0) / total) * 1000) / 1000 : Number.NaN,
  };
}

/**
 * Waits, at most `deadlineMs`, until every callback `mine()` returns has dialled or ended.
 * What has not by then is returned (the caller cancels or terminates it) with the instant its
 * lateness is counted at: a lower bound.
 */
export async function awaitFirstDials(
  label: string,
  mine: () => Promise<DialTimes[]>,
  deadlineMs: number,
  pollMs: number,
  onLate: () => void,
): Promise<{ undialled: DialTimes[]; censoredAt: number }> {
  const censoredAt = Date.now() + deadlineMs;
  const settled = (r: DialTimes) => r.firstDialAt !== null || TERMINAL.has(r.status);
  await waitFor(
    `${label} first dials`,
    deadlineMs,
    async () => ((await mine()).every(settled) ? true : undefined),
    pollMs,
  ).catch(onLate);
  return { undialled: (await mine()).filter((r) => !settled(r)), censoredAt };
}

/** Milliseconds between two steps of the dialled callbacks that have both. */
export function stepSummary(
  dialled: DialTimes[],
  from: (r: DialTimes) => number | null,
  to: (r: DialTimes) => number | null,
): Summary {
  return summarize(dialled.filter((r) => from(r) !== null && to(r) !== null).map((r) => to(r)! - from(r)!));
}
