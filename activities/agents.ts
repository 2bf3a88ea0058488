// S41 assignment. The agent workflow is the truth about an agent (S44); the presence read
// model only proposes candidates: eligible agents (call-enabled, of the project, AVAILABLE,
// not in a chat unless they may mix, S46), priority first, then the longest idle, the best
// ones left to the callbacks of the project that have waited longer (FIFO by the time each
// attempt fell due) and hold no agent yet. Each candidate is asked by a reserve update, which
// answers at once whether this callback got them: the workflow refuses a second
// reservation, so no agent is ever double-booked. (No row lock is held meanwhile: the
// workflow's projection writes that row.)
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../src/infra/prisma';
import {
  AgentNotFoundError,
  AgentNumberRequiredError,
  AgentStateError,
  type createAgentWorkflowClient,
} from '../src/agents/agent-workflow-client';
import {
  dropWaitingLease,
  freshWaitingRow,
  unlessWakePending,
  wakeOldestWaiting,
  type CallbackWaker,
} from '../src/callbacks/wake';

const CANDIDATES = 5;
/** At most this many older waiting callbacks are checked (woken) when they hold this one back. */
const CHECK_AHEAD = 5;

/** #11.3: the agent workflow refused for good (not holding this call, agent gone): never retried. */
export const AGENT_STEP_REFUSED = 'AgentStepRefused';

function permanent(err: unknown): unknown {
  if (err instanceof AgentStateError || err instanceof AgentNotFoundError || err instanceof AgentNumberRequiredError) {
    return ApplicationFailure.nonRetryable(err.message, AGENT_STEP_REFUSED);
  }
  return err;
}

export interface AgentActivityDeps {
  prisma: Db;
  /** The agent workflows' client (reserve, callStarted, callEnded). */
  agents: ReturnType<typeof createAgentWorkflowClient>;
  /** Tells a waiting callback an agent may be free (signal); false: its workflow is gone. */
  wakeCallback?: CallbackWaker;
}
export interface Reservation {
  agentId: string;
  /** S45: false -> the agent must accept the call (POST …/accept) within the ring timeout. */
  autoAnswer: boolean;
  /** #10.8: where the call rings, without the number (dialLeg reads it from the database). */
  answerMode: 'DESK' | 'PHONE';
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
  // #15: an older callback that already has a wake-up pending is not signalled again.
  const wakeOlder = wakeCallback && unlessWakePending(prisma, wakeCallback);
  const wakeNext = (scope: { agentId: string } | { projectId: string; except: string }) =>
    wakeOldestWaiting(prisma, wakeCallback, scope);

  /** #11.1: this callback still waits and its workflow is alive: its lease is fresh again. */
  async function refreshLease(callbackId: string): Promise<void> {
    await prisma.$executeRaw`UPDATE callbacks SET waiting_seen_at = now() WHERE id = ${callbackId}::uuid AND status = 'WAITING_AGENT'`;
  }

  function availableAgents(projectId: string, offset: number, limit: number) {
    return prisma.$queryRaw<{ agent_id: string }[]>`
      SELECT p.agent_id FROM agent_presence p
        JOIN agents a ON a.id = p.agent_id
        JOIN agent_projects ap ON ap.agent_id = a.id AND ap.project_id = ${projectId}
       WHERE p.state = 'AVAILABLE' AND a.call_enabled AND (NOT p.in_chat OR a.allow_chat_and_call)
       ORDER BY a.priority DESC, COALESCE(p.last_call_ended_at, p.since) ASC, a.id
       LIMIT ${limit} OFFSET ${offset}`;
  }

  /**
   * The agents this callback should ask, best first. One it already holds (a retried
   * activity) comes alone. Otherwise FIFO without serialising: the k callbacks of the project
   * that have waited longer and hold no agent yet are left the k best available agents, and
   * this one is offered the next ones — so with enough agents every waiting callback
   * reserves at once, and with too few the oldest ones get them.
   */
  /**
   * The agents this callback should ask, best first. One it already holds (a retried
   * activity) comes alone. Otherwise FIFO without serialising: the k callbacks of the project
   * that have waited longer, hold no agent yet and whose lease is fresh (#11.1: their workflow
   * looked recently) are left the k best available agents, and this one is offered the next
   * ones. When such older callbacks hold a free agent back, they are woken (it is theirs to
   * take); one whose workflow is gone loses its lease at once and stops counting.
   */
  /** The agents the read model says hold this callback (it asks them alone first). */
  const heldFor = (callbackId: string) => prisma.$queryRaw<{ agent_id: string }[]>`
      SELECT agent_id FROM agent_presence
       WHERE callback_id = ${callbackId}::uuid AND state IN ('RESERVED', 'ON_CALL')`;

  async function candidatesFor(
    projectId: string,
    callbackId: string,
    askHeld = true,
  ): Promise<{ agent_id: string; held?: true }[]> {
    if (askHeld) {
      const held = await heldFor(callbackId);
      if (held.length) return held.map((row) => ({ ...row, held: true as const }));
    }
    const olderWaiting = () => prisma.$queryRaw<{ id: string }[]>`
      SELECT c.id FROM callbacks me, callbacks c
       WHERE me.id = ${callbackId}::uuid AND c.project_id = me.project_id AND c.id <> me.id
         AND ${freshWaitingRow}
         AND (c.waiting_since, c.id) < (me.waiting_since, me.id)
         AND NOT EXISTS (SELECT 1 FROM agent_presence r WHERE r.callback_id = c.id)
       ORDER BY c.waiting_since, c.id LIMIT ${CHECK_AHEAD + 1}`;
    let ahead = await olderWaiting();
    if (ahead.length > 0 && ahead.length <= CHECK_AHEAD && wakeOlder) {
      const free = await availableAgents(projectId, 0, ahead.length);
      if (free.length > 0) {
        let gone = 0;
        for (const { id } of ahead) {
          if ((await wakeOlder(id)) === false) {
            await dropWaitingLease(prisma, id);
            gone++;
          }
        }
        if (gone > 0) ahead = await olderWaiting();
      }
    }
    if (ahead.length > CHECK_AHEAD) {
      // A long queue: count it all (the rows past the first few are not checked).
      const [count] = await prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM callbacks me, callbacks c
         WHERE me.id = ${callbackId}::uuid AND c.project_id = me.project_id AND c.id <> me.id
           AND ${freshWaitingRow}
           AND (c.waiting_since, c.id) < (me.waiting_since, me.id)
           AND NOT EXISTS (SELECT 1 FROM agent_presence r WHERE r.callback_id = c.id)`;
      return availableAgents(projectId, count?.n ?? 0, CANDIDATES);
    }
    return availableAgents(projectId, ahead.length, CANDIDATES);
  }

  /** `:<activityId>` inside an activity (stable across its retries), nothing outside one. */
  function lookSuffix(): string {
    try {
      return `:${Context.current().info.activityId}`;
    } catch {
      return '';
    }
  }

  return {
    async reserveAgent(input: { projectId: string; callbackId: string; attempt: number }): Promise<Reservation | null> {
      const settings = await prisma.callSettings.findUnique({
        where: { projectId: input.projectId },
        select: { autoAnswerDelaySeconds: true },
      });
      await refreshLease(input.callbackId);
      // Same requestId on a retried activity: the workflow answers as the first time. Each
      // look of the workflow is a new activity (a new activityId), so a refusal an agent gave
      // on an earlier look (it was busy then) is not replayed to every later look of the
      // attempt, which would keep a one-agent project waiting until its deadline.
      const requestId = `${input.callbackId}:${input.attempt}${lookSuffix()}`;
      let candidates = await candidatesFor(input.projectId, input.callbackId);
      // A read model that says an agent holds this callback can be ahead of that agent's
      // workflow (a lost workflow task, #11): when every such agent refuses, the others are
      // asked in the same look instead of waiting for the repair pass.
      if (candidates.length && candidates.every((c) => c.held)) {
        candidates = [...candidates, ...(await candidatesFor(input.projectId, input.callbackId, false))];
      }
      for (const { agent_id: agentId } of candidates) {
        let result;
        try {
          result = await agents.reserve(agentId, {
            callbackId: input.callbackId,
            requestId,
            ...(settings ? { wrapUpSeconds: settings.autoAnswerDelaySeconds } : {}),
          });
        } catch (err) {
          // #11.3: an agent deleted or refusing for good is skipped; the next one is asked.
          if (permanent(err) !== err) continue;
          throw err;
        }
        if (result.ok) {
          await wakeNext({ projectId: input.projectId, except: input.callbackId });
          return { agentId, autoAnswer: result.autoAnswer, answerMode: result.answerTarget.mode };
        }
      }
      return null;
    },

    /**
     * #11.2 safety poll (a local activity): refreshes this callback's waiting lease and says
     * whether an agent may be free for it, so the workflow runs the reservation only then.
     */
    async agentMayBeFree(input: { projectId: string; callbackId: string }): Promise<boolean> {
      await refreshLease(input.callbackId);
      return (await candidatesFor(input.projectId, input.callbackId)).length > 0;
    },

    async markAgentOnCall(input: { agentId: string; callbackId: string; attempt?: number }): Promise<void> {
      await agents
        .callStarted(input.agentId, { callbackId: input.callbackId, requestId: requestIdOf(input, 'started') })
        .catch((err: unknown) => Promise.reject(permanent(err)));
    },

    /** Gives the agent back after an attempt: wrap-up after a call (S45), else available again. */
    async releaseAgent(input: {
      agentId: string;
      callbackId: string;
      attempt?: number;
      talked: boolean;
    }): Promise<void> {
      await agents
        .callEnded(input.agentId, {
          callbackId: input.callbackId,
          talked: input.talked,
          requestId: requestIdOf(input, `ended:${input.talked}`),
        })
        .catch((err: unknown) => Promise.reject(permanent(err)));
      if (!input.talked) await wakeNext({ agentId: input.agentId });
    },

    /** Called when an agent becomes available (login, status, wrap-up over): the head of the queue looks now. */
    async wakeWaitingCallbacks({ agentId }: { agentId: string }): Promise<void> {
      await wakeNext({ agentId });
    },
  };
}
