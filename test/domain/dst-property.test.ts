// #16 / S12 / S20: slots, positions, availability and booking in every IANA zone whose offset
// changes in 2026–2027 (the runtime's tz database, canonical names), plus zones with odd offsets.
// Plannings are generated around each zone's own transitions so that gaps and repeated hours
// are hit, not just ordinary days. The rules checked are those documented in docs/time.md.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { computeAvailability, isSlotBookable } from '../../src/domain/availability';
import { callSettingsSchema, type CallSettings } from '../../src/domain/settings';
import { positionTime, slotsBetween, type Slot } from '../../src/domain/slots';
import { addDays, instantsAtWallTime, localDateOf, WEEKDAYS } from '../../src/domain/time';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2028, 0, 1);
const ODD_OFFSETS = ['Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham'];

interface Transition {
  /** The first instant with the new offset. */
  at: number;
  /** Local date and minute of day on the old offset's wall clock at that instant. */
  date: string;
  minute: number;
  /** New offset minus old, in minutes: > 0 skips wall time, < 0 repeats it. */
  delta: number;
}

/** Offset changes in [FROM, TO): weekly samples, then bisection to the millisecond. */
function transitionsOf(name: string): Transition[] {
  const zone = IANAZone.create(name);
  const found: Transition[] = [];
  // Two changes are never closer than a few weeks (Casablanca's Ramadan hour is the closest).
  const step = 14 * MS_PER_DAY;
  for (let t = FROM; t < TO; t += step) {
    let lo = t;
    let hi = Math.min(t + step, TO);
    const before = zone.offset(lo);
    if (zone.offset(hi) === before) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (zone.offset(mid) === before) lo = mid;
      else hi = mid;
    }
    const wall = DateTime.fromMillis(hi, { zone: 'utc' }).plus({ minutes: before });
    found.push({
      at: hi,
      date: wall.toFormat('yyyy-MM-dd'),
      minute: wall.hour * 60 + wall.minute,
      delta: zone.offset(hi) - before,
    });
  }
  return found;
}

const zonesWithChanges = Intl.supportedValuesOf('timeZone')
  .map((name) => ({ name, transitions: transitionsOf(name) }))
  .filter((zone) => zone.transitions.length > 0);
const zones = [
  ...zonesWithChanges,
  ...ODD_OFFSETS.filter((name) => !zonesWithChanges.some((zone) => zone.name === name)).map((name) => ({
    name,
    transitions: transitionsOf(name),
  })),
];

const hhmm = (minute: number) =>
  minute === 1440
    ? '24:00'
    : `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** A plain check: jest's expect costs more than the property itself when called per position. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Local wall clock of an instant: its date and ms since that date's midnight. */
function wallOf(at: Date, zone: string): { date: string; ms: number } {
  const local = DateTime.fromJSDate(at, { zone });
  const ms = ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
  return { date: local.toFormat('yyyy-MM-dd'), ms };
}

interface PlannedSlot {
  start: number;
  end: number;
  capacity: number;
}

/** One or two non-overlapping slots near the transition's wall time, capacity ≤ length (S13). */
function planningNear(minute: number): fc.Arbitrary<PlannedSlot[]> {
  const slot = fc
    .record({
      start: fc.integer({ min: Math.max(0, minute - 180), max: Math.min(1439, minute + 120) }),
      length: fc.integer({ min: 1, max: 300 }),
      fill: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ start, length, fill }) => {
      const end = Math.min(1440, start + length);
      return { start, end, capacity: Math.max(1, Math.round(fill * (end - start))) };
    });
  return fc.array(slot, { minLength: 1, maxLength: 2 }).map((slots) => {
    const sorted = [...slots].sort((a, b) => a.start - b.start);
    return sorted.filter((s, i) => i === 0 || s.start >= sorted[i - 1]!.end);
  });
}

function settingsFor(zone: string, planned: PlannedSlot[], minimumLeadSeconds: number): CallSettings {
  const day = planned.map((s) => ({ start: hhmm(s.start), end: hhmm(s.end), capacity: s.capacity }));
  return callSettingsSchema.parse({
    timezone: zone,
    immediate: { enabled: false },
    deferred: {
      offer: 'ALWAYS',
      minimumLeadSeconds,
      planning: Object.fromEntries([...WEEKDAYS, 'holiday'].map((d) => [d, day])),
    },
  });
}

/** The wall-clock checks of one slot against the planned one it comes from (docs/time.md). */
function checkSlot(zone: string, slot: Slot, planned: PlannedSlot, date: string): void {
  // Its start reads the planned wall time on its date: never inside a skipped hour.
  same(wallOf(slot.start, zone), { date, ms: planned.start * MS_PER_MINUTE }, 'start on the wall clock');
  // In a repeated hour, the first occurrence.
  same(slot.start, instantsAtWallTime(zone, date, planned.start)[0], 'first occurrence');
  const length = slot.end.getTime() - slot.start.getTime();
  const wallLength = (planned.end - planned.start) * MS_PER_MINUTE;
  // The wall clock jumps inside the slot when the offset changes in it, or when a gap cut its end.
  const offsets = IANAZone.create(zone);
  const jumps =
    offsets.offset(slot.end.getTime() - 1) !== offsets.offset(slot.start.getTime()) || length !== wallLength;
  // Documented rule: start + ⌊k × (elapsed length / capacity)⌋, inside the slot, strictly
  // increasing (plain checks: an expect per position was most of this test's time).
  let previous = -1;
  for (let k = 0; k < slot.capacity; k++) {
    const at = positionTime(slot, k).getTime();
    const ok =
      at - slot.start.getTime() === Math.floor((k * length) / slot.capacity) &&
      at > previous &&
      at < slot.end.getTime();
    if (!ok) throw new Error(`position ${k} of ${JSON.stringify(slot)} in ${zone} is at ${new Date(at).toISOString()}`);
    previous = at;
  }
  if (!jumps) {
    // No jump inside the slot: position k reads start + k × (slot length / capacity) on the wall
    // clock (the offset is constant, so elapsed and wall time agree; read one back through luxon).
    const k = Math.floor(slot.capacity / 2);
    const wall = wallOf(positionTime(slot, k), zone);
    const expected = planned.start * MS_PER_MINUTE + Math.floor((k * wallLength) / slot.capacity);
    same(wall.ms + (wall.date === date ? 0 : MS_PER_DAY), expected, `position ${k} on the wall clock`);
  }
}

describe('#16 every zone with a DST change in 2026–2027, plus odd offsets', () => {
  it('finds the zones (the runtime tz database) and their transitions', () => {
    expect(zonesWithChanges.length).toBeGreaterThan(100);
    const names = zones.map((zone) => zone.name);
    for (const name of ['Europe/Paris', 'America/New_York', 'Australia/Sydney', ...ODD_OFFSETS]) {
      expect(names).toContain(name);
    }
    // Lord Howe moves by 30 minutes, Chatham at 02:45 local.
    expect(zones.find((z) => z.name === 'Australia/Lord_Howe')!.transitions.map((t) => Math.abs(t.delta))).toContain(
      30,
    );
    expect(zones.find((z) => z.name === 'Pacific/Chatham')!.transitions.some((t) => t.minute === 165)).toBe(true);
  });

  it('slots: none doubled, none starting in a skipped hour, positions by the documented rule; availability and booking agree', () => {
    for (const { name: zone, transitions } of zones) {
      // A zone without transitions (Kolkata) is exercised on ordinary dates across the two years.
      const anchors = transitions.length
        ? transitions
        : [{ at: Date.UTC(2026, 2, 29), date: '2026-03-29', minute: 120, delta: 0 }];
      // Half the plannings sit around the transition's wall time (gaps, repeated hours), half anywhere.
      const case_ = fc.constantFrom(...anchors).chain((transition) =>
        fc.record({
          transition: fc.constant(transition),
          planned: fc.oneof(
            planningNear(transition.minute),
            fc.integer({ min: 0, max: 1439 }).chain((minute) => planningNear(minute)),
          ),
        }),
      );
      fc.assert(
        fc.property(
          case_,
          fc.integer({ min: -26 * 60, max: 26 * 60 }),
          fc.constantFrom(0, 60, 600),
          fc.array(fc.integer({ min: 0, max: 299 }), { maxLength: 8 }),
          ({ transition, planned }, nowMinutes, lead, bookedRaw) => {
            const settings = settingsFor(zone, planned, lead);
            const config = { timezone: zone, planning: settings.deferred.planning };
            const from = new Date(transition.at - 3 * MS_PER_DAY);
            const to = new Date(transition.at + 2 * MS_PER_DAY);
            const slots = slotsBetween(config, from, to);

            // No slot doubled: distinct starts, each a planned slot on its own local date.
            same(new Set(slots.map((s) => s.start.getTime())).size, slots.length, 'distinct starts');
            for (const slot of slots) {
              const date = localDateOf(slot.start, zone);
              const matching = planned.filter((p) => wallOf(slot.start, zone).ms === p.start * MS_PER_MINUTE);
              same(matching.length, 1, `one planned slot for ${slot.start.toISOString()}`);
              checkSlot(zone, slot, matching[0]!, date);
            }
            // Every planned start that exists on a date wholly inside the window is offered once.
            for (
              let date = addDays(localDateOf(from, zone), 1);
              date < localDateOf(to, zone);
              date = addDays(date, 1)
            ) {
              for (const p of planned) {
                const [start] = instantsAtWallTime(zone, date, p.start);
                const offered = slots.filter((s) => start && s.start.getTime() === start.getTime());
                if (!start) continue;
                // Dropped only when its end has no instant (inside a gap) — docs/time.md.
                const endExists =
                  (p.end === 1440
                    ? instantsAtWallTime(zone, addDays(date, 1), 0).length > 0
                    : instantsAtWallTime(zone, date, p.end).length > 0) ||
                  instantsAtWallTime(zone, date, p.end - 1).length > 0;
                same(offered.length, endExists ? 1 : 0, `${date} ${hhmm(p.start)} offered once`);
              }
            }

            // Availability and booking agree, at a `now` around the transition, with some positions booked.
            const now = new Date(transition.at + nowMinutes * MS_PER_MINUTE);
            const bookedPositions = new Map(
              slots.map((slot) => [slot.start.getTime(), bookedRaw.map((p) => p % slot.capacity)]),
            );
            const listed = computeAvailability({ settings, now, from: now, to, availableAgents: 0, bookedPositions });
            const listedStarts = new Set(listed.deferred.slots.map((s) => Date.parse(s.start)));
            for (const slot of slots) {
              const bookable = isSlotBookable({ settings, now, slotStart: slot.start, availableAgents: 0 });
              const offered = listed.deferred.slots.find((s) => Date.parse(s.start) === slot.start.getTime());
              if (slot.end.getTime() <= now.getTime() || slot.start.getTime() >= to.getTime()) continue;
              if (!offered) {
                same(bookable.ok, false, 'not listed, not bookable');
                continue;
              }
              // The listed local start, parsed back, is the slot the booking finds.
              const byListedStart = isSlotBookable({
                settings,
                now,
                slotStart: new Date(offered.start),
                availableAgents: 0,
              });
              same(byListedStart, bookable, 'booking by the listed local start');
              same(bookable.ok, true, 'listed, bookable');
              if (!bookable.ok) continue;
              // The first position at least the lead time ahead, found by brute force.
              let first = 0;
              while (first < slot.capacity && positionTime(slot, first).getTime() < now.getTime() + lead * 1000)
                first++;
              same(bookable.firstPosition, first, 'first position ahead');
              const taken = new Set(bookedPositions.get(slot.start.getTime()));
              const free = [];
              for (let k = bookable.firstPosition; k < slot.capacity; k++) if (!taken.has(k)) free.push(k);
              same(offered.remaining, free.length, 'remaining');
              same(offered.end, DateTime.fromJSDate(slot.end, { zone }).toISO({ suppressMilliseconds: true }), 'end');
              if (free.length > 0) {
                const next = Date.parse(offered.nextPositionAt!);
                same(next, positionTime(slot, free[0]!).getTime(), 'next position');
                same(next >= now.getTime() + lead * 1000, true, 'next position after the lead time');
              }
            }
            // Nothing listed that is not a slot.
            for (const start of listedStarts)
              same(
                slots.some((s) => s.start.getTime() === start),
                true,
                'listed is a slot',
              );
          },
        ),
        { numRuns: Number(process.env.DST_RUNS ?? 8) },
      );
    }
  });
});
