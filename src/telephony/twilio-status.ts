// Twilio's call status callback form (S56, S58) <-> LegEvent. The simulated network (S57)
// posts the same form, so both adapters' events take one path through the webhook.
import type { AnsweredBy, LegEvent, LegStatus } from './port';

/**
 * Status callback events we ask for: only those the service acts on (#15). Twilio reports
 * no-answer/busy/failed/canceled as the `completed` event; `initiated` and `ringing` would be
 * acknowledged and dropped (src/callbacks/leg-events.ts), two webhook requests per leg for
 * nothing. The simulated network leaves them out the same way (its `progressEvents`).
 */
export const STATUS_CALLBACK_EVENTS = ['answered', 'completed'];

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

const TWILIO_ANSWERED_BY: Readonly<Record<AnsweredBy, string>> = {
  human: 'human',
  machine: 'machine_start',
  unknown: 'unknown',
};

/** A LegEvent as the form Twilio posts to a status callback (no phone numbers needed). */
export function twilioStatusForm(event: LegEvent): Record<string, string> {
  const form: Record<string, string> = {
    CallSid: event.callSid,
    CallStatus: toTwilioCallStatus(event.status),
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(event.sequence),
    // Twilio's format: RFC 2822, e.g. "Mon, 16 Aug 2010 03:45:01 +0000".
    Timestamp: new Date(event.at).toUTCString().replace('GMT', '+0000'),
  };
  if (event.answeredBy) form['AnsweredBy'] = TWILIO_ANSWERED_BY[event.answeredBy];
  if (event.durationSeconds !== undefined) form['CallDuration'] = String(event.durationSeconds);
  return form;
}
