// Plain data of the agent workflow (S44–S46), shared by the workflow, its client, the API
// and tests. JSON-safe: it crosses continue-as-new and the wire.
import type { AgentSettings, AnswerTarget, Presence, PresenceState, ReserveRefusal } from '../src/domain/presence';

export type { AgentSettings, AnswerTarget, Presence, PresenceState, ReserveRefusal };

export function agentWorkflowId(agentId: string): string {
  return `agent-${agentId}`;
}

/** ApplicationFailure types the agent workflow's updates fail with (the client maps them). */
export const AGENT_FAILURE = {
  /** The transition does not exist from the current state (API: 409 INVALID_STATE). */
  invalidState: 'InvalidAgentState',
  /** S43: login without a number when the agent is asked for one (API: 422 phoneNumber). */
  numberRequired: 'AgentNumberRequired',
  /** S46: chat refused, the agent is on a call and may not mix. */
  busyOnCall: 'AgentBusyOnCall',
  /** Malformed update arguments. */
  invalidArgument: 'InvalidAgentArgument',
} as const;

/** Every update may carry a requestId: a repeat returns the first result (deduplication). */
export interface RequestMeta {
  requestId?: string;
}

export interface LoginInput extends RequestMeta {
  /** E.164, validated by the API (S43). */
  phoneNumber?: string;
}

export interface SetStatusInput extends RequestMeta {
  status: 'AVAILABLE' | 'UNAVAILABLE';
}

export interface ReserveInput extends RequestMeta {
  callbackId: string;
  /** The callback's project's auto-answer pause (S45); default: the agent's. */
  wrapUpSeconds?: number;
}

export type ReserveResult =
  { ok: true; autoAnswer: boolean; answerTarget: AnswerTarget } | { ok: false; reason: ReserveRefusal };

export interface CallInput extends RequestMeta {
  callbackId: string;
}

export interface CallEndedInput extends CallInput {
  /** Both parties talked (a connected call): wrap-up follows. False: the reservation is released. */
  talked: boolean;
}

export type RefreshSettingsInput = AgentSettings &
  RequestMeta & {
    /** #14.5: the agent's projects now (the AgentProjects search attribute follows them); absent from older clients. */
    projectIds?: string[];
  };

/** presenceQuery and every update's answer (API.md GET /agents/{id}/presence, plus fields). */
export interface PresenceView {
  state: PresenceState;
  since: string;
  callbackId?: string;
  inChat: boolean;
  loginNumber?: string;
  /** S46: the chat side must treat the agent as busy. */
  busyForChat: boolean;
  /** WRAP_UP with auto-answer: when the agent becomes AVAILABLE again (S45). */
  wrapUpUntil?: string;
  /** RESERVED with auto-answer off: the agent accepted the call. */
  accepted?: boolean;
}

/** A handled request kept for deduplication. */
export interface HandledRequest {
  key: string;
  result: unknown;
  revision: number;
}

/** The agent workflow's whole state: its input and what continue-as-new carries. */
export interface AgentWorkflowState {
  agentId: string;
  settings: AgentSettings;
  presence: Presence;
  /** Grows with every presence change; the read model only takes newer revisions (S5). */
  revision: number;
  /** The last revision written to agent_presence. */
  projectedRevision: number;
  /** Most recent requestIds first-results, oldest first (bounded). */
  handled: HandledRequest[];
  /** Continue-as-new once the history has this many events (tests set it low). */
  maxHistoryEvents?: number;
}

/** The read-model row one projection writes (activities/presence.ts). */
export interface PresenceProjection {
  agentId: string;
  revision: number;
  state: PresenceState;
  since: string;
  callbackId: string | null;
  inChat: boolean;
  loginNumber: string | null;
  lastCallEndedAt: string | null;
}
