// API keys: generated here, shown once, stored as sha256 hashes (never in clear). A leaf
// module (node:crypto only) so the seed, scripts, the admin CLI, the API and tests share it.
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_KINDS = ['secret', 'publishable'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

/**
 * What a key of each kind may do (API.md "Keys": each key has a name, scopes and revocation).
 * A secret key: every route of its account (`*`); a publishable key, for its one project and
 * from the project's allowed web origins: read availability (and the widget's config) and book.
 */
export const API_KEY_SCOPES: Record<ApiKeyKind, readonly string[]> = {
  secret: ['*'],
  publishable: ['availability:read', 'callbacks:book'],
};

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Characters of a key shown in listings (the kind's tag plus a few random ones). */
export const KEY_PREFIX_LENGTH = 12;

/** A new key: `sk_…` (secret) or `pk_…` (publishable), 32 random bytes in base64url. */
export function generateApiKey(kind: ApiKeyKind): { key: string; hash: string; prefix: string } {
  const key = `${kind === 'secret' ? 'sk' : 'pk'}_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, KEY_PREFIX_LENGTH) };
}

/**
 * `last_used_at` without a write per request: at most one write per key per interval
 * (default a minute) per process. `touch` answers whether a write is due now.
 */
export function lastUsedThrottle(intervalMs = 60_000, now: () => number = Date.now) {
  const written = new Map<string, number>();
  return {
    due(keyId: string): boolean {
      const t = now();
      const last = written.get(keyId);
      if (last !== undefined && t - last < intervalMs) return false;
      written.set(keyId, t);
      if (written.size > 10_000) {
        for (const [id, at] of written) if (t - at >= intervalMs) written.delete(id);
      }
      return true;
    },
  };
}
