import { DateTime } from 'luxon';
import type { Planning, PlanningSlot } from '../../src/domain/settings';
import { findSlot, positionTime, slotsBetween, type Slot, type SlotConfig } from '../../src/domain/slots';
import { weekdayOf } from '../../src/domain/time';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const show = (slots: Slot[]) =>
  slots.map((s) => `${s.start.toISOString().slice(0, 16)}Z→${s.end.toISOString().slice(0, 16)}Z×${s.capacity}`);

/** Slots produced for one local date with a single planned slot on that weekday. */
function onDate(timezone: string, date: string, slot: PlanningSlot): Slot[] {
  const config: SlotConfig = { timezone, planning: { [weekdayOf(date)]: [slot] } };
  const noon = new Date(`${date}T12:00:00Z`).getTime();
  // ±36 h reaches every instant of that local date and no other date of the same weekday.
  return slotsBetween(config, new Date(noon - 1.5 * DAY), new Date(noon + 1.5 * DAY));
}

describe('slotsBetween across daylight-saving changes (S12)', () => {
  it.each<[string, string, string, string, [string, string] | null]>([
    // Europe/Paris, 2026-03-29: 02:00–03:00 does not exist.
    ['Europe/Paris', '2026-03-29', '09:00', '10:00', ['2026-03-29T07:00', '2026-03-29T08:00']],
    ['Europe/Paris', '2026-03-29', '03:00', '04:00', ['2026-03-29T01:00', '2026-03-29T02:00']],
    ['Europe/Paris', '2026-03-29', '01:00', '02:00', ['2026-03-29T00:00', '2026-03-29T01:00']],
    ['Europe/Paris', '2026-03-29', '02:00', '03:00', null],
    ['Europe/Paris', '2026-03-29', '02:30', '03:30', null],
    ['Europe/Paris', '2026-03-29', '01:30', '02:30', null],
    ['Europe/Paris', '2026-03-29', '02:15', '02:45', null],
    ['Europe/Paris', '2026-03-29', '01:00', '03:00', ['2026-03-29T00:00', '2026-03-29T01:00']],
    ['Europe/Paris', '2026-03-29', '00:30', '04:00', ['2026-03-28T23:30', '2026-03-29T02:00']],
    // Europe/Paris, 2026-10-25: 02:00–03:00 happens twice; a slot is produced once, from the first run.
    ['Europe/Paris', '2026-10-25', '09:00', '10:00', ['2026-10-25T08:00', '2026-10-25T09:00']],
    ['Europe/Paris', '2026-10-25', '01:00', '02:00', ['2026-10-24T23:00', '2026-10-25T00:00']],
    ['Europe/Paris', '2026-10-25', '02:00', '02:30', ['2026-10-25T00:00', '2026-10-25T00:30']],
    ['Europe/Paris', '2026-10-25', '02:15', '02:45', ['2026-10-25T00:15', '2026-10-25T00:45']],
    ['Europe/Paris', '2026-10-25', '02:30', '03:00', ['2026-10-25T00:30', '2026-10-25T02:00']],
    ['Europe/Paris', '2026-10-25', '02:00', '03:00', ['2026-10-25T00:00', '2026-10-25T02:00']],
    ['Europe/Paris', '2026-10-25', '01:30', '03:30', ['2026-10-24T23:30', '2026-10-25T02:30']],
    ['Europe/Paris', '2026-10-25', '03:00', '04:00', ['2026-10-25T02:00', '2026-10-25T03:00']],
    // America/New_York, 2026-03-08: 02:00–03:00 does not exist.
    ['America/New_York', '2026-03-08', '09:00', '10:00', ['2026-03-08T13:00', '2026-03-08T14:00']],
    ['America/New_York', '2026-03-08', '01:00', '02:00', ['2026-03-08T06:00', '2026-03-08T07:00']],
    ['America/New_York', '2026-03-08', '02:00', '03:00', null],
    ['America/New_York', '2026-03-08', '02:30', '02:45', null],
    ['America/New_York', '2026-03-08', '01:30', '02:30', null],
    ['America/New_York', '2026-03-08', '01:30', '03:30', ['2026-03-08T06:30', '2026-03-08T07:30']],
    ['America/New_York', '2026-03-08', '03:00', '04:00', ['2026-03-08T07:00', '2026-03-08T08:00']],
    // America/New_York, 2026-11-01: 01:00–02:00 happens twice.
    ['America/New_York', '2026-11-01', '09:00', '10:00', ['2026-11-01T14:00', '2026-11-01T15:00']],
    ['America/New_York', '2026-11-01', '00:30', '01:00', ['2026-11-01T04:30', '2026-11-01T05:00']],
    ['America/New_York', '2026-11-01', '01:00', '01:30', ['2026-11-01T05:00', '2026-11-01T05:30']],
    ['America/New_York', '2026-11-01', '01:30', '02:00', ['2026-11-01T05:30', '2026-11-01T07:00']],
    ['America/New_York', '2026-11-01', '01:00', '02:00', ['2026-11-01T05:00', '2026-11-01T07:00']],
    ['America/New_York', '2026-11-01', '02:00', '03:00', ['2026-11-01T07:00', '2026-11-01T08:00']],
    // Australia/Lord_Howe, 2026-04-05: 02:00 (+11) falls back to 01:30 (+10:30); 01:30–02:00 happens twice.
    ['Australia/Lord_Howe', '2026-04-05', '09:00', '10:00', ['2026-04-04T22:30', '2026-04-04T23:30']],
    ['Australia/Lord_Howe', '2026-04-05', '01:00', '01:30', ['2026-04-04T14:00', '2026-04-04T14:30']],
    ['Australia/Lord_Howe', '2026-04-05', '01:30', '01:45', ['2026-04-04T14:30', '2026-04-04T14:45']],
    ['Australia/Lord_Howe', '2026-04-05', '01:30', '02:00', ['2026-04-04T14:30', '2026-04-04T15:30']],
    ['Australia/Lord_Howe', '2026-04-05', '01:45', '02:15', ['2026-04-04T14:45', '2026-04-04T15:45']],
    ['Australia/Lord_Howe', '2026-04-05', '01:00', '02:00', ['2026-04-04T14:00', '2026-04-04T15:30']],
    ['Australia/Lord_Howe', '2026-04-05', '02:00', '03:00', ['2026-04-04T15:30', '2026-04-04T16:30']],
    // Australia/Lord_Howe, 2026-10-04: 02:00 (+10:30) springs forward to 02:30 (+11); 02:00–02:30 does not exist.
    ['Australia/Lord_Howe', '2026-10-04', '09:00', '10:00', ['2026-10-03T22:00', '2026-10-03T23:00']],
    ['Australia/Lord_Howe', '2026-10-04', '01:00', '02:00', ['2026-10-03T14:30', '2026-10-03T15:30']],
    ['Australia/Lord_Howe', '2026-10-04', '02:00', '02:30', null],
    ['Australia/Lord_Howe', '2026-10-04', '02:15', '03:00', null],
    ['Australia/Lord_Howe', '2026-10-04', '01:30', '02:15', null],
    ['Australia/Lord_Howe', '2026-10-04', '01:30', '02:30', ['2026-10-03T15:00', '2026-10-03T15:30']],
    ['Australia/Lord_Howe', '2026-10-04', '02:30', '03:30', ['2026-10-03T15:30', '2026-10-03T16:30']],
    // Asia/Tokyo: no DST, the European and American transition dates are ordinary days.
    ['Asia/Tokyo', '2026-03-29', '02:00', '03:00', ['2026-03-28T17:00', '2026-03-28T18:00']],
    ['Asia/Tokyo', '2026-03-29', '02:30', '03:30', ['2026-03-28T17:30', '2026-03-28T18:30']],
    ['Asia/Tokyo', '2026-10-25', '02:00', '03:00', ['2026-10-24T17:00', '2026-10-24T18:00']],
    ['Asia/Tokyo', '2026-11-01', '01:00', '02:00', ['2026-10-31T16:00', '2026-10-31T17:00']],
    ['Asia/Tokyo', '2026-07-01', '00:00', '24:00', ['2026-06-30T15:00', '2026-07-01T15:00']],
  ])('%s %s %s–%s → %j', (zone, date, start, end, expected) => {
    const slots = onDate(zone, date, { start, end, capacity: 1 });
    expect(show(slots)).toEqual(expected ? [`${expected[0]}Z→${expected[1]}Z×1`] : []);
  });

  const hourly: PlanningSlot[] = Array.from({ length: 24 }, (_, h) => ({
    start: `${String(h).padStart(2, '0')}:00`,
    end: `${String(h + 1).padStart(2, '0')}:00`,
    capacity: 6,
  }));
  const everyDay: Partial<Planning> = {
    mon: hourly,
    tue: hourly,
    wed: hourly,
    thu: hourly,
    fri: hourly,
    sat: hourly,
    sun: hourly,
  };

  it.each<[string, string, number, number]>([
    ['Europe/Paris', '2026-03-29', 23, 23],
    ['Europe/Paris', '2026-10-25', 24, 25],
    ['Europe/Paris', '2026-06-14', 24, 24],
    ['America/New_York', '2026-03-08', 23, 23],
    ['America/New_York', '2026-11-01', 24, 25],
    ['Australia/Lord_Howe', '2026-04-05', 24, 24.5],
    // 02:00–03:00 is dropped (its start is skipped) and 02:30–03:00 stays uncovered.
    ['Australia/Lord_Howe', '2026-10-04', 23, 23],
    ['Asia/Tokyo', '2026-03-29', 24, 24],
    ['Asia/Tokyo', '2026-10-25', 24, 24],
  ])(
    'an hourly planning in %s on %s gives %d slots, never doubled, covering %d real hours',
    (zone, date, count, hours) => {
      const slots = slotsBetween(
        { timezone: zone, planning: everyDay },
        new Date(Date.parse(`${date}T12:00:00Z`) - 2 * DAY),
        new Date(Date.parse(`${date}T12:00:00Z`) + 2 * DAY),
      ).filter((s) => DateTime.fromJSDate(s.start, { zone }).toISODate() === date);
      expect(slots).toHaveLength(count);
      const starts = slots.map((s) => s.start.getTime());
      expect(new Set(starts).size).toBe(count);
      const localStarts = slots.map((s) => DateTime.fromJSDate(s.start, { zone }).toFormat('HH:mm'));
      expect(new Set(localStarts).size).toBe(count);
      slots.forEach((slot, i) => {
        expect(slot.end.getTime()).toBeGreaterThan(slot.start.getTime());
        const next = slots[i + 1];
        if (next) expect(slot.end.getTime()).toBeLessThanOrEqual(next.start.getTime());
      });
      const covered = slots.reduce((sum, s) => sum + s.end.getTime() - s.start.getTime(), 0);
      expect(covered / HOUR).toBe(hours);
    },
  );
});

describe('slotsBetween: planning, window and holidays (S10, S11)', () => {
  const paris = (planning: Partial<Planning>, holidays?: string[]): SlotConfig => ({
    timezone: 'Europe/Paris',
    planning,
    ...(holidays ? { holidays } : {}),
  });
  const weekdays: Partial<Planning> = {
    mon: [{ start: '09:00', end: '10:00', capacity: 6 }],
    tue: [{ start: '09:00', end: '10:00', capacity: 6 }],
    wed: [{ start: '09:00', end: '10:00', capacity: 6 }],
    thu: [{ start: '09:00', end: '10:00', capacity: 6 }],
    fri: [
      { start: '14:00', end: '16:00', capacity: 4 },
      { start: '09:00', end: '10:00', capacity: 6 },
    ],
  };

  it('lists a week of slots, sorted, with their capacity', () => {
    const slots = slotsBetween(
      paris(weekdays),
      new Date('2026-03-30T00:00:00+02:00'),
      new Date('2026-04-06T00:00:00+02:00'),
    );
    expect(show(slots)).toEqual([
      '2026-03-30T07:00Z→2026-03-30T08:00Z×6',
      '2026-03-31T07:00Z→2026-03-31T08:00Z×6',
      '2026-04-01T07:00Z→2026-04-01T08:00Z×6',
      '2026-04-02T07:00Z→2026-04-02T08:00Z×6',
      '2026-04-03T07:00Z→2026-04-03T08:00Z×6',
      '2026-04-03T12:00Z→2026-04-03T14:00Z×4',
    ]);
  });

  it('uses each date’s own offset across the spring change', () => {
    const slots = slotsBetween(paris(weekdays), new Date('2026-03-26T00:00:00Z'), new Date('2026-03-31T00:00:00Z'));
    expect(show(slots)).toEqual([
      '2026-03-26T08:00Z→2026-03-26T09:00Z×6', // Thursday, CET
      '2026-03-27T08:00Z→2026-03-27T09:00Z×6', // Friday, CET
      '2026-03-27T13:00Z→2026-03-27T15:00Z×4',
      '2026-03-30T07:00Z→2026-03-30T08:00Z×6', // Monday, CEST
    ]);
  });

  it.each<[string, string, string, number]>([
    ['from exactly at a start includes it', '2026-03-30T07:00:00Z', '2026-03-30T08:00:00Z', 1],
    ['to exactly at a start excludes it', '2026-03-30T06:00:00Z', '2026-03-30T07:00:00Z', 0],
    ['a slot already running at from is left out', '2026-03-30T07:00:00.001Z', '2026-03-31T00:00:00Z', 0],
    ['from after to is empty', '2026-03-31T00:00:00Z', '2026-03-30T00:00:00Z', 0],
    ['from equal to to is empty', '2026-03-30T07:00:00Z', '2026-03-30T07:00:00Z', 0],
    ['two weeks', '2026-03-30T00:00:00Z', '2026-04-13T00:00:00Z', 12],
  ])('%s', (_name, from, to, count) => {
    expect(slotsBetween(paris(weekdays), new Date(from), new Date(to))).toHaveLength(count);
  });

  it('a slot ending at 24:00 ends at the next local midnight', () => {
    const slots = slotsBetween(
      paris({ sat: [{ start: '22:00', end: '24:00', capacity: 2 }] }),
      new Date('2026-10-24T00:00:00Z'),
      new Date('2026-10-25T00:00:00Z'),
    );
    // Midnight after Saturday 2026-10-24 is still CEST (the change is at 03:00 Sunday).
    expect(show(slots)).toEqual(['2026-10-24T20:00Z→2026-10-24T22:00Z×2']);
  });

  const christmas = '2026-12-25'; // a Friday
  const window = [new Date('2026-12-24T00:00:00+01:00'), new Date('2026-12-27T00:00:00+01:00')] as const;

  it.each<[string, Partial<Planning>, string[] | undefined, string[]]>([
    [
      'no holidays: the Friday column applies',
      weekdays,
      undefined,
      [
        '2026-12-24T08:00Z→2026-12-24T09:00Z×6',
        '2026-12-25T08:00Z→2026-12-25T09:00Z×6',
        '2026-12-25T13:00Z→2026-12-25T15:00Z×4',
      ],
    ],
    [
      'holiday with an empty holiday column: no callbacks that day',
      { ...weekdays, holiday: [] },
      [christmas],
      ['2026-12-24T08:00Z→2026-12-24T09:00Z×6'],
    ],
    [
      'holiday with no holiday column at all: no callbacks that day',
      weekdays,
      [christmas],
      ['2026-12-24T08:00Z→2026-12-24T09:00Z×6'],
    ],
    [
      'holiday with a holiday column: that column replaces the weekday',
      { ...weekdays, holiday: [{ start: '10:00', end: '12:00', capacity: 3 }] },
      [christmas],
      ['2026-12-24T08:00Z→2026-12-24T09:00Z×6', '2026-12-25T09:00Z→2026-12-25T11:00Z×3'],
    ],
    [
      'a holiday on a day without planning still gets the holiday column',
      { ...weekdays, holiday: [{ start: '10:00', end: '12:00', capacity: 3 }] },
      ['2026-12-26'],
      [
        '2026-12-24T08:00Z→2026-12-24T09:00Z×6',
        '2026-12-25T08:00Z→2026-12-25T09:00Z×6',
        '2026-12-25T13:00Z→2026-12-25T15:00Z×4',
        '2026-12-26T09:00Z→2026-12-26T11:00Z×3',
      ],
    ],
    [
      'the same day in another year is not a holiday',
      { ...weekdays, holiday: [] },
      ['2025-12-25', '2027-12-25'],
      [
        '2026-12-24T08:00Z→2026-12-24T09:00Z×6',
        '2026-12-25T08:00Z→2026-12-25T09:00Z×6',
        '2026-12-25T13:00Z→2026-12-25T15:00Z×4',
      ],
    ],
  ])('%s', (_name, planning, holidays, expected) => {
    expect(show(slotsBetween(paris(planning, holidays), window[0], window[1]))).toEqual(expected);
  });

  it('holidays are local dates: a Tokyo holiday starts at Tokyo midnight', () => {
    const config: SlotConfig = {
      timezone: 'Asia/Tokyo',
      planning: { fri: [{ start: '08:00', end: '09:00', capacity: 1 }], holiday: [] },
      holidays: ['2026-12-25'],
    };
    // Friday 2026-12-25 08:00 in Tokyo is Thursday 23:00 UTC.
    expect(
      slotsBetween(config, new Date('2026-12-17T00:00:00Z'), new Date('2026-12-26T00:00:00Z')).map((s) =>
        s.start.toISOString(),
      ),
    ).toEqual(['2026-12-17T23:00:00.000Z']);
  });

  it('rejects an unknown time zone', () => {
    expect(() => slotsBetween({ timezone: 'Nowhere/Land', planning: weekdays }, new Date(0), new Date(DAY))).toThrow(
      RangeError,
    );
  });
});

describe('findSlot', () => {
  const config: SlotConfig = {
    timezone: 'Europe/Paris',
    planning: {
      mon: [{ start: '09:00', end: '10:00', capacity: 6 }],
      sun: [
        { start: '02:00', end: '03:00', capacity: 4 },
        { start: '10:00', end: '11:00', capacity: 2 },
      ],
    },
    holidays: ['2026-04-06'],
  };

  it.each<[string, string, string | null]>([
    ['the exact start', '2026-03-30T07:00:00Z', '2026-03-30T07:00Z→2026-03-30T08:00Z×6'],
    ['the same instant written in local time', '2026-03-30T09:00:00+02:00', '2026-03-30T07:00Z→2026-03-30T08:00Z×6'],
    ['1 ms after a start', '2026-03-30T07:00:00.001Z', null],
    ['1 ms before a start', '2026-03-30T06:59:59.999Z', null],
    ['a position inside the slot', '2026-03-30T07:10:00Z', null],
    ['the slot end', '2026-03-30T08:00:00Z', null],
    ['09:00 read in UTC instead of Paris', '2026-03-30T09:00:00Z', null],
    ['a Monday that is a holiday', '2026-04-06T07:00:00Z', null],
    ['a slot whose start is skipped (02:00 on 2026-03-29)', '2026-03-29T01:00:00Z', null],
    ['the first run of a repeated 02:00', '2026-10-25T00:00:00Z', '2026-10-25T00:00Z→2026-10-25T02:00Z×4'],
    ['the second run of a repeated 02:00', '2026-10-25T01:00:00Z', null],
    ['an ordinary Sunday', '2026-04-05T08:00:00Z', '2026-04-05T08:00Z→2026-04-05T09:00Z×2'],
  ])('%s', (_name, at, expected) => {
    const slot = findSlot(config, new Date(at));
    expect(slot ? show([slot])[0] : null).toBe(expected);
  });

  it('an invalid date finds nothing', () => {
    expect(findSlot(config, new Date('not a date'))).toBeNull();
  });
});

describe('positionTime (S20)', () => {
  const slot = (start: string, end: string, capacity: number): Slot => ({
    start: new Date(start),
    end: new Date(end),
    capacity,
  });

  it('6 per hour from 09:00 → 09:00, 09:10, 09:20, 09:30, 09:40, 09:50', () => {
    const nine = slot('2026-03-30T09:00:00+02:00', '2026-03-30T10:00:00+02:00', 6);
    const times = [0, 1, 2, 3, 4, 5].map((i) =>
      DateTime.fromJSDate(positionTime(nine, i), { zone: 'Europe/Paris' }).toFormat('HH:mm'),
    );
    expect(times).toEqual(['09:00', '09:10', '09:20', '09:30', '09:40', '09:50']);
  });

  it.each<[number, number, string]>([
    [1, 0, '2026-03-30T07:00:00.000Z'],
    [2, 1, '2026-03-30T07:30:00.000Z'],
    [7, 1, '2026-03-30T07:08:34.285Z'], // 60/7 min, truncated to whole ms
    [7, 6, '2026-03-30T07:51:25.714Z'],
    [60, 59, '2026-03-30T07:59:00.000Z'], // capacity = length in minutes: one per minute
  ])('capacity %d, position %d → %s', (capacity, index, expected) => {
    expect(positionTime(slot('2026-03-30T07:00:00Z', '2026-03-30T08:00:00Z', capacity), index).toISOString()).toBe(
      expected,
    );
  });

  it('spreads positions over the real length of a slot spanning the fall-back hour', () => {
    const [twoToThree] = onDate('Europe/Paris', '2026-10-25', { start: '02:00', end: '03:00', capacity: 4 });
    expect(twoToThree).toBeDefined();
    expect([0, 1, 2, 3].map((i) => positionTime(twoToThree as Slot, i).toISOString())).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('positions are strictly increasing and inside the slot', () => {
    for (const capacity of [1, 2, 3, 7, 13, 59, 60]) {
      const s = slot('2026-03-30T07:00:00Z', '2026-03-30T08:00:00Z', capacity);
      const times = Array.from({ length: capacity }, (_, i) => positionTime(s, i).getTime());
      times.forEach((t, i) => {
        expect(t).toBeGreaterThanOrEqual(s.start.getTime());
        expect(t).toBeLessThan(s.end.getTime());
        if (i > 0) expect(t).toBeGreaterThan(times[i - 1] as number);
      });
    }
  });

  it.each([6, 7, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses position %p of a 6-place slot', (index) => {
    expect(() => positionTime(slot('2026-03-30T07:00:00Z', '2026-03-30T08:00:00Z', 6), index)).toThrow(RangeError);
  });
});
