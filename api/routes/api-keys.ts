// The account's API keys through the API (secret keys only): list, create (the key is in the
// answer once), revoke. The admin CLI (npm run admin -- keys …) does the same from a shell.
import { Router } from 'express';
import { z } from 'zod';
import { API_KEY_KINDS } from '../../src/auth/api-keys';
import { createApiKey, KeyRefused, listApiKeys, revokeApiKey } from '../../src/auth/key-store';
import type { Db } from '../../src/infra/prisma';
import { apiKeysChanged, authOf } from '../auth';
import { ApiError } from '../errors';
import { registerOperation } from '../openapi/registry';
import { plainText, projectIdSchema, validate, type ValidRequest } from '../validate';

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(API_KEY_KINDS),
    projectId: z.string().optional().meta({ description: 'Publishable keys: their project' }),
    scopes: z.array(z.string()).meta({
      description:
        'What the key may do: `*` (a secret key: every route of its account) or, for a publishable key, ' +
        '`availability:read` and `callbacks:book`',
    }),
    prefix: z.string().meta({ description: "The key's first characters, to recognise it" }),
    createdAt: z.string(),
    lastUsedAt: z.string().optional().meta({ description: 'Recorded at most once a minute' }),
    revokedAt: z.string().optional(),
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: 'The key itself: shown this once, stored only hashed' }) })
  .meta({ id: 'CreatedApiKey' });

const keyName = plainText(0, 200).trim().min(1).meta({ description: 'A label to recognise the key by' });
export const createApiKeySchema = z
  .union([
    z.strictObject({ name: keyName, kind: z.literal('secret').default('secret') }),
    z.strictObject({
      name: keyName,
      kind: z.literal('publishable'),
      projectId: projectIdSchema.meta({ description: 'The one project the key serves' }),
    }),
  ])
  .meta({ id: 'ApiKeyCreate', description: 'A secret key (the whole account) or a publishable key of one project' });

const listQuery = z.object({
  includeRevoked: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
const keyParams = z.object({ id: z.string().min(1).max(100) });

/**
 * The same body checked field by field first: the union alone answers `{ path: "", message:
 * "Invalid input" }` for a missing or wrong `kind` or a publishable key without `projectId`
 * (black-box API-client check). The OpenAPI document keeps the union.
 */
const createApiKeyBody = z
  .strictObject({
    name: keyName,
    kind: z.enum(API_KEY_KINDS, { error: 'must be "secret" or "publishable"' }).default('secret'),
    projectId: projectIdSchema.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'publishable' && body.projectId === undefined)
      ctx.addIssue({ code: 'custom', path: ['projectId'], message: 'is required for a publishable key' });
    if (body.kind === 'secret' && body.projectId !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['projectId'],
        message: 'only a publishable key has a project (a secret key serves the whole account)',
      });
  })
  // The checks above are the union's: what passes them is one of its two shapes.
  .transform((body) => body as z.output<typeof createApiKeySchema>);

const list = { query: listQuery };
const create = { body: createApiKeyBody };
const revoke = { params: keyParams };

const tags = ['API keys'];
registerOperation({
  method: 'get',
  path: '/v1/api-keys',
  summary: "The account's keys (never the keys themselves)",
  tags,
  scope: 'secret',
  request: { query: listQuery },
  responses: { 200: { description: 'Keys', schema: z.object({ items: z.array(apiKeySchema) }) } },
  errors: ['FORBIDDEN'],
});
registerOperation({
  method: 'post',
  path: '/v1/api-keys',
  summary: 'Create a secret key, or a publishable key of one project',
  tags,
  scope: 'secret',
  request: { body: createApiKeySchema },
  responses: { 201: { description: 'Created; `key` is shown only here', schema: createdApiKeySchema } },
  errors: ['FORBIDDEN', 'NOT_FOUND'],
});
registerOperation({
  method: 'post',
  path: '/v1/api-keys/{id}/revoke',
  summary: 'Revoke a key: refused from the next request on',
  tags,
  scope: 'secret',
  request: { params: keyParams },
  description: 'A key cannot revoke itself (409 INVALID_STATE): use another secret key or the admin CLI.',
  responses: { 200: { description: 'Revoked', schema: apiKeySchema } },
  errors: ['FORBIDDEN', 'INVALID_STATE'],
});

export function createApiKeysRouter({ prisma }: { prisma: Db }): Router {
  const router = Router();

  /** Only a secret key manages keys. */
  async function secretKeyAccount(res: Parameters<typeof authOf>[0]): Promise<string> {
    const { accountId, apiKeyId } = authOf(res);
    const caller = await prisma.apiKey.findUnique({ where: { id: apiKeyId }, select: { kind: true } });
    if (caller?.kind !== 'secret') throw new ApiError('FORBIDDEN', 'keys are managed with a secret key');
    return accountId;
  }

  router.get('/api-keys', validate(list), async (req: ValidRequest<typeof list>, res) => {
    const accountId = await secretKeyAccount(res);
    res.json({ items: await listApiKeys(prisma, accountId, { includeRevoked: req.query.includeRevoked ?? false }) });
  });

  router.post('/api-keys', validate(create), async (req: ValidRequest<typeof create>, res) => {
    const accountId = await secretKeyAccount(res);
    try {
      res.status(201).json(await createApiKey(prisma, { accountId, ...req.body }));
    } catch (err) {
      if (!(err instanceof KeyRefused)) throw err;
      if (err.reason === 'PROJECT_NOT_FOUND') throw new ApiError('NOT_FOUND', err.message);
      if (err.reason === 'PROJECT_OF_ANOTHER_ACCOUNT') throw new ApiError('FORBIDDEN', err.message);
      throw new ApiError('VALIDATION_FAILED', 'the request is not valid', [
        { path: 'projectId', message: err.message },
      ]);
    }
  });

  router.post('/api-keys/:id/revoke', validate(revoke), async (req: ValidRequest<typeof revoke>, res) => {
    const accountId = await secretKeyAccount(res);
    const id = req.params.id;
    if (id === authOf(res).apiKeyId)
      throw new ApiError('INVALID_STATE', 'a key cannot revoke itself: use another secret key or the admin CLI');
    const revoked = z.guid().safeParse(id).success ? await revokeApiKey(prisma, accountId, id) : null;
    if (!revoked) throw new ApiError('NOT_FOUND', `API key ${id} not found`);
    apiKeysChanged();
    res.json(revoked);
  });

  return router;
}
