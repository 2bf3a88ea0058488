// #10.8: agents' phone numbers never reach workflow histories in clear. The agent workflow
// only compares and carries them, so it holds them sealed: AES-256-GCM with an IV derived
// from the number (HMAC), so one number always seals to the same text and the workflow's
// "same number?" checks keep working. Sealed at the workflow's door (agent-store, the
// agent client), opened by activities and by the client for the API's answers.
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';

const PREFIX = 'sealed:v1:';

let sealingKey: Buffer | null = null;

/**
 * The key, given once by each composition root (api/main.ts, workers/main.ts, the test
 * setup) from the parsed config's `phoneSealingKey`: PHONE_SEALING_KEY (32+ characters,
 * the same for the API and the worker), or the development key, which src/config.ts
 * refuses in production.
 */
export function setPhoneSealingKey(secret: string): void {
  sealingKey = createHash('sha256').update(secret).digest();
}

function key(): Buffer {
  if (!sealingKey) {
    throw new Error(
      "phone sealing key not set: the process's composition root calls setPhoneSealingKey(config.phoneSealingKey)",
    );
  }
  return sealingKey;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The number sealed (idempotent: a sealed value stays as it is). */
export function sealPhone(number: string): string;
export function sealPhone(number: string | null): string | null;
export function sealPhone(number: string | null): string | null {
  if (number === null || isSealed(number)) return number;
  const k = key();
  const iv = createHmac('sha256', k).update(number).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  const body = Buffer.concat([cipher.update(number, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The number in clear; a value that was never sealed (histories from before) is returned as is. */
export function openPhone(value: string): string;
export function openPhone(value: string | null): string | null;
export function openPhone(value: string | null): string | null {
  if (value === null || !isSealed(value)) return value;
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
