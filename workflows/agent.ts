// One long-lived workflow per agent (S55 `agent-<id>`): the truth of their presence (S44).
// Updates change it through the pure rules of src/domain/presence.ts, so a caller learns at
// once whether it got the agent (S41: never two calls at once); the auto-answer wrap-up is a
// durable timer (S45); every change is projected to agent_presence, which availability reads
// (S5), by one ordered writer loop. Repeated requestIds return their first result, and the
// workflow continues-as-new with its whole state, wrap-up deadline included. Argument checks,
// views and the deduplication memory are pure (workflows/agent-state.ts).
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  makeContinueAsNewFunc,
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
  moveTaskQueueSignal,
  presenceQuery,
  refreshSettingsUpdate,
  reserveUpdate,
  setStatusUpdate,
  startChatUpdate,
} from './agent-messages';
import {
  checkArgs,
  HandledRequests,
  presenceDetails,
  presenceView,
  projectionOf,
  projectsToShow,
  readModelChanged,
  refusal,
} from './agent-state';
import {
  AGENT_FAILURE,
  type AgentSettings,
  type AgentWorkflowState,
  type Presence,
  type PresenceView,
  type RequestMeta,
  type ReserveResult,
  type CallInput,
} from './agent-types';
import { callbackWorkflowId } from './types';
import { AGENT_PRESENCE, AGENT_PROJECTS } from './search-attributes';

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
/** patched() id (#14.5): the AgentProjects search attribute follows the agent's projects (refreshSettings). */
const PROJECTS_SEARCH_ATTRIBUTE = 'agent-projects-upsert';

/** Deduplication memory: enough for any client's retries, small enough to carry across runs. */
const HANDLED_LIMIT = 200;

/** The mutable part of a run: what continue-as-new carries (besides the request memory). */
interface RunState {
  settings: AgentSettings;
  presence: Presence;
  /** Grows with every change the read model shows. */
  revision: number;
  /** The last revision written to agent_presence. */
  projectedRevision: number;
}

/**
 * Runs a handler once per requestId and answers after the read model caught up, so a caller
 * that reads agent_presence next sees its own change. A repeat arriving while the first is
 * still running (accept sends a signal) waits for it.
 */
function onceRunner(state: RunState, handled: HandledRequests) {
  const inFlight = new Map<string, Promise<unknown>>();
  const settle = async <T>(result: T, atRevision = state.revision): Promise<T> => {
    await condition(() => state.projectedRevision >= atRevision);
    return result;
  };
  return async function once<T>(name: string, meta: RequestMeta | undefined, run: () => T | Promise<T>): Promise<T> {
    const key = HandledRequests.keyOf(name, meta);
    if (key === null) return settle(await run());
    const earlier = handled.get(key);
    if (earlier) return settle(earlier.result as T, earlier.revision);
    const running = inFlight.get(key);
    if (running) return running as Promise<T>;
    const first = (async () => {
      try {
        const result = await run();
        handled.remember(key, result, state.revision);
        return await settle(result);
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, first);
    return first;
  };
}

/** #14.5: operators see and filter the presence (current details, search attribute). */
function presenceShower() {
  let shownState: string | undefined;
  return (presence: Presence): void => {
    setCurrentDetails(presenceDetails(presence));
    if (shownState !== presence.state && patched(PRESENCE_SEARCH_ATTRIBUTE)) {
      shownState = presence.state;
      upsertSearchAttributes([{ key: AGENT_PRESENCE, value: presence.state }]);
    }
  };
}

/**
 * #14.5: operators filter agents by project; set at start, upserted when refreshSettings brings
 * another set. The same set asks nothing (no marker, no upsert): the comparison comes first.
 */
function showProjects(projectIds: readonly string[]): void {
  const next = projectsToShow(workflowInfo().typedSearchAttributes.get(AGENT_PROJECTS), projectIds);
  if (next !== null && patched(PROJECTS_SEARCH_ATTRIBUTE)) {
    upsertSearchAttributes([{ key: AGENT_PROJECTS, value: next }]);
  }
}

/**
 * What every update handler shares: `apply` a transition (a revision only when the read model
 * changes), run `once` per requestId, `refuses` in the validator what the current presence
 * cannot do (so refusals never reach the history), `register` a one-transition update.
 */
function presenceUpdates(agentId: string, state: RunState, handled: HandledRequests) {
  const once = onceRunner(state, handled);
  const view = (): PresenceView => presenceView(state.presence, state.settings);

  function apply(t: rules.Transition): void {
    if (!t.ok) throw refusal(t);
    const before = state.presence;
    state.presence = t.presence;
    if (readModelChanged(agentId, before, state.presence)) {
      state.revision += 1;
      log.info('agent presence', { agentId, state: state.presence.state, revision: state.revision });
    }
  }

  const refuses =
    <A extends RequestMeta | undefined>(name: string, check: (a: A) => void, transition: (a: A) => rules.Transition) =>
    (a: A) => {
      check(a);
      if (handled.seen(name, a)) return;
      const t = transition(a);
      if (!t.ok) throw refusal(t);
    };

  function register<Args extends [RequestMeta?]>(
    update: UpdateDefinition<PresenceView, Args>,
    transition: (args: Args[0]) => rules.Transition,
    check?: (args: Args[0]) => void,
  ): void {
    const checks = (a: Args[0]) => {
      checkArgs.meta(a);
      check?.(a);
    };
    const validator = refuses(update.name, checks, transition);
    const run = (a: Args[0]) => () => {
      apply(transition(a));
      return view();
    };
    setHandler(update, (...args: Args) => once(update.name, args[0], run(args[0])), {
      validator: (...args: Args) => validator(args[0]),
    });
  }

  return { once, apply, view, refuses, register };
}

export async function agentWorkflow(input: AgentWorkflowState): Promise<void> {
  const { agentId } = input;
  const { projectPresence } = patched(LOCAL_PROJECTION) ? localProjection : remoteProjection;
  const state: RunState = {
    settings: input.settings,
    presence: input.presence,
    revision: input.revision,
    projectedRevision: input.projectedRevision,
  };
  const handled = new HandledRequests(input.handled, HANDLED_LIMIT);
  const { once, apply, view, refuses, register } = presenceUpdates(agentId, state, handled);
  const now = () => Date.now();
  const p = () => state.presence;

  setHandler(presenceQuery, view);
  register(
    loginUpdate,
    (a) => rules.login(p(), { phoneNumber: a?.phoneNumber ?? null }, state.settings, now()),
    checkArgs.login,
  );
  register(logoutUpdate, () => rules.logout(p(), now()));
  register(setStatusUpdate, (a) => rules.setStatus(p(), a.status, now()), checkArgs.setStatus);
  register(startChatUpdate, () => rules.chatStarted(p(), state.settings));
  register(endChatUpdate, () => rules.chatEnded(p()));
  register(callStartedUpdate, (a) => rules.callStarted(p(), a.callbackId, now()), checkArgs.callbackId);
  register(callEndedUpdate, (a) => rules.callEnded(p(), a, now()), checkArgs.callEnded);

  // S41: a refusal is an answer ({ ok: false }), remembered like any first result.
  const reserve = (args: Parameters<typeof rules.reserve>[1]): ReserveResult => {
    const t = rules.reserve(p(), args, agentId, state.settings, now());
    if (!t.ok) return { ok: false, reason: t.reason };
    apply(t);
    return { ok: true, autoAnswer: p().call!.autoAnswer, answerTarget: t.target };
  };
  setHandler(reserveUpdate, (args) => once('reserve', args, () => reserve(args)), { validator: checkArgs.reserve });

  // S45, auto-answer off: the callback workflow dials only once it knows the agent accepted.
  const accept = async (callbackId: string): Promise<PresenceView> => {
    const check = rules.acceptCall(p(), callbackId);
    if (!check.ok) throw refusal(check);
    if (p().state === 'RESERVED' && !p().call!.accepted) {
      await signalAccepted(callbackId, agentId);
      // The reservation may have been released while the signal was sent.
      apply(rules.acceptCall(p(), callbackId));
    }
    return view();
  };
  setHandler(acceptCallUpdate, (args) => once('acceptCall', args, () => accept(args.callbackId)), {
    validator: refuses('acceptCall', checkArgs.callbackId, (a: CallInput) => rules.acceptCall(p(), a.callbackId)),
  });

  setHandler(
    refreshSettingsUpdate,
    (args) =>
      once('refreshSettings', args, () => {
        const { requestId: _requestId, projectIds, ...next } = args;
        state.settings = next;
        if (projectIds !== undefined) showProjects(projectIds);
        return view();
      }),
    { validator: checkArgs.refreshSettings },
  );

  // #15: a run still on the callbacks' queue moves to the agents' queue (no command until then).
  let moveTo: string | undefined;
  setHandler(moveTaskQueueSignal, (a) => {
    if (typeof a?.taskQueue === 'string' && a.taskQueue.length > 0) moveTo = a.taskQueue;
  });
  const moving = () => moveTo !== undefined && moveTo !== workflowInfo().taskQueue;

  const showPresence = presenceShower();
  const wantsContinueAsNew = () => historyFull(input.maxHistoryEvents) || moving();
  const unprojected = () => state.revision > state.projectedRevision;

  for (;;) {
    // S45: the auto-answer pause ends by a durable timer, at the deadline carried in the state.
    const deadline = rules.wrapUpDeadlineMs(p());
    if (deadline !== null && now() >= deadline) {
      apply(rules.wrapUpElapsed(p(), now()));
      continue;
    }
    if (unprojected()) {
      const target = state.revision;
      showPresence(p());
      await projectPresence(projectionOf(agentId, p(), target));
      state.projectedRevision = Math.max(state.projectedRevision, target);
      continue;
    }
    if (wantsContinueAsNew()) {
      // Handlers wait for the projection, which this loop writes: keep projecting meanwhile.
      await condition(() => allHandlersFinished() || unprojected());
      if (unprojected()) continue;
      const { maxHistoryEvents } = input;
      const continueAsNew = makeContinueAsNewFunc<typeof agentWorkflow>(moving() ? { taskQueue: moveTo } : {});
      await continueAsNew({
        agentId,
        ...state,
        handled: handled.list(),
        ...(maxHistoryEvents !== undefined ? { maxHistoryEvents } : {}),
      });
    }
    const changed = () => unprojected() || wantsContinueAsNew() || rules.wrapUpDeadlineMs(p()) !== deadline;
    if (deadline === null) await condition(changed);
    else await condition(changed, deadline - now());
  }
}

/** Temporal suggests continue-as-new, or the history reached the cap a test set. */
function historyFull(maxHistoryEvents: number | undefined): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || (maxHistoryEvents !== undefined && info.historyLength >= maxHistoryEvents);
}

/** Tells `callback-<id>` its agent accepted; a callback no longer running refuses the accept. */
async function signalAccepted(callbackId: string, agentId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(callbackWorkflowId(callbackId)).signal(agentAcceptedSignal, { agentId });
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `callback ${callbackId} is no longer running: ${(err as Error).message}`,
      AGENT_FAILURE.invalidState,
    );
  }
}
