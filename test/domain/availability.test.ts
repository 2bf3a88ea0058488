import {
  computeAvailability,
  isDeferredOffered,
  isImmediateOffered,
  isSlotBookable,
  type AvailabilityInput,
} from '../../src/domain/availability';
import { callSettingsSchema, type CallSettings, type CallSettingsInput } from '../../src/domain/settings';

const WEEK = 7 * 24 * 3_600_000;

/** Paris, Mon–Fri 09:00–10:00 ×6 and 14:00–16:00 ×4; Easter Monday 2026-04-06 is a holiday. */
function settingsWith(
  overrides: {
    immediate?: CallSettingsInput['immediate'];
    deferred?: CallSettingsInput['deferred'];
    timezone?: string;
  } = {},
): CallSettings {
  const day = [
    { start: '09:00', end: '10:00', capacity: 6 },
    { start: '14:00', end: '16:00', capacity: 4 },
  ];
  return callSettingsSchema.parse({
    timezone: overrides.timezone ?? 'Europe/Paris',
    immediate: {
      openingHours: { mon: [{ start: '08:00', end: '18:00' }], tue: [{ start: '08:00', end: '18:00' }] },
      ...overrides.immediate,
    },
    deferred: {
      planning: { mon: day, tue: day, wed: day, thu: day, fri: day, holiday: [] },
      offerHours: { mon: [{ start: '07:00', end: '20:00' }] },
      holidays: ['2026-04-06'],
      ...overrides.deferred,
    },
  });
}

function availability(partial: Partial<AvailabilityInput> & { now: Date }) {
  return computeAvailability({
    settings: settingsWith(),
    from: partial.now,
    to: new Date(partial.now.getTime() + WEEK),
    availableAgents: 1,
    bookedPositions: new Map(),
    ...partial,
  });
}

const mondayMorning = new Date('2026-03-30T08:30:00+02:00');
const mondayEvening = new Date('2026-03-30T19:00:00+02:00');
const sundayNoon = new Date('2026-03-29T12:00:00+02:00');
const easterMonday = new Date('2026-04-06T10:00:00+02:00');

describe('isImmediateOffered (S5)', () => {
  it.each<[string, CallSettingsInput['immediate'], number, Date, boolean]>([
    ['presence: an available agent', { availability: 'AGENT_PRESENCE' }, 1, mondayMorning, true],
    ['presence: several agents', { availability: 'AGENT_PRESENCE' }, 4, sundayNoon, true],
    ['presence: nobody free', { availability: 'AGENT_PRESENCE' }, 0, mondayMorning, false],
    ['presence ignores opening hours and holidays', { availability: 'AGENT_PRESENCE' }, 1, easterMonday, true],
    ['opening hours: inside, even with nobody free', { availability: 'OPENING_HOURS' }, 0, mondayMorning, true],
    ['opening hours: outside, even with agents free', { availability: 'OPENING_HOURS' }, 5, mondayEvening, false],
    ['opening hours: a day without hours', { availability: 'OPENING_HOURS' }, 5, sundayNoon, false],
    ['opening hours: closed on a holiday', { availability: 'OPENING_HOURS' }, 5, easterMonday, false],
    ['disabled, with agents free', { enabled: false, availability: 'AGENT_PRESENCE' }, 3, mondayMorning, false],
    ['disabled, inside opening hours', { enabled: false, availability: 'OPENING_HOURS' }, 3, mondayMorning, false],
  ])('%s → %p', (_name, immediate, agents, now, expected) => {
    expect(isImmediateOffered(settingsWith({ immediate }), now, agents)).toBe(expected);
  });
});

describe('isDeferredOffered (S6)', () => {
  it.each<[string, CallSettingsInput['deferred'], boolean, Date, boolean]>([
    ['always, immediate offered', { offer: 'ALWAYS' }, true, mondayMorning, true],
    ['always, immediate not offered', { offer: 'ALWAYS' }, false, sundayNoon, true],
    [
      'when immediate unavailable: immediate offered',
      { offer: 'WHEN_IMMEDIATE_UNAVAILABLE' },
      true,
      mondayMorning,
      false,
    ],
    [
      'when immediate unavailable: immediate not offered',
      { offer: 'WHEN_IMMEDIATE_UNAVAILABLE' },
      false,
      mondayMorning,
      true,
    ],
    ['schedule: inside offer hours', { offer: 'SCHEDULE' }, true, mondayMorning, true],
    ['schedule: outside offer hours', { offer: 'SCHEDULE' }, false, new Date('2026-03-30T20:00:00+02:00'), false],
    ['schedule: a day without offer hours', { offer: 'SCHEDULE' }, false, sundayNoon, false],
    ['schedule: closed on a holiday', { offer: 'SCHEDULE' }, false, easterMonday, false],
    ['disabled, always', { enabled: false, offer: 'ALWAYS' }, false, mondayMorning, false],
    [
      'disabled, when immediate unavailable',
      { enabled: false, offer: 'WHEN_IMMEDIATE_UNAVAILABLE' },
      false,
      mondayMorning,
      false,
    ],
  ])('%s → %p', (_name, deferred, immediateOffered, now, expected) => {
    expect(isDeferredOffered(settingsWith({ deferred }), now, immediateOffered)).toBe(expected);
  });
});

describe('computeAvailability (S7)', () => {
  it('returns the API.md shape, with local times and remaining places', () => {
    const result = availability({
      now: mondayMorning,
      to: new Date('2026-03-31T00:00:00+02:00'),
      bookedPositions: new Map([[Date.parse('2026-03-30T09:00:00+02:00'), [0, 1]]]),
    });
    expect(result).toEqual({
      immediate: { available: true },
      deferred: {
        available: true,
        slots: [
          {
            start: '2026-03-30T09:00:00+02:00',
            end: '2026-03-30T10:00:00+02:00',
            capacity: 6,
            remaining: 4,
            nextPositionAt: '2026-03-30T09:20:00+02:00',
          },
          {
            start: '2026-03-30T14:00:00+02:00',
            end: '2026-03-30T16:00:00+02:00',
            capacity: 4,
            remaining: 4,
            nextPositionAt: '2026-03-30T14:00:00+02:00',
          },
        ],
      },
    });
  });

  it.each<[string, number[], number, string | undefined]>([
    ['nothing booked', [], 6, '09:00'],
    ['partly booked', [0, 1, 2, 3, 4], 1, '09:50'],
    ['a freed position is taken first', [0, 2, 3], 3, '09:10'],
    ['full: listed with 0 left and no next position', [0, 1, 2, 3, 4, 5], 0, undefined],
  ])('remaining: %s', (_name, booked, remaining, next) => {
    const result = availability({
      now: mondayMorning,
      to: new Date('2026-03-30T12:00:00+02:00'),
      bookedPositions: new Map([[Date.parse('2026-03-30T07:00:00Z'), booked]]),
    });
    expect(result.deferred.slots).toEqual([
      {
        start: '2026-03-30T09:00:00+02:00',
        end: '2026-03-30T10:00:00+02:00',
        capacity: 6,
        remaining,
        ...(next ? { nextPositionAt: `2026-03-30T${next}:00+02:00` } : {}),
      },
    ]);
  });

  it.each<[string, Date, string[]]>([
    [
      'a slot that has started keeps its later positions',
      new Date('2026-03-30T09:00:00.001+02:00'),
      ['2026-03-30T09:00:00+02:00', '2026-03-30T14:00:00+02:00'],
    ],
    [
      'a slot in its last position, under the lead time, is gone',
      new Date('2026-03-30T09:49:00.001+02:00'),
      ['2026-03-30T14:00:00+02:00'],
    ],
    [
      'a slot starting in 1 ms is listed',
      new Date('2026-03-30T08:59:59.999+02:00'),
      ['2026-03-30T09:00:00+02:00', '2026-03-30T14:00:00+02:00'],
    ],
    ['nothing left today in the evening', mondayEvening, []],
  ])('%s', (_name, now, starts) => {
    const result = availability({
      now,
      from: new Date('2026-03-30T00:00:00+02:00'),
      to: new Date('2026-03-31T00:00:00+02:00'),
    });
    expect(result.deferred.slots.map((s) => s.start)).toEqual(starts);
  });

  it('lists a window across the spring change with each date’s offset, skipping the weekend', () => {
    const now = new Date('2026-03-27T12:00:00+01:00'); // Friday
    const result = availability({ now, to: new Date('2026-03-31T00:00:00+02:00') });
    expect(result.deferred.slots.map((s) => `${s.start}/${s.end}`)).toEqual([
      '2026-03-27T14:00:00+01:00/2026-03-27T16:00:00+01:00',
      '2026-03-30T09:00:00+02:00/2026-03-30T10:00:00+02:00',
      '2026-03-30T14:00:00+02:00/2026-03-30T16:00:00+02:00',
    ]);
  });

  it('skips a holiday whose holiday column is empty (S11)', () => {
    const now = new Date('2026-04-05T12:00:00+02:00');
    const result = availability({ now, to: new Date('2026-04-08T00:00:00+02:00') });
    expect(result.deferred.slots.map((s) => s.start)).toEqual([
      '2026-04-07T09:00:00+02:00',
      '2026-04-07T14:00:00+02:00',
    ]);
  });

  it('shows the offset of a half-hour zone', () => {
    const settings = settingsWith({ timezone: 'Australia/Lord_Howe' });
    const now = new Date('2026-04-03T12:00:00+11:00'); // Friday before DST ends on Sunday 2026-04-05
    const result = availability({ settings, now, to: new Date('2026-04-08T00:00:00+10:30') });
    expect(result.deferred.slots.map((s) => s.start)).toEqual([
      '2026-04-03T14:00:00+11:00',
      // Monday 2026-04-06 is a holiday.
      '2026-04-07T09:00:00+10:30',
      '2026-04-07T14:00:00+10:30',
    ]);
  });

  it.each<[string, Partial<AvailabilityInput> & { now: Date }, boolean, boolean, number]>([
    ['presence + always', { now: mondayMorning }, true, true, 10],
    ['no agent + always', { now: mondayMorning, availableAgents: 0 }, false, true, 10],
    [
      'agent free + only when immediate unavailable: no slots',
      { now: mondayMorning, settings: settingsWith({ deferred: { offer: 'WHEN_IMMEDIATE_UNAVAILABLE' } }) },
      true,
      false,
      0,
    ],
    [
      'no agent + only when immediate unavailable: slots',
      {
        now: mondayMorning,
        availableAgents: 0,
        settings: settingsWith({ deferred: { offer: 'WHEN_IMMEDIATE_UNAVAILABLE' } }),
      },
      false,
      true,
      10,
    ],
    [
      'deferred disabled: no slots',
      { now: mondayMorning, settings: settingsWith({ deferred: { enabled: false } }) },
      true,
      false,
      0,
    ],
    [
      'outside offer hours: no slots',
      { now: new Date('2026-03-30T20:00:00+02:00'), settings: settingsWith({ deferred: { offer: 'SCHEDULE' } }) },
      true,
      false,
      0,
    ],
    [
      'inside offer hours: slots',
      { now: mondayMorning, settings: settingsWith({ deferred: { offer: 'SCHEDULE' } }) },
      true,
      true,
      10,
    ],
  ])('%s', (_name, input, immediate, deferred, slotCount) => {
    const result = availability(input);
    expect(result.immediate.available).toBe(immediate);
    expect(result.deferred.available).toBe(deferred);
    expect(result.deferred.slots).toHaveLength(slotCount);
  });
});

describe('isSlotBookable', () => {
  it.each<[string, Partial<Parameters<typeof isSlotBookable>[0]>, string, string | null]>([
    ['a future slot, by its local start', {}, '2026-03-30T14:00:00+02:00', null],
    ['a future slot, by its UTC start', {}, '2026-03-30T12:00:00Z', null],
    ['a full day later', {}, '2026-03-31T09:00:00+02:00', null],
    ['not a slot start', {}, '2026-03-30T14:10:00+02:00', 'NO_SUCH_SLOT'],
    ['a weekend time', {}, '2026-04-04T09:00:00+02:00', 'NO_SUCH_SLOT'],
    ['a holiday', {}, '2026-04-06T09:00:00+02:00', 'NO_SUCH_SLOT'],
    [
      'a slot that has started (#16)',
      { now: new Date('2026-03-30T09:05:00+02:00') },
      '2026-03-30T09:00:00+02:00',
      null,
    ],
    ['a slot starting right now', { now: new Date('2026-03-30T09:00:00+02:00') }, '2026-03-30T09:00:00+02:00', null],
    [
      'a started slot with no position a minute ahead',
      { now: new Date('2026-03-30T09:49:00.001+02:00') },
      '2026-03-30T09:00:00+02:00',
      'SLOT_OVER',
    ],
    ['a slot in the past', { now: new Date('2026-04-01T09:00:00+02:00') }, '2026-03-30T14:00:00+02:00', 'SLOT_OVER'],
    [
      'deferred disabled',
      { settings: settingsWith({ deferred: { enabled: false } }) },
      '2026-03-30T14:00:00+02:00',
      'DEFERRED_NOT_OFFERED',
    ],
    [
      'only when immediate unavailable, agent free',
      { settings: settingsWith({ deferred: { offer: 'WHEN_IMMEDIATE_UNAVAILABLE' } }) },
      '2026-03-30T14:00:00+02:00',
      'DEFERRED_NOT_OFFERED',
    ],
    [
      'only when immediate unavailable, nobody free',
      { availableAgents: 0, settings: settingsWith({ deferred: { offer: 'WHEN_IMMEDIATE_UNAVAILABLE' } }) },
      '2026-03-30T14:00:00+02:00',
      null,
    ],
  ])('%s', (_name, overrides, slotStart, refusal) => {
    const result = isSlotBookable({
      settings: settingsWith(),
      now: mondayMorning,
      availableAgents: 1,
      slotStart: new Date(slotStart),
      ...overrides,
    });
    if (refusal === null) {
      expect(result).toEqual({
        ok: true,
        slot: expect.objectContaining({ start: new Date(slotStart) }),
        firstPosition: expect.any(Number),
      });
    } else {
      expect(result).toEqual({ ok: false, reason: refusal, message: expect.any(String) });
    }
  });

  it('returns the slot to position the booking in', () => {
    const result = isSlotBookable({
      settings: settingsWith(),
      now: mondayMorning,
      availableAgents: 0,
      slotStart: new Date('2026-03-30T14:00:00+02:00'),
    });
    expect(result).toEqual({
      ok: true,
      slot: { start: new Date('2026-03-30T12:00:00Z'), end: new Date('2026-03-30T14:00:00Z'), capacity: 4 },
      firstPosition: 0,
    });
  });
});

describe('#16: a started hourly slot of 6 places (09:00, 09:10 … 09:50)', () => {
  const nineOClock = '2026-03-30T09:00:00+02:00';
  const at = (time: string) => new Date(`2026-03-30T${time}+02:00`);
  const startedSlot = (now: Date, booked: number[] = [], deferred: CallSettingsInput['deferred'] = {}) =>
    availability({
      now,
      settings: settingsWith({ deferred }),
      to: at('12:00:00'),
      bookedPositions: new Map([[Date.parse(nineOClock), booked]]),
    }).deferred.slots.find((slot) => slot.start === nineOClock);

  it.each<[string, string, number[], number, string | null, number]>([
    // The default minimum lead time is 60 s: a position 59 s ahead is not offered.
    ['09:01, nothing booked: 09:10 … 09:50', '09:01:00', [], 5, '09:10', 1],
    ['09:01, 09:10 and 09:30 booked', '09:01:00', [1, 3], 3, '09:20', 1],
    ['09:01, a free 09:00 behind does not count', '09:01:00', [1, 2, 3, 4, 5], 0, null, 1],
    ['09:29:59: 09:30 is under a minute ahead, 09:40 and 09:50 are left', '09:29:59', [], 2, '09:40', 4],
    ['09:29:59, 09:40 booked', '09:29:59', [4], 1, '09:50', 4],
    ['09:48:59: 09:50 is a minute and a second ahead', '09:48:59', [], 1, '09:50', 5],
    ['09:49:00: 09:50 exactly at the lead time is still offered', '09:49:00', [], 1, '09:50', 5],
  ])('%s', (_name, time, booked, remaining, next, firstPosition) => {
    const slot = startedSlot(at(time), booked);
    expect(slot).toEqual({
      start: nineOClock,
      end: '2026-03-30T10:00:00+02:00',
      capacity: 6,
      remaining,
      ...(next ? { nextPositionAt: `2026-03-30T${next}:00+02:00` } : {}),
    });
    const bookable = isSlotBookable({
      settings: settingsWith(),
      now: at(time),
      availableAgents: 0,
      slotStart: new Date(nineOClock),
    });
    expect(bookable).toMatchObject({ ok: true, firstPosition });
  });

  it('at 09:59 the slot has nothing ahead: not listed, and booking it is refused', () => {
    expect(startedSlot(at('09:59:00'))).toBeUndefined();
    expect(
      isSlotBookable({ settings: settingsWith(), now: at('09:59:00'), availableAgents: 0, slotStart: at('09:00:00') }),
    ).toMatchObject({ ok: false, reason: 'SLOT_OVER' });
  });

  it.each<[string, number, string, number]>([
    ['no lead time: 09:30 at 09:29:59', 0, '09:29:59', 3],
    ['no lead time: 09:50 at 09:50:00', 0, '09:50:00', 1],
    ['a 10-minute lead: at 09:01 only 09:20 on', 600, '09:01:00', 4],
    ['a 10-minute lead: at 09:40:01 nothing', 600, '09:40:01', 0],
  ])('minimumLeadSeconds: %s', (_name, minimumLeadSeconds, time, remaining) => {
    expect(startedSlot(at(time), [], { minimumLeadSeconds })?.remaining ?? 0).toBe(remaining);
  });

  it('availability and booking agree on the first position, second by second through the slot', () => {
    const settings = settingsWith();
    for (let second = -120; second < 3600; second += 7) {
      const now = new Date(Date.parse(nineOClock) + second * 1000);
      const listed = startedSlot(now);
      const bookable = isSlotBookable({ settings, now, availableAgents: 0, slotStart: new Date(nineOClock) });
      if (!listed) {
        expect(bookable.ok).toBe(false);
        continue;
      }
      expect(bookable.ok).toBe(true);
      if (!bookable.ok) continue;
      expect(listed.remaining).toBe(6 - bookable.firstPosition);
      const firstAt = Date.parse(listed.nextPositionAt!);
      expect(firstAt).toBe(Date.parse(nineOClock) + bookable.firstPosition * 600_000);
      expect(firstAt - now.getTime()).toBeGreaterThanOrEqual(60_000);
      expect(firstAt - now.getTime()).toBeLessThan(60_000 + 600_000);
    }
  });
});
