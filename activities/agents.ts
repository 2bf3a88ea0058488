// S41 assignment on the presence read model: eligible agents only (call-enabled, of the
// project, AVAILABLE, not in a chat unless they may mix, S46), priority first, then the
// longest idle. FOR UPDATE SKIP LOCKED makes concurrent callbacks take different agents,
// so no agent is ever reserved twice; a callback gets an agent only when no callback of
// its project has been waiting longer (FIFO by the time each attempt fell due).
import type { Db } from '../src/infra/prisma';

/** A waiting callback older than this is ignored by the FIFO guard (its workflow is gone). */
const STALE_WAIT = '1 day';

export interface AgentActivityDeps {
  prisma: Db;
  /** Tells a waiting callback an agent may be free (signal); polling covers its absence. */
  wakeCallback?: (callbackId: string) => Promise<void>;
}

export function createAgentActivities({ prisma, wakeCallback }: AgentActivityDeps) {
  /** The oldest waiting callback of the agent's projects: the one that should get them next. */
  async function wakeNextWaiting(agentId: string): Promise<void> {
    if (!wakeCallback) return;
    const next = await prisma.$queryRaw<{ id: string }[]>`
      SELECT c.id FROM callbacks c JOIN agent_projects ap ON ap.project_id = c.project_id AND ap.agent_id = ${agentId}::uuid
       WHERE c.status = 'WAITING_AGENT' AND c.waiting_since > now() - ${STALE_WAIT}::interval
       ORDER BY c.waiting_since, c.id LIMIT 1`;
    if (next[0]) await wakeCallback(next[0].id);
  }

  return {
    async reserveAgent(input: { projectId: string; callbackId: string; attempt: number }): Promise<{ agentId: string } | null> {
      // Idempotent: a retried activity finds the reservation it already made.
      const mine = await prisma.agentPresence.findFirst({
        where: { callbackId: input.callbackId, state: { in: ['RESERVED', 'ON_CALL'] } },
      });
      if (mine) return { agentId: mine.agentId };
      const rows = await prisma.$queryRaw<{ agent_id: string }[]>`
        UPDATE agent_presence SET state = 'RESERVED', callback_id = ${input.callbackId}::uuid,
               since = now(), revision = revision + 1, updated_at = now()
         WHERE NOT EXISTS (
                 SELECT 1 FROM callbacks me, callbacks c
                  WHERE me.id = ${input.callbackId}::uuid AND c.project_id = me.project_id
                    AND c.status = 'WAITING_AGENT' AND c.id <> me.id
                    AND c.waiting_since > now() - ${STALE_WAIT}::interval
                    AND (c.waiting_since, c.id) < (me.waiting_since, me.id))
           AND agent_id = (
           SELECT p.agent_id FROM agent_presence p
             JOIN agents a ON a.id = p.agent_id
             JOIN agent_projects ap ON ap.agent_id = a.id AND ap.project_id = ${input.projectId}
            WHERE p.state = 'AVAILABLE' AND a.call_enabled AND (NOT p.in_chat OR a.allow_chat_and_call)
            ORDER BY a.priority DESC, COALESCE(p.last_call_ended_at, p.since) ASC, a.id
            LIMIT 1
            FOR UPDATE OF p SKIP LOCKED)
        RETURNING agent_id`;
      const row = rows[0];
      return row ? { agentId: row.agent_id } : null;
    },

    async markAgentOnCall(input: { agentId: string; callbackId: string }): Promise<void> {
      await prisma.agentPresence.updateMany({
        where: { agentId: input.agentId, callbackId: input.callbackId },
        data: { state: 'ON_CALL', since: new Date(), revision: { increment: 1 } },
      });
    },

    /** Gives the agent back after an attempt; only if this callback still holds them. */
    async releaseAgent(input: { agentId: string; callbackId: string; talked: boolean }): Promise<void> {
      const now = new Date();
      await prisma.agentPresence.updateMany({
        where: { agentId: input.agentId, callbackId: input.callbackId },
        data: {
          state: 'AVAILABLE',
          callbackId: null,
          since: now,
          revision: { increment: 1 },
          ...(input.talked ? { lastCallEndedAt: now } : {}),
        },
      });
      await wakeNextWaiting(input.agentId);
    },

    /** Called when an agent becomes available (login, status): the head of the queue looks now. */
    async wakeWaitingCallbacks({ agentId }: { agentId: string }): Promise<void> {
      await wakeNextWaiting(agentId);
    },
  };
}
