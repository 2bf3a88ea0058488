// Database side effects of the callback workflow (S34). Idempotent: a retried activity
// writes the same row again.
import type { Db } from '../src/infra/prisma';
import { isTerminal, type CallbackStatus } from '../workflows/types';

export interface CallbackActivityDeps {
  prisma: Db;
}

export interface RecordStatusInput {
  callbackId: string;
  status: CallbackStatus;
  /** Workflow time of the change (ISO), so time-skipped runs record skipped time. */
  at: string;
}

export function createCallbackActivities({ prisma }: CallbackActivityDeps) {
  return {
    /** #11.4: the row's status as the API left it; null when the row is gone. */
    async callbackRowStatus({ callbackId }: { callbackId: string }): Promise<CallbackStatus | null> {
      const row = await prisma.callback.findUnique({ where: { id: callbackId }, select: { status: true } });
      return row?.status ?? null;
    },

    async recordCallbackStatus({ callbackId, status, at }: RecordStatusInput): Promise<void> {
      const ended = isTerminal(status);
      // An ended row stays ended (e.g. the API cancelled a never-started callback).
      const update = prisma.callback.updateMany({
        where: { id: callbackId, endedAt: null },
        // S22: an ended callback no longer blocks a new one for the same number.
        data: {
          status,
          // #11.1: the waiting lease starts with the wait (real time: the database's clock).
          ...(status === 'WAITING_AGENT' ? { waitingSince: new Date(at), waitingSeenAt: new Date() } : {}),
          ...(ended ? { endedAt: new Date(at), openPhone: null } : {}),
        },
      });
      // #15: one statement, no transaction, for every status but CANCELLED (four per completed
      // callback); S20: a cancelled booking frees its position in the same transaction.
      if (status !== 'CANCELLED') await update;
      else await prisma.$transaction([update, prisma.slotBooking.deleteMany({ where: { callbackId } })]);
    },
  };
}
