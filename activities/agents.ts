// S41 assignment. The agent workflow is the truth about an agent (S44); the presence read
// model only proposes candidates: eligible agents (call-enabled, of the project, AVAILABLE,
// not in a chat unless they may mix, S46), priority first, then the longest idle, the best
// ones left to the callbacks of the project that have waited longer (FIFO by the time each
// attempt fell due) and hold no agent yet. Each candidate is asked by a reserve update, which
// answers at once whether this callback got them: the workflow refuses a second
// reservation, so no agent is ever double-booked. (No row lock is held meanwhile: the
// workflow's projection writes that row.)
import { Prisma } from '../generated/prisma/client';
import type { Db } from '../src/infra/prisma';
import type { createAgentWorkflowClient } from '../src/agents/agent-workflow-client';
import type { AnswerTarget } from '../workflows/agent-types';

/** A waiting callback older than this is ignored by the FIFO guard (its workflow is gone). */
const STALE_WAIT = '1 day';
const CANDIDATES = 5;

export interface AgentActivityDeps {
  prisma: Db;
  /** The agent workflows' client (reserve, callStarted, callEnded). */
  agents: ReturnType<typeof createAgentWorkflowClient>;
  /** Tells a waiting callback an agent may be free (signal); polling covers its absence. */
  wakeCallback?: (callbackId: string) => Promise<void>;
}

export interface Reservation {
  agentId: string;
  /** S45: false -> the agent must accept the call (POST …/accept) within the ring timeout. */
  autoAnswer: boolean;
  answerTarget: AnswerTarget;
}

/**
 * The agent workflow answers a repeated request id with its first answer (a retried
 * activity). One callback may hold the same agent for several attempts, so the id names
 * the attempt. Histories from before carry no attempt: their ids stay as they were.
 */
function requestIdOf(input: { callbackId: string; attempt?: number }, step: string): string {
  return input.attempt === undefined ? `${input.callbackId}:${step}` : `${input.callbackId}:${input.attempt}:${step}`;
}

export function createAgentActivities({ prisma, agents, wakeCallback }: AgentActivityDeps) {
  /**
   * Wakes the oldest callback that waits without an agent, among the agent's projects (an
   * agent became free) or in one project (a reservation no longer holds the next one back).
   */
  async function wakeOldestWaiting(scope: { agentId: string } | { projectId: string; except: string }): Promise<void> {
    if (!wakeCallback) return;
    const inScope =
      'agentId' in scope
        ? Prisma.sql`c.project_id IN (SELECT project_id FROM agent_projects WHERE agent_id = ${scope.agentId}::uuid)`
        : Prisma.sql`c.project_id = ${scope.projectId} AND c.id <> ${scope.except}::uuid`;
    const next = await prisma.$queryRaw<{ id: string }[]>`
      SELECT c.id FROM callbacks c
       WHERE ${inScope} AND c.status = 'WAITING_AGENT' AND c.waiting_since > now() - ${STALE_WAIT}::interval
         AND NOT EXISTS (SELECT 1 FROM agent_presence r WHERE r.callback_id = c.id)
       ORDER BY c.waiting_since, c.id LIMIT 1`;
    if (next[0]) await wakeCallback(next[0].id);
  }

  /**
   * The agents this callback should ask, best first. One it already holds (a retried
   * activity) comes alone. Otherwise FIFO without serialising: the k callbacks of the project
   * that have waited longer and hold no agent yet are left the k best available agents, and
   * this one is offered the next ones — so with enough agents every waiting callback
   * reserves at once, and with too few the oldest ones get them.
   */
  async function candidatesFor(projectId: string, callbackId: string): Promise<{ agent_id: string }[]> {
    const held = await prisma.$queryRaw<{ agent_id: string }[]>`
      SELECT agent_id FROM agent_presence
       WHERE callback_id = ${callbackId}::uuid AND state IN ('RESERVED', 'ON_CALL')`;
    if (held.length) return held;
    const [ahead] = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM callbacks me, callbacks c
       WHERE me.id = ${callbackId}::uuid AND c.project_id = me.project_id
         AND c.status = 'WAITING_AGENT' AND c.id <> me.id
         AND c.waiting_since > now() - ${STALE_WAIT}::interval
         AND (c.waiting_since, c.id) < (me.waiting_since, me.id)
         AND NOT EXISTS (SELECT 1 FROM agent_presence r WHERE r.callback_id = c.id)`;
    return prisma.$queryRaw<{ agent_id: string }[]>`
      SELECT p.agent_id FROM agent_presence p
        JOIN agents a ON a.id = p.agent_id
        JOIN agent_projects ap ON ap.agent_id = a.id AND ap.project_id = ${projectId}
       WHERE p.state = 'AVAILABLE' AND a.call_enabled AND (NOT p.in_chat OR a.allow_chat_and_call)
       ORDER BY a.priority DESC, COALESCE(p.last_call_ended_at, p.since) ASC, a.id
       LIMIT ${CANDIDATES} OFFSET ${ahead?.n ?? 0}`;
  }

  return {
    async reserveAgent(input: { projectId: string; callbackId: string; attempt: number }): Promise<Reservation | null> {
      const settings = await prisma.callSettings.findUnique({
        where: { projectId: input.projectId },
        select: { autoAnswerDelaySeconds: true },
      });
      const candidates = await candidatesFor(input.projectId, input.callbackId);
      for (const { agent_id: agentId } of candidates) {
        // Same requestId on a retried activity: the workflow answers as the first time.
        const result = await agents.reserve(agentId, {
          callbackId: input.callbackId,
          requestId: `${input.callbackId}:${input.attempt}`,
          ...(settings ? { wrapUpSeconds: settings.autoAnswerDelaySeconds } : {}),
        });
        if (result.ok) {
          await wakeOldestWaiting({ projectId: input.projectId, except: input.callbackId });
          return { agentId, autoAnswer: result.autoAnswer, answerTarget: result.answerTarget };
        }
      }
      return null;
    },

    async markAgentOnCall(input: { agentId: string; callbackId: string; attempt?: number }): Promise<void> {
      await agents.callStarted(input.agentId, {
        callbackId: input.callbackId,
        requestId: requestIdOf(input, 'started'),
      });
    },

    /** Gives the agent back after an attempt: wrap-up after a call (S45), else available again. */
    async releaseAgent(input: {
      agentId: string;
      callbackId: string;
      attempt?: number;
      talked: boolean;
    }): Promise<void> {
      await agents.callEnded(input.agentId, {
        callbackId: input.callbackId,
        talked: input.talked,
        requestId: requestIdOf(input, `ended:${input.talked}`),
      });
      if (!input.talked) await wakeOldestWaiting({ agentId: input.agentId });
    },

    /** Called when an agent becomes available (login, status, wrap-up over): the head of the queue looks now. */
    async wakeWaitingCallbacks({ agentId }: { agentId: string }): Promise<void> {
      await wakeOldestWaiting({ agentId });
    },
  };
}
