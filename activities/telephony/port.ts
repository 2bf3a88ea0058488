// The telephony port (DESIGN "Activities"): one interface, two adapters — Twilio (S56)
// and the simulated network (S57) — whose status events both arrive as LegEvents.

export type Leg = 'agent' | 'visitor';

export interface DialRequest {
  /** Idempotency key of this leg: `${callbackId}:${attempt}:${leg}` (no PII). */
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
  /**
   * S42: the leg calls the customer's ACD: wait out its welcome message, then gather the
   * agent's identifier by DTMF (`identificationAttempts` tries) before joining the conference.
   */
  acd?: { welcomeMessageSeconds: number; identificationAttempts: number };
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

export function legKey(callbackId: string, attempt: number, leg: Leg): string {
  return `${callbackId}:${attempt}:${leg}`;
}

/** A Twilio call status (`CallStatus`, a call resource's `status`) as a LegStatus; null when unknown. */
export function fromTwilioCallStatus(status: string | undefined): LegStatus | null {
  return TWILIO_STATUS[status ?? ''] ?? null;
}

const TWILIO_STATUS: Readonly<Record<string, LegStatus>> = {
  queued: 'initiated',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'answered',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  canceled: 'canceled',
};

/** Twilio's SequenceNumber follows this order; used only when a callback lacks it. */
const STATUS_RANK: Readonly<Record<LegStatus, number>> = {
  initiated: 0,
  ringing: 1,
  answered: 2,
  completed: 3,
  'no-answer': 3,
  busy: 3,
  failed: 3,
  canceled: 3,
};

/** S32: any machine (voicemail, fax) counts as answered; Twilio's AMD values collapse to three. */
export function mapAnsweredBy(value: string | undefined): AnsweredBy | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'human') return 'human';
  if (value === 'unknown') return 'unknown';
  if (value.startsWith('machine') || value === 'fax') return 'machine';
  return 'unknown';
}

const NON_NEGATIVE_INT = /^\d{1,9}$/;

/**
 * A Twilio call status callback as a LegEvent, or null when it is not one we understand.
 * `key` comes from the callback URL's query (the form does not carry it); `receivedAt`
 * stands in for a missing `Timestamp`.
 */
export function mapTwilioStatus(
  form: Record<string, string | undefined>,
  options: { key?: string; receivedAt?: Date } = {},
): LegEvent | null {
  const key = options.key ?? form['key'];
  const callSid = form['CallSid'];
  const status = TWILIO_STATUS[form['CallStatus'] ?? ''];
  if (!key || !callSid || !status) return null;

  const rawSequence = form['SequenceNumber'];
  let sequence: number;
  if (rawSequence === undefined || rawSequence === '') sequence = STATUS_RANK[status];
  else if (NON_NEGATIVE_INT.test(rawSequence)) sequence = Number(rawSequence);
  else return null;

  // Twilio sends RFC 2822 dates ("Mon, 16 Aug 2010 03:45:01 +0000").
  const rawTimestamp = form['Timestamp'];
  const at = rawTimestamp ? new Date(rawTimestamp) : options.receivedAt;
  if (!at || Number.isNaN(at.getTime())) return null;

  const event: LegEvent = { key, callSid, status, sequence, at: at.toISOString() };
  const answeredBy = mapAnsweredBy(form['AnsweredBy']);
  if (answeredBy) event.answeredBy = answeredBy;
  const duration = form['CallDuration'];
  if (duration !== undefined && NON_NEGATIVE_INT.test(duration)) event.durationSeconds = Number(duration);
  return event;
}

/** The reverse of mapTwilioStatus's status mapping, for events shaped like Twilio's (S57). */
export function toTwilioCallStatus(status: LegStatus): string {
  return status === 'answered' ? 'in-progress' : status;
}
