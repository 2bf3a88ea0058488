// API.md "Agents" (S41–S46) and the account's auto-answer switch (S45). Agent settings live in
// the database; presence changes go through the agent's workflow (its updates answer at once)
// and are read back from the agent_presence read model. Every route checks the API key's
// account owns the agent and each project it names.
import { Router, type ErrorRequestHandler, type Response } from 'express';
import { z } from 'zod';
import { Prisma, type Agent } from '../../generated/prisma/client';
import {
  AgentNotFoundError,
  AgentNumberRequiredError,
  AgentStateError,
  AgentWorkflowUnavailableError,
  createAgentWorkflowClient,
  ensureAgentWorkflow,
  refreshAgentSettings,
  type AgentWorkflowDeps,
} from '../../src/agents/agent-workflow-client';
import { presenceViewOfRow } from '../../src/agents/agent-store';
import { checkAgentPhone } from '../../src/agents/phone';
import { effectiveAutoAnswer } from '../../src/domain/presence';
import type { Db } from '../../src/infra/prisma';
import type { Logger } from '../../src/logger';
import { authOf } from '../auth';
import { ApiError, type ErrorDetail } from '../errors';
import { validate, type ValidRequest } from '../validate';

export interface AgentsRouterDeps {
  prisma: Db;
  temporal: AgentWorkflowDeps['temporal'];
  taskQueue: string;
  logger: Logger;
}

const projectId = z.string().min(1).max(200);
const phoneInput = z
  .string()
  .min(1)
  .max(64)
  .meta({ description: "Any common format; the first project's first country is the default" });
const acdIdentifier = z
  .string()
  .regex(/^[0-9]{1,20}$/, { error: 'must be 1 to 20 digits (keyed in by DTMF, S42)' })
  .meta({ description: 'S42: what the agent keys in on the ACD line' });

export const createAgentSchema = z
  .strictObject({
    projectIds: z.array(projectId).min(1).max(100),
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['EMPLOYEE', 'EXPERT']),
    callEnabled: z.boolean(),
    answerMode: z.enum(['DESK', 'PHONE']),
    phoneNumber: phoneInput.optional(),
    priority: z.boolean().default(false),
    askNumberAtLogin: z.boolean().default(false),
    allowChatAndCall: z.boolean().default(false),
    autoAnswer: z.boolean().nullable().optional().meta({ description: "S45: unset/null = the kind's default" }),
    acdIdentifier: acdIdentifier.optional(),
  })
  .meta({ id: 'AgentCreate' });

export const patchAgentSchema = z
  .strictObject({
    projectIds: z.array(projectId).min(1).max(100).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    kind: z.enum(['EMPLOYEE', 'EXPERT']).optional(),
    callEnabled: z.boolean().optional(),
    answerMode: z.enum(['DESK', 'PHONE']).optional(),
    phoneNumber: phoneInput.nullable().optional(),
    priority: z.boolean().optional(),
    askNumberAtLogin: z.boolean().optional(),
    allowChatAndCall: z.boolean().optional(),
    autoAnswer: z.boolean().nullable().optional(),
    acdIdentifier: acdIdentifier.nullable().optional(),
  })
  .meta({ id: 'AgentPatch' });

export const agentListQuerySchema = z.object({
  projectId: projectId.optional(),
  callEnabled: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const loginSchema = z.strictObject({ phoneNumber: phoneInput.optional() }).meta({ id: 'AgentLogin' });
export const statusSchema = z
  .strictObject({ status: z.enum(['AVAILABLE', 'UNAVAILABLE']) })
  .meta({ id: 'AgentStatus' });
export const autoAnswerSwitchSchema = z.strictObject({ enabled: z.boolean() }).meta({ id: 'AutoAnswerSwitch' });

export const presenceSchema = z
  .object({
    state: z.enum(['LOGGED_OUT', 'AVAILABLE', 'UNAVAILABLE', 'RESERVED', 'ON_CALL', 'WRAP_UP']),
    since: z.string(),
    callbackId: z.string().optional(),
    inChat: z.boolean(),
    loginNumber: z.string().optional(),
    busyForChat: z
      .boolean()
      .meta({ description: 'S46: on a call and may not mix chat and call: chats must skip this agent' }),
    wrapUpUntil: z.string().optional(),
    accepted: z.boolean().optional(),
  })
  .meta({ id: 'AgentPresence' });

export const agentSchema = z
  .object({
    id: z.string(),
    projectIds: z.array(z.string()),
    name: z.string(),
    kind: z.enum(['EMPLOYEE', 'EXPERT']),
    callEnabled: z.boolean(),
    answerMode: z.enum(['DESK', 'PHONE']),
    phoneNumber: z.string().nullable(),
    priority: z.boolean(),
    askNumberAtLogin: z.boolean(),
    allowChatAndCall: z.boolean(),
    autoAnswer: z.boolean().nullable(),
    autoAnswerEffective: z.boolean().meta({ description: "S45: after the account switch and the kind's default" }),
    acdIdentifier: z.string().nullable(),
    createdAt: z.string(),
    presence: presenceSchema,
  })
  .meta({ id: 'Agent' });

export const agentListSchema = z.object({ items: z.array(agentSchema) }).meta({ id: 'AgentList' });

const uuid = z.guid();
export const agentParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const agentCallParamsSchema = agentParamsSchema.extend({ callbackId: z.string().min(1).max(100) });
const requestIdHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x20-\x7e]+$/, { error: 'must be printable ASCII' })
  .optional();

const agentInclude = {
  account: { select: { autoAnswerEnabled: true } },
  projects: { select: { projectId: true }, orderBy: { projectId: 'asc' } },
  presence: true,
} satisfies Prisma.AgentInclude;

type AgentWithContext = Prisma.AgentGetPayload<{ include: typeof agentInclude }>;

function agentView(agent: AgentWithContext): z.output<typeof agentSchema> {
  return {
    id: agent.id,
    projectIds: agent.projects.map((p) => p.projectId),
    name: agent.name,
    kind: agent.kind,
    callEnabled: agent.callEnabled,
    answerMode: agent.answerMode,
    phoneNumber: agent.phoneNumber,
    priority: agent.priority,
    askNumberAtLogin: agent.askNumberAtLogin,
    allowChatAndCall: agent.allowChatAndCall,
    autoAnswer: agent.autoAnswer,
    autoAnswerEffective: effectiveAutoAnswer({
      accountEnabled: agent.account.autoAnswerEnabled,
      agentSetting: agent.autoAnswer,
      kind: agent.kind,
    }),
    acdIdentifier: agent.acdIdentifier,
    createdAt: agent.createdAt.toISOString(),
    presence: presenceViewOfRow(agent.presence, agent.allowChatAndCall),
  };
}

/** The agent fields after a create or a patch, checked together (S42, S43). */
type AgentFields = Pick<Agent, 'answerMode' | 'phoneNumber' | 'askNumberAtLogin'> & { projectIds: string[] };

/** Agent ids are UUIDs; anything else cannot name an agent: 404, like a missing one. */
async function ownedAgent(prisma: Db, res: Response, id: string): Promise<AgentWithContext> {
  const agent = uuid.safeParse(id).success
    ? await prisma.agent.findUnique({ where: { id }, include: agentInclude })
    : null;
  if (!agent) throw new ApiError('NOT_FOUND', `agent ${id} not found`);
  if (agent.accountId !== authOf(res).accountId) throw new ApiError('FORBIDDEN', 'agent of another account');
  return agent;
}

/** Tenancy for every project named (404 missing, 403 another account's); returns their settings. */
async function ownedProjects(prisma: Db, res: Response, projectIds: string[]) {
  const unique = [...new Set(projectIds)];
  const projects = await prisma.project.findMany({
    where: { id: { in: unique } },
    include: { callSettings: { select: { distributionMode: true } } },
  });
  for (const id of unique) {
    const project = projects.find((p) => p.id === id);
    if (!project) throw new ApiError('NOT_FOUND', `project ${id} not found`);
    if (project.accountId !== authOf(res).accountId) throw new ApiError('FORBIDDEN', 'project of another account');
  }
  return unique.map((id) => projects.find((p) => p.id === id)!);
}

function invalid(path: string, message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', 'the request is not valid', [{ path, message }]);
}

/** S21 types for the agent's own number; PHONE_NOT_ALLOWED names the reason. */
function agentNumber(raw: string, defaultCountry: string | undefined, path: string): string {
  const checked = checkAgentPhone(raw, defaultCountry);
  if (!checked.ok) throw new ApiError('PHONE_NOT_ALLOWED', checked.reason, [{ path, message: checked.reason }]);
  return checked.e164;
}

/** S42: no desk answering on a project that forwards to an ACD; S43: a phone agent needs a number. */
async function checkAgentFields(prisma: Db, res: Response, fields: AgentFields) {
  const projects = await ownedProjects(prisma, res, fields.projectIds);
  const details: ErrorDetail[] = [];
  if (fields.answerMode === 'DESK') {
    for (const project of projects) {
      if (project.callSettings?.distributionMode === 'ACD') {
        details.push({
          path: 'answerMode',
          message: `desk answering is not possible: project ${project.id} forwards calls to its ACD (S42)`,
        });
      }
    }
  }
  if (fields.answerMode === 'PHONE' && !fields.phoneNumber && !fields.askNumberAtLogin) {
    details.push({
      path: 'phoneNumber',
      message: 'is required to answer by phone unless the number is asked at login',
    });
  }
  if (details.length > 0) throw new ApiError('VALIDATION_FAILED', 'the request is not valid', details);
  return projects;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/** The agent's first project's first country reads national numbers (API.md conventions). */
async function defaultCountryOf(prisma: Db, projectIds: string[]): Promise<string | undefined> {
  const first = projectIds[0];
  if (first === undefined) return undefined;
  const project = await prisma.project.findUnique({ where: { id: first }, select: { countries: true } });
  return project?.countries[0];
}

const create = { body: createAgentSchema };
const patch = { params: agentParamsSchema, body: patchAgentSchema };
const byId = { params: agentParamsSchema };
const list = { query: agentListQuerySchema };
const loginRequest = { params: agentParamsSchema, body: loginSchema };
const statusRequest = { params: agentParamsSchema, body: statusSchema };
const acceptRequest = { params: agentCallParamsSchema };
const autoAnswerRequest = { body: autoAnswerSwitchSchema };

export function createAgentsRouter(deps: AgentsRouterDeps): Router {
  const { prisma, logger } = deps;
  const workflowDeps: AgentWorkflowDeps = { temporal: deps.temporal, prisma, taskQueue: deps.taskQueue };
  const agents = createAgentWorkflowClient(workflowDeps);
  const router = Router();

  /** The optional Idempotency-Key header becomes the update's requestId (deduplicated). */
  function requestIdOf(req: { get(name: string): string | undefined }): { requestId?: string } {
    const parsed = requestIdHeader.safeParse(req.get('idempotency-key'));
    if (!parsed.success) throw ApiError.validation(parsed.error, 'Idempotency-Key');
    return parsed.data ? { requestId: parsed.data } : {};
  }

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
      if (isUniqueViolation(err)) throw invalid('acdIdentifier', 'is already used by another agent of the account');
      throw err;
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
    const { projectId: onlyProject, callEnabled } = req.query;
    if (onlyProject) await ownedProjects(prisma, res, [onlyProject]);
    const rows = await prisma.agent.findMany({
      where: {
        accountId: authOf(res).accountId,
        ...(onlyProject ? { projects: { some: { projectId: onlyProject } } } : {}),
        ...(callEnabled !== undefined ? { callEnabled } : {}),
      },
      include: agentInclude,
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
    });
    res.json({ items: rows.map(agentView) });
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
      if (isUniqueViolation(err)) throw invalid('acdIdentifier', 'is already used by another agent of the account');
      throw err;
    }
    // The workflow applies the new settings from now on (a call in progress keeps its terms).
    await refreshAgentSettings(workflowDeps, agent.id);
    res.json(agentView(await ownedAgent(prisma, res, agent.id)));
  });

  router.get('/agents/:id/presence', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    res.json(presenceViewOfRow(agent.presence, agent.allowChatAndCall));
  });

  router.post('/agents/:id/login', validate(loginRequest), async (req: ValidRequest<typeof loginRequest>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    const meta = requestIdOf(req);
    // S43: asked at each login → the login carries a number.
    if (agent.askNumberAtLogin && !req.body.phoneNumber)
      throw invalid('phoneNumber', 'this agent must give a phone number at login');
    const phoneNumber = req.body.phoneNumber
      ? agentNumber(
          req.body.phoneNumber,
          await defaultCountryOf(
            prisma,
            agent.projects.map((p) => p.projectId),
          ),
          'phoneNumber',
        )
      : undefined;
    res.json(await agents.login(agent.id, { ...meta, ...(phoneNumber ? { phoneNumber } : {}) }));
  });

  router.post('/agents/:id/logout', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    res.json(await agents.logout(agent.id, requestIdOf(req)));
  });

  router.put('/agents/:id/status', validate(statusRequest), async (req: ValidRequest<typeof statusRequest>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    res.json(await agents.setStatus(agent.id, { ...requestIdOf(req), status: req.body.status }));
  });

  router.post('/agents/:id/chats/start', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    res.json(await agents.startChat(agent.id, requestIdOf(req)));
  });

  router.post('/agents/:id/chats/end', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const agent = await ownedAgent(prisma, res, req.params.id);
    res.json(await agents.endChat(agent.id, requestIdOf(req)));
  });

  router.post(
    '/agents/:id/calls/:callbackId/accept',
    validate(acceptRequest),
    async (req: ValidRequest<typeof acceptRequest>, res) => {
      const agent = await ownedAgent(prisma, res, req.params.id);
      const { callbackId } = req.params;
      if (!uuid.safeParse(callbackId).success) throw new ApiError('NOT_FOUND', `callback ${callbackId} not found`);
      res.json(await agents.acceptCall(agent.id, { ...requestIdOf(req), callbackId }));
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

  router.use(agentErrorsAsApiErrors);
  return router;
}

/** The agent workflow's refusals in API.md's error format. INVALID_STATE is this router's own 409 code. */
const agentErrorsAsApiErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof AgentStateError) {
    res.status(409).json({ error: { code: err.code, message: err.message } });
    return;
  }
  if (err instanceof AgentNumberRequiredError) return next(invalid('phoneNumber', err.message));
  if (err instanceof AgentWorkflowUnavailableError) return next(new ApiError('UNAVAILABLE', err.message));
  if (err instanceof AgentNotFoundError) return next(new ApiError('NOT_FOUND', err.message));
  next(err);
};
