// Starting a callback's workflow from its database row. The workflow id is derived from
// the callback id, so a repeated start (retry, reconciliation) finds the running one.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { callbackWorkflow } from '../../workflows/callback';
import { CALLBACK_DUE_AT, CALLBACK_MODE, CALLBACK_PROJECT, CALLBACK_STATUS } from '../../workflows/search-attributes';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';
import type { CallSettings } from '../domain/settings';
import { agentStepsLocalFor } from '../agents/agent-workflow-client';

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

/** Starts the workflow; returns false when it was already started (idempotent). */
export async function startCallbackWorkflow(
  temporal: Client,
  taskQueue: string,
  row: CallbackRowForStart,
  settings: CallSettings,
): Promise<boolean> {
  try {
    await temporal.workflow.start(callbackWorkflow, {
      workflowId: callbackWorkflowId(row.id),
      taskQueue,
      // An ended callback is never started again, whoever retries the start.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // #15: agent workflows on a queue of their own -> agent steps as local activities.
      args: [callbackWorkflowInput(row, settings, { localAgentSteps: agentStepsLocalFor(taskQueue) })],
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
