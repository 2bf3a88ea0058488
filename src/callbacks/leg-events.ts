// Telephony status events (Twilio webhooks or the simulated network) become signals to
// the callback's workflow; the leg key names it, so no lookup is needed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { UnknownCallError, type LegEvent } from '../../activities/telephony/port';
import { legEventSignal } from '../../workflows/messages';
import { callbackWorkflowId } from '../../workflows/types';

const LEG_KEY = /^([0-9a-f-]{36}):(\d{1,3}):(agent|visitor)$/;

export function createLegEventDelivery(temporal: Client) {
  return async (event: LegEvent): Promise<void> => {
    const match = LEG_KEY.exec(event.key);
    if (!match) throw new UnknownCallError(`malformed leg key`);
    try {
      await temporal.workflow.getHandle(callbackWorkflowId(match[1]!)).signal(legEventSignal, event);
    } catch (err) {
      // A finished or unknown callback: the event is late or not ours; ignore it safely.
      if (err instanceof WorkflowNotFoundError) throw new UnknownCallError(`no running callback for ${event.key}`);
      throw err;
    }
  };
}
