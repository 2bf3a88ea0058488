// Plain data shared by workflows, activities, the API and tests (JSON-safe: no Date, no Map).
import type { FailedOutcome, RetryRules } from '../src/domain/retry';
import type { AcdDial, Leg } from '../src/telephony/port';

export type { AcdDial, Leg };

export type CallbackMode = 'IMMEDIATE' | 'DEFERRED';

// S34. Defined once: the API's zod enums and OpenAPI derive from these arrays.
export const CALLBACK_STATUSES = [
  'SCHEDULED',
  'WAITING_AGENT',
  'DIALING',
  'CONNECTED',
  'RETRY_WAIT',
  'COMPLETED',
  'FAILED',
  'EXPIRED',
  'CANCELLED',
  // #11: ended by the repair pass (src/callbacks/repair.ts), never by a workflow.
  'ABORTED',
] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];
/** #11: why the repair pass ended a row ABORTED (how its workflow closed). */
export const CALLBACK_END_REASONS = [
  'TERMINATED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED_IN_TEMPORAL',
  'NOT_FOUND',
] as const;
export type CallbackEndReason = (typeof CALLBACK_END_REASONS)[number];

export const TERMINAL_STATUSES: readonly CallbackStatus[] = ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'ABORTED'];

export function isTerminal(status: CallbackStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** S23: cancellable until the call connects. */
export function isCancellable(status: CallbackStatus): boolean {
  return !isTerminal(status) && status !== 'CONNECTED';
}

export const ATTEMPT_OUTCOMES = [
  'CONNECTED',
  'AGENT_NO_ANSWER',
  'VISITOR_NO_ANSWER',
  'AGENT_BUSY',
  'VISITOR_BUSY',
  'FAILED',
  'AGENT_NOT_IDENTIFIED',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Everything a callback workflow needs; ids and instants only, never the phone number. */
export interface CallbackWorkflowInput {
  callbackId: string;
  projectId: string;
  mode: CallbackMode;
  /** ISO instant: the booked position (deferred) or the request time (immediate). */
  dueAt: string;
  /** S4: seconds after dueAt within which an agent must take the callback. */
  maxHandlingDelaySeconds: number;
  /**
   * Set by continue-as-new while waiting for an agent (#11.2): the run picks up the same
   * attempt, with the dial plan read when the callback fell due, without writing the status
   * again (the row keeps its place in the queue).
   */
  resume?: {
    attemptIndex: number;
    plan: DialPlan;
    retry?: RetryProgress;
    /** #11.2 (adaptive-safety-look): the wait before the next look, kept across runs. */
    nextLookMs?: number;
  };
  /** Continue-as-new while waiting once the history has this many events (tests set it low). */
  maxHistoryEvents?: number;
  /**
   * #15 (patch local-agent-steps): the agent steps run as local activities. Set by the starter
   * when agent workflows run on a task queue of their own (TEMPORAL_AGENT_TASK_QUEUE).
   */
  localAgentSteps?: boolean;
}

/**
 * #16: where a callback on per-outcome retries stands (src/domain/retry.ts), carried across
 * continue-as-new. Absent: the callback follows S33's fixed schedule (plans and histories
 * from before the 'retry-per-outcome' patch), or has not failed an attempt yet.
 */
export interface RetryProgress {
  /** The outcome of each failed attempt, in order. */
  failures: FailedOutcome[];
  /** ISO instant the latest failed attempt ended (as recorded by finishAttempt). */
  lastEndedAt: string;
  /** ISO instant the current attempt was to start: S4's deadline counts from it. */
  attemptAt: string;
}

/** The project's settings as they apply to one callback, read once when it falls due. */
export interface DialPlan {
  callOrder: 'AGENT_FIRST' | 'VISITOR_FIRST';
  maxRetries: number;
  retryIntervalSeconds: number;
  /**
   * #16: per-outcome retry rules and the minimum gap. Absent in plans read before they
   * existed (old histories, continued-as-new inputs): those keep S33's fixed schedule.
   */
  retry?: RetryRules;
  ringTimeoutSeconds: number;
  /** S40: own agents, or the customer's ACD number instead of an agent. */
  distribution: 'AGENTS' | 'ACD';
  /** S50/S51: decided once at booking. */
  record: boolean;
  /** S42: present in ACD mode. */
  acd?: AcdDial;
}

export interface DialLegInput {
  callbackId: string;
  projectId: string;
  attempt: number;
  leg: Leg;
  /** Null in ACD mode: the agent leg calls the project's ACD number. */
  agentId: string | null;
  /** The first party hears hold music and does not start the conference (S30, S31). */
  first: boolean;
  ringTimeoutSeconds: number;
  record: boolean;
  /** S42: the agent leg calls the ACD and gathers the agent's identifier. */
  acd?: AcdDial;
}

/** S42: what the ACD identification webhook tells the callback workflow. */
export interface AcdIdentification {
  key: string;
  agentId: string | null;
}

export interface CallbackView {
  callbackId: string;
  status: CallbackStatus;
  dueAt: string;
  attempt: number;
  agentId: string | null;
}

export function callbackWorkflowId(callbackId: string): string {
  return `callback-${callbackId}`;
}

export function legKeyOf(callbackId: string, attempt: number, leg: Leg): string {
  return `${callbackId}:${attempt}:${leg}`;
}

const LEG_KEY = /^([0-9a-f-]{36}):(\d{1,3}):(agent|visitor)$/;

/** The inverse of legKeyOf; null for anything else (webhook input is untrusted). */
export function parseLegKey(key: string): { callbackId: string; attempt: number; leg: Leg } | null {
  const match = LEG_KEY.exec(key);
  return match ? { callbackId: match[1]!, attempt: Number(match[2]), leg: match[3] as Leg } : null;
}

/** S33: attempt n (0-based) is due n intervals after the callback's due time. */
export function attemptDueMs(dueAtMs: number, attemptIndex: number, intervalSeconds: number): number {
  return dueAtMs + attemptIndex * intervalSeconds * 1000;
}

/**
 * The telephony statuses that change a leg's phase in the callback workflow (nextLegPhase);
 * the others (`initiated`, `ringing`) are progress only, and are not signalled to it.
 */
export const PHASE_STATUSES = ['answered', 'completed', 'no-answer', 'busy', 'failed', 'canceled'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];
export const isPhaseStatus = (status: string): status is PhaseStatus =>
  (PHASE_STATUSES as readonly string[]).includes(status);
