// #15.3: an availability answer is served again until availabilityStableUntil; over that
// interval the computation must give the very same answer (S7 exactness of the cache).
import { availabilityStableUntil, computeAvailability, type AvailabilityInput } from '../../src/domain/availability';
import { callSettingsSchema, type CallSettingsInput } from '../../src/domain/settings';

const WEEK = 7 * 86_400_000;
const slot = (start: string, end: string, capacity: number) => ({ start, end, capacity });

/** Positions at odd instants (7 in an hour: every 8 min 34.285 s), a lead of 95 s, hours and a holiday. */
function settings(overrides: Partial<CallSettingsInput> = {}) {
  const day = [slot('09:00', '10:00', 7), slot('13:30', '14:00', 3), slot('23:00', '24:00', 60)];
  return callSettingsSchema.parse({
    timezone: 'America/New_York',
    countries: ['US'],
    immediate: {
      enabled: true,
      availability: 'OPENING_HOURS',
      openingHours: { mon: [{ start: '09:15', end: '17:45' }], tue: [{ start: '09:15', end: '17:45' }] },
    },
    deferred: {
      enabled: true,
      offer: 'WHEN_IMMEDIATE_UNAVAILABLE',
      minimumLeadSeconds: 95,
      planning: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: day, holiday: [] },
      holidays: ['2026-11-26'],
    },
    ...overrides,
  });
}

/** A deterministic pseudo-random sequence (no flaky seeds). */
function lcg(seed: number) {
  let x = seed;
  return () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

const bookedPositions = new Map<number, number[]>();

function inputAt(
  s: ReturnType<typeof settings>,
  now: number,
  window: { from?: number; to?: number },
): AvailabilityInput {
  const from = window.from ?? now;
  return {
    settings: s,
    now: new Date(now),
    from: new Date(from),
    to: new Date(window.to ?? from + WEEK),
    availableAgents: 0,
    bookedPositions,
  };
}

const answer = (input: AvailabilityInput) => JSON.stringify(computeAvailability(input));

describe.each([
  ['opening hours, deferred when immediate is not offered', settings()],
  [
    'deferred always, no lead time',
    settings({
      immediate: { enabled: false },
      deferred: { ...settings().deferred, offer: 'ALWAYS', minimumLeadSeconds: 0 },
    }),
  ],
  [
    'deferred on offer hours',
    settings({
      deferred: { ...settings().deferred, offer: 'SCHEDULE', offerHours: { wed: [{ start: '08:07', end: '12:59' }] } },
    }),
  ],
])('%s', (_name, s) => {
  // Around a DST change (1 Nov 2026 in New York) and a holiday (26 Nov).
  const starts = [Date.parse('2026-10-31T12:00:00Z'), Date.parse('2026-11-24T12:00:00Z')];

  test.each<[string, { from?: number; to?: number }]>([
    ['the default window (moves with now)', {}],
    ['a fixed window', { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-30T00:00:00Z') }],
  ])('%s: the same answer at every instant before it may change', (_w, fixed) => {
    const random = lcg(42);
    for (const start of starts) {
      for (let i = 0; i < 150; i++) {
        const now = start + Math.floor(random() * 3 * 86_400_000);
        const input = inputAt(s, now, fixed);
        const until = availabilityStableUntil(input, fixed.from === undefined);
        expect(until).toBeGreaterThan(now);
        // At most a minute: wall-clock hours change on minute boundaries.
        expect(until - now).toBeLessThanOrEqual(60_000);
        const expected = answer(input);
        for (const later of [now + 1, until - 1, now + Math.floor(random() * (until - now))]) {
          expect(answer(inputAt(s, later, fixed))).toBe(expected);
        }
      }
    }
  });
});

test('the first instant after a position falls behind the lead time is where it stops', () => {
  const s = settings({ immediate: { enabled: false } });
  // Monday 09:00 New York = 14:00Z; the slot's position 1 is at 09:08:34.285, lead 95 s.
  const position1 = Date.parse('2026-11-23T14:08:34.285Z');
  const now = position1 - 95_000 - 10_000;
  const input = inputAt(s, now, {});
  const until = availabilityStableUntil(input, true);
  expect(until).toBe(position1 - 95_000 + 1);
  expect(answer(inputAt(s, until, {}))).not.toBe(answer(input));
});
