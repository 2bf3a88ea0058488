// Telephony status events become signals only when they change a leg's phase: progress
// statuses (initiated, ringing) cost the workflow nothing.
import type { Client } from '@temporalio/client';
import type { LegEvent } from '../../src/telephony/port';
import { createLegEventDelivery } from '../../src/callbacks/leg-events';
import { legKeyOf } from '../../workflows/types';

function recordingClient() {
  const signalled: { workflowId: string; status: string }[] = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (_signal: unknown, event: LegEvent) => void signalled.push({ workflowId, status: event.status }),
      }),
    },
  } as unknown as Client;
  return { client, signalled };
}

test('initiated and ringing are acknowledged without a signal; phase changes are signalled to callback-<id>', async () => {
  const { client, signalled } = recordingClient();
  const deliver = createLegEventDelivery(client);
  const callbackId = '3f1c2a4e-8d7b-4c6a-9e5f-1a2b3c4d5e6f';
  const key = legKeyOf(callbackId, 1, 'visitor');
  const statuses = [
    'initiated',
    'ringing',
    'answered',
    'completed',
    'no-answer',
    'busy',
    'failed',
    'canceled',
  ] as const;
  for (const [sequence, status] of statuses.entries()) {
    await deliver({ key, callSid: 'CA1', sequence, status } as LegEvent);
  }
  expect(signalled).toEqual(statuses.slice(2).map((status) => ({ workflowId: `callback-${callbackId}`, status })));
});
