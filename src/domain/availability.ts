import type { CallSettings } from './settings';
import {
  findSlot,
  firstPositionAhead,
  freePositionsAhead,
  positionTime,
  slotsBetween,
  type Slot,
  type SlotConfig,
} from './slots';
import { formatInZone, isWithinWeeklyHours } from './time';

export interface AvailabilitySlot {
  start: string;
  end: string;
  capacity: number;
  /** #16: free positions at least `minimumLeadSeconds` ahead (a started slot keeps its later ones). */
  remaining: number;
  /** When a booking made now would be called (its position's instant); absent when none is left. */
  nextPositionAt?: string;
}

/** The API.md availability response. */
export interface Availability {
  immediate: { available: boolean };
  deferred: { available: boolean; slots: AvailabilitySlot[] };
}

export interface AvailabilityInput {
  settings: CallSettings;
  now: Date;
  from: Date;
  to: Date;
  /** Agents logged in and free for calls right now (S5 agent presence). */
  availableAgents: number;
  /** Positions held per slot, keyed by the slot's start in epoch ms (slots overlapping the window). */
  bookedPositions: ReadonlyMap<number, readonly number[]>;
}

const MS_PER_HOUR = 3_600_000;
/** A slot is at most a day plus a DST hour long: slots overlapping `from` start after this. */
export const LONGEST_SLOT_MS = 25 * MS_PER_HOUR;

/** The earliest instant a position may be booked for at `now` (#16 minimum lead time). */
export function earliestBookable(settings: CallSettings, now: Date): Date {
  return new Date(now.getTime() + settings.deferred.minimumLeadSeconds * 1000);
}

/**
 * The slots an availability read covers: those overlapping [from, to) — so a slot that has
 * started is included — that still have a position ahead of the minimum lead time.
 */
export function slotsWithPositionsAhead(settings: CallSettings, now: Date, from: Date, to: Date): Slot[] {
  const earliest = earliestBookable(settings, now);
  return slotsBetween(slotConfigOf(settings), new Date(from.getTime() - LONGEST_SLOT_MS), to).filter(
    (slot) => slot.end > from && firstPositionAhead(slot, earliest) < slot.capacity,
  );
}

export function slotConfigOf(settings: CallSettings): SlotConfig {
  return { timezone: settings.timezone, planning: settings.deferred.planning, holidays: settings.deferred.holidays };
}

/** S5: immediate by agent presence, or by opening hours (closed on the project's holidays). */
export function isImmediateOffered(settings: CallSettings, now: Date, availableAgents: number): boolean {
  const { immediate } = settings;
  if (!immediate.enabled) return false;
  if (immediate.availability === 'AGENT_PRESENCE') return availableAgents > 0;
  return isWithinWeeklyHours(immediate.openingHours, settings.timezone, now, settings.deferred.holidays);
}

/** S6: deferred always, only when immediate is not offered, or during offer hours. */
export function isDeferredOffered(settings: CallSettings, now: Date, immediateOffered: boolean): boolean {
  const { deferred } = settings;
  if (!deferred.enabled) return false;
  switch (deferred.offer) {
    case 'ALWAYS':
      return true;
    case 'WHEN_IMMEDIATE_UNAVAILABLE':
      return !immediateOffered;
    case 'SCHEDULE':
      return isWithinWeeklyHours(deferred.offerHours, settings.timezone, now, deferred.holidays);
  }
}

/**
 * S7: what the callbox may show. Full slots stay listed with `remaining: 0`; a slot that has
 * started stays listed while it has a position ahead of the minimum lead time (#16), and
 * `remaining` counts only those positions.
 */
export function computeAvailability(input: AvailabilityInput): Availability {
  const { settings, now } = input;
  const immediate = isImmediateOffered(settings, now, input.availableAgents);
  const deferred = isDeferredOffered(settings, now, immediate);
  const earliest = earliestBookable(settings, now);
  const slots = deferred
    ? slotsWithPositionsAhead(settings, now, input.from, input.to).map((slot): AvailabilitySlot => {
        const free = freePositionsAhead(slot, earliest, input.bookedPositions.get(slot.start.getTime()) ?? []);
        return {
          start: formatInZone(slot.start, settings.timezone),
          end: formatInZone(slot.end, settings.timezone),
          capacity: slot.capacity,
          remaining: free.length,
          ...(free[0] === undefined
            ? {}
            : { nextPositionAt: formatInZone(positionTime(slot, free[0]), settings.timezone) }),
        };
      })
    : [];
  return { immediate: { available: immediate }, deferred: { available: deferred, slots } };
}

export type SlotBookability =
  | { ok: true; slot: Slot; firstPosition: number }
  | { ok: false; reason: 'DEFERRED_NOT_OFFERED' | 'NO_SUCH_SLOT' | 'SLOT_OVER'; message: string };

/**
 * The booking path's check before the capacity-enforcing insert (S14): deferred is offered
 * now and `slotStart` is the exact start of a planned slot with a position at least the
 * minimum lead time ahead (#16); the booking takes the lowest free position from
 * `firstPosition` on. Refusals map to SLOT_UNAVAILABLE.
 */
export function isSlotBookable(input: {
  settings: CallSettings;
  now: Date;
  slotStart: Date;
  availableAgents: number;
}): SlotBookability {
  const { settings, now } = input;
  if (!isDeferredOffered(settings, now, isImmediateOffered(settings, now, input.availableAgents))) {
    return { ok: false, reason: 'DEFERRED_NOT_OFFERED', message: 'deferred callbacks are not offered now' };
  }
  const slot = findSlot(slotConfigOf(settings), input.slotStart);
  if (!slot) return { ok: false, reason: 'NO_SUCH_SLOT', message: 'no slot starts at this time' };
  const firstPosition = firstPositionAhead(slot, earliestBookable(settings, now));
  if (firstPosition >= slot.capacity) {
    return { ok: false, reason: 'SLOT_OVER', message: 'no position of this slot is far enough ahead any more' };
  }
  return { ok: true, slot, firstPosition };
}

const MS_PER_MINUTE = 60_000;

/**
 * #15.3: the first instant after `input.now` at which computeAvailability may answer
 * differently from the same inputs (settings, presence, bookings), so an answer can be served
 * again until then. What moves with the clock: opening and offer hours and holidays (local
 * `HH:mm` walls: whole minutes), the minimum lead time passing a slot's next position (a place
 * falls behind, a slot leaves the list), and — when `to` moves with now — a slot starting at
 * the window's far end entering it. Exclusive: the answer holds for every now < the result.
 */
export function availabilityStableUntil(input: AvailabilityInput, toMovesWithNow: boolean): number {
  const { settings } = input;
  const now = input.now.getTime();
  let until = Math.floor(now / MS_PER_MINUTE) * MS_PER_MINUTE + MS_PER_MINUTE;
  const leadMs = settings.deferred.minimumLeadSeconds * 1000;
  const earliest = earliestBookable(settings, input.now);
  for (const slot of slotsWithPositionsAhead(settings, input.now, input.from, input.to)) {
    // Still ahead while now + lead <= its instant.
    until = Math.min(until, positionTime(slot, firstPositionAhead(slot, earliest)).getTime() - leadMs + 1);
  }
  if (toMovesWithNow) {
    const length = input.to.getTime() - input.from.getTime();
    const [entering] = slotsBetween(slotConfigOf(settings), input.to, new Date(input.to.getTime() + (until - now)));
    if (entering) until = Math.min(until, entering.start.getTime() - length + 1);
  }
  return Math.max(until, now + 1);
}
