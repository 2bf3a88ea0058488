// Deleting an agent (admin CLI and DELETE /v1/agents/{id}): refused while it is reserved for
// or on a call; otherwise the row goes first (every route then answers 404 and nothing
// restarts its workflow), then its workflow `agent-<id>` is terminated. Its past attempts
// keep their record without it (attempts.agent_id is set null).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../infra/prisma';
import type { Logger } from '../logger';
import { agentWorkflowId } from '../../workflows/agent-types';

export class AgentBusyError extends Error {
  constructor(readonly state: 'RESERVED' | 'ON_CALL') {
    super(`the agent is ${state}: it can be deleted once the call ended`);
    this.name = 'AgentBusyError';
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
    await temporal.workflow.getHandle(agentWorkflowId(agentId)).terminate('agent deleted');
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) {
      deps.logger?.warn({ err, agentId }, 'deleted agent: its workflow was not terminated');
      throw err;
    }
  }
  return true;
}
