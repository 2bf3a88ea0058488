// API keys of an account: created (the key returned once, only its hash stored), listed and
// revoked. Shared by the admin CLI (scripts/admin.ts) and the secret-key routes
// (api/routes/api-keys.ts). A revoked key is refused by the next request: the API looks
// every key up by hash, with nothing cached.
import type { ApiKey } from '../../generated/prisma/client';
import type { Db } from '../infra/prisma';
import { API_KEY_SCOPES, generateApiKey, type ApiKeyKind } from './api-keys';

export interface ApiKeyView {
  id: string;
  name: string;
  kind: ApiKeyKind;
  scopes: string[];
  projectId?: string;
  prefix: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export function apiKeyView(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    name: row.label,
    kind: row.kind === 'publishable' ? 'publishable' : 'secret',
    ...(row.projectId ? { projectId: row.projectId } : {}),
    scopes: [...API_KEY_SCOPES[row.kind === 'publishable' ? 'publishable' : 'secret']],
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    ...(row.lastUsedAt ? { lastUsedAt: row.lastUsedAt.toISOString() } : {}),
    ...(row.revokedAt ? { revokedAt: row.revokedAt.toISOString() } : {}),
  };
}

export class KeyRefused extends Error {
  constructor(
    readonly reason: 'PROJECT_REQUIRED' | 'PROJECT_NOT_ALLOWED' | 'PROJECT_NOT_FOUND' | 'PROJECT_OF_ANOTHER_ACCOUNT',
    message: string,
  ) {
    super(message);
    this.name = 'KeyRefused';
  }
}

/** A new key; `key` is the only time the secret is seen. */
export async function createApiKey(
  prisma: Db,
  input: { accountId: string; name: string; kind: ApiKeyKind; projectId?: string | undefined },
): Promise<ApiKeyView & { key: string }> {
  if (input.kind === 'publishable' && !input.projectId)
    throw new KeyRefused('PROJECT_REQUIRED', 'a publishable key belongs to one project: give its projectId');
  if (input.kind === 'secret' && input.projectId)
    throw new KeyRefused('PROJECT_NOT_ALLOWED', 'a secret key covers the whole account: leave projectId out');
  if (input.projectId) {
    const project = await prisma.project.findUnique({ where: { id: input.projectId } });
    if (!project) throw new KeyRefused('PROJECT_NOT_FOUND', `project ${input.projectId} not found`);
    if (project.accountId !== input.accountId)
      throw new KeyRefused('PROJECT_OF_ANOTHER_ACCOUNT', 'project of another account');
  }
  const { key, hash, prefix } = generateApiKey(input.kind);
  const row = await prisma.apiKey.create({
    data: {
      accountId: input.accountId,
      hash,
      label: input.name,
      kind: input.kind,
      prefix,
      ...(input.projectId ? { projectId: input.projectId } : {}),
    },
  });
  return { ...apiKeyView(row), key };
}

export async function listApiKeys(
  prisma: Db,
  accountId: string,
  options: { includeRevoked?: boolean } = {},
): Promise<ApiKeyView[]> {
  const rows = await prisma.apiKey.findMany({
    where: { accountId, ...(options.includeRevoked ? {} : { revokedAt: null }) },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(apiKeyView);
}

/** Revokes the key (idempotent: a revoked key keeps its first revocation time). null: no such key. */
export async function revokeApiKey(prisma: Db, accountId: string, keyId: string): Promise<ApiKeyView | null> {
  const row = await prisma.apiKey.findUnique({ where: { id: keyId } });
  if (!row || row.accountId !== accountId) return null;
  if (row.revokedAt) return apiKeyView(row);
  return apiKeyView(await prisma.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } }));
}
