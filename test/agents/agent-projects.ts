// #14.5: an agent's projects changed through the API (POST, PATCH /v1/agents) and the
// AgentProjects search attribute read back, for the files that test it on each server.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { AGENT_PROJECTS } from '../../workflows/search-attributes';
import type { ApiFixture } from '../helpers/use-api';
import { agentRequestBody } from '../helpers/agents';

export function agentProjectsThroughApi(t: ApiFixture) {
  /** A second project of the tenant's account. */
  async function anotherProject(): Promise<string> {
    const project = await t.prisma.project.create({
      data: {
        id: `p-${randomUUID()}`,
        accountId: t.tenant.accountId,
        name: 'second project',
        timezone: 'Europe/Paris',
        countries: ['FR'],
      },
    });
    return project.id;
  }

  /** POST /v1/agents: the agent and its workflow (AgentProjects set at start). */
  async function createAgent(projectIds: string[]): Promise<string> {
    const res = await t.api().post('/v1/agents').set(t.tenant.auth).send(agentRequestBody(projectIds));
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** PATCH /v1/agents/{id}: saved, then pushed to the running workflow (refreshSettings). */
  async function patchAgent(agentId: string, body: Record<string, unknown>) {
    const res = await t.api().patch(`/v1/agents/${agentId}`).set(t.tenant.auth).send(body);
    expect(res.status).toBe(200);
    return res.body as { projectIds: string[] };
  }

  /** AgentProjects as the server holds it now (what the UI shows and filters on). */
  async function shownProjects(handle: WorkflowHandle): Promise<string[] | undefined> {
    const described = await handle.describe();
    return described.typedSearchAttributes.get(AGENT_PROJECTS);
  }

  return { anotherProject, createAgent, patchAgent, shownProjects };
}
