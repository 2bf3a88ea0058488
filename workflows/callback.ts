// One durable workflow per callback (S55): wait until due, get an agent or expire (S4),
// cancellable until connected (S23). Only instants reach here: the API turned local slot
// times into UTC, and the phone number stays in the database.
import {
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { callbackStateQuery, cancelCallbackUpdate } from './messages';
import { CALLBACK_STATUS } from './search-attributes';
import {
  isCancellable,
  isTerminal,
  type CallbackStatus,
  type CallbackView,
  type CallbackWorkflowInput,
} from './types';

const db = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function callbackWorkflow(input: CallbackWorkflowInput): Promise<CallbackStatus> {
  let status: CallbackStatus = 'SCHEDULED';
  let cancelRequested = false;
  const attempts = 0;
  const dueMs = Date.parse(input.dueAt);

  const view = (): CallbackView => ({ callbackId: input.callbackId, status, dueAt: input.dueAt, attempts });
  setHandler(callbackStateQuery, view);
  setHandler(
    cancelCallbackUpdate,
    async () => {
      cancelRequested = true;
      await condition(() => isTerminal(status));
      return status;
    },
    {
      validator: () => {
        if (!isCancellable(status)) throw new Error(`NOT_CANCELLABLE: callback is ${status}`);
      },
    },
  );

  async function moveTo(next: CallbackStatus): Promise<void> {
    status = next;
    upsertSearchAttributes([{ key: CALLBACK_STATUS, value: next }]);
    await db.recordCallbackStatus({ callbackId: input.callbackId, status: next, at: new Date().toISOString() });
    log.info('callback status', { callbackId: input.callbackId, status: next });
  }

  async function finish(final: CallbackStatus): Promise<CallbackStatus> {
    await moveTo(final);
    await condition(allHandlersFinished);
    return final;
  }

  // S3/S20: sleep until the booked position (immediate: due now).
  await condition(() => cancelRequested, Math.max(0, dueMs - Date.now()));
  if (cancelRequested) return finish('CANCELLED');

  // S4: an agent must take the callback within maxHandlingDelaySeconds of its due time,
  // else it expires and the visitor is never dialed.
  await moveTo('WAITING_AGENT');
  const deadlineMs = dueMs + input.maxHandlingDelaySeconds * 1000;
  await condition(() => cancelRequested, Math.max(0, deadlineMs - Date.now()));
  if (cancelRequested) return finish('CANCELLED');
  return finish('EXPIRED');
}
