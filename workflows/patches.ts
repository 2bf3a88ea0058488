// The callback workflow's patch ids (docs/patches.md) and where each is decided.
//
// A `patched()` call first made in the code that runs right after a local activity is
// fragile: live, that code may run one workflow task after the local activity's marker was
// written (the activity completed while its task was being completed); on replay, core
// resolves the activity in the task holding its marker and announces patches per task, so
// the same call comes one task early, finds no marker yet, and the replay fails
// ("Non-deprecated patch marker encountered … but there is no corresponding change command").
// Since PATCHES_AT_START, a run decides every behaviour in its first activation, before any
// activity; the older per-site calls remain only for histories without that marker.
import { patched } from '@temporalio/workflow';

/** Database steps as local activities (28 → 12 workflow tasks per completed callback). */
export const LOCAL_DB_ACTIVITIES = 'local-db-activities';
/** A callback already due starts at once instead of through a zero-length timer (S2). */
export const SKIP_SLEEP_WHEN_DUE = 'skip-sleep-when-due';
/** A wake-up signal no longer cancels the agent poll timer (the old polling wait). */
export const KEEP_POLL_TIMER = 'keep-agent-poll-timer';
/** #11.2: waiting for an agent wakes on events, looks slowly by itself, continues-as-new. */
export const BOUNDED_WAIT = 'bounded-agent-wait';
/** #11.4: the row is read before anything else; an ended row is never dialled. */
export const CHECK_ROW_FIRST = 'check-row-before-dial';
/** #11.5: a bridged call whose end event is lost is asked for its real status. */
export const CHECK_LOST_CALL_END = 'check-lost-call-end';
/** #16: per-outcome retry rules and the minimum gap decide the next attempt. */
export const RETRY_PER_OUTCOME = 'retry-per-outcome';
/**
 * #11 (replay after a late local-activity result): every patch above is decided here, in
 * the first activation, and is on; no later `patched()` call, and "already due" is judged
 * only from instants the history fixes.
 */
export const PATCHES_AT_START = 'patches-at-start';

/**
 * #11.2: a waiting callback looks by itself 5 s after the wait starts or a wake-up found no
 * agent, then at doubling intervals up to 15 min (workflows/safety-look.ts); before, every
 * 15 min. Decided at start, only in runs with PATCHES_AT_START.
 */
export const ADAPTIVE_SAFETY_LOOK = 'adaptive-safety-look';

/**
 * #15: after a bridged call ends, only the legs still live are hung up (the one that ended
 * is not asked again): one activity and one workflow task fewer per completed callback.
 * Decided at start, only in runs with PATCHES_AT_START.
 */
export const HANG_UP_LIVE_LEGS = 'hang-up-live-legs';

/**
 * #15: the agent steps (reserve, on call, release) run as local activities: about three
 * activities and three workflow tasks fewer per completed callback. Only for runs started
 * with `localAgentSteps` in their input (agent workflows on a task queue of their own, so
 * they never wait for the task slots of the callbacks that wait on them); decided at start,
 * only in runs with PATCHES_AT_START. After each such step nothing reads the clock, the
 * history or what a signal changed before a timer, a signal or an update fixes the task
 * (docs/agent-task-queue.md).
 */
export const LOCAL_AGENT_STEPS = 'local-agent-steps';

/** The patches PATCHES_AT_START turns on without a marker of their own. */
const IMPLIED_BY_START: readonly string[] = [
  LOCAL_DB_ACTIVITIES,
  SKIP_SLEEP_WHEN_DUE,
  KEEP_POLL_TIMER,
  BOUNDED_WAIT,
  CHECK_ROW_FIRST,
  CHECK_LOST_CALL_END,
  RETRY_PER_OUTCOME,
];

/** Which code paths this run takes. Construct it first thing in the workflow function. */
export class CallbackPatches {
  /** True for runs started by this code or later: every decision below is made already. */
  readonly atStart: boolean;
  /** ADAPTIVE_SAFETY_LOOK: short safety looks at first and after a wake-up. */
  readonly adaptiveLooks: boolean;
  /** HANG_UP_LIVE_LEGS: a leg that already ended is not hung up after the call. */
  readonly hangUpLiveLegsOnly: boolean;
  /** LOCAL_AGENT_STEPS: reserve, on call and release as local activities. */
  readonly localAgentSteps: boolean;

  /** `localAgentSteps`: the run's input asks for them (its starter knows agents have their own queue). */
  constructor(localAgentSteps = false) {
    this.atStart = patched(PATCHES_AT_START);
    this.adaptiveLooks = this.atStart && patched(ADAPTIVE_SAFETY_LOOK);
    this.hangUpLiveLegsOnly = this.atStart && patched(HANG_UP_LIVE_LEGS);
    this.localAgentSteps = this.atStart && this.adaptiveLooks && localAgentSteps && patched(LOCAL_AGENT_STEPS);
  }

  /**
   * Whether `id`'s new path applies. A run with PATCHES_AT_START answers without a marker;
   * an older history asks `patched(id)` at the same point of the code as it always did.
   */
  has(id: string): boolean {
    if (this.atStart && IMPLIED_BY_START.includes(id)) return true;
    return patched(id);
  }
}
