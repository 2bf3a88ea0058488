// Every message a callback workflow takes, defined once for the workflow, API and tests.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CallbackStatus, CallbackView } from './types';

export const callbackStateQuery = defineQuery<CallbackView>('callbackState');

/** S23: cancel before connection; rejected (validator) once connected or ended. */
export const cancelCallbackUpdate = defineUpdate<CallbackStatus, []>('cancelCallback');
