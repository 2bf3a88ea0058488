// #14.5: what an operator does in the Temporal UI — filter agent workflows by project with a
// visibility query — after the agent's projects changed through the API while its workflow ran.
// The real dev server (the time-skipping server has no visibility queries), a worker with the
// real presence projection, real PostgreSQL.
import { agentWorkflowId } from '../../workflows/agent-types';
import { useApi } from '../helpers/use-api';
import { workerActivities } from '../helpers/worker';
import { agentProjectsThroughApi } from './agent-projects';

const t = useApi({ temporal: 'dev', worker: workerActivities.presence, tenant: true });
const { anotherProject, createAgent, patchAgent } = agentProjectsThroughApi(t);

/** The running agent workflows a visibility query lists; asked again until `accept` (visibility lags). */
async function listedUntil(query: string, accept: (ids: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of t.env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (accept(ids) || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('#14.5: after PATCH /agents/{id} moves the agent to another project, filtering by project finds it there only', async () => {
  const first = t.tenant.projectId;
  const second = await anotherProject();
  const agentId = await createAgent([first]);
  const workflowId = agentWorkflowId(agentId);
  const running = (projectId: string) =>
    `WorkflowType = 'agentWorkflow' AND ExecutionStatus = 'Running' AND AgentProjects = '${projectId}'`;
  expect(await listedUntil(running(first), (ids) => ids.includes(workflowId))).toContain(workflowId);

  await patchAgent(agentId, { projectIds: [second] });
  expect(await listedUntil(running(second), (ids) => ids.includes(workflowId))).toContain(workflowId);
  expect(await listedUntil(running(first), (ids) => !ids.includes(workflowId))).not.toContain(workflowId);
  await t.env.client.workflow.getHandle(workflowId).terminate('test over');
});
