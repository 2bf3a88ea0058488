// #15: agent workflows run on a task queue of their own (config.agentTaskQueue). Those started
// before the split still run on the callbacks' queue (the worker keeps polling it for them);
// this asks each to continue-as-new onto the agents' queue (moveTaskQueueSignal), so the
// callbacks' queue is left to callback workflows. Idempotent: a moved run ignores the signal.
import type { Client } from '@temporalio/client';
import type { Logger } from '../logger';
import { moveTaskQueueSignal } from '../../workflows/agent-messages';

/** Visibility's string literal: single quotes and backslashes escaped. */
const literal = (value: string) => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** Signals every running agent workflow on `from` to move to `to`; the number signalled. */
export async function moveAgentWorkflows(deps: {
  temporal: Client;
  from: string;
  to: string;
  logger: Logger;
}): Promise<number> {
  const { temporal, from, to, logger } = deps;
  if (from === to) return 0;
  const query = `WorkflowType = 'agentWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = ${literal(from)}`;
  let moved = 0;
  for await (const execution of temporal.workflow.list({ query })) {
    try {
      await temporal.workflow.getHandle(execution.workflowId).signal(moveTaskQueueSignal, { taskQueue: to });
      moved += 1;
    } catch (err) {
      // Ended meanwhile, or Temporal busy: the next pass tries again.
      logger.warn({ err, workflowId: execution.workflowId }, 'could not ask an agent workflow to move task queue');
    }
  }
  if (moved > 0) logger.info({ moved, from, to }, 'asked agent workflows to move to their own task queue');
  return moved;
}
