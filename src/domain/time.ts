import { DateTime, IANAZone } from 'luxon';
import type { WeeklyHours } from './settings';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "HH:mm" → minutes since local midnight (0…1439), or 1440 for "24:00"; null when malformed. */
export function parseWallTime(text: string): number | null {
  if (text === '24:00') return MINUTES_PER_DAY;
  const match = WALL_TIME.exec(text);
  if (!match) return null;
  return Number(match[1]) * 60 + Number(match[2]);
}

export function isValidTimeZone(timezone: string): boolean {
  return IANAZone.isValidZone(timezone);
}

/** A calendar date "YYYY-MM-DD" that exists (2026-02-29 does not). */
export function isValidIsoDate(text: string): boolean {
  return ISO_DATE.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid;
}

function zoneOf(timezone: string): IANAZone {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`unknown IANA time zone "${timezone}"`);
  return zone;
}

/** The project-local calendar date of an instant, "YYYY-MM-DD". */
export function localDateOf(at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: zoneOf(timezone) }).toFormat('yyyy-MM-dd');
}

/** Calendar arithmetic on "YYYY-MM-DD", done in UTC so no DST rule can shift the day. */
export function addDays(isoDate: string, days: number): string {
  return DateTime.fromISO(isoDate, { zone: 'utc' }).plus({ days }).toFormat('yyyy-MM-dd');
}

export function weekdayOf(isoDate: string): Weekday {
  const weekday = WEEKDAYS[DateTime.fromISO(isoDate, { zone: 'utc' }).weekday - 1];
  if (weekday === undefined) throw new RangeError(`invalid date "${isoDate}"`);
  return weekday;
}

/**
 * Every instant at which the wall clock of `timezone` reads `isoDate` + `minutes`, earliest first:
 * none inside a spring-forward gap, two inside a fall-back overlap (S12). Luxon's own
 * resolution of ambiguous times depends on the current offset, hence this explicit search.
 */
export function instantsAtWallTime(timezone: string, isoDate: string, minutes: number): Date[] {
  // Pure, and called for every slot of every day an availability or booking looks at; the
  // zone lookups behind it (Intl formatToParts) were the API's hottest code (bench P2).
  const key = `${timezone}|${isoDate}|${minutes}`;
  let instants = wallTimeMemo.get(key);
  if (!instants) {
    instants = searchInstantsAtWallTime(timezone, isoDate, minutes);
    if (wallTimeMemo.size >= WALL_TIME_MEMO_LIMIT) wallTimeMemo.clear();
    wallTimeMemo.set(key, instants);
  }
  return instants.map((ms) => new Date(ms));
}

/** Bounded: a year of 15-minute positions for a few zones; cleared whole when full. */
const WALL_TIME_MEMO_LIMIT = 50_000;
const wallTimeMemo = new Map<string, readonly number[]>();

function searchInstantsAtWallTime(timezone: string, isoDate: string, minutes: number): number[] {
  const zone = zoneOf(timezone);
  const wallAsUtc = DateTime.fromISO(isoDate, { zone: 'utc' }).toMillis() + minutes * MS_PER_MINUTE;
  if (Number.isNaN(wallAsUtc)) throw new RangeError(`invalid date "${isoDate}"`);
  // Offsets in force a day either side cover any single transition near this wall time.
  const candidateOffsets = new Set([
    zone.offset(wallAsUtc - MS_PER_DAY),
    zone.offset(wallAsUtc),
    zone.offset(wallAsUtc + MS_PER_DAY),
  ]);
  const instants = new Set<number>();
  for (const offset of candidateOffsets) {
    const instant = wallAsUtc - offset * MS_PER_MINUTE;
    if (zone.offset(instant) === offset) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b);
}

/** ISO 8601 with the project zone's offset, e.g. "2026-03-30T09:00:00+02:00" (API.md). */
export function formatInZone(at: Date, timezone: string): string {
  const text = DateTime.fromJSDate(at, { zone: zoneOf(timezone) }).toISO({ suppressMilliseconds: true });
  if (text === null) throw new RangeError(`invalid instant ${String(at)}`);
  return text;
}

/**
 * Whether `at` falls in one of the day's ranges, read on the project's wall clock (S5/S6
 * opening and offer hours). On holiday dates the `holiday` ranges apply instead of the
 * weekday's (none: closed), as for the planning (S11); both runs of a repeated hour count.
 */
export function isWithinWeeklyHours(
  hours: Partial<WeeklyHours>,
  timezone: string,
  at: Date,
  holidays: readonly string[] = [],
): boolean {
  const local = DateTime.fromJSDate(at, { zone: zoneOf(timezone) });
  const column = holidays.includes(local.toFormat('yyyy-MM-dd')) ? 'holiday' : WEEKDAYS[local.weekday - 1];
  if (column === undefined) return false;
  const minute = local.hour * 60 + local.minute;
  return (hours[column] ?? []).some((range) => {
    const start = parseWallTime(range.start);
    const end = parseWallTime(range.end);
    return start !== null && end !== null && start <= minute && minute < end;
  });
}
