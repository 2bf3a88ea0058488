// S30–S32, S35, S42, S45 in the callback workflow: one attempt — both parties dialled in the
// configured order, each leg settled as it answers or ends, bridged, the call followed to its
// end. The leg bookkeeping itself is LegBook (legs.ts); outcomeOf is pure and unit-tested.
import { ActivityFailure, ApplicationFailure, condition, log } from '@temporalio/workflow';
import { telephony } from './callback-activities';
import type { CallbackRun, PlacedCall } from './callback-run';
import type { LegPhase } from './legs';
import { CHECK_LOST_CALL_END } from './patches';
import { isPhaseStatus, legKeyOf, type AttemptOutcome, type DialPlan, type Leg } from './types';

/** Extra wait beyond the ring timeout before a silent leg counts as not answered. */
const RING_GRACE_MS = 30_000;
/** A connected call longer than this is hung up: a lost "completed" event must not pin the agent. */
const MAX_CALL_MS = 4 * 3600_000;
/** S42: per identification try, the gather timeout (10 s) plus the time to answer it. */
const ACD_TRY_MS = 15_000;
/**
 * CHECK_LOST_CALL_END (#11.5): a connected call whose "completed" event is lost is asked for
 * its real status (telephony port) at growing intervals, instead of pinning the agent for hours.
 */
const CALL_CHECK_MS = [60_000, 120_000, 300_000];

/** S34: what a leg that did not answer makes of the attempt. */
export function outcomeOf(leg: Leg, phase: LegPhase): AttemptOutcome {
  if (phase === 'failed') return 'FAILED';
  if (phase === 'busy') return leg === 'agent' ? 'AGENT_BUSY' : 'VISITOR_BUSY';
  return leg === 'agent' ? 'AGENT_NO_ANSWER' : 'VISITOR_NO_ANSWER';
}

/** S30: the legs in the order they are dialled. */
export function dialOrder(plan: Pick<DialPlan, 'callOrder'>): [Leg, Leg] {
  return plan.callOrder === 'AGENT_FIRST' ? ['agent', 'visitor'] : ['visitor', 'agent'];
}

/** One attempt: both parties dialled in order and bridged. Null outcome: cancelled mid-dial. */
export async function runAttempt(run: CallbackRun, plan: DialPlan): Promise<AttemptOutcome | null> {
  if (run.agentMustAccept) {
    // S45 auto-answer off: no acceptance within the ring timeout is an agent no-answer.
    const accepted = await condition(
      () => run.acceptedBy !== null || run.cancelRequested,
      plan.ringTimeoutSeconds * 1000,
    );
    if (run.cancelRequested) return null;
    if (!accepted) return 'AGENT_NO_ANSWER';
  }
  const [firstLeg, secondLeg] = dialOrder(plan);
  const first = await dial(run, firstLeg, true, plan);
  const firstEnd = await settleLeg(run, firstLeg, await answerOf(run, firstLeg, first, plan), [first]);
  if (firstEnd !== 'answered') return firstEnd === 'still-ringing' ? 'FAILED' : firstEnd;

  const second = await dial(run, secondLeg, false, plan);
  const firstGone = () => run.legs.isFinal(first.key);
  const secondPhase = await answerOf(run, secondLeg, second, plan, firstGone);
  const secondEnd = await settleLeg(run, secondLeg, secondPhase, [first, second]);
  // The first party hung up while the second was ringing: the attempt failed.
  if (secondEnd === 'still-ringing') return 'FAILED';
  if (secondEnd !== 'answered') return secondEnd;

  // S32: both answered (a voicemail counts): the connection is effective.
  // #15 local-agent-steps: the call's end is watched from here, before the local steps below,
  // and the legs still live are read when it ends: whichever task the steps' results reach
  // (live, one later than on replay), the watch's timer and the hang-ups are the same.
  const callEnd = run.patches.localAgentSteps
    ? awaitCallEnd(run, first, second).then(() => liveLegs(run, first, second))
    : null;
  // A cancel of the whole run rejects it while the steps below run: it is awaited (and
  // thrown) below; meanwhile it must not count as an unhandled rejection.
  callEnd?.catch(() => undefined);
  await run.moveTo('CONNECTED');
  const onCall = run.agentId;
  const { callbackId, attempt } = run;
  if (onCall)
    await run.agentStep('markAgentOnCall', () => run.agents.markAgentOnCall({ agentId: onCall, callbackId, attempt }));
  let live: PlacedCall[];
  if (callEnd) live = await callEnd;
  else {
    await awaitCallEnd(run, first, second);
    live = liveLegs(run, first, second);
  }
  await run.hangup(...live);
  return 'CONNECTED';
}

/** #15 hang-up-live-legs: the leg whose end ended the call needs no hang-up. */
function liveLegs(run: CallbackRun, first: PlacedCall, second: PlacedCall): PlacedCall[] {
  return run.patches.hangUpLiveLegsOnly ? [first, second].filter((c) => !run.legs.isFinal(c.key)) : [first, second];
}

async function dial(run: CallbackRun, leg: Leg, first: boolean, plan: DialPlan): Promise<PlacedCall> {
  const { callbackId, projectId, attempt, agentId } = run;
  const key = legKeyOf(callbackId, attempt, leg);
  run.legs.dialing(key);
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
    run.placedCalls.push({ key, callSid });
    return { key, callSid };
  } catch (err) {
    // #11.3: a dial that failed or timed out for good ends the leg (and so the attempt),
    // never the workflow; the leg's row stops any second dial of this key (S35).
    if (err instanceof ActivityFailure) {
      const type = err.cause instanceof ApplicationFailure ? err.cause.type : err.cause?.name;
      log.warn('dial failed', { callbackId, attempt, leg, type });
      run.legs.end(key, 'failed');
      return { key, callSid: null };
    }
    throw err;
  }
}

/** Waits until the leg is answered or ended (or the ring timeout passed); cancel interrupts. */
async function awaitAnswer(
  run: CallbackRun,
  key: string,
  plan: DialPlan,
  alsoStopWhen: () => boolean = () => false,
): Promise<LegPhase> {
  const ok = await condition(
    () => run.legs.isSettled(key) || run.cancelRequested || alsoStopWhen(),
    plan.ringTimeoutSeconds * 1000 + RING_GRACE_MS,
  );
  if (!ok) run.legs.end(key, 'timeout');
  return run.legs.answerOf(key);
}

/**
 * S42: an answered ACD leg counts once the agent keyed in a known identifier; after the
 * configured tries (or silence) the attempt ends as AGENT_NOT_IDENTIFIED.
 */
async function awaitIdentification(run: CallbackRun, key: string, plan: DialPlan): Promise<boolean> {
  const acd = plan.acd!;
  await condition(
    () => run.legs.isIdentified(key) || run.cancelRequested || run.legs.isFinal(key),
    acd.welcomeMessageSeconds * 1000 + acd.identificationAttempts * ACD_TRY_MS + RING_GRACE_MS,
  );
  const identified = run.legs.identifiedAgent(key);
  if (identified)
    await run.db.setAttemptAgent({ callbackId: run.callbackId, number: run.attempt, agentId: identified });
  return identified !== null;
}

/** A leg's answer as the attempt sees it: an ACD leg answers only once identified. */
async function answerOf(
  run: CallbackRun,
  leg: Leg,
  call: { key: string },
  plan: DialPlan,
  alsoStopWhen?: () => boolean,
): Promise<LegPhase | 'not-identified'> {
  const phase = await awaitAnswer(run, call.key, plan, alsoStopWhen);
  if (phase !== 'answered' || leg !== 'agent' || !plan.acd || run.cancelRequested) return phase;
  return (await awaitIdentification(run, call.key, plan)) ? 'answered' : 'not-identified';
}

/**
 * Settles a dialled leg: 'answered' goes on; else the attempt ends (null: cancelled), its
 * calls hung up — all of them once a second leg was placed; alone, the first leg is hung
 * up only when it is still ringing (timeout), the network ended it otherwise.
 */
async function settleLeg(
  run: CallbackRun,
  leg: Leg,
  phase: LegPhase | 'not-identified',
  calls: PlacedCall[],
): Promise<AttemptOutcome | null | 'answered' | 'still-ringing'> {
  const bridging = calls.length > 1;
  if (run.cancelRequested || phase === 'not-identified') {
    await run.hangup(...calls);
    return run.cancelRequested ? null : 'AGENT_NOT_IDENTIFIED';
  }
  if (phase === 'answered') return 'answered';
  if (bridging || phase === 'timeout') await run.hangup(...calls);
  if (bridging && phase === 'dialing' && run.legs.isFinal(calls[0]!.key)) return 'still-ringing';
  return outcomeOf(leg, phase);
}

/**
 * #11.5: waits until a bridged leg ends. Past each check interval, the telephony port is
 * asked for the legs' real status, so a lost "completed" event costs minutes, not hours.
 */
async function awaitCallEnd(run: CallbackRun, first: PlacedCall, second: PlacedCall): Promise<void> {
  const ended = () => run.legs.isFinal(first.key) || run.legs.isFinal(second.key);
  if (!run.patches.has(CHECK_LOST_CALL_END)) {
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
          callbackId: run.callbackId,
          attempt: run.attempt,
          key: call.key,
          status: real,
        });
        run.legs.learn(call.key, real);
      }
    }
  }
}
