// S41 assignment on the presence read model: eligible agents only (call-enabled, of the
// project, AVAILABLE, not in a chat unless they may mix, S46), priority first, then the
// longest idle. FOR UPDATE SKIP LOCKED makes concurrent callbacks take different agents,
// so no agent is ever reserved twice.
import type { Db } from '../src/infra/prisma';

export function createAgentActivities({ prisma }: { prisma: Db }) {
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
         WHERE agent_id = (
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
    },
  };
}
