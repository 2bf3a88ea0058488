// S33 and #16: the next attempt per outcome class, the total and per-class counts, and the
// minimum gap after an attempt's end. Pure: instants in, instant (or give up) out.
import { nextAttemptAt, retryClassOf, ruleFor, type FailedOutcome, type RetryRules } from '../../src/domain/retry';
import { callSettingsSchema } from '../../src/domain/settings';

const DUE = new Date('2026-03-30T09:00:00+02:00');
const MIN = 60_000;
const defaults: RetryRules = callSettingsSchema.parse({}).retry;
const plus = (ms: number) => new Date(DUE.getTime() + ms);

/** Every attempt lasts `attemptMs` from when it starts; the outcomes fail in turn until one gives up. */
function schedule(rules: RetryRules, outcomes: FailedOutcome[], attemptMs = 40_000) {
  const starts = [DUE];
  const failures: FailedOutcome[] = [];
  for (const outcome of outcomes) {
    failures.push(outcome);
    const next = nextAttemptAt({
      failures,
      dueAt: DUE,
      lastEndedAt: new Date(starts.at(-1)!.getTime() + attemptMs),
      rules,
    });
    if (!next.retry) return { starts, end: next };
    expect(next.attempt).toBe(starts.length + 1);
    starts.push(next.at);
  }
  return { starts, end: null };
}

const offsetsInMinutes = (starts: Date[]) => starts.map((at) => (at.getTime() - DUE.getTime()) / MIN);

describe('outcome classes', () => {
  it.each<[FailedOutcome, string]>([
    ['VISITOR_BUSY', 'visitorBusy'],
    ['VISITOR_NO_ANSWER', 'visitorNoAnswer'],
    ['AGENT_NO_ANSWER', 'agentFailure'],
    ['AGENT_BUSY', 'agentFailure'],
    ['AGENT_NOT_IDENTIFIED', 'agentFailure'],
    ['FAILED', 'technicalFailure'],
  ])('%s is %s', (outcome, retryClass) => {
    expect(retryClassOf(outcome)).toBe(retryClass);
  });

  it('a class without a rule of its own takes the top-level count and interval', () => {
    const rules = { ...defaults, byOutcome: { visitorBusy: { intervalSeconds: 60 } } };
    expect(ruleFor(rules, 'visitorBusy')).toEqual({ maxRetries: 5, intervalSeconds: 60 });
    expect(ruleFor(rules, 'technicalFailure')).toEqual({ maxRetries: 5, intervalSeconds: 300 });
  });
});

describe('S33 defaults: +0, +5, +10, +15, +20, +25 min, then FAILED', () => {
  it.each<[string, FailedOutcome[]]>([
    ['visitor never answers', Array(6).fill('VISITOR_NO_ANSWER')],
    ['visitor busy', Array(6).fill('VISITOR_BUSY')],
    ['agent never answers', Array(6).fill('AGENT_NO_ANSWER')],
    ['network failures', Array(6).fill('FAILED')],
    [
      'every class in turn',
      ['VISITOR_BUSY', 'VISITOR_NO_ANSWER', 'AGENT_NO_ANSWER', 'FAILED', 'AGENT_BUSY', 'AGENT_NOT_IDENTIFIED'],
    ],
  ])('%s', (_name, outcomes) => {
    const { starts, end } = schedule(defaults, outcomes);
    expect(offsetsInMinutes(starts)).toEqual([0, 5, 10, 15, 20, 25]);
    // Exact to the millisecond: the due times, not "about five minutes".
    expect(starts.map((at) => at.toISOString())).toEqual(
      [0, 5, 10, 15, 20, 25].map((m) => plus(m * MIN).toISOString()),
    );
    expect(end).toEqual({ retry: false, reason: 'MAX_RETRIES', retryClass: retryClassOf(outcomes[5]!) });
  });

  it('an attempt ending just over a minute before the next due time does not move it', () => {
    const { starts } = schedule(defaults, Array(6).fill('VISITOR_NO_ANSWER'), 4 * MIN - 1);
    expect(offsetsInMinutes(starts)).toEqual([0, 5, 10, 15, 20, 25]);
  });

  it('maxRetries 0: one attempt only', () => {
    expect(schedule({ ...defaults, maxRetries: 0 }, ['VISITOR_BUSY'])).toEqual({
      starts: [DUE],
      end: { retry: false, reason: 'MAX_RETRIES', retryClass: 'visitorBusy' },
    });
  });
});

describe('#16 per-class rules', () => {
  const rules: RetryRules = {
    ...defaults,
    maxRetries: 8,
    byOutcome: {
      visitorBusy: { maxRetries: 3, intervalSeconds: 120 },
      visitorNoAnswer: { intervalSeconds: 900 },
      agentFailure: { maxRetries: 8, intervalSeconds: 60 },
      technicalFailure: { maxRetries: 1 },
    },
  };

  it.each<[string, FailedOutcome[], number[], string | null]>([
    // A busy line: 2 min apart, 3 retries, the fourth busy gives up.
    ['busy ×4', Array(4).fill('VISITOR_BUSY'), [0, 2, 4, 6], 'CLASS_MAX_RETRIES'],
    // No answer: 15 min apart (no own count: the total, 8).
    ['no answer ×3', Array(3).fill('VISITOR_NO_ANSWER'), [0, 15, 30, 45], null],
    // The agent side: every minute, up to the total of 8 retries.
    ['agent ×9', Array(9).fill('AGENT_NO_ANSWER'), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'MAX_RETRIES'],
    // Technical: one retry at the top-level 5 min, the second failure gives up.
    ['technical ×2', ['FAILED', 'FAILED'], [0, 5], 'CLASS_MAX_RETRIES'],
    // Mixed: each failure adds its own class's interval; the counts are per class.
    [
      'busy, no answer, agent, busy, busy',
      ['VISITOR_BUSY', 'VISITOR_NO_ANSWER', 'AGENT_BUSY', 'VISITOR_BUSY', 'VISITOR_BUSY'],
      [0, 2, 17, 18, 20, 22],
      null,
    ],
    [
      'a fourth busy after others gives up on its class count',
      ['VISITOR_BUSY', 'FAILED', 'VISITOR_BUSY', 'VISITOR_BUSY', 'VISITOR_BUSY'],
      [0, 2, 7, 9, 11],
      'CLASS_MAX_RETRIES',
    ],
  ])('%s → starts at %p min', (_name, outcomes, minutes, gaveUp) => {
    // Instant attempts: the minimum gap (60 s) never exceeds these intervals, so only they count.
    const { starts, end } = schedule(rules, outcomes, 0);
    expect(offsetsInMinutes(starts)).toEqual(minutes);
    expect(end?.reason ?? null).toBe(gaveUp);
  });
});

describe('#16 minimum gap between the end of one attempt and the next', () => {
  it('an attempt outlasting the interval: the next starts minGapSeconds after it ended, not at once', () => {
    // The seed's complaint: 1 s interval, attempts of ~4 s, the visitor rung again 130 ms later.
    const rules = { ...defaults, intervalSeconds: 1, minGapSeconds: 60 };
    const next = nextAttemptAt({
      failures: ['VISITOR_NO_ANSWER'],
      dueAt: DUE,
      lastEndedAt: plus(4_000),
      rules,
    });
    expect(next).toEqual({ retry: true, attempt: 2, dueAt: plus(1_000), at: plus(64_000) });
  });

  it.each<[string, number, number, number]>([
    // [name, minGapSeconds, attempt length ms, expected start of attempt 2 in ms after DUE]
    ['default 60 s, attempt ended 4 min into a 5 min interval: on schedule', 60, 4 * MIN, 5 * MIN],
    ['default 60 s, attempt ended 4:00.001 in: 1 ms late', 60, 4 * MIN + 1, 5 * MIN + 1],
    ['default 60 s, attempt of 6 min: 7 min', 60, 6 * MIN, 7 * MIN],
    ['gap 0 (local runs): at the end of a long attempt, never before', 0, 6 * MIN, 6 * MIN],
    ['gap 1 s', 1, 6 * MIN, 6 * MIN + 1000],
  ])('%s', (_name, minGapSeconds, attemptMs, expected) => {
    const next = nextAttemptAt({
      failures: ['AGENT_NO_ANSWER'],
      dueAt: DUE,
      lastEndedAt: plus(attemptMs),
      rules: { ...defaults, minGapSeconds },
    });
    expect(next).toMatchObject({ retry: true, dueAt: plus(5 * MIN), at: plus(expected) });
  });

  it('a late attempt does not shift the schedule of the later ones (due times stay dueAt + Σ intervals)', () => {
    const rules = { ...defaults, minGapSeconds: 60 };
    const second = nextAttemptAt({ failures: ['FAILED'], dueAt: DUE, lastEndedAt: plus(6 * MIN), rules });
    expect(second).toMatchObject({ at: plus(7 * MIN) });
    // Attempt 2 started at +7 and lasted 30 s: attempt 3 is still due at +10.
    const third = nextAttemptAt({
      failures: ['FAILED', 'FAILED'],
      dueAt: DUE,
      lastEndedAt: plus(7.5 * MIN),
      rules,
    });
    expect(third).toEqual({ retry: true, attempt: 3, dueAt: plus(10 * MIN), at: plus(10 * MIN) });
  });

  it('needs at least one failure', () => {
    expect(() => nextAttemptAt({ failures: [], dueAt: DUE, lastEndedAt: DUE, rules: defaults })).toThrow(RangeError);
  });
});
