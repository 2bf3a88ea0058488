// API.md "Agents" (S41–S46) and the account's auto-answer switch (S45). Agent settings live in
// the database; presence changes go through the agent's workflow (its updates answer at once)
// and are read back from the agent_presence read model. Every route checks the API key's
// account owns the agent and each project it names. Schemas in ./schemas, views in ./views,
// tenancy and rules in ./rules; each route is registered in the OpenAPI document beside it.
import { Router } from 'express';
import {
  createAgentWorkflowClient,
  ensureAgentWorkflow,
  refreshAgentSettings,
  type AgentWorkflowDeps,
} from '../../../src/agents/agent-workflow-client';
import { activateAgent, AgentBusyError, deactivateAgent, deleteAgent } from '../../../src/admin/agents';
import type { Db } from '../../../src/infra/prisma';
import type { Logger } from '../../../src/logger';
import { authOf } from '../../auth';
import { ApiError } from '../../errors';
import { registerOperation } from '../../openapi/registry';
import { pageOf } from '../../pagination';
import { validate, type ValidRequest } from '../../validate';
import {
  acdIdentifierTaken,
  activeAgent,
  agentNumber,
  callbackIdOf,
  checkAgentFields,
  defaultCountryOf,
  invalid,
  ownedAgent,
  ownedProjects,
  viaWorkflow,
  workflowErrorAsApiError,
} from './rules';
import {
  agentCallParamsSchema,
  agentListQuerySchema,
  agentListSchema,
  agentParamsSchema,
  agentSchema,
  autoAnswerStateSchema,
  autoAnswerSwitchSchema,
  createAgentSchema,
  idempotencyHeaders,
  loginSchema,
  patchAgentSchema,
  presenceSchema,
  statusSchema,
} from './schemas';
import { agentInclude, agentView, presenceView, type AgentWithContext } from './views';

export { agentSchema, createAgentSchema, patchAgentSchema, presenceSchema } from './schemas';

export interface AgentsRouterDeps {
  prisma: Db;
  temporal: AgentWorkflowDeps['temporal'];
  /** The agent workflows' task queue (config.agentTaskQueue): a new or reactivated agent's starts there. */
  agentTaskQueue: string;
  logger: Logger;
}

const create = { body: createAgentSchema };
const patch = { params: agentParamsSchema, body: patchAgentSchema };
const byId = { params: agentParamsSchema };
const change = { params: agentParamsSchema, headers: idempotencyHeaders };
const list = { query: agentListQuerySchema };
const loginRequest = { params: agentParamsSchema, body: loginSchema, headers: idempotencyHeaders };
const statusRequest = { params: agentParamsSchema, body: statusSchema, headers: idempotencyHeaders };
const acceptRequest = { params: agentCallParamsSchema, headers: idempotencyHeaders };
const autoAnswerRequest = { body: autoAnswerSwitchSchema };

const tags = ['Agents'];
const ok = (schema: typeof agentSchema | typeof presenceSchema, description: string) => ({
  200: { description, schema },
});

registerOperation({
  method: 'post',
  path: '/v1/agents',
  summary: 'Create an agent (S43)',
  tags,
  scope: 'secret',
  request: { body: createAgentSchema },
  responses: { 201: { description: 'Created', schema: agentSchema } },
  errors: ['FORBIDDEN', 'NOT_FOUND', 'PHONE_NOT_ALLOWED'],
});
registerOperation({
  method: 'get',
  path: '/v1/agents',
  summary: "The account's agents by name, with their answer mode and number (cursor-paged)",
  tags,
  scope: 'secret',
  request: { query: agentListQuerySchema },
  responses: { 200: { description: 'Agents', schema: agentListSchema } },
  errors: ['FORBIDDEN', 'NOT_FOUND'],
});
registerOperation({
  method: 'get',
  path: '/v1/agents/{id}',
  summary: 'An agent, with autoAnswerEffective and presence',
  tags,
  scope: 'secret',
  request: { params: agentParamsSchema },
  responses: ok(agentSchema, 'The agent'),
  errors: ['FORBIDDEN'],
});
registerOperation({
  method: 'patch',
  path: '/v1/agents/{id}',
  summary: 'Change some of an agent’s settings (from its next call on)',
  tags,
  scope: 'secret',
  request: { params: agentParamsSchema, body: patchAgentSchema, bodyRequired: false },
  responses: ok(agentSchema, 'The agent'),
  errors: ['FORBIDDEN', 'PHONE_NOT_ALLOWED'],
});
registerOperation({
  method: 'delete',
  path: '/v1/agents/{id}',
  summary: 'Delete an agent: its workflow is ended; its past attempts keep their record without it',
  description: 'Refused (409 INVALID_STATE) while the agent is reserved for or on a call: log it out first.',
  tags,
  scope: 'secret',
  request: { params: agentParamsSchema },
  responses: { 204: { description: 'Deleted' } },
  errors: ['FORBIDDEN', 'INVALID_STATE'],
});
registerOperation({
  method: 'post',
  path: '/v1/agents/{id}/deactivate',
  summary: 'Deactivate an agent (#14.1): its workflow is ended, a reservation it holds released',
  description:
    'The agent is kept (settings, history) but logged out and out of service: login and every presence ' +
    'change answer 409 AGENT_INACTIVE, no callback reserves it, and lists show `active: false`. ' +
    'Repeating it changes nothing. Refused (409 INVALID_STATE) while the agent is on a call; 503 ' +
    'UNAVAILABLE (the agent stays active: repeat it) when its workflow does not answer.',
  tags,
  scope: 'secret',
  request: { params: agentParamsSchema },
  responses: ok(agentSchema, 'The agent, `active: false`'),
  errors: ['FORBIDDEN', 'INVALID_STATE', 'UNAVAILABLE'],
});
registerOperation({
  method: 'post',
  path: '/v1/agents/{id}/activate',
  summary: 'Activate a deactivated agent again (#14.1): it can log in again (it starts logged out)',
  description: 'Repeating it, or activating an active agent, changes nothing.',
  tags,
  scope: 'secret',
  request: { params: agentParamsSchema },
  responses: ok(agentSchema, 'The agent, `active: true`'),
  errors: ['FORBIDDEN'],
});
registerOperation({
  method: 'get',
  path: '/v1/agents/{id}/presence',
  summary: "The agent's presence (S44)",
  tags,
  scope: 'secret',
  request: { params: agentParamsSchema },
  responses: ok(presenceSchema, 'Presence'),
  errors: ['FORBIDDEN'],
});
const presenceChange = (path: string, summary: string, body?: typeof loginSchema | typeof statusSchema) =>
  registerOperation({
    method: path.endsWith('/status') ? 'put' : 'post',
    path,
    summary,
    tags,
    scope: 'secret',
    request: {
      params: path.includes('{callbackId}') ? agentCallParamsSchema : agentParamsSchema,
      headers: idempotencyHeaders,
      ...(body ? { body, bodyRequired: body !== loginSchema } : {}),
    },
    responses: ok(presenceSchema, 'The presence after the change'),
    errors: [
      'FORBIDDEN',
      'INVALID_STATE',
      'AGENT_INACTIVE',
      ...(body === loginSchema ? (['PHONE_NOT_ALLOWED'] as const) : []),
    ],
  });
presenceChange('/v1/agents/{id}/login', 'Log in, optionally with the number to call (S43)', loginSchema);
presenceChange('/v1/agents/{id}/logout', 'Log out (S44)');
presenceChange('/v1/agents/{id}/status', 'Set AVAILABLE or UNAVAILABLE (S44)', statusSchema);
presenceChange('/v1/agents/{id}/chats/start', 'A chat starts (S46)');
presenceChange('/v1/agents/{id}/chats/end', 'A chat ends (S46)');
presenceChange('/v1/agents/{id}/calls/{callbackId}/accept', 'Accept the reserved call (auto-answer off, S45)');
registerOperation({
  method: 'get',
  path: '/v1/accounts/me/auto-answer',
  summary: "The account's auto-answer switch (S45)",
  tags,
  scope: 'secret',
  responses: { 200: { description: 'The switch', schema: autoAnswerStateSchema } },
});
registerOperation({
  method: 'put',
  path: '/v1/accounts/me/auto-answer',
  summary: 'Turn auto-answer on or off for every agent of the account (S45)',
  description: 'Saved even when some agent workflows could not be told (503: repeat the request).',
  tags,
  scope: 'secret',
  request: { body: autoAnswerSwitchSchema },
  responses: { 200: { description: 'The switch', schema: autoAnswerStateSchema } },
});

export function createAgentsRouter(deps: AgentsRouterDeps): Router {
  const { prisma, logger } = deps;
  const workflowDeps: AgentWorkflowDeps = { temporal: deps.temporal, prisma, taskQueue: deps.agentTaskQueue };
  const agents = createAgentWorkflowClient(workflowDeps);
  const router = Router();

  const requestIdOf = (req: { validHeaders: { 'Idempotency-Key'?: string | undefined } }) => {
    const key = req.validHeaders['Idempotency-Key'];
    return key ? { requestId: key } : {};
  };

  router.post('/agents', validate(create), async (req: ValidRequest<typeof create>, res) => {
    const { body } = req;
    await checkAgentFields(prisma, res, {
      projectIds: body.projectIds,
      answerMode: body.answerMode,
      phoneNumber: body.phoneNumber ?? null,
      askNumberAtLogin: body.askNumberAtLogin,
    });
    const phoneNumber = body.phoneNumber
      ? agentNumber(body.phoneNumber, await defaultCountryOf(prisma, body.projectIds), 'phoneNumber')
      : null;
    let agent: AgentWithContext;
    try {
      agent = await prisma.agent.create({
        data: {
          accountId: authOf(res).accountId,
          name: body.name,
          kind: body.kind,
          callEnabled: body.callEnabled,
          answerMode: body.answerMode,
          phoneNumber,
          priority: body.priority,
          askNumberAtLogin: body.askNumberAtLogin,
          allowChatAndCall: body.allowChatAndCall,
          autoAnswer: body.autoAnswer ?? null,
          acdIdentifier: body.acdIdentifier ?? null,
          projects: { create: [...new Set(body.projectIds)].map((id) => ({ projectId: id })) },
          presence: { create: { state: 'LOGGED_OUT', since: new Date(), revision: 0 } },
        },
        include: agentInclude,
      });
    } catch (err) {
      throw acdIdentifierTaken(err) ?? err;
    }
    try {
      await ensureAgentWorkflow(workflowDeps, agent.id);
    } catch (err) {
      // The agent exists; its workflow starts on its first presence change (executeAgentUpdate).
      // Failing here would make the client retry and create a second agent.
      logger.warn({ err, agentId: agent.id }, 'agent workflow not started; it starts on first use');
    }
    res.status(201).json(agentView(agent));
  });

  router.get('/agents', validate(list), async (req: ValidRequest<typeof list>, res) => {
    const { projectId: onlyProject, callEnabled, active, limit, cursor } = req.query;
    if (onlyProject) await ownedProjects(prisma, res, [onlyProject]);
    const rows = await prisma.agent.findMany({
      where: {
        accountId: authOf(res).accountId,
        ...(onlyProject ? { projects: { some: { projectId: onlyProject } } } : {}),
        ...(callEnabled !== undefined ? { callEnabled } : {}),
        ...(active !== undefined ? { deactivatedAt: active ? null : { not: null } } : {}),
        ...(cursor ? { OR: [{ name: { gt: cursor[0] } }, { name: cursor[0], id: { gt: cursor[1] } }] } : {}),
      },
      include: agentInclude,
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
      take: limit + 1,
    });
    res.json(pageOf(rows, limit, agentView, (row) => [row.name, row.id]));
  });

  router.get('/agents/:id', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    res.json(agentView(await ownedAgent(prisma, res, req.params.id)));
  });

  router.patch('/agents/:id', validate(patch), async (req: ValidRequest<typeof patch>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    const { body } = req;
    const projectIds = body.projectIds ? [...new Set(body.projectIds)] : agent.projects.map((p) => p.projectId);
    await checkAgentFields(prisma, res, {
      projectIds,
      answerMode: body.answerMode ?? agent.answerMode,
      phoneNumber: body.phoneNumber === undefined ? agent.phoneNumber : body.phoneNumber,
      askNumberAtLogin: body.askNumberAtLogin ?? agent.askNumberAtLogin,
    });
    let phoneNumber = body.phoneNumber === undefined ? agent.phoneNumber : null;
    if (body.phoneNumber)
      phoneNumber = agentNumber(body.phoneNumber, await defaultCountryOf(prisma, projectIds), 'phoneNumber');
    const { projectIds: _projectIds, phoneNumber: _phoneNumber, ...scalars } = body;
    try {
      await prisma.$transaction(async (tx) => {
        await tx.agent.update({ where: { id: agent.id }, data: { ...scalars, phoneNumber } });
        if (body.projectIds) {
          await tx.agentProject.deleteMany({ where: { agentId: agent.id, projectId: { notIn: projectIds } } });
          await tx.agentProject.createMany({
            data: projectIds.map((id) => ({ agentId: agent.id, projectId: id })),
            skipDuplicates: true,
          });
        }
      });
    } catch (err) {
      throw acdIdentifierTaken(err) ?? err;
    }
    // The workflow applies the new settings from now on (a call in progress keeps its terms).
    await viaWorkflow(refreshAgentSettings(workflowDeps, agent.id));
    res.json(agentView(await ownedAgent(prisma, res, agent.id)));
  });

  router.delete('/agents/:id', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    try {
      await deleteAgent({ prisma, temporal: deps.temporal, logger }, agent.id);
    } catch (err) {
      if (err instanceof AgentBusyError) throw new ApiError('INVALID_STATE', err.message);
      // The agent is gone; its workflow could not be told (logged: an operator can terminate it).
      logger.warn({ err, agentId: agent.id }, 'agent deleted, workflow not terminated');
    }
    res.status(204).end();
  });

  const lifecycleDeps = { prisma, temporal: deps.temporal, taskQueue: deps.agentTaskQueue, logger };

  router.post('/agents/:id/deactivate', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    try {
      await deactivateAgent(lifecycleDeps, agent.id);
    } catch (err) {
      if (err instanceof AgentBusyError) throw new ApiError('INVALID_STATE', err.message);
      throw workflowErrorAsApiError(err);
    }
    res.json(agentView(await ownedAgent(prisma, res, agent.id)));
  });

  router.post('/agents/:id/activate', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    await activateAgent(lifecycleDeps, agent.id);
    res.json(agentView(await ownedAgent(prisma, res, agent.id)));
  });

  router.get('/agents/:id/presence', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    res.json(presenceView(agent.presence, agent.allowChatAndCall));
  });

  router.post('/agents/:id/login', validate(loginRequest), async (req: ValidRequest<typeof loginRequest>, res) => {
    const agent = await activeAgent(prisma, res, req.params.id);
    // S43: asked at each login → the login carries a number.
    if (agent.askNumberAtLogin && !req.body.phoneNumber)
      throw invalid('phoneNumber', 'this agent must give a phone number at login');
    const projectIds = agent.projects.map((p) => p.projectId);
    const phoneNumber = req.body.phoneNumber
      ? agentNumber(req.body.phoneNumber, await defaultCountryOf(prisma, projectIds), 'phoneNumber')
      : undefined;
    res.json(
      await viaWorkflow(agents.login(agent.id, { ...requestIdOf(req), ...(phoneNumber ? { phoneNumber } : {}) })),
    );
  });

  router.post('/agents/:id/logout', validate(change), async (req: ValidRequest<typeof change>, res) => {
    const agent = await activeAgent(prisma, res, req.params.id);
    res.json(await viaWorkflow(agents.logout(agent.id, requestIdOf(req))));
  });

  router.put('/agents/:id/status', validate(statusRequest), async (req: ValidRequest<typeof statusRequest>, res) => {
    const agent = await activeAgent(prisma, res, req.params.id);
    res.json(await viaWorkflow(agents.setStatus(agent.id, { ...requestIdOf(req), status: req.body.status })));
  });

  router.post('/agents/:id/chats/start', validate(change), async (req: ValidRequest<typeof change>, res) => {
    const agent = await activeAgent(prisma, res, req.params.id);
    res.json(await viaWorkflow(agents.startChat(agent.id, requestIdOf(req))));
  });

  router.post('/agents/:id/chats/end', validate(change), async (req: ValidRequest<typeof change>, res) => {
    const agent = await activeAgent(prisma, res, req.params.id);
    res.json(await viaWorkflow(agents.endChat(agent.id, requestIdOf(req))));
  });

  router.post(
    '/agents/:id/calls/:callbackId/accept',
    validate(acceptRequest),
    async (req: ValidRequest<typeof acceptRequest>, res) => {
      const agent = await activeAgent(prisma, res, req.params.id);
      const callbackId = callbackIdOf(req.params.callbackId);
      // A callback this account does not have is a 404, not a refusal of the agent's state.
      const known = await prisma.callback.findFirst({
        where: { id: callbackId, project: { accountId: authOf(res).accountId } },
        select: { id: true },
      });
      if (!known) throw new ApiError('NOT_FOUND', `callback ${callbackId} not found`);
      res.json(await viaWorkflow(agents.acceptCall(agent.id, { ...requestIdOf(req), callbackId })));
    },
  );

  router.get('/accounts/me/auto-answer', async (_req, res) => {
    const account = await prisma.account.findUniqueOrThrow({ where: { id: authOf(res).accountId } });
    res.json({ enabled: account.autoAnswerEnabled });
  });

  // S45: the account switch applies to every agent of every project of the account.
  router.put(
    '/accounts/me/auto-answer',
    validate(autoAnswerRequest),
    async (req: ValidRequest<typeof autoAnswerRequest>, res) => {
      const { accountId } = authOf(res);
      await prisma.account.update({ where: { id: accountId }, data: { autoAnswerEnabled: req.body.enabled } });
      const agentIds = (await prisma.agent.findMany({ where: { accountId }, select: { id: true } })).map((a) => a.id);
      const failed: string[] = [];
      for (let i = 0; i < agentIds.length; i += 20) {
        const batch = agentIds.slice(i, i + 20);
        const results = await Promise.allSettled(batch.map((id) => refreshAgentSettings(workflowDeps, id)));
        results.forEach((r, j) => {
          if (r.status === 'rejected') {
            logger.warn({ err: r.reason, agentId: batch[j] }, 'auto-answer switch not pushed to agent workflow');
            failed.push(batch[j]!);
          }
        });
      }
      // Saved either way; a repeat pushes again (the update is idempotent).
      if (failed.length > 0)
        throw new ApiError('UNAVAILABLE', `saved, but ${failed.length} agent workflow(s) were not refreshed; retry`);
      res.json({ enabled: req.body.enabled });
    },
  );

  return router;
}
