// #12: the callback workflow's leg bookkeeping on its own: status events folded into a
// leg's phase, whatever their order, repetition or lateness (S32, S35).
import type { LegEvent } from '../../src/telephony/port';
import { LegBook, nextLegPhase } from '../../workflows/legs';

const KEY = '00000000-0000-4000-8000-000000000001:1:visitor';
let sequence = 0;
const event = (status: LegEvent['status'], extra: Partial<LegEvent> = {}): LegEvent => ({
  key: KEY,
  callSid: 'CA1',
  status,
  sequence: sequence++,
  at: '2026-03-02T09:00:00.000Z',
  ...extra,
});

test('nextLegPhase: progress statuses leave the phase, final phases never change', () => {
  expect(nextLegPhase('dialing', { status: 'ringing' })).toBe('dialing');
  expect(nextLegPhase('dialing', { status: 'answered' })).toBe('answered');
  expect(nextLegPhase('answered', { status: 'completed' })).toBe('completed');
  expect(nextLegPhase('completed', { status: 'answered' })).toBe('completed');
  expect(nextLegPhase('timeout', { status: 'completed' })).toBe('timeout');
});

test('events of a leg not dialled are ignored; a repeated event applies once', () => {
  const legs = new LegBook();
  expect(legs.apply(event('answered'))).toBe(false);
  legs.dialing(KEY);
  const answered = event('answered');
  expect(legs.apply(answered)).toBe(true);
  expect(legs.apply(answered)).toBe(false);
  expect(legs.phase(KEY)).toBe('answered');
  expect(legs.isSettled(KEY)).toBe(true);
  expect(legs.isFinal(KEY)).toBe(false);
});

test('S32: "completed" with a duration before "answered" (reordered) still counts as answered', () => {
  const legs = new LegBook();
  legs.dialing(KEY);
  legs.apply(event('completed', { durationSeconds: 12 }));
  legs.apply(event('answered'));
  expect(legs.answerOf(KEY)).toBe('answered');
  expect(legs.isFinal(KEY)).toBe(true);
});

test('a leg that ended without talking is not answered; the workflow verdicts and provider answers fold in', () => {
  const legs = new LegBook();
  legs.dialing(KEY);
  expect(legs.isSettled(KEY)).toBe(false);
  legs.apply(event('no-answer'));
  expect(legs.answerOf(KEY)).toBe('no-answer');

  const other = new LegBook();
  other.dialing(KEY);
  other.end(KEY, 'timeout');
  other.learn(KEY, 'completed'); // a late truth does not reopen a final phase
  expect(other.phase(KEY)).toBe('timeout');

  const lost = new LegBook();
  lost.dialing(KEY);
  lost.apply(event('answered'));
  lost.learn(KEY, 'completed'); // #11.5: asked of the provider after a lost event
  expect(lost.isFinal(KEY)).toBe(true);
});

test('S42: the first identification of a dialled leg wins', () => {
  const legs = new LegBook();
  legs.identify(KEY, 'agent-1'); // not dialled yet: ignored
  expect(legs.isIdentified(KEY)).toBe(false);
  legs.dialing(KEY);
  legs.identify(KEY, null);
  legs.identify(KEY, 'agent-2');
  expect(legs.isIdentified(KEY)).toBe(true);
  expect(legs.identifiedAgent(KEY)).toBeNull();
});
