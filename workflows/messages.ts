// Every message a callback workflow takes, defined once for the workflow, API and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LegEvent } from '../src/telephony/port';
import type { AcdIdentification, CallbackStatus, CallbackView } from './types';

export const callbackStateQuery = defineQuery<CallbackView>('callbackState');

/** S23: cancel before connection; rejected (validator) once connected or ended. */
export const cancelCallbackUpdate = defineUpdate<CallbackStatus, []>('cancelCallback');

/** Telephony status events (Twilio webhooks or the simulated network), deduplicated in the workflow. */
export const legEventSignal = defineSignal<[LegEvent]>('legEvent');

/** An agent may have become free: look again now instead of at the next poll. */
export const agentMayBeFreeSignal = defineSignal('agentMayBeFree');

/** S42: the ACD agent keyed in a known identifier (agentId) or ran out of tries (null). */
export const acdIdentificationSignal = defineSignal<[AcdIdentification]>('acdIdentification');
