// One durable workflow per callback (S55), reading like the spec: sleep until due (S3,
// S20) -> get an agent or expire (S4, S41) -> dial in the configured order (S30) ->
// connected once both answered, voicemail included (S32) -> COMPLETED; a failed attempt
// waits and retries (S33) -> FAILED. Cancellable until connected (S23). Only ids and
// instants reach here: the phone number stays in the database.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  acdIdentificationSignal,
  agentMayBeFreeSignal,
  callbackStateQuery,
  cancelCallbackUpdate,
  legEventSignal,
} from './messages';
import { agentAcceptedSignal } from './agent-messages';
import { CALLBACK_STATUS } from './search-attributes';
import { checkAcdIdentification, checkAgentAccepted, checkLegEvent } from './validation';
import { LegBook, type LegPhase } from './legs';
import { SafetyLooks } from './safety-look';
import {
  BOUNDED_WAIT,
  CHECK_LOST_CALL_END,
  CHECK_ROW_FIRST,
  KEEP_POLL_TIMER,
  LOCAL_DB_ACTIVITIES,
  RETRY_PER_OUTCOME,
  SKIP_SLEEP_WHEN_DUE,
  CallbackPatches,
} from './patches';
import { nextAttemptAt, type FailedOutcome } from '../src/domain/retry';
import {
  attemptDueMs,
  isCancellable,
  isPhaseStatus,
  isTerminal,
  TERMINAL_STATUSES,
  legKeyOf,
  type AttemptOutcome,
  type CallbackStatus,
  type CallbackView,
  type CallbackWorkflowInput,
  type DialPlan,
  type Leg,
  type RetryProgress,
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
/** S42: per identification try, the gather timeout (10 s) plus the time to answer it. */
const ACD_TRY_MS = 15_000;

/**
 * BOUNDED_WAIT (#11.2): waiting for an agent wakes on events (an agent became free, its
 * settings changed: agentMayBeFreeSignal) and otherwise looks only every SAFETY_POLL_MS,
 * through a local activity (no task of its own), and continues-as-new when Temporal
 * suggests it. One look costs 6 events (timer fired, workflow task ×3, marker, timer
 * started): 4 per hour = 24 events per hour of waiting, ~580 for the longest allowed wait
 * (86,400 s), instead of ~150 per minute with the 1–5 s polls before.
 */
const SAFETY_POLL_MS = 15 * 60_000;
/** Continue-as-new while waiting beyond this many events (Temporal's own suggestion comes first). */
const WAIT_HISTORY_LIMIT = 10_000;
/**
 * CHECK_LOST_CALL_END (#11.5): a connected call whose "completed" event is lost is asked for
 * its real status (telephony port) at growing intervals, instead of pinning the agent for hours.
 */
const CALL_CHECK_MS = [60_000, 120_000, 300_000];

export { nextLegPhase } from './legs';

function outcomeOf(leg: Leg, phase: LegPhase): AttemptOutcome {
  if (phase === 'failed') return 'FAILED';
  if (phase === 'busy') return leg === 'agent' ? 'AGENT_BUSY' : 'VISITOR_BUSY';
  return leg === 'agent' ? 'AGENT_NO_ANSWER' : 'VISITOR_NO_ANSWER';
}

export async function callbackWorkflow(input: CallbackWorkflowInput): Promise<CallbackStatus> {
  const { callbackId, projectId } = input;
  // First, before any activity: which code paths this run takes (workflows/patches.ts).
  const patches = new CallbackPatches();
  const db = patches.has(LOCAL_DB_ACTIVITIES) ? localDb : remoteDb;
  const dueMs = Date.parse(input.dueAt);
  const firstTaskMs = Date.now();
  let status: CallbackStatus = 'SCHEDULED';
  let cancelRequested = false;
  let agentMayBeFree = false;
  /** Wake-ups received so far (agentMayBeFreeSignal): a wait compares it with what it read before asking. */
  let wakes = 0;
  /** #11.2 ADAPTIVE_SAFETY_LOOK: when this run looks by itself; a resumed run goes on where the last one was. */
  const looks = new SafetyLooks(input.resume?.nextLookMs);
  /** The running agent poll timer: when it fires, and whether it has. */
  let pollTimer: { firesAtMs: number; fired: boolean } | null = null;
  let attempt = 0;
  let totalAttempts = 1;
  let agentId: string | null = null;
  // S45: with auto-answer off, the reserved agent must accept the call.
  let agentMustAccept = false;
  let acceptedBy: string | null = null;
  const legs = new LegBook();
  /** Legs placed in the current attempt, and whether its row still waits for an outcome. */
  const placedCalls: { key: string; callSid: string | null }[] = [];
  let attemptOpen = false;
  /**
   * #16: whether per-outcome retries apply (undefined until the first failure decides it), and
   * where they stand. A continued-as-new run past its first attempt carries the answer in.
   */
  let perOutcome: boolean | undefined =
    input.resume && input.resume.attemptIndex > 0 ? input.resume.retry !== undefined : undefined;
  let retryProgress: RetryProgress | null = input.resume?.retry ?? null;

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
  setHandler(legEventSignal, (raw) => {
    // #11.6: a malformed payload is dropped and logged; it never fails the workflow task.
    const event = checkLegEvent(raw);
    if (!event) return void log.warn('malformed legEvent signal dropped', { callbackId });
    // Twilio retries webhooks and may reorder them: each (call, sequence) applies once.
    legs.apply(event);
  });
  setHandler(acdIdentificationSignal, (raw) => {
    const identification = checkAcdIdentification(raw);
    if (!identification) return void log.warn('malformed acdIdentification signal dropped', { callbackId });
    const { key, agentId } = identification;
    legs.identify(key, agentId);
  });
  setHandler(agentAcceptedSignal, (raw) => {
    const accepting = checkAgentAccepted(raw);
    if (accepting === null) return void log.warn('malformed agentAccepted signal dropped', { callbackId });
    if (accepting === agentId) acceptedBy = accepting;
  });
  setHandler(agentMayBeFreeSignal, () => {
    agentMayBeFree = true;
    wakes++;
  });

  const nowIso = () => new Date().toISOString();

  /** #14.5: what an operator reads in the UI's "current details". */
  function details(text: string): void {
    setCurrentDetails(`${status} · ${text}`);
  }

  async function moveTo(next: CallbackStatus): Promise<void> {
    status = next;
    details(attempt > 0 ? `attempt ${attempt}/${totalAttempts}` : `due ${input.dueAt}`);
    upsertSearchAttributes([{ key: CALLBACK_STATUS, value: next }]);
    await db.recordCallbackStatus({ callbackId, status: next, at: nowIso() });
    log.info('callback status', { callbackId, status: next, attempt });
  }

  async function finish(final: CallbackStatus): Promise<CallbackStatus> {
    await moveTo(final);
    await condition(allHandlersFinished);
    return final;
  }

  /**
   * Sleeps until `untilMs` or a cancel; true when cancelled. S2: a callback already due at
   * `judgedAtMs` starts without a timer (a server timer, even of 1 ms, fires about a second
   * later). `judgedAtMs` must be an instant the history fixes: workflow time right after a
   * local activity is not (live, the code after it may run a task later than on replay).
   * Since PATCHES_AT_START only the first task's time is passed; a retry always sleeps.
   */
  async function sleepUntil(untilMs: number, judgedAtMs?: number): Promise<boolean> {
    if (patches.atStart) {
      if (judgedAtMs !== undefined && untilMs <= judgedAtMs) return cancelRequested;
      await condition(() => cancelRequested, Math.max(1, untilMs - Date.now()));
      return cancelRequested;
    }
    // Histories from before PATCHES_AT_START: judged and patched as they were written.
    if (untilMs <= (judgedAtMs ?? Date.now()) && patches.has(SKIP_SLEEP_WHEN_DUE)) return cancelRequested;
    await condition(() => cancelRequested, Math.max(0, untilMs - Date.now()));
    return cancelRequested;
  }

  const wantsContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (input.maxHistoryEvents ?? WAIT_HISTORY_LIMIT);
  };

  /** Starts a safety-poll timer unless one that fires in time still runs (never cancelled: see KEEP_POLL_TIMER). */
  function pollTimerUntil(untilMs: number): { firesAtMs: number; fired: boolean } {
    if (!pollTimer || pollTimer.fired || pollTimer.firesAtMs > untilMs) {
      const timer = { firesAtMs: untilMs, fired: false };
      pollTimer = timer;
      sleep(Math.max(1, untilMs - Date.now())).then(
        () => void (timer.fired = true),
        () => undefined,
      );
    }
    return pollTimer;
  }

  /**
   * #11.2 S41: reserve now; else wait for a wake-up signal or the slow safety poll (a local
   * look at the read model that also refreshes this row's waiting lease, #11.1), and reserve
   * only when an agent may be free. 'continue-as-new' when the history should be cut.
   */
  async function waitForAgent(deadlineMs: number): Promise<string | null | 'continue-as-new'> {
    for (;;) {
      // Cleared before the look, so a wake-up arriving during it is not lost.
      agentMayBeFree = false;
      const reserved = await agentSteps.reserveAgent({ projectId, callbackId, attempt });
      if (reserved) {
        agentMustAccept = reserved.autoAnswer === false;
        acceptedBy = null;
        return reserved.agentId;
      }
      for (;;) {
        if (cancelRequested) return null;
        const left = deadlineMs - Date.now();
        if (left <= 0) return null;
        if (wantsContinueAsNew()) return 'continue-as-new';
        details(
          `attempt ${attempt}/${totalAttempts}, waiting for an agent until ${new Date(deadlineMs).toISOString()}`,
        );
        const timer = pollTimerUntil(Date.now() + Math.min(SAFETY_POLL_MS, left));
        await condition(() => cancelRequested || agentMayBeFree || timer.fired);
        if (cancelRequested) return null;
        if (agentMayBeFree) break;
        if (await localDb.agentMayBeFree({ projectId, callbackId })) break;
      }
    }
  }

  /**
   * #11.2 ADAPTIVE_SAFETY_LOOK: as waitForAgent, but the looks come 5 s after the wait starts
   * or a wake-up found no agent, then at doubling intervals up to 15 min (a wake-up that raced
   * the release it announced costs seconds, not the next slow look). The wake-up count is read
   * before asking, so one that lands while the reservation runs is not lost. Every decision is
   * taken right after the reservation, a timer or a wake-up, never right after the local look
   * (whose result may reach the code a task later live than on replay: workflows/patches.ts).
   */
  async function waitForAgentLooking(deadlineMs: number, fresh: boolean): Promise<string | null | 'continue-as-new'> {
    if (fresh) looks.reset();
    for (;;) {
      const seen = wakes;
      const reserved = await agentSteps.reserveAgent({ projectId, callbackId, attempt });
      if (reserved) {
        agentMustAccept = reserved.autoAnswer === false;
        acceptedBy = null;
        return reserved.agentId;
      }
      let now = Date.now();
      for (;;) {
        if (cancelRequested || deadlineMs <= now) return null;
        if (wakes !== seen) {
          looks.reset();
          break;
        }
        if (wantsContinueAsNew()) return 'continue-as-new';
        details(
          `attempt ${attempt}/${totalAttempts}, waiting for an agent until ${new Date(deadlineMs).toISOString()}`,
        );
        const timer = pollTimerUntil(Math.min(deadlineMs, now + looks.next()));
        await condition(() => cancelRequested || wakes !== seen || timer.fired);
        if (cancelRequested || wakes !== seen) continue;
        now = Date.now();
        if (deadlineMs <= now || wantsContinueAsNew()) continue;
        if (await localDb.agentMayBeFree({ projectId, callbackId })) break;
      }
    }
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
      if (patches.has(KEEP_POLL_TIMER)) {
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
    legs.dialing(key);
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
      placedCalls.push({ key, callSid });
      return { key, callSid };
    } catch (err) {
      // #11.3: a dial that failed or timed out for good ends the leg (and so the attempt),
      // never the workflow; the leg's row stops any second dial of this key (S35).
      if (err instanceof ActivityFailure) {
        const type = err.cause instanceof ApplicationFailure ? err.cause.type : err.cause?.name;
        log.warn('dial failed', { callbackId, attempt, leg, type });
        legs.end(key, 'failed');
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
    const ok = await condition(
      () => legs.isSettled(key) || cancelRequested || alsoStopWhen(),
      plan.ringTimeoutSeconds * 1000 + RING_GRACE_MS,
    );
    if (!ok) legs.end(key, 'timeout');
    return legs.answerOf(key);
  }

  /**
   * S42: an answered ACD leg counts once the agent keyed in a known identifier; after the
   * configured tries (or silence) the attempt ends as AGENT_NOT_IDENTIFIED.
   */
  async function awaitIdentification(key: string, plan: DialPlan): Promise<boolean> {
    const acd = plan.acd!;
    await condition(
      () => legs.isIdentified(key) || cancelRequested || legs.isFinal(key),
      acd.welcomeMessageSeconds * 1000 + acd.identificationAttempts * ACD_TRY_MS + RING_GRACE_MS,
    );
    const identified = legs.identifiedAgent(key);
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

  /** #11.3: a hang-up that fails for good is logged; the attempt goes on to its end. */
  async function hangup(...calls: { callSid: string | null }[]): Promise<void> {
    for (const call of calls) {
      if (!call.callSid) continue;
      try {
        await telephony.hangupLeg({ callSid: call.callSid });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        log.warn('hang-up failed', { callbackId, attempt, callSid: call.callSid, error: err.cause?.message });
      }
    }
  }

  /** #11.3: an agent step refused for good (the agent workflow says no) is logged, not retried. */
  async function agentStep(name: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('agent step failed', { callbackId, attempt, step: name, error: err.cause?.message });
    }
  }

  /**
   * #11.5: waits until a bridged leg ends. Past each check interval, the telephony port is
   * asked for the legs' real status, so a lost "completed" event costs minutes, not hours.
   */
  async function awaitCallEnd(
    first: { key: string; callSid: string | null },
    second: { key: string; callSid: string | null },
  ) {
    const ended = () => legs.isFinal(first.key) || legs.isFinal(second.key);
    if (!patches.has(CHECK_LOST_CALL_END)) {
      await condition(ended, MAX_CALL_MS);
      return;
    }
    const startedMs = Date.now();
    for (let check = 0; !ended() && Date.now() - startedMs < MAX_CALL_MS; check++) {
      const waitMs = Math.min(
        CALL_CHECK_MS[Math.min(check, CALL_CHECK_MS.length - 1)]!,
        MAX_CALL_MS - (Date.now() - startedMs),
      );
      if (await condition(ended, waitMs)) return;
      for (const call of [first, second]) {
        if (!call.callSid) continue;
        const real = await telephony.legStatus({ callSid: call.callSid }).catch(() => null);
        if (real && isPhaseStatus(real) && real !== 'answered') {
          log.warn('call end found by asking the telephony provider', {
            callbackId,
            attempt,
            key: call.key,
            status: real,
          });
          legs.learn(call.key, real);
        }
      }
    }
  }

  /**
   * Settles a dialled leg: 'answered' goes on; else the attempt ends (null: cancelled), its
   * calls hung up — all of them once a second leg was placed; alone, the first leg is hung
   * up only when it is still ringing (timeout), the network ended it otherwise.
   */
  async function settleLeg(
    leg: Leg,
    phase: LegPhase | 'not-identified',
    calls: { key: string; callSid: string | null }[],
  ): Promise<AttemptOutcome | null | 'answered' | 'still-ringing'> {
    const bridging = calls.length > 1;
    if (cancelRequested || phase === 'not-identified') {
      await hangup(...calls);
      return cancelRequested ? null : 'AGENT_NOT_IDENTIFIED';
    }
    if (phase === 'answered') return 'answered';
    if (bridging || phase === 'timeout') await hangup(...calls);
    if (bridging && phase === 'dialing' && legs.isFinal(calls[0]!.key)) return 'still-ringing';
    return outcomeOf(leg, phase);
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
    const firstEnd = await settleLeg(firstLeg, await answerOf(firstLeg, first, plan), [first]);
    if (firstEnd !== 'answered') return firstEnd === 'still-ringing' ? 'FAILED' : firstEnd;

    const second = await dial(secondLeg, false, plan);
    const firstGone = () => legs.isFinal(first.key);
    const secondEnd = await settleLeg(secondLeg, await answerOf(secondLeg, second, plan, firstGone), [first, second]);
    // The first party hung up while the second was ringing: the attempt failed.
    if (secondEnd === 'still-ringing') return 'FAILED';
    if (secondEnd !== 'answered') return secondEnd;

    // S32: both answered (a voicemail counts): the connection is effective.
    await moveTo('CONNECTED');
    const onCall = agentId;
    if (onCall)
      await agentStep('markAgentOnCall', () => agentSteps.markAgentOnCall({ agentId: onCall, callbackId, attempt }));
    await awaitCallEnd(first, second);
    await hangup(first, second);
    return 'CONNECTED';
  }

  /** When attempt `index` (0-based) is to start: S4's deadline counts from it. */
  function attemptStartMs(index: number, plan: DialPlan): number {
    if (index === 0) return dueMs;
    return retryProgress ? Date.parse(retryProgress.attemptAt) : attemptDueMs(dueMs, index, plan.retryIntervalSeconds);
  }

  /**
   * #16: after a failed attempt that ended at `endedAt`, false when its class (or the total)
   * has no retry left. On S33's path (no marker, no rules) the loop's bound decides alone.
   */
  function retryAfter(outcome: FailedOutcome, endedAt: string, plan: DialPlan): boolean {
    perOutcome ??= plan.retry !== undefined && patches.has(RETRY_PER_OUTCOME);
    if (!perOutcome || !plan.retry) return true;
    const failures = [...(retryProgress?.failures ?? []), outcome];
    const next = nextAttemptAt({ failures, dueAt: new Date(dueMs), lastEndedAt: new Date(endedAt), rules: plan.retry });
    if (!next.retry) {
      log.info('no retry left', { callbackId, attempt, reason: next.reason, retryClass: next.retryClass });
      return false;
    }
    retryProgress = { failures, lastEndedAt: endedAt, attemptAt: next.at.toISOString() };
    return true;
  }

  /** The callback from its due time to its end (the spec's sentences, in order). */
  async function run(): Promise<CallbackStatus> {
    // #11.4: a row cancelled before this run started (the cancel/start race) is never dialled.
    if (!input.resume && patches.has(CHECK_ROW_FIRST)) {
      const rowStatus = await localDb.callbackRowStatus({ callbackId });
      if (rowStatus === null || TERMINAL_STATUSES.includes(rowStatus)) {
        status = rowStatus ?? 'CANCELLED';
        upsertSearchAttributes([{ key: CALLBACK_STATUS, value: status }]);
        log.info('callback already ended before its workflow ran', { callbackId, status });
        return status;
      }
    }
    const resume = input.resume;
    // S3/S20: sleep until the booked position (immediate: due now). Judged at the first
    // task's time: before #11.4 nothing ran before this point, and the row check's local
    // activity must not move the judgement between the live run and a replay.
    if (!resume && (await sleepUntil(dueMs, firstTaskMs))) return finish('CANCELLED');
    const plan = resume ? resume.plan : await db.loadDialPlan({ callbackId });
    totalAttempts = plan.maxRetries + 1;

    for (let index = resume ? resume.attemptIndex : 0; index <= plan.maxRetries; index++) {
      const resuming = resume !== undefined && index === resume.attemptIndex;
      const attemptDue = attemptStartMs(index, plan);
      if (index > 0 && !resuming) {
        await moveTo('RETRY_WAIT');
        if (await sleepUntil(attemptDue)) return finish('CANCELLED');
      }
      attempt = index + 1;

      if (plan.distribution === 'AGENTS') {
        // S4: no agent within maxHandlingDelaySeconds of the due time -> EXPIRED, visitor never dialled.
        const deadline = attemptDue + input.maxHandlingDelaySeconds * 1000;
        if (resuming) status = 'WAITING_AGENT';
        else await moveTo('WAITING_AGENT');
        const found = patches.adaptiveLooks
          ? await waitForAgentLooking(deadline, !resuming)
          : resuming || patches.has(BOUNDED_WAIT)
            ? await waitForAgent(deadline)
            : await obtainAgent(deadline);
        if (found === 'continue-as-new') {
          await condition(allHandlersFinished);
          return continueAsNew<typeof callbackWorkflow>({
            ...input,
            resume: {
              attemptIndex: index,
              plan,
              ...(retryProgress ? { retry: retryProgress } : {}),
              ...(patches.adaptiveLooks ? { nextLookMs: looks.peek() } : {}),
            },
          });
        }
        agentId = found;
        if (cancelRequested) {
          const held = agentId;
          if (held)
            await agentStep('releaseAgent', () =>
              agentSteps.releaseAgent({ agentId: held, callbackId, attempt, talked: false }),
            );
          return finish('CANCELLED');
        }
        if (!agentId) return finish('EXPIRED');
      }

      await moveTo('DIALING');
      await db.startAttempt({ callbackId, number: attempt, agentId, at: nowIso() });
      placedCalls.length = 0;
      attemptOpen = true;
      const outcome = await runAttempt(plan);
      const endedAt = nowIso();
      await db.finishAttempt({ callbackId, number: attempt, outcome, at: endedAt });
      attemptOpen = false;
      const held = agentId;
      if (held)
        await agentStep('releaseAgent', () =>
          agentSteps.releaseAgent({ agentId: held, callbackId, attempt, talked: outcome === 'CONNECTED' }),
        );
      agentId = null;

      if (outcome === 'CONNECTED') return finish('COMPLETED');
      if (outcome === null) return finish('CANCELLED');
      log.info('attempt failed', { callbackId, attempt, outcome });
      if (!retryAfter(outcome, endedAt, plan)) return finish('FAILED');
    }
    // S33: the last retry failed too.
    return finish('FAILED');
  }

  /**
   * #11.7: a cancellation requested from the Temporal UI or CLI is the callback's cancel:
   * legs hung up, the agent given back, the row ended (COMPLETED when the call was already
   * connected, else CANCELLED); then the run ends as cancelled.
   */
  async function cancelledByOperator(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const connected = status === 'CONNECTED';
      await hangup(...placedCalls.filter((call) => !legs.isFinal(call.key)));
      if (attemptOpen) {
        await db.finishAttempt({ callbackId, number: attempt, outcome: connected ? 'CONNECTED' : null, at: nowIso() });
      }
      const held = agentId;
      if (held) {
        await agentStep('releaseAgent', () =>
          agentSteps.releaseAgent({ agentId: held, callbackId, attempt, talked: connected }),
        );
      }
      if (!isTerminal(status)) await moveTo(connected ? 'COMPLETED' : 'CANCELLED');
    });
  }

  try {
    return await run();
  } catch (err) {
    if (isCancellation(err)) await cancelledByOperator();
    throw err;
  }
}
