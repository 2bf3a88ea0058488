// One long-lived workflow per agent (S55 `agent-<id>`): the truth of their presence (S44).
// Updates change it through the pure rules of src/domain/presence.ts, so a caller learns at
// once whether it got the agent (S41: never two calls at once); the auto-answer wrap-up is a
// durable timer (S45); every change is projected to agent_presence, which availability reads
// (S5), by one ordered writer loop. Repeated requestIds return their first result, and the
// workflow continues-as-new with its whole state, wrap-up deadline included.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { createPresenceActivities } from '../activities/presence';
import * as rules from '../src/domain/presence';
import {
  acceptCallUpdate,
  agentAcceptedSignal,
  callEndedUpdate,
  callStartedUpdate,
  endChatUpdate,
  loginUpdate,
  logoutUpdate,
  presenceQuery,
  refreshSettingsUpdate,
  reserveUpdate,
  setStatusUpdate,
  startChatUpdate,
} from './agent-messages';
import {
  AGENT_FAILURE,
  type AgentSettings,
  type AgentWorkflowState,
  type HandledRequest,
  type Presence,
  type PresenceProjection,
  type PresenceView,
  type RequestMeta,
  type ReserveResult,
} from './agent-types';
import { callbackWorkflowId } from './types';
import { AGENT_PRESENCE } from './search-attributes';

// The read model must catch up whatever happens, so retries never stop; they slow down.
const PROJECTION_OPTIONS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
// A local activity: the projection is written within the workflow task that changed the
// presence, so an update (reserve, callStarted, …) answers one round trip sooner. Runs
// recorded before used a regular activity and replay so.
const remoteProjection = proxyActivities<ReturnType<typeof createPresenceActivities>>(PROJECTION_OPTIONS);
const localProjection = proxyLocalActivities<ReturnType<typeof createPresenceActivities>>(PROJECTION_OPTIONS);
const LOCAL_PROJECTION = 'local-presence-projection';
/** patched() id (#14.5): the AgentPresence search attribute follows the presence state. */
const PRESENCE_SEARCH_ATTRIBUTE = 'agent-presence-search-attribute';

/** Deduplication memory: enough for any client's retries, small enough to carry across runs. */
const HANDLED_LIMIT = 200;

const REFUSAL_FAILURE: Record<rules.RefusalReason, string> = {
  INVALID_STATE: AGENT_FAILURE.invalidState,
  NUMBER_REQUIRED: AGENT_FAILURE.numberRequired,
  BUSY_ON_CALL: AGENT_FAILURE.busyOnCall,
};

function refusal(t: Extract<rules.Transition, { ok: false }>): ApplicationFailure {
  return ApplicationFailure.nonRetryable(t.message, REFUSAL_FAILURE[t.reason]);
}

function badArgument(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, AGENT_FAILURE.invalidArgument);
}

/**
 * #11.6: every update takes one optional object; its requestId, when present, is a short
 * string. Checked before any rule reads the arguments, so a malformed one is rejected by
 * the validator (never written to history) instead of failing inside the handler.
 */
function requireMeta(args: unknown): void {
  if (args === undefined) return;
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    throw badArgument('arguments must be an object');
  const { requestId } = args as { requestId?: unknown };
  if (requestId !== undefined && (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 300))
    throw badArgument('requestId must be a non-empty string');
}

function requireCallbackId(args: { callbackId?: unknown } | undefined): void {
  requireMeta(args);
  if (typeof args?.callbackId !== 'string' || args.callbackId.length === 0) throw badArgument('callbackId is required');
}

function projectionOf(agentId: string, p: Presence, revision: number): PresenceProjection {
  return {
    agentId,
    revision,
    state: p.state,
    since: p.since,
    callbackId: p.call?.callbackId ?? null,
    inChat: p.inChat,
    loginNumber: p.loginNumber,
    lastCallEndedAt: p.lastCallEndedAt,
  };
}

export async function agentWorkflow(input: AgentWorkflowState): Promise<void> {
  const { agentId } = input;
  const { projectPresence } = patched(LOCAL_PROJECTION) ? localProjection : remoteProjection;
  let settings: AgentSettings = input.settings;
  let presence: Presence = input.presence;
  let revision = input.revision;
  let projectedRevision = input.projectedRevision;
  const handled = new Map<string, HandledRequest>(input.handled.map((h) => [h.key, h]));
  const inFlight = new Map<string, Promise<unknown>>();

  const view = (): PresenceView => ({
    state: presence.state,
    since: presence.since,
    ...(presence.call ? { callbackId: presence.call.callbackId } : {}),
    inChat: presence.inChat,
    ...(presence.loginNumber ? { loginNumber: presence.loginNumber } : {}),
    busyForChat: rules.busyForChat(presence, settings),
    ...(presence.wrapUpUntil ? { wrapUpUntil: presence.wrapUpUntil } : {}),
    ...(presence.state === 'RESERVED' && presence.call && !presence.call.autoAnswer
      ? { accepted: presence.call.accepted }
      : {}),
  });

  /** Applies a presence; only a change the read model shows costs a revision. */
  function setPresence(next: Presence): void {
    const before = JSON.stringify(projectionOf(agentId, presence, 0));
    presence = next;
    if (JSON.stringify(projectionOf(agentId, presence, 0)) !== before) {
      revision += 1;
      log.info('agent presence', { agentId, state: presence.state, revision });
    }
  }

  function applyOrThrow(t: rules.Transition): void {
    if (!t.ok) throw refusal(t);
    setPresence(t.presence);
  }

  const keyOf = (name: string, meta: RequestMeta | undefined) => (meta?.requestId ? `${name}:${meta.requestId}` : null);
  const seen = (name: string, meta: RequestMeta | undefined) => {
    const key = keyOf(name, meta);
    return key !== null && handled.has(key);
  };

  /**
   * Runs a handler once per requestId and answers after the read model caught up, so a
   * caller that reads agent_presence next sees its own change.
   */
  async function once<T>(name: string, meta: RequestMeta | undefined, run: () => T | Promise<T>): Promise<T> {
    const key = keyOf(name, meta);
    if (key === null) return settle(await run());
    const earlier = handled.get(key);
    if (earlier) return settle(earlier.result as T, earlier.revision);
    // A repeat arriving while the first is still running (accept sends a signal) waits for it.
    const running = inFlight.get(key);
    if (running) return running as Promise<T>;
    const first = (async () => {
      try {
        const result = await run();
        handled.set(key, { key, result, revision });
        if (handled.size > HANDLED_LIMIT) handled.delete(handled.keys().next().value!);
        return await settle(result);
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, first);
    return first;
  }

  async function settle<T>(result: T, atRevision = revision): Promise<T> {
    await condition(() => projectedRevision >= atRevision);
    return result;
  }

  /** An update whose whole effect is one transition; refused transitions never reach the history. */
  function register<Args extends [RequestMeta?]>(
    update: UpdateDefinition<PresenceView, Args>,
    transition: (args: Args[0]) => rules.Transition,
    check?: (args: Args[0]) => void,
  ): void {
    setHandler(
      update,
      (...args: Args) =>
        once(update.name, args[0], () => {
          applyOrThrow(transition(args[0]));
          return view();
        }),
      {
        validator: (...args: Args) => {
          requireMeta(args[0]);
          check?.(args[0]);
          if (seen(update.name, args[0])) return;
          const t = transition(args[0]);
          if (!t.ok) throw refusal(t);
        },
      },
    );
  }

  setHandler(presenceQuery, view);

  register(
    loginUpdate,
    (args) => rules.login(presence, { phoneNumber: args?.phoneNumber ?? null }, settings, Date.now()),
    (args) => {
      const phoneNumber = (args as { phoneNumber?: unknown } | undefined)?.phoneNumber;
      if (phoneNumber !== undefined && (typeof phoneNumber !== 'string' || phoneNumber.length === 0))
        throw badArgument('phoneNumber must be a non-empty string');
    },
  );
  register(logoutUpdate, () => rules.logout(presence, Date.now()));
  register(
    setStatusUpdate,
    (args) => rules.setStatus(presence, args.status, Date.now()),
    (args) => {
      if (args?.status !== 'AVAILABLE' && args?.status !== 'UNAVAILABLE')
        throw badArgument('status must be AVAILABLE or UNAVAILABLE');
    },
  );
  register(startChatUpdate, () => rules.chatStarted(presence, settings));
  register(endChatUpdate, () => rules.chatEnded(presence));
  register(callStartedUpdate, (args) => rules.callStarted(presence, args.callbackId, Date.now()), requireCallbackId);
  register(
    callEndedUpdate,
    (args) => rules.callEnded(presence, args, Date.now()),
    (args) => {
      requireCallbackId(args);
      if (typeof args.talked !== 'boolean') throw badArgument('talked must be a boolean');
    },
  );

  setHandler(
    reserveUpdate,
    (args) =>
      once('reserve', args, (): ReserveResult => {
        const t = rules.reserve(presence, args, agentId, settings, Date.now());
        if (!t.ok) return { ok: false, reason: t.reason };
        setPresence(t.presence);
        return { ok: true, autoAnswer: presence.call!.autoAnswer, answerTarget: t.target };
      }),
    {
      validator: (args) => {
        requireCallbackId(args);
        if (args.wrapUpSeconds !== undefined && !(Number.isInteger(args.wrapUpSeconds) && args.wrapUpSeconds >= 1)) {
          throw badArgument('wrapUpSeconds must be a positive integer');
        }
      },
    },
  );

  setHandler(
    acceptCallUpdate,
    (args) =>
      once('acceptCall', args, async () => {
        const check = rules.acceptCall(presence, args.callbackId);
        if (!check.ok) throw refusal(check);
        if (presence.state === 'RESERVED' && !presence.call!.accepted) {
          // The callback workflow dials only once it knows (S45, auto-answer off).
          try {
            await getExternalWorkflowHandle(callbackWorkflowId(args.callbackId)).signal(agentAcceptedSignal, {
              agentId,
            });
          } catch (err) {
            throw ApplicationFailure.nonRetryable(
              `callback ${args.callbackId} is no longer running: ${(err as Error).message}`,
              AGENT_FAILURE.invalidState,
            );
          }
          // The reservation may have been released while the signal was sent.
          applyOrThrow(rules.acceptCall(presence, args.callbackId));
        }
        return view();
      }),
    {
      validator: (args) => {
        requireCallbackId(args);
        if (seen('acceptCall', args)) return;
        const t = rules.acceptCall(presence, args.callbackId);
        if (!t.ok) throw refusal(t);
      },
    },
  );

  setHandler(
    refreshSettingsUpdate,
    (args) =>
      once('refreshSettings', args, () => {
        const { requestId: _requestId, ...next } = args;
        settings = next;
        return view();
      }),
    {
      validator: (args) => {
        requireMeta(args);
        if (!Number.isInteger(args?.autoAnswerDelaySeconds) || args.autoAnswerDelaySeconds < 1) {
          throw badArgument('autoAnswerDelaySeconds must be a positive integer');
        }
        if (args.answerMode !== 'DESK' && args.answerMode !== 'PHONE')
          throw badArgument('answerMode must be DESK or PHONE');
      },
    },
  );

  /** #14.5: operators see and filter the presence (search attribute, current details). */
  let shownState: string | undefined;
  function showPresence(): void {
    setCurrentDetails(
      `${presence.state} since ${presence.since}${presence.call ? ` · callback ${presence.call.callbackId}` : ''}${presence.inChat ? ' · in a chat' : ''}`,
    );
    if (shownState !== presence.state && patched(PRESENCE_SEARCH_ATTRIBUTE)) {
      shownState = presence.state;
      upsertSearchAttributes([{ key: AGENT_PRESENCE, value: presence.state }]);
    }
  }

  const wantsContinueAsNew = () => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      (input.maxHistoryEvents !== undefined && info.historyLength >= input.maxHistoryEvents)
    );
  };

  for (;;) {
    // S45: the auto-answer pause ends by a durable timer, at the deadline carried in the state.
    const deadline = rules.wrapUpDeadlineMs(presence);
    if (deadline !== null && Date.now() >= deadline) {
      applyOrThrow(rules.wrapUpElapsed(presence, Date.now()));
      continue;
    }
    if (revision > projectedRevision) {
      const target = revision;
      showPresence();
      await projectPresence(projectionOf(agentId, presence, target));
      projectedRevision = Math.max(projectedRevision, target);
      continue;
    }
    if (wantsContinueAsNew()) {
      // Handlers wait for the projection, which this loop writes: keep projecting meanwhile.
      await condition(() => allHandlersFinished() || revision > projectedRevision);
      if (revision > projectedRevision) continue;
      const state: AgentWorkflowState = {
        agentId,
        settings,
        presence,
        revision,
        projectedRevision,
        handled: [...handled.values()],
        ...(input.maxHistoryEvents !== undefined ? { maxHistoryEvents: input.maxHistoryEvents } : {}),
      };
      await continueAsNew<typeof agentWorkflow>(state);
    }
    const waitMs = deadline === null ? undefined : deadline - Date.now();
    const changed = () =>
      revision > projectedRevision || wantsContinueAsNew() || rules.wrapUpDeadlineMs(presence) !== deadline;
    if (waitMs === undefined) await condition(changed);
    else await condition(changed, waitMs);
  }
}
