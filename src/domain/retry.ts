// S33 and #16: when the next attempt of a callback starts, per class of the failed attempt's
// outcome, and never sooner than a minimum gap after the previous attempt ended. Pure: the
// workflow passes what it knows (outcomes so far, instants) and sleeps until the answer.

/** S34 outcomes of an attempt that did not connect. */
export type FailedOutcome =
  'AGENT_NO_ANSWER' | 'VISITOR_NO_ANSWER' | 'AGENT_BUSY' | 'VISITOR_BUSY' | 'FAILED' | 'AGENT_NOT_IDENTIFIED';

export const RETRY_CLASSES = ['visitorBusy', 'visitorNoAnswer', 'agentFailure', 'technicalFailure'] as const;
export type RetryClass = (typeof RETRY_CLASSES)[number];

/** A busy line, an unanswered phone, an agent who did not pick up, and the network failing. */
export function retryClassOf(outcome: FailedOutcome): RetryClass {
  switch (outcome) {
    case 'VISITOR_BUSY':
      return 'visitorBusy';
    case 'VISITOR_NO_ANSWER':
      return 'visitorNoAnswer';
    case 'AGENT_NO_ANSWER':
    case 'AGENT_BUSY':
    case 'AGENT_NOT_IDENTIFIED':
      return 'agentFailure';
    case 'FAILED':
      return 'technicalFailure';
  }
}

/** The `retry` settings (src/domain/settings.ts); a class without its own value takes the top-level one. */
export interface RetryRules {
  /** S33: retries a callback gets in all (attempts = 1 + maxRetries). */
  maxRetries: number;
  /** S33: the default spacing of attempts' due times. */
  intervalSeconds: number;
  /** Seconds between the end of one attempt and the start of the next, whatever the schedule says. */
  minGapSeconds: number;
  byOutcome: Partial<Record<RetryClass, { maxRetries?: number | undefined; intervalSeconds?: number | undefined }>>;
}

/** A class's count and interval, the top-level values filling what it leaves out. */
export function ruleFor(rules: RetryRules, retryClass: RetryClass): { maxRetries: number; intervalSeconds: number } {
  const own = rules.byOutcome[retryClass];
  return {
    maxRetries: own?.maxRetries ?? rules.maxRetries,
    intervalSeconds: own?.intervalSeconds ?? rules.intervalSeconds,
  };
}

export type NextAttempt =
  | {
      retry: true;
      /** 1-based number of the attempt to start (the first retry is attempt 2). */
      attempt: number;
      /** On the schedule: the callback's due time plus the interval of each failure's class. */
      dueAt: Date;
      /** When to start it: dueAt, or the previous end plus the minimum gap when that is later. */
      at: Date;
    }
  | { retry: false; reason: 'MAX_RETRIES' | 'CLASS_MAX_RETRIES'; retryClass: RetryClass };

/**
 * After the attempts whose outcomes are `failures` (in order, the latest last, at least one),
 * the next attempt, or why the callback gives up (FAILED).
 *
 * - Give up when `maxRetries` retries were made in all, or when the latest failure's class
 *   has now failed more than its own `maxRetries` times.
 * - Attempt n+1 is due `dueAt + Σ interval(class of failure i)` for i = 1…n: with the defaults
 *   (every class 300 s) that is S33's +0, +5, … +25 min.
 * - It starts at that instant, or `minGapSeconds` after the previous attempt ended if later:
 *   an attempt that outlasts the interval no longer makes the next one ring at once.
 */
export function nextAttemptAt(input: {
  failures: readonly FailedOutcome[];
  dueAt: Date;
  lastEndedAt: Date;
  rules: RetryRules;
}): NextAttempt {
  const { failures, rules } = input;
  const latest = failures.at(-1);
  if (latest === undefined) throw new RangeError('nextAttemptAt needs at least one failed attempt');
  const latestClass = retryClassOf(latest);
  if (failures.length > rules.maxRetries) return { retry: false, reason: 'MAX_RETRIES', retryClass: latestClass };
  const ofLatestClass = failures.filter((outcome) => retryClassOf(outcome) === latestClass).length;
  if (ofLatestClass > ruleFor(rules, latestClass).maxRetries) {
    return { retry: false, reason: 'CLASS_MAX_RETRIES', retryClass: latestClass };
  }
  const delayMs = failures.reduce(
    (sum, outcome) => sum + ruleFor(rules, retryClassOf(outcome)).intervalSeconds * 1000,
    0,
  );
  const dueAt = new Date(input.dueAt.getTime() + delayMs);
  const earliest = input.lastEndedAt.getTime() + rules.minGapSeconds * 1000;
  return { retry: true, attempt: failures.length + 1, dueAt, at: new Date(Math.max(dueAt.getTime(), earliest)) };
}
