// Deleting, deactivating and reactivating an agent (admin CLI and /v1/agents/{id}…). Both
// deletion and deactivation are refused while the agent is on a call (never cut a talk);
// otherwise the agent's workflow `agent-<id>` is terminated. Deleted: the row goes first
// (every route then answers 404 and nothing restarts its workflow); its past attempts keep
// their record without it (attempts.agent_id is set null). Deactivated (#14.1): the row
// stays, marked, so no workflow starts for it again (ensureAgentWorkflow refuses: no login,
// no reservation) until it is activated; a reservation it held is released first.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../infra/prisma';
import type { Logger } from '../logger';
import { agentWorkflowId } from '../../workflows/agent-types';
import { AgentInactiveError, AgentStateError, createAgentWorkflowClient } from '../agents/agent-workflow-client';

export class AgentBusyError extends Error {
  constructor(
    readonly state: 'RESERVED' | 'ON_CALL',
    action: 'deleted' | 'deactivated' = 'deleted',
  ) {
    super(`the agent is ${state}: it can be ${action} once the call ended`);
    this.name = 'AgentBusyError';
  }
}

async function terminateAgentWorkflow(temporal: Client, agentId: string, reason: string): Promise<void> {
  try {
    await temporal.workflow.getHandle(agentWorkflowId(agentId)).terminate(reason);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** false: no such agent. */
export async function deleteAgent(
  deps: { prisma: Db; temporal: Client; logger?: Logger },
  agentId: string,
): Promise<boolean> {
  const { prisma, temporal } = deps;
  const presence = await prisma.agentPresence.findUnique({ where: { agentId }, select: { state: true } });
  if (presence?.state === 'RESERVED' || presence?.state === 'ON_CALL') throw new AgentBusyError(presence.state);
  const { count } = await prisma.agent.deleteMany({ where: { id: agentId } });
  if (count === 0) return false;
  try {
    await terminateAgentWorkflow(temporal, agentId, 'agent deleted');
  } catch (err) {
    deps.logger?.warn({ err, agentId }, 'deleted agent: its workflow was not terminated');
    throw err;
  }
  return true;
}

export interface AgentLifecycleDeps {
  prisma: Db;
  temporal: Client;
  /** The agent workflows' task queue (a reactivated agent's workflow starts there). */
  taskQueue: string;
  logger?: Logger;
}

/**
 * #14.1: deactivates the agent (idempotent). Refused (AgentBusyError) while it is on a call.
 * A reservation not yet connected is released through the agent's workflow (as its callback
 * would: the agent is free again, the callback's next agent step is refused and it retries
 * with another agent), the agent is logged out, its workflow terminated as on deletion, and
 * the read model left LOGGED_OUT so no availability read counts it. false: no such agent.
 */
export async function deactivateAgent(deps: AgentLifecycleDeps, agentId: string): Promise<boolean> {
  const { prisma } = deps;
  const presence = await prisma.agentPresence.findUnique({ where: { agentId } });
  if (presence?.state === 'ON_CALL') throw new AgentBusyError('ON_CALL', 'deactivated');
  const marked = await prisma.agent.updateMany({
    where: { id: agentId, deactivatedAt: null },
    data: { deactivatedAt: new Date() },
  });
  if (marked.count === 0) return (await prisma.agent.count({ where: { id: agentId } })) > 0;
  const agents = createAgentWorkflowClient(deps);
  try {
    if (presence?.state === 'RESERVED' && presence.callbackId) {
      await agents.callEnded(agentId, {
        callbackId: presence.callbackId,
        talked: false,
        requestId: `${presence.callbackId}:deactivated`,
      });
    }
    await agents.logout(agentId, {});
  } catch (err) {
    // No workflow runs (none starts for a deactivated agent): nothing to release in it.
    if (!(err instanceof AgentInactiveError)) {
      // A call connected meanwhile (logout refused) or the workflow did not answer: stay active.
      await prisma.agent.update({ where: { id: agentId }, data: { deactivatedAt: null } });
      if (err instanceof AgentStateError) throw new AgentBusyError('ON_CALL', 'deactivated');
      throw err;
    }
  }
  await terminateAgentWorkflow(deps.temporal, agentId, 'agent deactivated');
  // A run ended earlier (e.g. terminated by an operator) may have left a stale row.
  await prisma.agentPresence.updateMany({
    where: { agentId, state: { not: 'LOGGED_OUT' } },
    data: {
      state: 'LOGGED_OUT',
      since: new Date(),
      callbackId: null,
      inChat: false,
      loginNumber: null,
      revision: { increment: 1 },
    },
  });
  deps.logger?.info({ agentId }, 'agent deactivated');
  return true;
}

/** #14.1: activates the agent again (idempotent) and starts its workflow, logged out. false: no such agent. */
export async function activateAgent(deps: AgentLifecycleDeps, agentId: string): Promise<boolean> {
  const { count } = await deps.prisma.agent.updateMany({
    where: { id: agentId, deactivatedAt: { not: null } },
    data: { deactivatedAt: null },
  });
  if (count === 0) return (await deps.prisma.agent.count({ where: { id: agentId } })) > 0;
  try {
    await createAgentWorkflowClient(deps).ensure(agentId);
  } catch (err) {
    // Active either way: its workflow starts on its first presence change (executeAgentUpdate).
    deps.logger?.warn({ err, agentId }, 'agent activated; its workflow starts on first use');
  }
  deps.logger?.info({ agentId }, 'agent activated');
  return true;
}
