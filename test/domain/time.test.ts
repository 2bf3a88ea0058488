import {
  addDays,
  formatInZone,
  instantsAtWallTime,
  isValidIsoDate,
  isValidTimeZone,
  isWithinWeeklyHours,
  localDateOf,
  parseWallTime,
  weekdayOf,
} from '../../src/domain/time';
import type { WeeklyHours } from '../../src/domain/settings';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('parseWallTime', () => {
  it.each<[string, number | null]>([
    ['00:00', 0],
    ['00:01', 1],
    ['09:30', 570],
    ['12:00', 720],
    ['23:59', 1439],
    ['24:00', 1440],
    ['24:01', null],
    ['25:00', null],
    ['09:60', null],
    ['9:00', null],
    ['0900', null],
    ['09:00:00', null],
    [' 09:00', null],
    ['09:00 ', null],
    ['', null],
    ['ab:cd', null],
    ['-1:00', null],
  ])('%j → %p', (text, minutes) => {
    expect(parseWallTime(text)).toBe(minutes);
  });
});

describe('isValidIsoDate', () => {
  it.each<[string, boolean]>([
    ['2026-12-25', true],
    ['2026-02-28', true],
    ['2026-02-29', false],
    ['2028-02-29', true],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-1-01', false],
    ['26-01-01', false],
    ['2026-01-01T00:00', false],
    ['25/12/2026', false],
    ['', false],
  ])('%j → %p', (text, valid) => {
    expect(isValidIsoDate(text)).toBe(valid);
  });
});

describe('isValidTimeZone', () => {
  it.each<[string, boolean]>([
    ['Europe/Paris', true],
    ['America/New_York', true],
    ['Australia/Lord_Howe', true],
    ['Asia/Tokyo', true],
    ['UTC', true],
    ['Mars/Olympus_Mons', false],
    ['+01:00', false],
    ['', false],
  ])('%j → %p', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});

describe('calendar dates', () => {
  it.each<[string, number, string]>([
    ['2026-03-29', 1, '2026-03-30'],
    ['2026-03-31', 1, '2026-04-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-10-25', 7, '2026-11-01'],
  ])('addDays(%s, %d) = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it.each<[string, string]>([
    ['2026-03-29', 'sun'],
    ['2026-03-30', 'mon'],
    ['2026-03-31', 'tue'],
    ['2026-04-01', 'wed'],
    ['2026-04-02', 'thu'],
    ['2026-04-03', 'fri'],
    ['2026-04-04', 'sat'],
    ['2026-12-25', 'fri'],
  ])('weekdayOf(%s) = %s', (date, weekday) => {
    expect(weekdayOf(date)).toBe(weekday);
  });

  it.each<[string, string, string]>([
    ['2026-03-28T23:30:00Z', 'Europe/Paris', '2026-03-29'],
    ['2026-03-28T22:59:59Z', 'Europe/Paris', '2026-03-28'],
    ['2026-03-28T15:00:00Z', 'Asia/Tokyo', '2026-03-29'],
    ['2026-03-08T04:59:00Z', 'America/New_York', '2026-03-07'],
    ['2026-10-03T13:30:00Z', 'Australia/Lord_Howe', '2026-10-04'],
    ['2026-10-03T13:29:00Z', 'Australia/Lord_Howe', '2026-10-03'],
  ])('localDateOf(%s, %s) = %s', (at, zone, date) => {
    expect(localDateOf(new Date(at), zone)).toBe(date);
  });
});

describe('instantsAtWallTime (S12)', () => {
  it.each<[string, string, string, string[]]>([
    // Europe/Paris: 2026-03-29 02:00–03:00 skipped, 2026-10-25 02:00–03:00 repeated.
    ['Europe/Paris', '2026-03-29', '01:59', ['2026-03-29T00:59:00.000Z']],
    ['Europe/Paris', '2026-03-29', '02:00', []],
    ['Europe/Paris', '2026-03-29', '02:30', []],
    ['Europe/Paris', '2026-03-29', '02:59', []],
    ['Europe/Paris', '2026-03-29', '03:00', ['2026-03-29T01:00:00.000Z']],
    ['Europe/Paris', '2026-10-25', '01:59', ['2026-10-24T23:59:00.000Z']],
    ['Europe/Paris', '2026-10-25', '02:00', ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']],
    ['Europe/Paris', '2026-10-25', '02:30', ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']],
    ['Europe/Paris', '2026-10-25', '03:00', ['2026-10-25T02:00:00.000Z']],
    ['Europe/Paris', '2026-07-01', '12:00', ['2026-07-01T10:00:00.000Z']],
    ['Europe/Paris', '2026-01-15', '00:00', ['2026-01-14T23:00:00.000Z']],
    // America/New_York: 2026-03-08 02:00–03:00 skipped, 2026-11-01 01:00–02:00 repeated.
    ['America/New_York', '2026-03-08', '01:59', ['2026-03-08T06:59:00.000Z']],
    ['America/New_York', '2026-03-08', '02:30', []],
    ['America/New_York', '2026-03-08', '03:00', ['2026-03-08T07:00:00.000Z']],
    ['America/New_York', '2026-11-01', '00:59', ['2026-11-01T04:59:00.000Z']],
    ['America/New_York', '2026-11-01', '01:30', ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']],
    ['America/New_York', '2026-11-01', '02:00', ['2026-11-01T07:00:00.000Z']],
    // Australia/Lord_Howe: 30-minute shifts; +11 → +10:30 at 02:00 on 04-05, +10:30 → +11 at 02:00 on 10-04.
    ['Australia/Lord_Howe', '2026-04-05', '01:29', ['2026-04-04T14:29:00.000Z']],
    ['Australia/Lord_Howe', '2026-04-05', '01:30', ['2026-04-04T14:30:00.000Z', '2026-04-04T15:00:00.000Z']],
    ['Australia/Lord_Howe', '2026-04-05', '01:45', ['2026-04-04T14:45:00.000Z', '2026-04-04T15:15:00.000Z']],
    ['Australia/Lord_Howe', '2026-04-05', '02:00', ['2026-04-04T15:30:00.000Z']],
    ['Australia/Lord_Howe', '2026-10-04', '01:59', ['2026-10-03T15:29:00.000Z']],
    ['Australia/Lord_Howe', '2026-10-04', '02:00', []],
    ['Australia/Lord_Howe', '2026-10-04', '02:15', []],
    ['Australia/Lord_Howe', '2026-10-04', '02:29', []],
    ['Australia/Lord_Howe', '2026-10-04', '02:30', ['2026-10-03T15:30:00.000Z']],
    // Asia/Tokyo has no DST: every wall time exists exactly once.
    ['Asia/Tokyo', '2026-03-29', '02:30', ['2026-03-28T17:30:00.000Z']],
    ['Asia/Tokyo', '2026-10-25', '02:30', ['2026-10-24T17:30:00.000Z']],
    ['Asia/Tokyo', '2026-11-01', '01:30', ['2026-10-31T16:30:00.000Z']],
  ])('%s %s %s → %j', (zone, date, wall, expected) => {
    expect(iso(instantsAtWallTime(zone, date, parseWallTime(wall) as number))).toEqual(expected);
  });

  it('rejects an unknown zone', () => {
    expect(() => instantsAtWallTime('Mars/Olympus_Mons', '2026-01-01', 0)).toThrow(RangeError);
  });

  it('answers repeated questions from its memo with fresh, equal instants', () => {
    const first = instantsAtWallTime('Europe/Paris', '2026-10-25', 150);
    first[0]!.setTime(0); // a caller mutating its copy changes nothing for the next one
    const again = instantsAtWallTime('Europe/Paris', '2026-10-25', 150);
    expect(iso(again)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    expect(again[0]).not.toBe(first[0]);
    // A bad question is not remembered as an answer.
    expect(() => instantsAtWallTime('Mars/Olympus', '2026-10-25', 150)).toThrow(RangeError);
    expect(() => instantsAtWallTime('Mars/Olympus', '2026-10-25', 150)).toThrow(RangeError);
  });
});

describe('formatInZone', () => {
  it.each<[string, string, string]>([
    ['2026-03-29T00:59:00Z', 'Europe/Paris', '2026-03-29T01:59:00+01:00'],
    ['2026-03-29T01:00:00Z', 'Europe/Paris', '2026-03-29T03:00:00+02:00'],
    ['2026-10-25T00:30:00Z', 'Europe/Paris', '2026-10-25T02:30:00+02:00'],
    ['2026-10-25T01:30:00Z', 'Europe/Paris', '2026-10-25T02:30:00+01:00'],
    ['2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01T01:30:00-05:00'],
    ['2026-04-04T14:45:00Z', 'Australia/Lord_Howe', '2026-04-05T01:45:00+11:00'],
    ['2026-04-04T15:15:00Z', 'Australia/Lord_Howe', '2026-04-05T01:45:00+10:30'],
    ['2026-07-01T00:00:00Z', 'Asia/Tokyo', '2026-07-01T09:00:00+09:00'],
    ['2026-07-01T00:00:00.250Z', 'Asia/Tokyo', '2026-07-01T09:00:00.250+09:00'],
  ])('%s in %s → %s', (at, zone, expected) => {
    expect(formatInZone(new Date(at), zone)).toBe(expected);
  });
});

describe('isWithinWeeklyHours (S5/S6)', () => {
  const hours: Partial<WeeklyHours> = {
    mon: [
      { start: '09:00', end: '12:00' },
      { start: '14:00', end: '18:00' },
    ],
    sat: [{ start: '10:00', end: '24:00' }],
    sun: [{ start: '02:00', end: '03:00' }],
  };

  it.each<[string, string, string, boolean]>([
    ['Monday 09:00 (CEST) opens', 'Europe/Paris', '2026-03-30T07:00:00Z', true],
    ['Monday 08:59:59 still closed', 'Europe/Paris', '2026-03-30T06:59:59Z', false],
    ['Monday 11:59 open', 'Europe/Paris', '2026-03-30T09:59:00Z', true],
    ['Monday 12:00 closes (end exclusive)', 'Europe/Paris', '2026-03-30T10:00:00Z', false],
    ['Monday lunch 13:00 closed', 'Europe/Paris', '2026-03-30T11:00:00Z', false],
    ['Monday 17:59:59 open', 'Europe/Paris', '2026-03-30T15:59:59Z', true],
    ['Monday 18:00 closed', 'Europe/Paris', '2026-03-30T16:00:00Z', false],
    ['Monday 09:00 in winter (CET)', 'Europe/Paris', '2026-01-05T08:00:00Z', true],
    ['Monday 08:00 in winter (CET) closed', 'Europe/Paris', '2026-01-05T07:00:00Z', false],
    ['Tuesday has no hours', 'Europe/Paris', '2026-03-31T08:00:00Z', false],
    ['Saturday 23:59 open until 24:00', 'Europe/Paris', '2026-04-04T21:59:00Z', true],
    ['Sunday 00:00 after a 24:00 close', 'Europe/Paris', '2026-04-04T22:00:00Z', false],
    ['repeated 02:30, first run', 'Europe/Paris', '2026-10-25T00:30:00Z', true],
    ['repeated 02:30, second run', 'Europe/Paris', '2026-10-25T01:30:00Z', true],
    ['spring-forward Sunday 03:00 is past 02:00–03:00', 'Europe/Paris', '2026-03-29T01:00:00Z', false],
    ['spring-forward Sunday 01:59 is before it', 'Europe/Paris', '2026-03-29T00:59:00Z', false],
    ['same instant, Tokyo Monday 09:00', 'Asia/Tokyo', '2026-03-30T00:00:00Z', true],
    ['same instant, Paris Monday 02:00', 'Europe/Paris', '2026-03-30T00:00:00Z', false],
    ['New York Monday 09:00 EDT', 'America/New_York', '2026-03-09T13:00:00Z', true],
    ['Lord Howe Monday 09:00 (+11)', 'Australia/Lord_Howe', '2026-03-29T22:00:00Z', true],
  ])('%s', (_name, zone, at, expected) => {
    expect(isWithinWeeklyHours(hours, zone, new Date(at))).toBe(expected);
  });

  it.each<[string, string[], boolean]>([
    ['no holidays', [], true],
    ['that date is a holiday: closed', ['2026-03-30'], false],
    ['another date is a holiday', ['2026-03-31', '2026-12-25'], true],
  ])('holidays: %s', (_name, holidays, expected) => {
    expect(isWithinWeeklyHours(hours, 'Europe/Paris', new Date('2026-03-30T08:00:00Z'), holidays)).toBe(expected);
  });

  it('reads the holiday on the local date, not the UTC one', () => {
    // Tokyo Monday 2026-03-30 09:30 is still Sunday 2026-03-29 in UTC.
    const at = new Date('2026-03-30T00:30:00Z');
    expect(isWithinWeeklyHours(hours, 'Asia/Tokyo', at, ['2026-03-29'])).toBe(true);
    expect(isWithinWeeklyHours(hours, 'Asia/Tokyo', at, ['2026-03-30'])).toBe(false);
  });

  it.each<[string, string, boolean]>([
    ['10:30 inside the holiday hours', '2026-03-30T08:30:00Z', true],
    ['09:30, open on a Monday, closed on this holiday', '2026-03-30T07:30:00Z', false],
    ['12:00 end exclusive', '2026-03-30T10:00:00Z', false],
  ])('the holiday column applies on holidays (API.md, #14): %s', (_name, at, expected) => {
    const withHoliday = { ...hours, holiday: [{ start: '10:00', end: '12:00' }] };
    expect(isWithinWeeklyHours(withHoliday, 'Europe/Paris', new Date(at), ['2026-03-30'])).toBe(expected);
    // The same Monday, not a holiday: the Monday ranges.
    expect(isWithinWeeklyHours(withHoliday, 'Europe/Paris', new Date(at), [])).toBe(
      isWithinWeeklyHours(hours, 'Europe/Paris', new Date(at)),
    );
  });

  it('an empty schedule is always closed', () => {
    expect(isWithinWeeklyHours({}, 'Europe/Paris', new Date('2026-03-30T08:00:00Z'))).toBe(false);
  });
});
