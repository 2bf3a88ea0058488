// Starting a callback's workflow from its database row. The workflow id is derived from
// the callback id, so a repeated start (retry, reconciliation) finds the running one.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { callbackWorkflow } from '../../workflows/callback';
import { CALLBACK_DUE_AT, CALLBACK_MODE, CALLBACK_PROJECT, CALLBACK_STATUS } from '../../workflows/search-attributes';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';
import type { CallSettings } from '../domain/settings';

export interface CallbackRowForStart {
  id: string;
  projectId: string;
  mode: 'IMMEDIATE' | 'DEFERRED';
  dueAt: Date;
  slotStart: Date | null;
  position: number | null;
}

export function callbackWorkflowInput(
  row: CallbackRowForStart,
  settings: CallSettings,
  options: { localAgentSteps?: boolean } = {},
): CallbackWorkflowInput {
  return {
    callbackId: row.id,
    projectId: row.projectId,
    mode: row.mode,
    dueAt: row.dueAt.toISOString(),
    maxHandlingDelaySeconds: settings.maxHandlingDelaySeconds,
    ...(options.localAgentSteps ? { localAgentSteps: true } : {}),
  };
}

/**
 * #15 local-agent-steps: a callback runs its agent steps as local activities when agent
 * workflows have a task queue of their own (config.agentTaskQueue differs from the callbacks').
 */
export function agentStepsLocal(queues: { taskQueue: string; agentTaskQueue: string }): boolean {
  return queues.agentTaskQueue !== queues.taskQueue;
}

/**
 * Starts the workflow on `taskQueue`; returns false when it was already started (idempotent).
 * `agentTaskQueue`: where agent workflows run (config.agentTaskQueue; default: `taskQueue`, the
 * configuration's default too).
 */
export async function startCallbackWorkflow(
  temporal: Client,
  taskQueue: string,
  row: CallbackRowForStart,
  settings: CallSettings,
  agentTaskQueue: string = taskQueue,
): Promise<boolean> {
  try {
    await temporal.workflow.start(callbackWorkflow, {
      workflowId: callbackWorkflowId(row.id),
      taskQueue,
      // An ended callback is never started again, whoever retries the start.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // #15: agent workflows on a queue of their own -> agent steps as local activities.
      args: [callbackWorkflowInput(row, settings, { localAgentSteps: agentStepsLocal({ taskQueue, agentTaskQueue }) })],
      // S55: operators filter by these; no phone number, ever.
      typedSearchAttributes: [
        { key: CALLBACK_PROJECT, value: row.projectId },
        { key: CALLBACK_STATUS, value: 'SCHEDULED' },
        { key: CALLBACK_MODE, value: row.mode },
        { key: CALLBACK_DUE_AT, value: row.dueAt },
      ],
      // #14.5: what the UI shows on the run (no phone number).
      staticSummary: `Callback ${row.id} · ${row.mode} · project ${row.projectId}`,
      staticDetails: [
        `Callback ${row.id} of project ${row.projectId} (${row.mode}), due ${row.dueAt.toISOString()}`,
        row.slotStart ? `slot ${row.slotStart.toISOString()}, position ${row.position}` : null,
        `gives up (EXPIRED) ${settings.maxHandlingDelaySeconds} s after a due attempt without an agent`,
      ]
        .filter(Boolean)
        .join('\n'),
      memo: {
        projectId: row.projectId,
        mode: row.mode,
        ...(row.slotStart ? { slotStart: row.slotStart.toISOString(), position: row.position } : {}),
      },
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
