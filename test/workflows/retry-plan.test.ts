// S33/#16 as the callback workflow applies them (workflows/retry-plan.ts). Pure: no Temporal.
import { callSettingsSchema } from '../../src/domain/settings';
import { RetryPlan } from '../../workflows/retry-plan';
import type { DialPlan } from '../../workflows/types';

const DUE = Date.parse('2026-11-26T10:00:00.000Z');
const rules = callSettingsSchema.parse({}).retry; // 5 retries, 300 s apart, 60 s minimum gap
const plan = (withRules: boolean): DialPlan => ({
  callOrder: 'AGENT_FIRST',
  maxRetries: 5,
  retryIntervalSeconds: 300,
  ...(withRules ? { retry: rules } : {}),
  ringTimeoutSeconds: 30,
  distribution: 'AGENTS',
  record: false,
});
const iso = (ms: number) => new Date(ms).toISOString();

test('S33: attempt n is due n intervals after the due time while no failure changed the plan', () => {
  const retries = new RetryPlan(DUE);
  expect([0, 1, 2].map((i) => retries.attemptStartMs(i, plan(true)) - DUE)).toEqual([0, 300_000, 600_000]);
});

test('#16: after a failure with rules, the next attempt starts at the later of its due time and end + minimum gap', () => {
  const retries = new RetryPlan(DUE);
  // The first attempt ended 4.5 min after the due time: 60 s later is past the +5 min due time.
  expect(retries.after('VISITOR_BUSY', iso(DUE + 270_000), plan(true), () => true)).toEqual({ retry: true });
  expect(retries.attemptStartMs(1, plan(true)) - DUE).toBe(330_000);
  expect(retries.progress).toMatchObject({ failures: ['VISITOR_BUSY'], lastEndedAt: iso(DUE + 270_000) });
});

test('#16: the patch is asked once, at the first failure with rules; without it S33 stands', () => {
  const retries = new RetryPlan(DUE);
  let asked = 0;
  const patchOff = () => (asked++, false);
  for (let i = 0; i < 3; i++)
    expect(retries.after('VISITOR_NO_ANSWER', iso(DUE + i * 300_000), plan(true), patchOff)).toEqual({ retry: true });
  expect(asked).toBe(1);
  expect(retries.progress).toBeNull();
  expect(retries.attemptStartMs(2, plan(true)) - DUE).toBe(600_000);
});

test('#16: a plan without rules (read before they existed) never asks the patch', () => {
  const retries = new RetryPlan(DUE);
  expect(
    retries.after('FAILED', iso(DUE), plan(false), () => {
      throw new Error('asked');
    }),
  ).toEqual({ retry: true });
});

test('S33: the sixth failure leaves no retry (MAX_RETRIES)', () => {
  const retries = new RetryPlan(DUE);
  const decisions = Array.from({ length: 6 }, (_, i) =>
    retries.after('VISITOR_NO_ANSWER', iso(DUE + i * 300_000 + 40_000), plan(true), () => true),
  );
  expect(decisions.slice(0, 5)).toEqual(Array(5).fill({ retry: true }));
  expect(decisions[5]).toEqual({ retry: false, reason: 'MAX_RETRIES', retryClass: 'visitorNoAnswer' });
});

test('#11.2: a continued-as-new run past its first attempt keeps its retry state', () => {
  const progress = { failures: ['AGENT_BUSY' as const], lastEndedAt: iso(DUE + 50_000), attemptAt: iso(DUE + 300_000) };
  const resumed = new RetryPlan(DUE, { attemptIndex: 1, plan: plan(true), retry: progress });
  expect(resumed.attemptStartMs(1, plan(true))).toBe(DUE + 300_000);
  // Decided already: the patch is not asked again.
  expect(
    resumed.after('AGENT_BUSY', iso(DUE + 350_000), plan(true), () => {
      throw new Error('asked');
    }),
  ).toEqual({ retry: true });
  // Resumed on S33's path (no progress carried): stays on it.
  const fixed = new RetryPlan(DUE, { attemptIndex: 2, plan: plan(true) });
  expect(fixed.after('FAILED', iso(DUE), plan(true), () => true)).toEqual({ retry: true });
  expect(fixed.progress).toBeNull();
});
