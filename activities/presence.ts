// The agent_presence read model (S5, S44), written only by agent workflows through this
// activity. A write lands only when its revision is newer than the row's, so a retried or
// late projection never overwrites a newer state and availability reads never run ahead.
import type { Db } from '../src/infra/prisma';
import { wakeOldestWaiting, type CallbackWaker } from '../src/callbacks/wake';
import { openPhone } from '../src/agents/phone-seal';
import type { PresenceProjection } from '../workflows/agent-types';

export function createPresenceActivities({ prisma, wakeCallback }: { prisma: Db; wakeCallback?: CallbackWaker }) {
  return {
    /** true: written; false: the row already holds this revision or a newer one. */
    async projectPresence(row: PresenceProjection): Promise<boolean> {
      const written = await prisma.$executeRaw`
        INSERT INTO agent_presence AS p
               (agent_id, state, since, callback_id, in_chat, login_number, last_call_ended_at, revision, updated_at)
        VALUES (${row.agentId}::uuid, ${row.state}::"PresenceState", ${row.since}::timestamptz, ${row.callbackId}::uuid,
                ${row.inChat}, ${openPhone(row.loginNumber)}, ${row.lastCallEndedAt}::timestamptz, ${row.revision}, now())
        ON CONFLICT (agent_id) DO UPDATE SET
               state = EXCLUDED.state, since = EXCLUDED.since, callback_id = EXCLUDED.callback_id,
               in_chat = EXCLUDED.in_chat, login_number = EXCLUDED.login_number,
               last_call_ended_at = EXCLUDED.last_call_ended_at, revision = EXCLUDED.revision, updated_at = now()
         WHERE p.revision < EXCLUDED.revision`;
      // #11.2: an agent AVAILABLE (again) wakes the oldest callback that waits for one; a
      // failed wake-up is left to the callback's safety poll, never fails the projection.
      if (written > 0 && row.state === 'AVAILABLE') {
        await wakeOldestWaiting(prisma, wakeCallback, { agentId: row.agentId }).catch(() => undefined);
      }
      return written > 0;
    },
  };
}

export type PresenceActivities = ReturnType<typeof createPresenceActivities>;
