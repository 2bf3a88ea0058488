import type { Planning } from './settings';
import { addDays, instantsAtWallTime, localDateOf, parseWallTime, weekdayOf } from './time';

/** A deferred slot as real UTC instants; `end` is exclusive. */
export interface Slot {
  start: Date;
  end: Date;
  capacity: number;
}

export interface SlotConfig {
  timezone: string;
  planning: Partial<Planning>;
  holidays?: readonly string[];
}

const MS_PER_MINUTE = 60_000;

function requireWallTime(text: string): number {
  const minutes = parseWallTime(text);
  if (minutes === null) throw new RangeError(`invalid wall time "${text}"`);
  return minutes;
}

/**
 * S12: the end of a half-open slot. An end exactly at the start of a spring-forward gap
 * (01:00–02:00 when 02:00 is skipped) is the transition instant itself; an end inside the
 * gap has no instant. In a repeated hour the first occurrence is taken, as for starts.
 */
function slotEnd(timezone: string, date: string, endMinutes: number): Date | null {
  const [direct] =
    endMinutes === 1440
      ? instantsAtWallTime(timezone, addDays(date, 1), 0)
      : instantsAtWallTime(timezone, date, endMinutes);
  if (direct) return direct;
  const lastMinute = instantsAtWallTime(timezone, date, endMinutes - 1).at(-1);
  return lastMinute ? new Date(lastMinute.getTime() + MS_PER_MINUTE) : null;
}

/** The slots of one local date: the holiday column on holidays (S11), else the weekday's. */
function slotsOnDate(config: SlotConfig, date: string, holidays: ReadonlySet<string>): Slot[] {
  const column = holidays.has(date) ? config.planning.holiday : config.planning[weekdayOf(date)];
  const slots: Slot[] = [];
  for (const planned of column ?? []) {
    // S12: a start in a skipped hour is not offered; in a repeated hour only the first run is.
    const [start] = instantsAtWallTime(config.timezone, date, requireWallTime(planned.start));
    const end = slotEnd(config.timezone, date, requireWallTime(planned.end));
    if (!start || !end || end <= start) continue;
    slots.push({ start, end, capacity: planned.capacity });
  }
  return slots;
}

/** Every planned slot whose start is in [from, to), sorted by start (S10–S12). */
export function slotsBetween(config: SlotConfig, from: Date, to: Date): Slot[] {
  if (!(from.getTime() < to.getTime())) return [];
  const holidays = new Set(config.holidays ?? []);
  // A day of margin either side: local dates are not monotonic in zones that fall back across midnight.
  const lastDate = addDays(localDateOf(to, config.timezone), 1);
  const slots: Slot[] = [];
  for (let date = addDays(localDateOf(from, config.timezone), -1); date <= lastDate; date = addDays(date, 1)) {
    for (const slot of slotsOnDate(config, date, holidays)) {
      if (slot.start >= from && slot.start < to) slots.push(slot);
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
}

/** The planned slot starting exactly at `slotStart` (a booking's `slotStart`), or null. */
export function findSlot(config: SlotConfig, slotStart: Date): Slot | null {
  const at = slotStart.getTime();
  if (Number.isNaN(at)) return null;
  return slotsBetween(config, slotStart, new Date(at + 1)).find((slot) => slot.start.getTime() === at) ?? null;
}

/** S20: booking `index` is called at start + index × (slot length / capacity), whole ms. */
export function positionTime(slot: Slot, index: number): Date {
  if (!Number.isInteger(index) || index < 0 || index >= slot.capacity) {
    throw new RangeError(`position ${index} is outside 0…${slot.capacity - 1}`);
  }
  const length = slot.end.getTime() - slot.start.getTime();
  return new Date(slot.start.getTime() + Math.floor((index * length) / slot.capacity));
}

/**
 * #16 started slots: the first position of `slot` whose instant is at or after `earliest`
 * (now + the minimum lead time), or `slot.capacity` when none is left. Positions are
 * increasing, so every position from here on is ahead too.
 */
export function firstPositionAhead(slot: Slot, earliest: Date): number {
  const at = earliest.getTime();
  if (slot.start.getTime() >= at) return 0;
  // positionTime(k) = start + floor(k × length / capacity) >= at  ⇔  k × length >= (at − start) × capacity
  // once both sides are whole ms (floor is monotone), so the smallest k is one division away.
  const length = slot.end.getTime() - slot.start.getTime();
  const k = Math.ceil(((at - slot.start.getTime()) * slot.capacity) / length);
  // Guard the rounding of the division at the edges with the exact definition.
  let position = Math.max(0, k - 1);
  while (position < slot.capacity && positionTime(slot, position).getTime() < at) position++;
  return position;
}

/** The positions of `slot` still ahead of `earliest` and not in `taken`, lowest first. */
export function freePositionsAhead(slot: Slot, earliest: Date, taken: Iterable<number>): number[] {
  const used = new Set(taken);
  const free: number[] = [];
  for (let position = firstPositionAhead(slot, earliest); position < slot.capacity; position++) {
    if (!used.has(position)) free.push(position);
  }
  return free;
}
