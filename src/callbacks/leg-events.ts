// Telephony status events (Twilio webhooks or the simulated network) become signals to
// the callback's workflow; the leg key names it, so no lookup is needed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { UnknownCallError, type LegEvent } from '../telephony/port';
import { legEventSignal } from '../../workflows/messages';
import { callbackWorkflowId, isPhaseStatus, parseLegKey } from '../../workflows/types';

export function createLegEventDelivery(temporal: Client) {
  return async (event: LegEvent): Promise<void> => {
    const leg = parseLegKey(event.key);
    if (!leg) throw new UnknownCallError(`malformed leg key`);
    // Progress only (initiated, ringing): acknowledged, no signal, no workflow task.
    if (!isPhaseStatus(event.status)) return;
    try {
      await temporal.workflow.getHandle(callbackWorkflowId(leg.callbackId)).signal(legEventSignal, event);
    } catch (err) {
      // A finished or unknown callback: the event is late or not ours; ignore it safely.
      if (err instanceof WorkflowNotFoundError) throw new UnknownCallError(`no running callback for ${event.key}`);
      throw err;
    }
  };
}
