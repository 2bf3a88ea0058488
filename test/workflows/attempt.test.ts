// S30/S34 pure parts of the attempt (workflows/attempt.ts). No Temporal.
import { dialOrder, outcomeOf } from '../../workflows/attempt';

test('S30: AGENT_FIRST dials the agent first, VISITOR_FIRST the visitor', () => {
  expect(dialOrder({ callOrder: 'AGENT_FIRST' })).toEqual(['agent', 'visitor']);
  expect(dialOrder({ callOrder: 'VISITOR_FIRST' })).toEqual(['visitor', 'agent']);
});

test.each([
  ['agent', 'busy', 'AGENT_BUSY'],
  ['visitor', 'busy', 'VISITOR_BUSY'],
  ['agent', 'no-answer', 'AGENT_NO_ANSWER'],
  ['visitor', 'no-answer', 'VISITOR_NO_ANSWER'],
  ['agent', 'timeout', 'AGENT_NO_ANSWER'],
  ['visitor', 'canceled', 'VISITOR_NO_ANSWER'],
  ['agent', 'failed', 'FAILED'],
  ['visitor', 'failed', 'FAILED'],
] as const)('S34: a %s leg ending %s makes the attempt %s', (leg, phase, outcome) => {
  expect(outcomeOf(leg, phase)).toBe(outcome);
});
