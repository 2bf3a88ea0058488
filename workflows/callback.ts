// One durable workflow per callback (S55), reading like the spec: sleep until due (S3,
// S20) -> get an agent or expire (S4, S41) -> dial in the configured order (S30) ->
// connected once both answered, voicemail included (S32) -> COMPLETED; a failed attempt
// waits and retries (S33) -> FAILED. Cancellable until connected (S23). Only ids and
// instants reach here: the phone number stays in the database.
//
// Beside it: the run's state and shared steps (callback-run.ts), the agent wait
// (agent-wait.ts), the attempt (attempt.ts), the retry plan (retry-plan.ts), the legs
// (legs.ts), the patches and where each is decided (patches.ts).
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { waitForAgent } from './agent-wait';
import { runAttempt } from './attempt';
import { localDb } from './callback-activities';
import { CallbackRun } from './callback-run';
import { CHECK_ROW_FIRST, RETRY_PER_OUTCOME } from './patches';
import { RetryPlan } from './retry-plan';
import { CALLBACK_STATUS } from './search-attributes';
import { isTerminal, TERMINAL_STATUSES, type CallbackStatus, type CallbackWorkflowInput } from './types';

export { nextLegPhase } from './legs';

export async function callbackWorkflow(input: CallbackWorkflowInput): Promise<CallbackStatus> {
  // First, before any activity: which code paths this run takes (patches.ts).
  const cb = new CallbackRun(input);
  const { callbackId, db, patches } = cb;
  const retries = new RetryPlan(cb.dueMs, input.resume);
  cb.installHandlers();

  /** The callback from its due time to its end (the spec's sentences, in order). */
  async function run(): Promise<CallbackStatus> {
    // #11.4: a row cancelled before this run started (the cancel/start race) is never dialled.
    if (!input.resume && patches.has(CHECK_ROW_FIRST)) {
      const rowStatus = await localDb.callbackRowStatus({ callbackId });
      if (rowStatus === null || TERMINAL_STATUSES.includes(rowStatus)) {
        cb.status = rowStatus ?? 'CANCELLED';
        upsertSearchAttributes([{ key: CALLBACK_STATUS, value: cb.status }]);
        log.info('callback already ended before its workflow ran', { callbackId, status: cb.status });
        return cb.status;
      }
    }
    const resume = input.resume;
    // S3/S20: sleep until the booked position (immediate: due now), judged at the first task.
    if (!resume && (await cb.sleepUntil(cb.dueMs, cb.firstTaskMs))) return cb.finish('CANCELLED');
    const plan = resume ? resume.plan : await db.loadDialPlan({ callbackId });
    cb.totalAttempts = plan.maxRetries + 1;

    for (let index = resume ? resume.attemptIndex : 0; index <= plan.maxRetries; index++) {
      const resuming = resume !== undefined && index === resume.attemptIndex;
      const attemptDue = retries.attemptStartMs(index, plan);
      // S33: a retry waits until it is due.
      if (index > 0 && !resuming) {
        await cb.moveTo('RETRY_WAIT');
        if (await cb.sleepUntil(attemptDue)) return cb.finish('CANCELLED');
      }
      cb.attempt = index + 1;

      if (plan.distribution === 'AGENTS') {
        // S4: no agent within maxHandlingDelaySeconds of the due time -> EXPIRED, visitor never dialled.
        const deadline = attemptDue + input.maxHandlingDelaySeconds * 1000;
        if (resuming) cb.status = 'WAITING_AGENT';
        else await cb.moveTo('WAITING_AGENT');
        const found = await waitForAgent(cb, deadline, resuming);
        if (found === 'continue-as-new') {
          await condition(allHandlersFinished);
          return continueAsNew<typeof callbackWorkflow>({
            ...input,
            resume: {
              attemptIndex: index,
              plan,
              ...(retries.progress ? { retry: retries.progress } : {}),
              ...(patches.adaptiveLooks ? { nextLookMs: cb.looks.peek() } : {}),
            },
          });
        }
        cb.agentId = found;
        // #15 local-agent-steps: right after a granted local reservation the task is not fixed
        // by the history, so a cancel that came meanwhile is not read there: the attempt's first
        // wait (the acceptance or the first leg's answer) sees it, hangs up, gives the agent back.
        const reservedLocally = patches.localAgentSteps && cb.agentId !== null;
        if (!reservedLocally && cb.cancelRequested) {
          await cb.releaseAgent(false);
          return cb.finish('CANCELLED');
        }
        if (!cb.agentId) return cb.finish('EXPIRED');
      }

      // S30-S32: one attempt, recorded with its outcome; the agent given back after it (S44).
      await cb.moveTo('DIALING');
      await db.startAttempt({ callbackId, number: cb.attempt, agentId: cb.agentId, at: cb.nowIso() });
      cb.placedCalls.length = 0;
      cb.attemptOpen = true;
      const outcome = await runAttempt(cb, plan);
      const endedAt = cb.nowIso();
      await db.finishAttempt({ callbackId, number: cb.attempt, outcome, at: endedAt });
      cb.attemptOpen = false;
      await cb.releaseAgent(outcome === 'CONNECTED');
      cb.agentId = null;

      if (outcome === 'CONNECTED') return cb.finish('COMPLETED');
      if (outcome === null) return cb.finish('CANCELLED');
      log.info('attempt failed', { callbackId, attempt: cb.attempt, outcome });
      // #16: per-outcome retries may end the callback before S33's bound.
      const next = retries.after(outcome, endedAt, plan, () => patches.has(RETRY_PER_OUTCOME));
      if (!next.retry) {
        log.info('no retry left', {
          callbackId,
          attempt: cb.attempt,
          reason: next.reason,
          retryClass: next.retryClass,
        });
        return cb.finish('FAILED');
      }
    }
    // S33: the last retry failed too.
    return cb.finish('FAILED');
  }

  /**
   * #11.7: a cancellation requested from the Temporal UI or CLI is the callback's cancel:
   * legs hung up, the agent given back, the row ended (COMPLETED when the call was already
   * connected, else CANCELLED); then the run ends as cancelled.
   */
  async function cancelledByOperator(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const connected = cb.status === 'CONNECTED';
      await cb.hangup(...cb.placedCalls.filter((call) => !cb.legs.isFinal(call.key)));
      if (cb.attemptOpen) {
        const outcome = connected ? 'CONNECTED' : null;
        await db.finishAttempt({ callbackId, number: cb.attempt, outcome, at: cb.nowIso() });
      }
      await cb.releaseAgent(connected);
      if (!isTerminal(cb.status)) await cb.moveTo(connected ? 'COMPLETED' : 'CANCELLED');
    });
  }

  try {
    return await run();
  } catch (err) {
    if (isCancellation(err)) await cancelledByOperator();
    throw err;
  }
}
