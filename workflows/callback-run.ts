// One callback run's state and the steps every part of the workflow shares: the status
// (search attribute, row, current details), the signals and updates, the sleeps and timers,
// hang-ups and agent steps. The workflow function (callback.ts) reads as the spec's
// sentences on top of it; the agent wait (agent-wait.ts) and the attempt (attempt.ts) use it.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { agentAcceptedSignal } from './agent-messages';
import { agentSteps, localAgentSteps, localDb, remoteDb, telephony } from './callback-activities';
import { LegBook } from './legs';
import {
  acdIdentificationSignal,
  agentMayBeFreeSignal,
  callbackStateQuery,
  cancelCallbackUpdate,
  legEventSignal,
} from './messages';
import { CallbackPatches, LOCAL_DB_ACTIVITIES, SKIP_SLEEP_WHEN_DUE } from './patches';
import { SafetyLooks } from './safety-look';
import { CALLBACK_STATUS } from './search-attributes';
import { isCancellable, isTerminal, type CallbackStatus, type CallbackView, type CallbackWorkflowInput } from './types';
import { checkAcdIdentification, checkAgentAccepted, checkLegEvent } from './validation';

/** Continue-as-new while waiting beyond this many events (Temporal's own suggestion comes first). */
const WAIT_HISTORY_LIMIT = 10_000;

/** A leg placed in the current attempt (callSid null: the dial failed). */
export interface PlacedCall {
  key: string;
  callSid: string | null;
}

export class CallbackRun {
  readonly callbackId: string;
  readonly projectId: string;
  /** Which code paths this run takes: decided first, before any activity (patches.ts). */
  readonly patches: CallbackPatches;
  readonly db: typeof localDb;
  /** Reserve, on call, release: regular activities, or local ones (#15 local-agent-steps). */
  readonly agents: typeof agentSteps;
  readonly dueMs: number;
  /** The first task's time: an instant the history fixes (S2's "already due" is judged at it). */
  readonly firstTaskMs: number;
  status: CallbackStatus = 'SCHEDULED';
  cancelRequested = false;
  /** Set by a wake-up, cleared by the older waits before they ask (bounded-agent-wait, the 1–5 s polls). */
  agentMayBeFree = false;
  /** Wake-ups received so far: the adaptive wait compares it with what it read before asking. */
  wakes = 0;
  /** #11.2 adaptive-safety-look: when this run looks by itself; a resumed run goes on where the last one was. */
  readonly looks: SafetyLooks;
  attempt = 0;
  totalAttempts = 1;
  agentId: string | null = null;
  /** S45: with auto-answer off, the reserved agent must accept the call. */
  agentMustAccept = false;
  acceptedBy: string | null = null;
  readonly legs = new LegBook();
  /** Legs placed in the current attempt, and whether its row still waits for an outcome. */
  readonly placedCalls: PlacedCall[] = [];
  attemptOpen = false;
  /** The running agent poll timer: when it fires, and whether it has. */
  private pollTimer: { firesAtMs: number; fired: boolean } | null = null;

  constructor(readonly input: CallbackWorkflowInput) {
    this.callbackId = input.callbackId;
    this.projectId = input.projectId;
    this.patches = new CallbackPatches(input.localAgentSteps === true);
    this.db = this.patches.has(LOCAL_DB_ACTIVITIES) ? localDb : remoteDb;
    this.agents = this.patches.localAgentSteps ? localAgentSteps : agentSteps;
    this.dueMs = Date.parse(input.dueAt);
    this.firstTaskMs = Date.now();
    this.looks = new SafetyLooks(input.resume?.nextLookMs);
  }

  /** The query, the cancel update and the signals; payloads are checked, never trusted (#11.6). */
  installHandlers(): void {
    const { callbackId } = this;
    setHandler(callbackStateQuery, (): CallbackView => ({
      callbackId,
      status: this.status,
      dueAt: this.input.dueAt,
      attempt: this.attempt,
      agentId: this.agentId,
    }));
    setHandler(
      cancelCallbackUpdate,
      async () => {
        this.cancelRequested = true;
        await condition(() => isTerminal(this.status));
        return this.status;
      },
      {
        validator: () => {
          if (!isCancellable(this.status)) throw new Error(`NOT_CANCELLABLE: callback is ${this.status}`);
        },
      },
    );
    setHandler(legEventSignal, (raw) => {
      const event = checkLegEvent(raw);
      if (!event) return void log.warn('malformed legEvent signal dropped', { callbackId });
      // Twilio retries webhooks and may reorder them: each (call, sequence) applies once.
      this.legs.apply(event);
    });
    setHandler(acdIdentificationSignal, (raw) => {
      const identification = checkAcdIdentification(raw);
      if (!identification) return void log.warn('malformed acdIdentification signal dropped', { callbackId });
      this.legs.identify(identification.key, identification.agentId);
    });
    setHandler(agentAcceptedSignal, (raw) => {
      const accepting = checkAgentAccepted(raw);
      if (accepting === null) return void log.warn('malformed agentAccepted signal dropped', { callbackId });
      if (accepting === this.agentId) this.acceptedBy = accepting;
    });
    setHandler(agentMayBeFreeSignal, () => {
      this.agentMayBeFree = true;
      this.wakes++;
    });
  }

  nowIso(): string {
    return new Date().toISOString();
  }

  /** #14.5: what an operator reads in the UI's "current details". */
  details(text: string): void {
    setCurrentDetails(`${this.status} · ${text}`);
  }

  async moveTo(next: CallbackStatus): Promise<void> {
    this.status = next;
    this.details(this.attempt > 0 ? `attempt ${this.attempt}/${this.totalAttempts}` : `due ${this.input.dueAt}`);
    upsertSearchAttributes([{ key: CALLBACK_STATUS, value: next }]);
    await this.db.recordCallbackStatus({ callbackId: this.callbackId, status: next, at: this.nowIso() });
    log.info('callback status', { callbackId: this.callbackId, status: next, attempt: this.attempt });
  }

  async finish(final: CallbackStatus): Promise<CallbackStatus> {
    await this.moveTo(final);
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
  async sleepUntil(untilMs: number, judgedAtMs?: number): Promise<boolean> {
    if (this.patches.atStart) {
      if (judgedAtMs !== undefined && untilMs <= judgedAtMs) return this.cancelRequested;
      await condition(() => this.cancelRequested, Math.max(1, untilMs - Date.now()));
      return this.cancelRequested;
    }
    // Histories from before PATCHES_AT_START: judged and patched as they were written.
    if (untilMs <= (judgedAtMs ?? Date.now()) && this.patches.has(SKIP_SLEEP_WHEN_DUE)) return this.cancelRequested;
    await condition(() => this.cancelRequested, Math.max(0, untilMs - Date.now()));
    return this.cancelRequested;
  }

  wantsContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (this.input.maxHistoryEvents ?? WAIT_HISTORY_LIMIT);
  }

  /**
   * Starts a poll timer firing at `untilMs` unless one that fires in time still runs. Never
   * cancelled (keep-agent-poll-timer): fewer commands, and no cancel racing a timer that fires
   * meanwhile (which the time-skipping test server rejects).
   */
  pollTimerUntil(untilMs: number, startingAtMs = untilMs): { firesAtMs: number; fired: boolean } {
    if (!this.pollTimer || this.pollTimer.fired || this.pollTimer.firesAtMs > untilMs) {
      const timer = { firesAtMs: startingAtMs, fired: false };
      this.pollTimer = timer;
      sleep(Math.max(1, startingAtMs - Date.now())).then(
        () => void (timer.fired = true),
        () => undefined, // cancelled with the workflow: nothing waits on it any more
      );
    }
    return this.pollTimer;
  }

  /**
   * #15 local-agent-steps: the running poll timer when it fires by `untilMs` (null: a new one
   * is needed). Asked before a local activity, so the answer is the same live and on replay.
   */
  runningPollTimer(untilMs: number): { firesAtMs: number; fired: boolean } | null {
    const timer = this.pollTimer;
    return timer && !timer.fired && timer.firesAtMs <= untilMs ? timer : null;
  }

  /** #15 local-agent-steps: a new poll timer firing at `atMs` (never cancelled, see above). */
  newPollTimer(atMs: number): { firesAtMs: number; fired: boolean } {
    const timer = { firesAtMs: atMs, fired: false };
    this.pollTimer = timer;
    sleep(Math.max(1, atMs - Date.now())).then(
      () => void (timer.fired = true),
      () => undefined, // cancelled with the workflow: nothing waits on it any more
    );
    return timer;
  }

  /** The reservation's answer taken: the agent, and whether it must accept first (S45). */
  took(reserved: { agentId: string; autoAnswer?: boolean }): string {
    // Histories from before auto-answer-off support carry no flag: they auto-answered.
    this.agentMustAccept = reserved.autoAnswer === false;
    this.acceptedBy = null;
    return reserved.agentId;
  }

  /** #11.3: a hang-up that fails for good is logged; the attempt goes on to its end. */
  async hangup(...calls: { callSid: string | null }[]): Promise<void> {
    for (const call of calls) {
      if (!call.callSid) continue;
      try {
        await telephony.hangupLeg({ callSid: call.callSid });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        log.warn('hang-up failed', {
          callbackId: this.callbackId,
          attempt: this.attempt,
          callSid: call.callSid,
          error: err.cause?.message,
        });
      }
    }
  }

  /** #11.3: an agent step refused for good (the agent workflow says no) is logged, not retried. */
  async agentStep(name: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('agent step failed', {
        callbackId: this.callbackId,
        attempt: this.attempt,
        step: name,
        error: err.cause?.message,
      });
    }
  }

  /** S44: gives the held agent back (wrap-up when they talked); nothing when none is held. */
  async releaseAgent(talked: boolean): Promise<void> {
    const held = this.agentId;
    if (!held) return;
    const { callbackId, attempt } = this;
    await this.agentStep('releaseAgent', () =>
      this.agents.releaseAgent({ agentId: held, callbackId, attempt, talked }),
    );
  }
}
