// The pure parts of the agent workflow (S41–S46, #12): argument checks its update validators
// run, the presence as the API and the read model see it, and the deduplication memory of
// request ids. No Temporal call here, so each is unit-tested on its own
// (test/agents/agent-state.test.ts); workflows/agent.ts wires them to handlers and commands.
import { ApplicationFailure } from '@temporalio/common';
import type * as rules from '../src/domain/presence';
import {
  AGENT_FAILURE,
  type AgentSettings,
  type HandledRequest,
  type Presence,
  type PresenceProjection,
  type PresenceView,
  type RequestMeta,
} from './agent-types';
import { busyForChat } from '../src/domain/presence';

const REFUSAL_FAILURE: Record<rules.RefusalReason, string> = {
  INVALID_STATE: AGENT_FAILURE.invalidState,
  NUMBER_REQUIRED: AGENT_FAILURE.numberRequired,
  BUSY_ON_CALL: AGENT_FAILURE.busyOnCall,
};

/** A refused transition as the failure the client maps (409, 422, busy for chat). */
export function refusal(t: Extract<rules.Transition, { ok: false }>): ApplicationFailure {
  return ApplicationFailure.nonRetryable(t.message, REFUSAL_FAILURE[t.reason]);
}

function badArgument(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, AGENT_FAILURE.invalidArgument);
}

/**
 * #11.6: every update takes one optional object; its requestId, when present, is a short
 * string. Checked before any rule reads the arguments, so a malformed one is rejected by the
 * validator (never written to history) instead of failing inside the handler. Each check
 * throws the InvalidAgentArgument failure.
 */
export const checkArgs = {
  meta(args: unknown): void {
    if (args === undefined) return;
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw badArgument('arguments must be an object');
    const { requestId } = args as { requestId?: unknown };
    if (requestId !== undefined && (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 300))
      throw badArgument('requestId must be a non-empty string');
  },
  callbackId(args: unknown): void {
    checkArgs.meta(args);
    const callbackId = (args as { callbackId?: unknown } | undefined)?.callbackId;
    if (typeof callbackId !== 'string' || callbackId.length === 0) throw badArgument('callbackId is required');
  },
  login(args: unknown): void {
    const phoneNumber = (args as { phoneNumber?: unknown } | undefined)?.phoneNumber;
    if (phoneNumber !== undefined && (typeof phoneNumber !== 'string' || phoneNumber.length === 0))
      throw badArgument('phoneNumber must be a non-empty string');
  },
  setStatus(args: unknown): void {
    const status = (args as { status?: unknown } | undefined)?.status;
    if (status !== 'AVAILABLE' && status !== 'UNAVAILABLE')
      throw badArgument('status must be AVAILABLE or UNAVAILABLE');
  },
  callEnded(args: unknown): void {
    checkArgs.callbackId(args);
    if (typeof (args as { talked?: unknown }).talked !== 'boolean') throw badArgument('talked must be a boolean');
  },
  reserve(args: unknown): void {
    checkArgs.callbackId(args);
    const { wrapUpSeconds } = args as { wrapUpSeconds?: unknown };
    if (wrapUpSeconds !== undefined && !(Number.isInteger(wrapUpSeconds) && (wrapUpSeconds as number) >= 1)) {
      throw badArgument('wrapUpSeconds must be a positive integer');
    }
  },
  refreshSettings(args: unknown): void {
    checkArgs.meta(args);
    const { autoAnswerDelaySeconds, answerMode } = (args ?? {}) as Partial<AgentSettings>;
    if (!Number.isInteger(autoAnswerDelaySeconds) || (autoAnswerDelaySeconds as number) < 1) {
      throw badArgument('autoAnswerDelaySeconds must be a positive integer');
    }
    if (answerMode !== 'DESK' && answerMode !== 'PHONE') throw badArgument('answerMode must be DESK or PHONE');
    const { projectIds } = args as { projectIds?: unknown };
    if (projectIds !== undefined && !(Array.isArray(projectIds) && projectIds.every((id) => typeof id === 'string')))
      throw badArgument('projectIds must be a list of project ids');
  },
};

/**
 * #14.5: the AgentProjects value to upsert when the agent's projects are no longer the ones
 * shown (`shown`: the search attribute now), sorted and without repeats; null: the same set,
 * nothing to upsert (no command, no event).
 */
export function projectsToShow(shown: readonly string[] | undefined, projectIds: readonly string[]): string[] | null {
  const next = [...new Set(projectIds)].sort();
  const now = [...new Set(shown ?? [])].sort();
  return next.length === now.length && next.every((id, i) => id === now[i]) ? null : next;
}

/** presenceQuery and every update's answer (API.md GET /agents/{id}/presence, plus fields). */
export function presenceView(presence: Presence, settings: AgentSettings): PresenceView {
  return {
    state: presence.state,
    since: presence.since,
    ...(presence.call ? { callbackId: presence.call.callbackId } : {}),
    inChat: presence.inChat,
    ...(presence.loginNumber ? { loginNumber: presence.loginNumber } : {}),
    busyForChat: busyForChat(presence, settings),
    ...(presence.wrapUpUntil ? { wrapUpUntil: presence.wrapUpUntil } : {}),
    ...(presence.state === 'RESERVED' && presence.call && !presence.call.autoAnswer
      ? { accepted: presence.call.accepted }
      : {}),
  };
}

/** The agent_presence row for this presence at this revision (activities/presence.ts writes it). */
export function projectionOf(agentId: string, p: Presence, revision: number): PresenceProjection {
  return {
    agentId,
    revision,
    state: p.state,
    since: p.since,
    callbackId: p.call?.callbackId ?? null,
    inChat: p.inChat,
    loginNumber: p.loginNumber,
    lastCallEndedAt: p.lastCallEndedAt,
  };
}

/** Only a change the read model shows costs a revision (and a projection write). */
export function readModelChanged(agentId: string, before: Presence, after: Presence): boolean {
  return JSON.stringify(projectionOf(agentId, before, 0)) !== JSON.stringify(projectionOf(agentId, after, 0));
}

/** #14.5: the workflow's current details, as operators read them in the Temporal UI. */
export function presenceDetails(p: Presence): string {
  return `${p.state} since ${p.since}${p.call ? ` · callback ${p.call.callbackId}` : ''}${p.inChat ? ' · in a chat' : ''}`;
}

/**
 * The first result of each request id (`<update>:<requestId>`), oldest forgotten first past
 * `limit`: enough for any client's retries, small enough to carry across continue-as-new.
 */
export class HandledRequests {
  private readonly byKey: Map<string, HandledRequest>;

  constructor(
    carried: readonly HandledRequest[],
    private readonly limit: number,
  ) {
    this.byKey = new Map(carried.map((h) => [h.key, h]));
  }

  /** null: the request carries no id, so it is never deduplicated. */
  static keyOf(update: string, meta: RequestMeta | undefined): string | null {
    return meta?.requestId ? `${update}:${meta.requestId}` : null;
  }

  seen(update: string, meta: RequestMeta | undefined): boolean {
    const key = HandledRequests.keyOf(update, meta);
    return key !== null && this.byKey.has(key);
  }

  get(key: string): HandledRequest | undefined {
    return this.byKey.get(key);
  }

  remember(key: string, result: unknown, revision: number): void {
    this.byKey.set(key, { key, result, revision });
    if (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value!);
  }

  /** Oldest first, as continue-as-new carries them. */
  list(): HandledRequest[] {
    return [...this.byKey.values()];
  }
}
