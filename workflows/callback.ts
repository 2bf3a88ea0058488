// One durable workflow per callback (S55), reading like the spec: sleep until due (S3,
// S20) -> get an agent or expire (S4, S41) -> dial in the configured order (S30) ->
// connected once both answered, voicemail included (S32) -> COMPLETED; a failed attempt
// waits and retries (S33) -> FAILED. Cancellable until connected (S23). Only ids and
// instants reach here: the phone number stays in the database.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LegEvent } from '../activities/telephony/port';
import {
  acdIdentificationSignal,
  agentMayBeFreeSignal,
  callbackStateQuery,
  cancelCallbackUpdate,
  legEventSignal,
} from './messages';
import { agentAcceptedSignal } from './agent-messages';
import { CALLBACK_STATUS } from './search-attributes';
import {
  attemptDueMs,
  isCancellable,
  isPhaseStatus,
  isTerminal,
  legKeyOf,
  type AttemptOutcome,
  type CallbackStatus,
  type CallbackView,
  type CallbackWorkflowInput,
  type DialPlan,
  type Leg,
} from './types';

const DB_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
/**
 * Database steps (status, dial plan, attempts) are short and idempotent: run as local
 * activities they cost no server round trip and no workflow task of their own — about half
 * the server's work per callback (bench P1). Histories from before ran them as regular
 * activities, and replay them so.
 */
const remoteDb = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);
const localDb = proxyLocalActivities<Activities>(DB_ACTIVITY_OPTIONS);
/**
 * The agent's reservation and release stay regular activities: they wait on the agent's
 * workflow, whose task this worker must run. As local activities they hold this workflow's
 * task open meanwhile, and a thousand waiting callbacks starve the agent workflows of task
 * slots (bench P3: every reserve update timed out).
 */
const agentSteps = remoteDb;
/** patched() id of the switch above. */
const LOCAL_DB_ACTIVITIES = 'local-db-activities';

// S35: a dial is retried only when it certainly did not ring; the activity itself refuses
// a second dial for the same leg key (DialOutcomeUnknown).
const telephony = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['PermanentDialError', 'DialOutcomeUnknown'],
  },
});

/** Extra wait beyond the ring timeout before a silent leg counts as not answered. */
const RING_GRACE_MS = 30_000;
/** A connected call longer than this is hung up: a lost "completed" event must not pin the agent. */
const MAX_CALL_MS = 4 * 3600_000;
const AGENT_POLL_MS = [1000, 2000, 5000];
/** patched() id: a callback already due starts at once instead of through a zero-length timer. */
const SKIP_SLEEP_WHEN_DUE = 'skip-sleep-when-due';
/** patched() id: a wake-up signal no longer cancels the agent poll timer (see obtainAgent). */
const KEEP_POLL_TIMER = 'keep-agent-poll-timer';
/** S42: per identification try, the gather timeout (10 s) plus the time to answer it. */
const ACD_TRY_MS = 15_000;

type LegPhase = 'dialing' | 'answered' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled' | 'timeout';
const FINAL_PHASES: readonly LegPhase[] = ['completed', 'no-answer', 'busy', 'failed', 'canceled', 'timeout'];

/** Folds one status event into a leg's phase; final phases never change (duplicates, late events). */
export function nextLegPhase(current: LegPhase, event: Pick<LegEvent, 'status'>): LegPhase {
  if (FINAL_PHASES.includes(current)) return current;
  return isPhaseStatus(event.status) ? event.status : current;
}

function outcomeOf(leg: Leg, phase: LegPhase): AttemptOutcome {
  if (phase === 'failed') return 'FAILED';
  if (phase === 'busy') return leg === 'agent' ? 'AGENT_BUSY' : 'VISITOR_BUSY';
  return leg === 'agent' ? 'AGENT_NO_ANSWER' : 'VISITOR_NO_ANSWER';
}

export async function callbackWorkflow(input: CallbackWorkflowInput): Promise<CallbackStatus> {
  const { callbackId, projectId } = input;
  const db = patched(LOCAL_DB_ACTIVITIES) ? localDb : remoteDb;
  const dueMs = Date.parse(input.dueAt);
  let status: CallbackStatus = 'SCHEDULED';
  let cancelRequested = false;
  let agentMayBeFree = false;
  /** The running agent poll timer: when it fires, and whether it has. */
  let pollTimer: { firesAtMs: number; fired: boolean } | null = null;
  let attempt = 0;
  let agentId: string | null = null;
  // S45: with auto-answer off, the reserved agent must accept the call.
  let agentMustAccept = false;
  let acceptedBy: string | null = null;
  const legPhases = new Map<string, LegPhase>();
  // Events may arrive batched or reordered ("completed" with "answered"): remember answers apart.
  const answeredLegs = new Set<string>();
  const seenEvents = new Set<string>();
  // S42: per ACD leg, the identified agent (or null: not identified).
  const acdIdentified = new Map<string, string | null>();

  setHandler(callbackStateQuery, (): CallbackView => ({ callbackId, status, dueAt: input.dueAt, attempt, agentId }));
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
  setHandler(legEventSignal, (event) => {
    // Twilio retries webhooks and may reorder them: apply each (call, sequence) once.
    const id = `${event.key}:${event.callSid}:${event.sequence}:${event.status}`;
    if (seenEvents.has(id) || !legPhases.has(event.key)) return;
    seenEvents.add(id);
    legPhases.set(event.key, nextLegPhase(legPhases.get(event.key)!, event));
    if (event.status === 'answered' || (event.status === 'completed' && (event.durationSeconds ?? 0) > 0)) {
      answeredLegs.add(event.key);
    }
  });
  setHandler(acdIdentificationSignal, ({ key, agentId }) => {
    if (legPhases.has(key) && !acdIdentified.has(key)) acdIdentified.set(key, agentId);
  });
  setHandler(agentAcceptedSignal, ({ agentId: accepting }) => {
    if (accepting === agentId) acceptedBy = accepting;
  });
  setHandler(agentMayBeFreeSignal, () => {
    agentMayBeFree = true;
  });

  const nowIso = () => new Date().toISOString();

  async function moveTo(next: CallbackStatus): Promise<void> {
    status = next;
    upsertSearchAttributes([{ key: CALLBACK_STATUS, value: next }]);
    await db.recordCallbackStatus({ callbackId, status: next, at: nowIso() });
    log.info('callback status', { callbackId, status: next, attempt });
  }

  async function finish(final: CallbackStatus): Promise<CallbackStatus> {
    await moveTo(final);
    await condition(allHandlersFinished);
    return final;
  }

  /** Sleeps until `untilMs` or a cancel; true when cancelled. */
  async function sleepUntil(untilMs: number): Promise<boolean> {
    const leftMs = untilMs - Date.now();
    // S2: already due (an immediate callback) -> no timer at all. A server timer, even of
    // 1 ms, fires about a second later; histories from before this patch slept anyway.
    if (leftMs <= 0 && patched(SKIP_SLEEP_WHEN_DUE)) return cancelRequested;
    await condition(() => cancelRequested, Math.max(0, leftMs));
    return cancelRequested;
  }

  /** S41 through the assignment activity; null when the S4 deadline passes first. */
  async function obtainAgent(deadlineMs: number): Promise<string | null> {
    for (let poll = 0; ; poll++) {
      const reserved = await agentSteps.reserveAgent({ projectId, callbackId, attempt });
      if (reserved) {
        // Histories from before auto-answer-off support carry no flag: they auto-answered.
        agentMustAccept = reserved.autoAnswer === false;
        acceptedBy = null;
        return reserved.agentId;
      }
      const left = deadlineMs - Date.now();
      if (left <= 0) return null;
      agentMayBeFree = false;
      const pollMs = AGENT_POLL_MS[Math.min(poll, AGENT_POLL_MS.length - 1)]!;
      if (patched(KEEP_POLL_TIMER)) {
        // A wake-up signal does not cancel the poll timer: the next look reuses it. Fewer
        // commands, and no cancel racing a timer that fires meanwhile (which the
        // time-skipping test server rejects).
        if (!pollTimer || pollTimer.fired || pollTimer.firesAtMs > deadlineMs) {
          const timer = { firesAtMs: Date.now() + Math.min(pollMs, left), fired: false };
          pollTimer = timer;
          sleep(timer.firesAtMs - Date.now()).then(
            () => void (timer.fired = true),
            () => undefined, // cancelled with the workflow: nothing waits on it any more
          );
        }
        const timer = pollTimer;
        await condition(() => cancelRequested || agentMayBeFree || timer.fired);
      } else {
        await condition(() => cancelRequested || agentMayBeFree, Math.min(pollMs, left));
      }
      if (cancelRequested) return null;
    }
  }

  async function dial(leg: Leg, first: boolean, plan: DialPlan): Promise<{ key: string; callSid: string | null }> {
    const key = legKeyOf(callbackId, attempt, leg);
    legPhases.set(key, 'dialing');
    try {
      const { callSid } = await telephony.dialLeg({
        callbackId,
        projectId,
        attempt,
        leg,
        agentId,
        first,
        ringTimeoutSeconds: plan.ringTimeoutSeconds,
        record: plan.record,
        ...(leg === 'agent' && plan.acd ? { acd: plan.acd } : {}),
      });
      return { key, callSid };
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
        log.warn('dial failed', { callbackId, attempt, leg, type: err.cause.type });
        legPhases.set(key, 'failed');
        return { key, callSid: null };
      }
      throw err;
    }
  }

  /** Waits until the leg is answered or ended (or the ring timeout passed); cancel interrupts. */
  async function awaitAnswer(
    key: string,
    plan: DialPlan,
    alsoStopWhen: () => boolean = () => false,
  ): Promise<LegPhase> {
    const settled = () => answeredLegs.has(key) || legPhases.get(key) !== 'dialing';
    const ok = await condition(
      () => settled() || cancelRequested || alsoStopWhen(),
      plan.ringTimeoutSeconds * 1000 + RING_GRACE_MS,
    );
    if (!ok) legPhases.set(key, 'timeout');
    return answeredLegs.has(key) ? 'answered' : legPhases.get(key)!;
  }

  /**
   * S42: an answered ACD leg counts once the agent keyed in a known identifier; after the
   * configured tries (or silence) the attempt ends as AGENT_NOT_IDENTIFIED.
   */
  async function awaitIdentification(key: string, plan: DialPlan): Promise<boolean> {
    const acd = plan.acd!;
    await condition(
      () => acdIdentified.has(key) || cancelRequested || FINAL_PHASES.includes(legPhases.get(key)!),
      acd.welcomeMessageSeconds * 1000 + acd.identificationAttempts * ACD_TRY_MS + RING_GRACE_MS,
    );
    const identified = acdIdentified.get(key) ?? null;
    if (identified) await db.setAttemptAgent({ callbackId, number: attempt, agentId: identified });
    return identified !== null;
  }

  /** A leg's answer as the attempt sees it: an ACD leg answers only once identified. */
  async function answerOf(
    leg: Leg,
    call: { key: string },
    plan: DialPlan,
    alsoStopWhen?: () => boolean,
  ): Promise<LegPhase | 'not-identified'> {
    const phase = await awaitAnswer(call.key, plan, alsoStopWhen);
    if (phase !== 'answered' || leg !== 'agent' || !plan.acd || cancelRequested) return phase;
    return (await awaitIdentification(call.key, plan)) ? 'answered' : 'not-identified';
  }

  async function hangup(...calls: { callSid: string | null }[]): Promise<void> {
    for (const call of calls) if (call.callSid) await telephony.hangupLeg({ callSid: call.callSid });
  }

  /** One attempt: both parties dialled in order and bridged. Null outcome: cancelled mid-dial. */
  async function runAttempt(plan: DialPlan): Promise<AttemptOutcome | null> {
    if (agentMustAccept) {
      // S45 auto-answer off: no acceptance within the ring timeout is an agent no-answer.
      const accepted = await condition(() => acceptedBy !== null || cancelRequested, plan.ringTimeoutSeconds * 1000);
      if (cancelRequested) return null;
      if (!accepted) return 'AGENT_NO_ANSWER';
    }
    const [firstLeg, secondLeg]: [Leg, Leg] =
      plan.callOrder === 'AGENT_FIRST' ? ['agent', 'visitor'] : ['visitor', 'agent'];
    const first = await dial(firstLeg, true, plan);
    const firstPhase = await answerOf(firstLeg, first, plan);
    if (cancelRequested) {
      await hangup(first);
      return null;
    }
    if (firstPhase === 'not-identified') {
      await hangup(first);
      return 'AGENT_NOT_IDENTIFIED';
    }
    if (firstPhase !== 'answered') {
      if (firstPhase === 'timeout') await hangup(first);
      return outcomeOf(firstLeg, firstPhase);
    }

    const second = await dial(secondLeg, false, plan);
    const firstGone = () => FINAL_PHASES.includes(legPhases.get(first.key)!);
    const secondPhase = await answerOf(secondLeg, second, plan, firstGone);
    if (cancelRequested) {
      await hangup(first, second);
      return null;
    }
    if (secondPhase === 'not-identified') {
      await hangup(first, second);
      return 'AGENT_NOT_IDENTIFIED';
    }
    if (secondPhase !== 'answered') {
      await hangup(first, second);
      // The first party hung up while the second was ringing: the attempt failed.
      return firstGone() && secondPhase === 'dialing' ? 'FAILED' : outcomeOf(secondLeg, secondPhase);
    }

    // S32: both answered (a voicemail counts): the connection is effective.
    await moveTo('CONNECTED');
    if (agentId) await agentSteps.markAgentOnCall({ agentId, callbackId, attempt });
    await condition(
      () => FINAL_PHASES.includes(legPhases.get(first.key)!) || FINAL_PHASES.includes(legPhases.get(second.key)!),
      MAX_CALL_MS,
    );
    await hangup(first, second);
    return 'CONNECTED';
  }

  // S3/S20: sleep until the booked position (immediate: due now).
  if (await sleepUntil(dueMs)) return finish('CANCELLED');
  const plan = await db.loadDialPlan({ callbackId });

  for (let index = 0; index <= plan.maxRetries; index++) {
    const attemptDue = attemptDueMs(dueMs, index, plan.retryIntervalSeconds);
    if (index > 0) {
      await moveTo('RETRY_WAIT');
      if (await sleepUntil(attemptDue)) return finish('CANCELLED');
    }
    attempt = index + 1;

    if (plan.distribution === 'AGENTS') {
      // S4: no agent within maxHandlingDelaySeconds of the due time -> EXPIRED, visitor never dialled.
      await moveTo('WAITING_AGENT');
      agentId = await obtainAgent(attemptDue + input.maxHandlingDelaySeconds * 1000);
      if (cancelRequested) {
        if (agentId) await agentSteps.releaseAgent({ agentId, callbackId, attempt, talked: false });
        return finish('CANCELLED');
      }
      if (!agentId) return finish('EXPIRED');
    }

    await moveTo('DIALING');
    await db.startAttempt({ callbackId, number: attempt, agentId, at: nowIso() });
    const outcome = await runAttempt(plan);
    await db.finishAttempt({ callbackId, number: attempt, outcome, at: nowIso() });
    if (agentId) await agentSteps.releaseAgent({ agentId, callbackId, attempt, talked: outcome === 'CONNECTED' });
    agentId = null;

    if (outcome === 'CONNECTED') return finish('COMPLETED');
    if (outcome === null) return finish('CANCELLED');
    log.info('attempt failed', { callbackId, attempt, outcome });
  }
  // S33: the last retry failed too.
  return finish('FAILED');
}
