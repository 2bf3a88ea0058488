// Agent presence rules (S41, S43–S46), pure: every function takes the current presence, the
// agent's settings and `now` (epoch ms) and returns the next presence or a refusal. The agent
// workflow applies them; tests read them as tables. No clock, no I/O: workflows import this.

/** S44 */
export type PresenceState = 'LOGGED_OUT' | 'AVAILABLE' | 'UNAVAILABLE' | 'RESERVED' | 'ON_CALL' | 'WRAP_UP';
export const PRESENCE_STATES: readonly PresenceState[] = [
  'LOGGED_OUT',
  'AVAILABLE',
  'UNAVAILABLE',
  'RESERVED',
  'ON_CALL',
  'WRAP_UP',
];

export type AgentKind = 'EMPLOYEE' | 'EXPERT';
export type AnswerMode = 'DESK' | 'PHONE';

/** What the agent's settings say about calls (S43, S45), as the workflow holds them. */
export interface AgentSettings {
  callEnabled: boolean;
  allowChatAndCall: boolean;
  askNumberAtLogin: boolean;
  /** Effective auto-answer: account switch, agent setting and kind default applied (S45). */
  autoAnswer: boolean;
  autoAnswerDelaySeconds: number;
  answerMode: AnswerMode;
  /** E.164; the agent's own number for PHONE answering (a login number overrides it). */
  phoneNumber: string | null;
}

/** The call an agent is reserved for or on (RESERVED, ON_CALL). */
export interface CallHold {
  callbackId: string;
  /** Fixed at reservation: the callback workflow was told so, and the wrap-up follows it (S45). */
  autoAnswer: boolean;
  wrapUpSeconds: number;
  /** Auto-answer off: the agent accepted this call. */
  accepted: boolean;
}

/** Plain JSON (it crosses continue-as-new): instants are ISO strings. */
export interface Presence {
  state: PresenceState;
  /** When the current state began. */
  since: string;
  call: CallHold | null;
  inChat: boolean;
  loginNumber: string | null;
  lastCallEndedAt: string | null;
  /** WRAP_UP: when the auto-answer pause ends; null = until the agent sets AVAILABLE (S45). */
  wrapUpUntil: string | null;
  /** Set UNAVAILABLE while reserved or on a call: the call ends into UNAVAILABLE (S44). */
  unavailableAfterCall: boolean;
}

export type RefusalReason =
  /** S43: the agent must give a number at each login. */
  | 'NUMBER_REQUIRED'
  /** The transition does not exist from the current state. */
  | 'INVALID_STATE'
  /** S46: on a call and may not mix: the chat side is told the agent is busy. */
  | 'BUSY_ON_CALL';

export type Transition = { ok: true; presence: Presence } | { ok: false; reason: RefusalReason; message: string };

/** Why a reservation was refused (S41, S46); the caller tries another agent. */
export type ReserveRefusal = 'LOGGED_OUT' | 'NOT_AVAILABLE' | 'BUSY' | 'CALL_DISABLED' | 'IN_CHAT' | 'NO_NUMBER';

/** Where the call rings (S43): the Twilio Client identity of the desk, or a phone number. */
export type AnswerTarget = { mode: 'DESK'; identity: string } | { mode: 'PHONE'; number: string };

export const DEFAULT_AUTO_ANSWER_DELAY_SECONDS = 20;

const iso = (ms: number) => new Date(ms).toISOString();
const ok = (presence: Presence): Transition => ({ ok: true, presence });
const refuse = (reason: RefusalReason, message: string): Transition => ({ ok: false, reason, message });

export function loggedOut(nowMs: number): Presence {
  return {
    state: 'LOGGED_OUT',
    since: iso(nowMs),
    call: null,
    inChat: false,
    loginNumber: null,
    lastCallEndedAt: null,
    wrapUpUntil: null,
    unavailableAfterCall: false,
  };
}

/** A new state starts now; same-state changes keep `since` (it dates the state, S41 idle order). */
function enter(p: Presence, state: PresenceState, nowMs: number, patch: Partial<Presence> = {}): Presence {
  return { ...p, ...patch, state, since: p.state === state ? p.since : iso(nowMs) };
}

const onACall = (p: Presence) => p.state === 'RESERVED' || p.state === 'ON_CALL';

/** S45: account switch off → off; else the agent's setting; unset → on for employees, off for experts. */
export function effectiveAutoAnswer(input: {
  accountEnabled: boolean;
  agentSetting: boolean | null;
  kind: AgentKind;
}): boolean {
  if (!input.accountEnabled) return false;
  if (input.agentSetting !== null) return input.agentSetting;
  return input.kind === 'EMPLOYEE';
}

/** S41/S46: call-enabled, AVAILABLE, and not in a chat unless the agent may mix. */
export function isEligibleForCall(
  p: Pick<Presence, 'state' | 'inChat'>,
  settings: Pick<AgentSettings, 'callEnabled' | 'allowChatAndCall'>,
): boolean {
  return settings.callEnabled && p.state === 'AVAILABLE' && (!p.inChat || settings.allowChatAndCall);
}

/** S46: reserved for or on a call and may not mix: the chat side must skip this agent. */
export function busyForChat(p: Pick<Presence, 'state'>, settings: Pick<AgentSettings, 'allowChatAndCall'>): boolean {
  return (p.state === 'RESERVED' || p.state === 'ON_CALL') && !settings.allowChatAndCall;
}

/** S43: desk → `client:agent-<id>`; phone → the login number, else the agent's own; null: no number. */
export function answerTargetOf(
  agentId: string,
  settings: Pick<AgentSettings, 'answerMode' | 'phoneNumber'>,
  loginNumber: string | null,
): AnswerTarget | null {
  if (settings.answerMode === 'DESK') return { mode: 'DESK', identity: `client:agent-${agentId}` };
  const number = loginNumber ?? settings.phoneNumber;
  return number ? { mode: 'PHONE', number } : null;
}

/**
 * S43: logs in as AVAILABLE, with a number when the agent is asked for one. Logging in again
 * keeps the state and may change the number, except during a call (it is being dialled).
 */
export function login(
  p: Presence,
  input: { phoneNumber: string | null },
  settings: AgentSettings,
  nowMs: number,
): Transition {
  if (settings.askNumberAtLogin && !input.phoneNumber)
    return refuse('NUMBER_REQUIRED', 'this agent must give a phone number at login');
  if (p.state === 'LOGGED_OUT') {
    return ok(
      enter(p, 'AVAILABLE', nowMs, { loginNumber: input.phoneNumber, inChat: false, unavailableAfterCall: false }),
    );
  }
  if (input.phoneNumber === null || input.phoneNumber === p.loginNumber) return ok(p);
  if (onACall(p)) return refuse('INVALID_STATE', `cannot change the login number while ${p.state}`);
  return ok({ ...p, loginNumber: input.phoneNumber });
}

/** Not while a call is reserved or running: the caller would lose the agent mid-call. */
export function logout(p: Presence, nowMs: number): Transition {
  if (p.state === 'LOGGED_OUT') return ok(p);
  if (onACall(p)) return refuse('INVALID_STATE', `cannot log out while ${p.state}`);
  return ok(
    enter(p, 'LOGGED_OUT', nowMs, { loginNumber: null, inChat: false, wrapUpUntil: null, unavailableAfterCall: false }),
  );
}

/**
 * S44: UNAVAILABLE at any time stops calls: at once when idle or in wrap-up (which holds the
 * agent out, S45), after the call when reserved or on one. AVAILABLE ends a wrap-up (the way
 * back with auto-answer off) or cancels a pending UNAVAILABLE.
 */
export function setStatus(p: Presence, status: 'AVAILABLE' | 'UNAVAILABLE', nowMs: number): Transition {
  switch (p.state) {
    case 'LOGGED_OUT':
      return refuse('INVALID_STATE', 'log in first');
    case 'RESERVED':
    case 'ON_CALL': {
      const unavailableAfterCall = status === 'UNAVAILABLE';
      return ok(p.unavailableAfterCall === unavailableAfterCall ? p : { ...p, unavailableAfterCall });
    }
    default:
      if (p.state === status) return ok(p);
      return ok(enter(p, status, nowMs, { wrapUpUntil: null }));
  }
}

/**
 * S41: only an AVAILABLE, eligible agent is reserved: one call at a time. The same callback
 * asking again gets its reservation back (a retried activity).
 */
export function reserve(
  p: Presence,
  input: { callbackId: string; wrapUpSeconds?: number },
  agentId: string,
  settings: AgentSettings,
  nowMs: number,
): { ok: true; presence: Presence; target: AnswerTarget } | { ok: false; reason: ReserveRefusal } {
  if (p.call?.callbackId === input.callbackId && onACall(p)) {
    const target = answerTargetOf(agentId, settings, p.loginNumber);
    if (target) return { ok: true, presence: p, target };
  }
  const refusal = reserveRefusal(p, settings);
  if (refusal) return { ok: false, reason: refusal };
  const target = answerTargetOf(agentId, settings, p.loginNumber);
  if (!target) return { ok: false, reason: 'NO_NUMBER' };
  const call: CallHold = {
    callbackId: input.callbackId,
    autoAnswer: settings.autoAnswer,
    wrapUpSeconds: input.wrapUpSeconds ?? settings.autoAnswerDelaySeconds,
    accepted: false,
  };
  return {
    ok: true,
    presence: enter(p, 'RESERVED', nowMs, { call, wrapUpUntil: null, unavailableAfterCall: false }),
    target,
  };
}

/** Why this agent cannot take a call now, or null when eligible (S41, S46). */
export function reserveRefusal(p: Presence, settings: AgentSettings): ReserveRefusal | null {
  if (p.state === 'LOGGED_OUT') return 'LOGGED_OUT';
  if (onACall(p)) return 'BUSY';
  if (p.state !== 'AVAILABLE') return 'NOT_AVAILABLE';
  if (!settings.callEnabled) return 'CALL_DISABLED';
  if (p.inChat && !settings.allowChatAndCall) return 'IN_CHAT';
  return null;
}

/** S45, auto-answer off: the agent accepts the call it is reserved for. */
export function acceptCall(p: Presence, callbackId: string): Transition {
  if (!onACall(p) || p.call?.callbackId !== callbackId)
    return refuse('INVALID_STATE', `not reserved for callback ${callbackId}`);
  if (p.call.accepted || p.state === 'ON_CALL') return ok(p);
  return ok({ ...p, call: { ...p.call, accepted: true } });
}

/** Both parties bridged: RESERVED → ON_CALL for that callback (again: no change). */
export function callStarted(p: Presence, callbackId: string, nowMs: number): Transition {
  if (p.call?.callbackId !== callbackId || !onACall(p))
    return refuse('INVALID_STATE', `not reserved for callback ${callbackId}`);
  return ok(p.state === 'ON_CALL' ? p : enter(p, 'ON_CALL', nowMs));
}

/**
 * The callback gives the agent back. After a talk: WRAP_UP, timed when auto-answer was on
 * (S45), else until the agent sets AVAILABLE; UNAVAILABLE if they asked for it during the call.
 * Without a talk (no answer, cancel): straight back to AVAILABLE. Another callback's (late)
 * release changes nothing.
 */
export function callEnded(p: Presence, input: { callbackId: string; talked: boolean }, nowMs: number): Transition {
  if (p.call?.callbackId !== input.callbackId || !onACall(p)) return ok(p);
  const call = p.call;
  const cleared = {
    call: null,
    wrapUpUntil: null,
    unavailableAfterCall: false,
    ...(input.talked ? { lastCallEndedAt: iso(nowMs) } : {}),
  };
  if (p.unavailableAfterCall) return ok(enter(p, 'UNAVAILABLE', nowMs, cleared));
  if (!input.talked) return ok(enter(p, 'AVAILABLE', nowMs, cleared));
  return ok(
    enter(p, 'WRAP_UP', nowMs, {
      ...cleared,
      wrapUpUntil: call.autoAnswer ? iso(nowMs + call.wrapUpSeconds * 1000) : null,
    }),
  );
}

/**
 * S45: the auto-answer pause is over: AVAILABLE again, since the deadline itself (a timer fires
 * a beat late; idle order counts from the real end). Held out or untimed wrap-ups stay.
 */
export function wrapUpElapsed(p: Presence, nowMs: number): Transition {
  if (p.state !== 'WRAP_UP' || p.wrapUpUntil === null || Date.parse(p.wrapUpUntil) > nowMs) return ok(p);
  return ok({ ...p, state: 'AVAILABLE', since: p.wrapUpUntil, wrapUpUntil: null });
}

/** S46: a chat starts; refused while on a call for an agent who may not mix (told busy). */
export function chatStarted(p: Presence, settings: Pick<AgentSettings, 'allowChatAndCall'>): Transition {
  if (p.state === 'LOGGED_OUT') return refuse('INVALID_STATE', 'log in first');
  if (busyForChat(p, settings))
    return refuse('BUSY_ON_CALL', 'the agent is on a call and does not take chats meanwhile');
  return ok(p.inChat ? p : { ...p, inChat: true });
}

export function chatEnded(p: Presence): Transition {
  return ok(p.inChat ? { ...p, inChat: false } : p);
}

/** The instant a timed wrap-up ends, in epoch ms, or null. */
export function wrapUpDeadlineMs(p: Presence): number | null {
  return p.state === 'WRAP_UP' && p.wrapUpUntil !== null ? Date.parse(p.wrapUpUntil) : null;
}
