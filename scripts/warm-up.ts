// `npm start` says "ready" once a request is answered promptly. A fresh worker's first workflow
// task is slow (the workflow bundle is loaded into a new V8 context): measured on the 2-core
// machine, the README's first `POST /v1/agents/{id}/login` took 4.4 s and got 503 UNAVAILABLE
// from the 4 s request deadline, on each of two fresh starts (black-box new-user check). So
// before saying ready, the start script starts the seeded project's agent workflows — what
// that first request would do (ensureAgentWorkflow: from the database, a no-op when running)
// — and queries each, so the worker has run a workflow task before anyone waits on it.
import { AgentNotFoundError, ensureAgentWorkflow, type AgentWorkflowDeps } from '../src/agents/agent-workflow-client';
import { presenceQuery } from '../workflows/agent-messages';
import { agentWorkflowId } from '../workflows/agent-types';

/** The project's agents' workflows, started if need be and queried once; how many answered. */
export async function warmUpAgentWorkflows(deps: AgentWorkflowDeps, projectId: string): Promise<number> {
  const links = await deps.prisma.agentProject.findMany({ where: { projectId }, select: { agentId: true } });
  let answered = 0;
  for (const { agentId } of links) {
    try {
      await ensureAgentWorkflow(deps, agentId);
    } catch (err) {
      if (err instanceof AgentNotFoundError) continue; // deleted meanwhile
      throw err;
    }
    await deps.temporal.workflow.getHandle(agentWorkflowId(agentId)).query(presenceQuery);
    answered += 1;
  }
  return answered;
}
