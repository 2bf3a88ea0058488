// S41 and S4 in the callback workflow: get an agent before the deadline, or give up. Three
// generations of the wait live here, each chosen by the run's patches (patches.ts): the
// adaptive looks (current), the 15-minute safety look (bounded-agent-wait) and the 1–5 s polls
// of the oldest histories; the older two are kept only so running callbacks replay.
import { condition } from '@temporalio/workflow';
import { localDb } from './callback-activities';
import type { CallbackRun } from './callback-run';
import { BOUNDED_WAIT, KEEP_POLL_TIMER } from './patches';

/** The agent, null when the deadline passed or the callback was cancelled, or a request to cut the history. */
export type AgentWait = string | null | 'continue-as-new';

/** bounded-agent-wait: the slow safety look before adaptive-safety-look. */
const SAFETY_POLL_MS = 15 * 60_000;
/** The polls of the oldest histories. */
const AGENT_POLL_MS = [1000, 2000, 5000];

/** Waits for an agent for attempt `run.attempt` until `deadlineMs` (`resuming`: a continued-as-new run). */
export function waitForAgent(run: CallbackRun, deadlineMs: number, resuming: boolean): Promise<AgentWait> {
  if (run.patches.localAgentSteps) return waitLookingLocal(run, deadlineMs, !resuming);
  if (run.patches.adaptiveLooks) return waitLooking(run, deadlineMs, !resuming);
  if (resuming || run.patches.has(BOUNDED_WAIT)) return waitBounded(run, deadlineMs);
  return pollForAgent(run, deadlineMs);
}

const reserve = (run: CallbackRun) =>
  run.agents.reserveAgent({ projectId: run.projectId, callbackId: run.callbackId, attempt: run.attempt });

function showWaiting(run: CallbackRun, deadlineMs: number): void {
  run.details(
    `attempt ${run.attempt}/${run.totalAttempts}, waiting for an agent until ${new Date(deadlineMs).toISOString()}`,
  );
}

/**
 * #11.2 adaptive-safety-look: reserve now; else wait for a wake-up or the run's own look (a
 * local look at the read model that also refreshes the row's waiting lease, #11.1), 5 s after
 * the wait starts or a wake-up found no agent, then doubling up to 15 min. The wake-up count
 * is read before asking, so one that lands while the reservation runs is not lost. Every
 * decision is taken right after the reservation, a timer or a wake-up, never right after the
 * local look, whose result may reach the code a task later live than on replay (patches.ts):
 * after a look that found nobody, the wait resumes at once.
 */
async function waitLooking(run: CallbackRun, deadlineMs: number, fresh: boolean): Promise<AgentWait> {
  if (fresh) run.looks.reset();
  for (;;) {
    const seen = run.wakes;
    const reserved = await reserve(run);
    if (reserved) return run.took(reserved);
    const woken = () => run.wakes !== seen;
    let now = Date.now();
    if (run.cancelRequested || deadlineMs <= now) return null;
    if (woken()) {
      run.looks.reset();
      continue;
    }
    if (run.wantsContinueAsNew()) return 'continue-as-new';
    for (;;) {
      showWaiting(run, deadlineMs);
      const timer = run.pollTimerUntil(Math.min(deadlineMs, now + run.looks.next()));
      await condition(() => run.cancelRequested || woken() || timer.fired);
      if (run.cancelRequested) return null;
      if (woken()) {
        run.looks.reset();
        break;
      }
      now = Date.now();
      if (deadlineMs <= now) return null;
      if (run.wantsContinueAsNew()) return 'continue-as-new';
      if (await localDb.agentMayBeFree({ projectId: run.projectId, callbackId: run.callbackId })) break;
      // Nobody yet: straight back to waiting. Nothing here reads the clock, the history or
      // what a signal changed: the look's result may reach this point a task later live.
    }
  }
}

/**
 * #15 local-agent-steps: the wait above with the reservation as a local activity. Its answer
 * may reach the code a task later live than on replay, so a refusal decides nothing by
 * itself: the wait goes straight to the next timer, wake-up or cancel — the look timer armed
 * from the instant the reservation was asked (or the one already running, chosen before the
 * reservation) — and only then reads the clock, the history or the wake-ups. The wake-up
 * count is read before asking, so one that lands while the reservation runs ends the wait.
 */
async function waitLookingLocal(run: CallbackRun, deadlineMs: number, fresh: boolean): Promise<AgentWait> {
  if (fresh) run.looks.reset();
  // Wake-ups counted before asking; updated only where a timer, a wake-up or a cancel fixed the task.
  let seen = run.wakes;
  for (;;) {
    const woken = () => run.wakes !== seen;
    // Chosen before asking: when the look comes if the agents refuse, and the timer for it.
    let lookAtMs = Math.min(deadlineMs, Date.now() + run.looks.peek());
    let timer = run.runningPollTimer(lookAtMs);
    const reserved = await reserve(run);
    if (reserved) return run.took(reserved);
    // Refused: nothing is decided here (see above); the wait for the look starts at once.
    run.looks.next();
    timer ??= run.newPollTimer(lookAtMs);
    for (;;) {
      const watched = timer;
      await condition(() => run.cancelRequested || woken() || watched.fired);
      // A timer, a wake-up or a cancel ended the wait: from here the history fixes the task.
      if (run.cancelRequested) return null;
      const now = Date.now();
      if (deadlineMs <= now) return null;
      if (woken()) {
        seen = run.wakes;
        run.looks.reset();
        break;
      }
      if (run.wantsContinueAsNew()) return 'continue-as-new';
      showWaiting(run, deadlineMs);
      lookAtMs = Math.min(deadlineMs, now + run.looks.next());
      const seenBeforeLook = run.wakes;
      // The look (a local activity, #11.1 lease): reserve only when an agent may be free.
      if (await localDb.agentMayBeFree({ projectId: run.projectId, callbackId: run.callbackId })) {
        seen = seenBeforeLook;
        break;
      }
      // Nobody yet: the next look, at the instant chosen before this one.
      timer = run.newPollTimer(lookAtMs);
    }
  }
}

/** bounded-agent-wait (#11.2): as above with one look every 15 minutes. */
async function waitBounded(run: CallbackRun, deadlineMs: number): Promise<AgentWait> {
  for (;;) {
    // Cleared before the look, so a wake-up arriving during it is not lost.
    run.agentMayBeFree = false;
    const reserved = await reserve(run);
    if (reserved) return run.took(reserved);
    for (;;) {
      if (run.cancelRequested) return null;
      const left = deadlineMs - Date.now();
      if (left <= 0) return null;
      if (run.wantsContinueAsNew()) return 'continue-as-new';
      showWaiting(run, deadlineMs);
      const timer = run.pollTimerUntil(Date.now() + Math.min(SAFETY_POLL_MS, left));
      await condition(() => run.cancelRequested || run.agentMayBeFree || timer.fired);
      if (run.cancelRequested) return null;
      if (run.agentMayBeFree) break;
      if (await localDb.agentMayBeFree({ projectId: run.projectId, callbackId: run.callbackId })) break;
    }
  }
}

/** The oldest histories: a reservation every 1, 2 then 5 s, or at a wake-up. */
async function pollForAgent(run: CallbackRun, deadlineMs: number): Promise<AgentWait> {
  for (let poll = 0; ; poll++) {
    const reserved = await reserve(run);
    if (reserved) return run.took(reserved);
    const left = deadlineMs - Date.now();
    if (left <= 0) return null;
    run.agentMayBeFree = false;
    const pollMs = AGENT_POLL_MS[Math.min(poll, AGENT_POLL_MS.length - 1)]!;
    if (run.patches.has(KEEP_POLL_TIMER)) {
      const timer = run.pollTimerUntil(deadlineMs, Date.now() + Math.min(pollMs, left));
      await condition(() => run.cancelRequested || run.agentMayBeFree || timer.fired);
    } else {
      await condition(() => run.cancelRequested || run.agentMayBeFree, Math.min(pollMs, left));
    }
    if (run.cancelRequested) return null;
  }
}
