import { createHash } from 'node:crypto';

export interface RecordingInput {
  enabled: boolean;
  ratio: number;
  optOut: boolean;
  callbackId: string;
}

/** The callback id hashed to a uniform number in [0, 1): same id, same draw, on any process. */
export function recordingDraw(callbackId: string): number {
  const top53Bits = createHash('sha256').update(callbackId, 'utf8').digest().readBigUInt64BE(0) >> 11n;
  return Number(top53Bits) / 2 ** 53;
}

/**
 * S50: sampled once per callback, reproducibly, from its id (not Math.random, so a retried
 * activity or a replay decides the same). S51: the visitor's opt-out always wins.
 */
export function decideRecording({ enabled, ratio, optOut, callbackId }: RecordingInput): boolean {
  if (!enabled || optOut) return false;
  return recordingDraw(callbackId) < ratio;
}
