import type { CallSettings } from './settings';
import { findSlot, slotsBetween, type Slot, type SlotConfig } from './slots';
import { formatInZone, isWithinWeeklyHours } from './time';

export interface AvailabilitySlot {
  start: string;
  end: string;
  capacity: number;
  remaining: number;
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
  /** Bookings held per slot, keyed by the slot's start in epoch ms. */
  bookedBySlot: ReadonlyMap<number, number>;
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

/** S7: what the callbox may show; full slots stay listed with `remaining: 0`. */
export function computeAvailability(input: AvailabilityInput): Availability {
  const { settings, now } = input;
  const immediate = isImmediateOffered(settings, now, input.availableAgents);
  const deferred = isDeferredOffered(settings, now, immediate);
  const slots = deferred
    ? slotsBetween(slotConfigOf(settings), input.from, input.to)
        .filter((slot) => slot.start > now)
        .map((slot) => ({
          start: formatInZone(slot.start, settings.timezone),
          end: formatInZone(slot.end, settings.timezone),
          capacity: slot.capacity,
          remaining: Math.max(0, slot.capacity - (input.bookedBySlot.get(slot.start.getTime()) ?? 0)),
        }))
    : [];
  return { immediate: { available: immediate }, deferred: { available: deferred, slots } };
}

export type SlotBookability =
  | { ok: true; slot: Slot }
  | { ok: false; reason: 'DEFERRED_NOT_OFFERED' | 'NO_SUCH_SLOT' | 'SLOT_STARTED'; message: string };

/**
 * The booking path's check before the capacity-enforcing insert (S14): deferred is offered
 * now and `slotStart` is the exact start of a planned slot that has not started. Maps to SLOT_UNAVAILABLE.
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
  if (!(slot.start > now)) return { ok: false, reason: 'SLOT_STARTED', message: 'this slot has already started' };
  return { ok: true, slot };
}
