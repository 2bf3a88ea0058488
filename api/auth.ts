// Per-account API keys (Authorization: Bearer), stored as sha256 hashes.
import type { Request, RequestHandler } from 'express';
import { hashApiKey, lastUsedThrottle } from '../src/auth/api-keys';
import type { Db } from '../src/infra/prisma';
import type { Logger } from '../src/logger';
import { ApiError } from './errors';

export interface AuthContext {
  accountId: string;
  apiKeyId: string;
}

export function requireApiKey(prisma: Db, logger?: Logger): RequestHandler {
  const lastUsed = lastUsedThrottle();
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1])
      return next(new ApiError('UNAUTHENTICATED', 'missing or malformed Authorization: Bearer <api key>'));
    const key = await prisma.apiKey.findUnique({ where: { hash: hashApiKey(match[1]) } });
    if (!key || key.revokedAt) return next(new ApiError('UNAUTHENTICATED', 'unknown or revoked API key'));
    if (lastUsed.due(key.id)) {
      // At most one write per key a minute; never delays nor fails the request.
      prisma.apiKey
        .update({ where: { id: key.id }, data: { lastUsedAt: new Date() } })
        .catch((err: unknown) => logger?.warn({ err, apiKeyId: key.id }, 'last_used_at not recorded'));
    }
    res.locals.auth = { accountId: key.accountId, apiKeyId: key.id } satisfies AuthContext;
    next();
  };
}

export function authOf(res: { locals: Record<string, unknown> }): AuthContext {
  const auth = res.locals.auth as AuthContext | undefined;
  if (!auth) throw new Error('route mounted without requireApiKey');
  return auth;
}

/** Tenancy: 404 when the project does not exist, 403 when another account owns it. */
export async function ownedProject(prisma: Db, res: { locals: Record<string, unknown> }, projectId: string) {
  const project = await prisma.project.findUnique({ where: { id: projectId } });
  if (!project) throw new ApiError('NOT_FOUND', `project ${projectId} not found`);
  if (project.accountId !== authOf(res).accountId) throw new ApiError('FORBIDDEN', 'project of another account');
  return project;
}

export type { Request };
