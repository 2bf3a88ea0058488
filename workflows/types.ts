// Plain data shared by workflows, activities, the API and tests (JSON-safe: no Date, no Map).

export type CallbackMode = 'IMMEDIATE' | 'DEFERRED';

// S34
export type CallbackStatus =
  | 'SCHEDULED'
  | 'WAITING_AGENT'
  | 'DIALING'
  | 'CONNECTED'
  | 'RETRY_WAIT'
  | 'COMPLETED'
  | 'FAILED'
  | 'EXPIRED'
  | 'CANCELLED';

export const TERMINAL_STATUSES: readonly CallbackStatus[] = ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'];

export function isTerminal(status: CallbackStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** S23: cancellable until the call connects. */
export function isCancellable(status: CallbackStatus): boolean {
  return !isTerminal(status) && status !== 'CONNECTED';
}

export type AttemptOutcome =
  | 'CONNECTED'
  | 'AGENT_NO_ANSWER'
  | 'VISITOR_NO_ANSWER'
  | 'AGENT_BUSY'
  | 'VISITOR_BUSY'
  | 'FAILED'
  | 'AGENT_NOT_IDENTIFIED';

/** Everything a callback workflow needs; ids and instants only, never the phone number. */
export interface CallbackWorkflowInput {
  callbackId: string;
  projectId: string;
  mode: CallbackMode;
  /** ISO instant: the booked position (deferred) or the request time (immediate). */
  dueAt: string;
  /** S4: seconds after dueAt within which an agent must take the callback. */
  maxHandlingDelaySeconds: number;
}

export interface CallbackView {
  callbackId: string;
  status: CallbackStatus;
  dueAt: string;
  attempts: number;
}

export function callbackWorkflowId(callbackId: string): string {
  return `callback-${callbackId}`;
}
