// #11.6: signal payloads checked by hand in workflow-safe code (no I/O, no clock). A signal
// cannot be rejected, so its handler drops a malformed payload (and logs it) instead of
// throwing, which would fail the workflow task again and again.
import type { LegEvent, LegStatus } from '../src/telephony/port';
import type { AcdIdentification } from './types';

const LEG_STATUSES: readonly LegStatus[] = [
  'initiated',
  'ringing',
  'answered',
  'no-answer',
  'busy',
  'failed',
  'completed',
  'canceled',
];
const ANSWERED_BY = ['human', 'machine', 'unknown'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, max = 200): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e9;

/** The event when it has the shape the webhook sends, else null. */
export function checkLegEvent(raw: unknown): LegEvent | null {
  if (!isObject(raw)) return null;
  const { key, callSid, status, sequence, at, answeredBy, durationSeconds } = raw;
  if (!isText(key) || !isText(callSid) || !isCount(sequence) || !isText(at, 40)) return null;
  if (typeof status !== 'string' || !(LEG_STATUSES as readonly string[]).includes(status)) return null;
  if (answeredBy !== undefined && (typeof answeredBy !== 'string' || !ANSWERED_BY.includes(answeredBy))) return null;
  if (durationSeconds !== undefined && !isCount(durationSeconds)) return null;
  return raw as unknown as LegEvent;
}

export function checkAcdIdentification(raw: unknown): AcdIdentification | null {
  if (!isObject(raw) || !isText(raw['key'])) return null;
  const agentId = raw['agentId'];
  if (agentId !== null && !isText(agentId, 100)) return null;
  return { key: raw['key'], agentId };
}

/** The accepting agent's id, or null when malformed. */
export function checkAgentAccepted(raw: unknown): string | null {
  return isObject(raw) && isText(raw['agentId'], 100) ? raw['agentId'] : null;
}
