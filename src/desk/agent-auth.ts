// #13 item 4: agent tokens (issued by POST /v1/agents/{id}/tokens) resolve to one agent.
import { hashApiKey } from '../auth/api-keys';
import type { Db } from '../infra/prisma';

export const AGENT_TOKEN_COOKIE = 'desk_token';

/** The agent id a token names, when it exists, is not revoked and has not expired. */
export async function agentOfToken(prisma: Db, token: string, now: Date): Promise<string | null> {
  if (!token.startsWith('at_') || token.length > 200) return null;
  const row = await prisma.agentToken.findUnique({ where: { hash: hashApiKey(token) } });
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  return row.agentId;
}

/** The desk token from `Authorization: Bearer at_…` or the desk's HttpOnly cookie. */
export function tokenOfRequest(headers: {
  authorization?: string | undefined;
  cookie?: string | undefined;
}): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer?.[1]) return bearer[1];
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === AGENT_TOKEN_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}
