// Agents: tenancy (404 missing, 403 another account's), the field rules checked together
// (S42, S43), and the agent workflow's refusals as ApiErrors for the one error handler.
import type { Response } from 'express';
import { z } from 'zod';
import { Prisma, type Agent } from '../../../generated/prisma/client';
import {
  AgentInactiveError,
  AgentNotFoundError,
  AgentNumberRequiredError,
  AgentStateError,
  AgentWorkflowUnavailableError,
} from '../../../src/agents/agent-workflow-client';
import { checkAgentPhone } from '../../../src/agents/phone';
import type { Db } from '../../../src/infra/prisma';
import { authOf } from '../../auth';
import { ApiError, type ErrorDetail } from '../../errors';
import { agentInclude, type AgentWithContext } from './views';

const uuid = z.guid();

/** Agent ids are UUIDs; anything else cannot name an agent: 404, like a missing one. */
export async function ownedAgent(prisma: Db, res: Response, id: string): Promise<AgentWithContext> {
  const agent = uuid.safeParse(id).success
    ? await prisma.agent.findUnique({ where: { id }, include: agentInclude })
    : null;
  if (!agent) throw new ApiError('NOT_FOUND', `agent ${id} not found`);
  if (agent.accountId !== authOf(res).accountId) throw new ApiError('FORBIDDEN', 'agent of another account');
  return agent;
}

/** #14.1: presence changes (login, status, chats, accept) need an active agent: 409 AGENT_INACTIVE. */
export async function activeAgent(prisma: Db, res: Response, id: string): Promise<AgentWithContext> {
  const agent = await ownedAgent(prisma, res, id);
  if (agent.deactivatedAt) throw agentInactive(agent.id);
  return agent;
}

function agentInactive(agentId: string): ApiError {
  return new ApiError('AGENT_INACTIVE', `agent ${agentId} is deactivated: activate it first`);
}

export function callbackIdOf(id: string): string {
  if (!uuid.safeParse(id).success) throw new ApiError('NOT_FOUND', `callback ${id} not found`);
  return id;
}

/** Tenancy for every project named (404 missing, 403 another account's). */
export async function ownedProjects(prisma: Db, res: Response, projectIds: string[]) {
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

export function invalid(path: string, message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', 'the request is not valid', [{ path, message }]);
}

/** S21 rules for the agent's own number; PHONE_NOT_ALLOWED names the reason. */
export function agentNumber(raw: string, defaultCountry: string | undefined, path: string): string {
  const checked = checkAgentPhone(raw, defaultCountry);
  if (!checked.ok) throw new ApiError('PHONE_NOT_ALLOWED', checked.reason, [{ path, message: checked.reason }]);
  return checked.e164;
}

/** The agent fields after a create or a patch, checked together (S42, S43). */
type AgentFields = Pick<Agent, 'answerMode' | 'phoneNumber' | 'askNumberAtLogin'> & { projectIds: string[] };

/** S42: no desk answering on a project that forwards to an ACD; S43: a phone agent needs a number. */
export async function checkAgentFields(prisma: Db, res: Response, fields: AgentFields) {
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

/** A unique ACD identifier per account: a second one is a 422 at its path. */
export function acdIdentifierTaken(err: unknown): ApiError | null {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002'
    ? invalid('acdIdentifier', 'is already used by another agent of the account')
    : null;
}

/** The agent's first project's first country reads national numbers (API.md conventions). */
export async function defaultCountryOf(prisma: Db, projectIds: string[]): Promise<string | undefined> {
  const first = projectIds[0];
  if (first === undefined) return undefined;
  const project = await prisma.project.findUnique({ where: { id: first }, select: { countries: true } });
  return project?.countries[0];
}

/** The agent workflow's refusals in API.md's format (409 INVALID_STATE, 422, 503, 404). */
export function workflowErrorAsApiError(err: unknown): unknown {
  if (err instanceof AgentInactiveError) return agentInactive(err.agentId);
  if (err instanceof AgentStateError) return new ApiError('INVALID_STATE', err.message);
  if (err instanceof AgentNumberRequiredError) return invalid('phoneNumber', err.message);
  if (err instanceof AgentWorkflowUnavailableError) return new ApiError('UNAVAILABLE', err.message);
  if (err instanceof AgentNotFoundError) return new ApiError('NOT_FOUND', err.message);
  return err;
}

/** Awaits a call to the agent's workflow, its refusals mapped for the error handler. */
export async function viaWorkflow<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw workflowErrorAsApiError(err);
  }
}
