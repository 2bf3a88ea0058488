// Signals a waiting callback that an agent may be free, so it looks now rather than at
// its next poll (S2: within a second when an agent is free).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { agentMayBeFreeSignal } from '../../workflows/messages';
import { callbackWorkflowId } from '../../workflows/types';

export function createCallbackWaker(temporal: Client) {
  return async (callbackId: string): Promise<void> => {
    try {
      await temporal.workflow.getHandle(callbackWorkflowId(callbackId)).signal(agentMayBeFreeSignal);
    } catch (err) {
      // It ended meanwhile: nobody to wake.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  };
}
