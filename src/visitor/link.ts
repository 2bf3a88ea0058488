// #13 item 3: the visitor's signed, expiring link to their own callback. The token names the
// callback id and an expiry, signed with HMAC-SHA256 (VISITOR_LINK_SECRET); no phone number.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface VisitorLinkClaims {
  callbackId: string;
  /** Epoch seconds after which the link is refused. */
  expiresAt: number;
}

export interface VisitorLinks {
  sign(claims: VisitorLinkClaims): string;
  /** The claims when the token is well-formed, correctly signed and not expired; null otherwise. */
  verify(token: string, now: Date): VisitorLinkClaims | null;
  /** The page a visitor opens: `${publicBaseUrl}/visit/<token>`. */
  url(token: string): string;
  /** Expiry for a callback due at `dueAt`: `ttlDays` after it. */
  expiryFor(dueAt: Date): number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createVisitorLinks(options: { secret: string; publicBaseUrl: string; ttlDays: number }): VisitorLinks {
  const mac = (payload: string) => createHmac('sha256', options.secret).update(payload, 'utf8').digest('base64url');
  return {
    sign({ callbackId, expiresAt }) {
      const payload = `${callbackId}.${expiresAt.toString(36)}`;
      return `${payload}.${mac(payload)}`;
    },
    verify(token, now) {
      const parts = token.split('.');
      if (parts.length !== 3) return null;
      const [callbackId, expiry, signature] = parts as [string, string, string];
      if (!UUID.test(callbackId) || !/^[0-9a-z]{1,12}$/.test(expiry)) return null;
      const expected = Buffer.from(mac(`${callbackId}.${expiry}`));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const expiresAt = parseInt(expiry, 36);
      if (expiresAt * 1000 <= now.getTime()) return null;
      return { callbackId, expiresAt };
    },
    url: (token) => `${options.publicBaseUrl.replace(/\/+$/, '')}/visit/${token}`,
    expiryFor: (dueAt) => Math.floor(dueAt.getTime() / 1000) + options.ttlDays * 86_400,
  };
}
