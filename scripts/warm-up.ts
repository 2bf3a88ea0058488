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

/**
 * The API's first requests are slow too (Prisma's query engine and the route modules load on
 * first use: the README's first `GET /v1/agents` took over 4 s and got 503 on a fresh start).
 * Waits until the API answers /livez, then reads what the README's first steps read (the
 * health check, the demo project's agents and availability) with the seeded key. Only reads;
 * any answer counts (a 503 of a cold dependency still warms it). Resolves with the paths
 * answered 2xx.
 */
export async function warmUpApi(
  base: string,
  apiKey: string,
  projectId: string,
  options: { timeoutMs?: number } = {},
): Promise<string[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const get = (path: string) =>
    fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
  for (;;) {
    try {
      if ((await get('/livez')).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API at ${base} did not answer /livez`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const ok: string[] = [];
  for (const path of [
    '/readyz',
    `/v1/agents?projectId=${encodeURIComponent(projectId)}`,
    `/v1/projects/${encodeURIComponent(projectId)}/call-settings`,
    `/v1/projects/${encodeURIComponent(projectId)}/availability`,
  ]) {
    const res = await get(path);
    await res.arrayBuffer();
    if (res.ok) ok.push(path.split('?')[0]!);
  }
  return ok;
}
