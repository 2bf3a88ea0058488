// Repair pass for agents held by a callback that is gone. A callback workflow gives its
// agent back itself (releaseAgent); but one terminated by an operator in the Temporal UI,
// or reset past its release, never will, and the agent would stay RESERVED/ON_CALL for
// good, invisible to every other callback (S41, S44). The worker runs this periodically:
// an agent held for longer than `graceMs` by a callback whose workflow is not running is
// released, exactly as the callback would have (a talk ends in wrap-up, S45).
import { callbackWorkflowPresence } from '../callbacks/reconcile';
import type { Client } from '@temporalio/client';
import type { Db } from '../infra/prisma';
import type { Logger } from '../logger';
import type { createAgentWorkflowClient } from './agent-workflow-client';

export interface OrphanedReservationOptions {
  prisma: Db;
  temporal: Client;
  agents: Pick<ReturnType<typeof createAgentWorkflowClient>, 'callEnded'>;
  /** Holds younger than this are left alone (the callback is about to start or release). */
  graceMs: number;
  now?: Date;
  logger?: Logger;
}

export async function releaseOrphanedReservations(options: OrphanedReservationOptions): Promise<string[]> {
  const { prisma, temporal, agents } = options;
  const before = new Date((options.now ?? new Date()).getTime() - options.graceMs);
  const held = await prisma.agentPresence.findMany({
    where: { state: { in: ['RESERVED', 'ON_CALL'] }, callbackId: { not: null }, since: { lt: before } },
    select: { agentId: true, state: true, callbackId: true },
  });
  const released: string[] = [];
  for (const { agentId, state, callbackId } of held) {
    if ((await callbackWorkflowPresence(temporal, callbackId!)) === 'RUNNING') continue;
    // callEnded for a callback the agent no longer serves changes nothing: safe if it raced.
    await agents.callEnded(agentId, {
      callbackId: callbackId!,
      talked: state === 'ON_CALL',
      requestId: `${callbackId}:orphan-release`,
    });
    options.logger?.warn(
      { agentId, callbackId, state },
      'released an agent held by a callback that is no longer running',
    );
    released.push(agentId);
  }
  return released;
}
