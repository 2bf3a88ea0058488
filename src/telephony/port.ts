// The telephony port (DESIGN "Activities"): one interface, two adapters — Twilio (S56)
// and the simulated network (S57), in activities/telephony/ — whose status events both
// arrive as LegEvents. A leaf module: it imports nothing of the project (#12).
import type { Logger } from 'pino';
import type { Language } from './prompts';

/** The two calls of an attempt (S30). Defined once: workflows import this type. */
export type Leg = 'agent' | 'visitor';

/**
 * S42: how a leg that calls the customer's ACD behaves: wait out its welcome message, then
 * gather the agent's identifier by DTMF, `identificationAttempts` tries. One shape for the
 * dial plan, the dial activity's input and the dial request.
 */
export interface AcdDial {
  welcomeMessageSeconds: number;
  identificationAttempts: number;
}

export interface DialRequest {
  /** Idempotency key of this leg: legKeyOf(callbackId, attempt, leg) (no PII). */
  key: string;
  callbackId: string;
  attempt: number;
  leg: Leg;
  /** E.164, or `client:agent-<id>` for desk (browser) agents. */
  to: string;
  /** Caller id (E.164). */
  from: string;
  /** Conference room name, e.g. `cb-<callbackId>-<attempt>`. */
  conference: string;
  ringTimeoutSeconds: number;
  /** S30/S31: false for the first party (hears hold music), true for the second. */
  startConferenceOnEnter: boolean;
  /** S31: wait URL for the first party; it serves looped hold music. */
  holdMusicUrl?: string;
  /** S32: answering machine detection on the visitor leg; voicemail counts as answered. */
  detectMachine: boolean;
  /** S50/S51: record the conference. */
  record: boolean;
  /** S42: the leg calls the customer's ACD and gathers the agent's identifier before joining. */
  acd?: AcdDial;
  /** #14.7: the project's language, for anything said on this leg (the ACD prompts); default fr. */
  language?: Language;
}

export type LegStatus =
  'initiated' | 'ringing' | 'answered' | 'no-answer' | 'busy' | 'failed' | 'completed' | 'canceled';

export type AnsweredBy = 'human' | 'machine' | 'unknown';

export interface LegEvent {
  key: string;
  callSid: string;
  status: LegStatus;
  answeredBy?: AnsweredBy;
  /** Increases per call; the workflow dedupes and orders on it. */
  sequence: number;
  /** ISO 8601. */
  at: string;
  durationSeconds?: number;
}

export interface TelephonyPort {
  placeCall(req: DialRequest): Promise<{ callSid: string }>;
  hangup(callSid: string): Promise<void>;
  /**
   * #11.5: the call's real status as the provider knows it now (a status event may have
   * been lost); null when the provider does not know the call.
   */
  getCallStatus(callSid: string): Promise<LegStatus | null>;
}

/** What an adapter logs through. */
export type TelephonyLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * #13: the desk page's simulated softphone (src/desk/simulated-softphone.ts), as the
 * simulated network sees it. `ring` resolves when the agent answers or declines on it, or
 * null at once when no desk of that agent is open (the leg then answers by itself).
 */
export interface SimulatedDeskPhone {
  /**
   * 'unanswered': the ring timeout passed with no click (the network's own ring timeout ends
   * the call no-answer); null: no open desk, the network answers by itself.
   */
  ring(req: DialRequest, callSid: string): Promise<'answered' | 'declined' | 'unanswered' | null>;
  ended(callSid: string): void;
}

/** S42: the DTMF an ACD agent keyed in, as the identification webhook received it. */
export interface AcdDigits {
  key: string;
  tryNumber: number;
  /** Absent when the gather timed out with nothing keyed in. */
  digits?: string;
  /** The ACD leg was dialled first (it waits with hold music) / the conference is recorded. */
  first: boolean;
  record: boolean;
}

/** Thrown by a LegEvent consumer for a call it does not know: the webhook ignores it safely. */
export class UnknownCallError extends Error {
  constructor(message = 'unknown call') {
    super(message);
    this.name = 'UnknownCallError';
  }
}

/** The dial request's status can never succeed (Twilio 4xx, e.g. 21211 invalid number): do not retry. */
export class PermanentDialError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly twilioCode?: number,
  ) {
    super(message);
    // Temporal matches nonRetryableErrorTypes on the error's name.
    this.name = 'PermanentDialError';
  }
}
