// Wall-clock arithmetic in a project's time zone. Below settings.ts (which validates hours
// with these functions): it imports nothing of the domain, so the two form no cycle (#12).
import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Time ranges per weekday plus `holiday`, as wall times `HH:MM` (settings' WeeklyHours fits). */
export type HoursByDay = Partial<Record<Weekday | 'holiday', readonly { start: string; end: string }[]>>;

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
  // Every settings parse asks; luxon builds an Intl formatter to answer (bounded memo).
  let valid = validZoneMemo.get(timezone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(timezone);
    if (validZoneMemo.size >= 1000) validZoneMemo.clear();
    validZoneMemo.set(timezone, valid);
  }
  return valid;
}

const validZoneMemo = new Map<string, boolean>();

/** A calendar date "YYYY-MM-DD" that exists (2026-02-29 does not). */
export function isValidIsoDate(text: string): boolean {
  return ISO_DATE.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid;
}

function zoneOf(timezone: string): IANAZone {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`unknown IANA time zone "${timezone}"`);
  return zone;
}

/** "YYYY-MM-DD" of a UTC epoch-ms value. */
function isoDateOfUtc(ms: number): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(year) || year < 0 || year > 9999) throw new RangeError(`date out of range: ${ms}`);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** Midnight UTC of "YYYY-MM-DD" in epoch ms. */
function utcMidnightOf(isoDate: string): number {
  const match = ISO_DATE.exec(isoDate) ? isoDate.split('-').map(Number) : null;
  if (!match) throw new RangeError(`invalid date "${isoDate}"`);
  const [year, month, day] = match as [number, number, number];
  return Date.UTC(year, month - 1, day);
}

/**
 * The project-local calendar date of an instant, "YYYY-MM-DD": the instant shifted by the
 * zone's offset at that instant, read as UTC (plain arithmetic: every availability read and
 * booking walks dates, and luxon's formatting was most of their cost).
 */
export function localDateOf(at: Date, timezone: string): string {
  const ms = at.getTime();
  return isoDateOfUtc(ms + zoneOf(timezone).offset(ms) * MS_PER_MINUTE);
}

/** Calendar arithmetic on "YYYY-MM-DD", done in UTC so no DST rule can shift the day. */
export function addDays(isoDate: string, days: number): string {
  return isoDateOfUtc(utcMidnightOf(isoDate) + days * MS_PER_DAY);
}

export function weekdayOf(isoDate: string): Weekday {
  // getUTCDay: 0 is Sunday; WEEKDAYS starts on Monday.
  const weekday = WEEKDAYS[(new Date(utcMidnightOf(isoDate)).getUTCDay() + 6) % 7];
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

/**
 * ISO 8601 with the project zone's offset, e.g. "2026-03-30T09:00:00+02:00" (API.md), exactly
 * as luxon's toISO({ suppressMilliseconds: true }) writes it, by arithmetic: availability
 * formats every slot it lists, and luxon's formatting was the read's largest cost.
 */
export function formatInZone(at: Date, timezone: string): string {
  // The same slot instants are formatted on every availability read: memoised (pure).
  const key = `${timezone}|${at.getTime()}`;
  let text = formatMemo.get(key);
  if (text === undefined) {
    text = formatInZoneUncached(at, timezone);
    if (formatMemo.size >= FORMAT_MEMO_LIMIT) formatMemo.clear();
    formatMemo.set(key, text);
  }
  return text;
}

const FORMAT_MEMO_LIMIT = 50_000;
const formatMemo = new Map<string, string>();

function formatInZoneUncached(at: Date, timezone: string): string {
  const ms = at.getTime();
  const offset = Number.isNaN(ms) ? Number.NaN : zoneOf(timezone).offset(ms);
  const local = new Date(ms + offset * MS_PER_MINUTE);
  const year = local.getUTCFullYear();
  if (!Number.isInteger(offset) || !(year >= 1000 && year <= 9999)) return formatWithLuxon(at, timezone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const millis = local.getUTCMilliseconds();
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${
    millis ? `.${pad(millis, 3)}` : ''
  }`;
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${isoDateOfUtc(local.getTime())}T${time}${zone}`;
}

function formatWithLuxon(at: Date, timezone: string): string {
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
  hours: HoursByDay,
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
