// #13 item 4: agents' own credentials for the desk. Issued and revoked with a secret key; an
// agent token acts only on its own agent (api/routes/desk.ts), never on /v1.
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../src/infra/prisma';
import { hashApiKey } from '../../src/auth/api-keys';
import { authOf } from '../auth';
import { ApiError } from '../errors';
import { registerOperation } from '../openapi/registry';
import { validate, type ValidRequest } from '../validate';

export const AGENT_TOKEN_PREFIX = 'at_';

export const issueAgentTokenSchema = z
  .strictObject({ label: z.string().trim().max(200).default('') })
  .meta({ id: 'AgentTokenRequest' });

export const agentTokenSchema = z
  .object({
    id: z.string(),
    agentId: z.string(),
    token: z.string().optional().meta({ description: 'Shown once, at issue' }),
    prefix: z.string(),
    label: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'AgentToken' });

const agentParams = z.object({ id: z.string().min(1).max(100) });
const tokenParams = agentParams.extend({ tokenId: z.string().min(1).max(100) });
const uuid = z.guid();

async function ownedAgentId(prisma: Db, res: { locals: Record<string, unknown> }, id: string): Promise<string> {
  const agent = uuid.safeParse(id).success
    ? await prisma.agent.findUnique({ where: { id }, select: { id: true, accountId: true } })
    : null;
  if (!agent) throw new ApiError('NOT_FOUND', `agent ${id} not found`);
  if (agent.accountId !== authOf(res).accountId) throw new ApiError('FORBIDDEN', 'agent of another account');
  return agent.id;
}

const issue = { params: agentParams, body: issueAgentTokenSchema };
const revoke = { params: tokenParams };

const tags = ['Agents'];
registerOperation({
  method: 'post',
  path: '/v1/agents/{id}/tokens',
  summary: "Issue an agent's desk token (#13): it signs the agent in to the desk, never to /v1",
  description:
    'Secret key only (403 FORBIDDEN for a publishable key or an agent of another account). The token is ' +
    'shown once, in this answer; it expires after the configured number of days.',
  tags,
  scope: 'secret',
  request: { params: agentParams, body: issueAgentTokenSchema, bodyRequired: false },
  responses: { 201: { description: 'Issued; `token` is shown only here', schema: agentTokenSchema } },
  errors: ['FORBIDDEN'],
});
registerOperation({
  method: 'delete',
  path: '/v1/agents/{id}/tokens/{tokenId}',
  summary: "Revoke an agent's desk token: refused from the next desk request on (idempotent)",
  tags,
  scope: 'secret',
  request: { params: tokenParams },
  responses: { 204: { description: 'Revoked (or already revoked)' } },
  errors: ['FORBIDDEN'],
});

export function createAgentTokensRouter(deps: { prisma: Db; tokenTtlDays: number }): Router {
  const { prisma } = deps;
  const router = Router();

  router.post('/agents/:id/tokens', validate(issue), async (req: ValidRequest<typeof issue>, res) => {
    const agentId = await ownedAgentId(prisma, res, req.params.id);
    const token = `${AGENT_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const row = await prisma.agentToken.create({
      data: {
        agentId,
        hash: hashApiKey(token),
        prefix: token.slice(0, 8),
        label: req.body.label,
        expiresAt: new Date(Date.now() + deps.tokenTtlDays * 86_400_000),
      },
    });
    res.status(201).json({
      id: row.id,
      agentId,
      token,
      prefix: row.prefix,
      label: row.label,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
    });
  });

  router.delete('/agents/:id/tokens/:tokenId', validate(revoke), async (req: ValidRequest<typeof revoke>, res) => {
    const agentId = await ownedAgentId(prisma, res, req.params.id);
    const tokenId = req.params.tokenId;
    if (!uuid.safeParse(tokenId).success) throw new ApiError('NOT_FOUND', `token ${tokenId} not found`);
    const revoked = await prisma.agentToken.updateMany({
      where: { id: tokenId, agentId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (revoked.count === 0) {
      const exists = await prisma.agentToken.findFirst({ where: { id: tokenId, agentId } });
      if (!exists) throw new ApiError('NOT_FOUND', `token ${tokenId} not found`);
    }
    res.status(204).end();
  });

  return router;
}
