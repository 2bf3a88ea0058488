// S33 and #16 in the callback workflow: when attempt n starts, and whether a failed attempt
// gets another. Pure (workflow code without Temporal calls): the `retry-per-outcome` patch is
// asked through `perOutcomePatch`, once, at the first failure with rules. Unit-tested.
import { nextAttemptAt, type FailedOutcome, type RetryClass } from '../src/domain/retry';
import { attemptDueMs, type CallbackWorkflowInput, type DialPlan, type RetryProgress } from './types';

export type RetryDecision =
  { retry: true } | { retry: false; reason: 'MAX_RETRIES' | 'CLASS_MAX_RETRIES'; retryClass: RetryClass };

export class RetryPlan {
  /** Whether per-outcome retries apply: undefined until the first failure decides it. */
  private perOutcome: boolean | undefined;
  /** Where per-outcome retries stand (carried across continue-as-new). */
  progress: RetryProgress | null;

  constructor(
    private readonly dueMs: number,
    resume?: CallbackWorkflowInput['resume'],
  ) {
    // A continued-as-new run past its first attempt carries the answer in.
    this.perOutcome = resume && resume.attemptIndex > 0 ? resume.retry !== undefined : undefined;
    this.progress = resume?.retry ?? null;
  }

  /** When attempt `index` (0-based) is to start: S4's deadline counts from it. */
  attemptStartMs(index: number, plan: DialPlan): number {
    if (index === 0) return this.dueMs;
    return this.progress
      ? Date.parse(this.progress.attemptAt)
      : attemptDueMs(this.dueMs, index, plan.retryIntervalSeconds);
  }

  /**
   * #16: after a failed attempt that ended at `endedAt`. On S33's path (no patch, no rules)
   * the caller's loop bound decides alone, so this says retry.
   */
  after(outcome: FailedOutcome, endedAt: string, plan: DialPlan, perOutcomePatch: () => boolean): RetryDecision {
    this.perOutcome ??= plan.retry !== undefined && perOutcomePatch();
    if (!this.perOutcome || !plan.retry) return { retry: true };
    const failures = [...(this.progress?.failures ?? []), outcome];
    const next = nextAttemptAt({
      failures,
      dueAt: new Date(this.dueMs),
      lastEndedAt: new Date(endedAt),
      rules: plan.retry,
    });
    if (!next.retry) return next;
    this.progress = { failures, lastEndedAt: endedAt, attemptAt: next.at.toISOString() };
    return { retry: true };
  }
}
