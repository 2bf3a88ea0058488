// Every message an agent workflow takes (S44–S46), defined once for the workflow, its client,
// the callback side and tests. Updates, so the caller knows at once what happened.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CallEndedInput,
  CallInput,
  LoginInput,
  PresenceView,
  RefreshSettingsInput,
  RequestMeta,
  ReserveInput,
  ReserveResult,
  SetStatusInput,
} from './agent-types';

export const presenceQuery = defineQuery<PresenceView>('presence');

/** S43: AVAILABLE after login; refused without a number when the agent is asked for one. */
export const loginUpdate = defineUpdate<PresenceView, [LoginInput?]>('login');
/** Refused while reserved or on a call. */
export const logoutUpdate = defineUpdate<PresenceView, [RequestMeta?]>('logout');
/** S44: AVAILABLE / UNAVAILABLE (pause) at any time; UNAVAILABLE in wrap-up holds the agent out. */
export const setStatusUpdate = defineUpdate<PresenceView, [SetStatusInput]>('setStatus');
/** S46: refused while on a call for an agent who may not mix. */
export const startChatUpdate = defineUpdate<PresenceView, [RequestMeta?]>('startChat');
export const endChatUpdate = defineUpdate<PresenceView, [RequestMeta?]>('endChat');

/** S41: the agent for this callback, or why not; never two calls at once; same callback → same answer. */
export const reserveUpdate = defineUpdate<ReserveResult, [ReserveInput]>('reserve');
/** Both parties bridged: RESERVED → ON_CALL. */
export const callStartedUpdate = defineUpdate<PresenceView, [CallInput]>('callStarted');
/** The callback gives the agent back: wrap-up after a talk (S45), else AVAILABLE. */
export const callEndedUpdate = defineUpdate<PresenceView, [CallEndedInput]>('callEnded');
/** S45, auto-answer off: the agent accepts the call; the callback workflow gets agentAcceptedSignal. */
export const acceptCallUpdate = defineUpdate<PresenceView, [CallInput]>('acceptCall');
/** Settings changed (PATCH /agents, the account switch, call settings): applies from now on. */
export const refreshSettingsUpdate = defineUpdate<PresenceView, [RefreshSettingsInput]>('refreshSettings');

/**
 * #15: run on this task queue from now on (the agent workflows' own queue): the workflow
 * continues-as-new onto it once its handlers finished. Sent by the worker to agent workflows
 * still on the callbacks' queue (started before the queues were split).
 */
export const moveTaskQueueSignal = defineSignal<[{ taskQueue: string }]>('moveTaskQueue');

/** Sent by the agent workflow to `callback-<callbackId>` when the agent accepts its call (S45). */
export const agentAcceptedSignal = defineSignal<[{ agentId: string }]>('agentAccepted');
