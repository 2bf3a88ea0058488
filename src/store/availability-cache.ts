// #15.3 / S7: what an availability read needs (settings, presence count, booked positions),
// kept per project in this process and dropped on every change of that project: the
// database announces each one (change-feed.ts; bookings, cancels, settings, planning,
// presence, agents, whoever writes them) and this process's own writes drop it at once,
// before they answer. So a read after a booking answered by this process sees it; a change
// made elsewhere is seen as soon as its announcement arrives (after its commit, typically
// within a millisecond). A slot shown free in that interval and booked meanwhile is refused
// with SLOT_FULL (S14): capacity is enforced by the booking statement, never by this cache.
import type { Db } from '../infra/prisma';
import { registerAvailabilityCache } from './availability-changes';
import type { ChangeFeed } from './change-feed';
import { loadAvailabilityInputs, type AvailabilityInputs } from './call-settings';

export interface AvailabilityCacheOptions {
  /** An entry is reloaded after this long even if nothing was announced (a safety net). */
  maxAgeMs: number;
  /** Projects kept at most (the oldest loaded is dropped first). */
  maxProjects?: number;
  clock?: () => number;
}

export interface AvailabilityCache {
  /** The inputs with bookings of slots starting in [bookedFrom, bookedTo) at least. */
  read(projectId: string, bookedFrom: Date, bookedTo: Date): Promise<AvailabilityInputs | null>;
  /**
   * The inputs `read` would return at once from memory (same checks: the feed is live, the
   * entry covers [bookedFrom, bookedTo) and is not older than maxAgeMs), or undefined: then
   * only `read` answers. Synchronous, for the short path of a read (api/fast-path.ts).
   */
  peek(projectId: string, bookedFrom: number, bookedTo: number): AvailabilityInputs | undefined;
  /** This process changed the project (booking, cancel, settings): the next read reloads. */
  invalidate(projectId: string): void;
  readonly stats: { hits: number; misses: number };
}

export type AvailabilityLoader = (
  projectId: string,
  bookedFrom: Date,
  bookedTo: Date,
) => Promise<AvailabilityInputs | null>;

interface Entry {
  from: number;
  to: number;
  loadedAt: number;
  inputs: AvailabilityInputs;
}

interface Loading {
  from: number;
  to: number;
  generation: number;
  promise: Promise<AvailabilityInputs | null>;
}

/** Bookings are loaded this much beyond the window asked: later windows reuse the entry. */
const RANGE_MARGIN_MS = 3_600_000;

/** Reads straight from the database (no feed, or caching off). */
export function uncachedAvailability(prisma: Db): Pick<AvailabilityCache, 'read' | 'invalidate'> {
  return {
    read: (projectId, from, to) => loadAvailabilityInputs(prisma, projectId, from, to),
    invalidate: () => undefined,
  };
}

export function createAvailabilityCache(
  load: AvailabilityLoader,
  feed: Pick<ChangeFeed, 'live' | 'subscribe'>,
  options: AvailabilityCacheOptions,
): AvailabilityCache {
  const clock = options.clock ?? Date.now;
  const maxProjects = options.maxProjects ?? 10_000;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Loading>();
  // A load started before a change must not store what it read: each change bumps the
  // project's generation (and a reset bumps every one, through `epoch`).
  const generations = new Map<string, number>();
  let epoch = 0;
  const generationOf = (projectId: string) => epoch * 1e9 + (generations.get(projectId) ?? 0);
  const stats = { hits: 0, misses: 0 };

  const invalidate = (projectId: string) => {
    entries.delete(projectId);
    loading.delete(projectId);
    generations.set(projectId, (generations.get(projectId) ?? 0) + 1);
  };
  feed.subscribe({
    changed(key) {
      if (key.startsWith('availability:')) invalidate(key.slice('availability:'.length));
    },
    reset() {
      entries.clear();
      loading.clear();
      generations.clear();
      epoch++;
    },
  });

  const fresh = (projectId: string, from: number, to: number): AvailabilityInputs | undefined => {
    const entry = entries.get(projectId);
    if (entry && entry.from <= from && entry.to >= to && clock() - entry.loadedAt < options.maxAgeMs)
      return entry.inputs;
    return undefined;
  };

  const cache: AvailabilityCache = {
    stats,
    invalidate,
    peek(projectId, bookedFrom, bookedTo) {
      if (!feed.live) return undefined;
      const inputs = fresh(projectId, bookedFrom, bookedTo);
      if (inputs) stats.hits++;
      return inputs;
    },
    async read(projectId, bookedFrom, bookedTo) {
      const from = bookedFrom.getTime();
      const to = bookedTo.getTime();
      if (!feed.live) return load(projectId, bookedFrom, bookedTo);
      const now = clock();
      const hit = fresh(projectId, from, to);
      if (hit) {
        stats.hits++;
        return hit;
      }
      const generation = generationOf(projectId);
      const pending = loading.get(projectId);
      if (pending && pending.generation === generation && pending.from <= from && pending.to >= to) {
        stats.hits++;
        return pending.promise;
      }
      stats.misses++;
      const range = { from: from - RANGE_MARGIN_MS, to: to + RANGE_MARGIN_MS };
      const promise = load(projectId, new Date(range.from), new Date(range.to));
      loading.set(projectId, { ...range, generation, promise });
      try {
        const inputs = await promise;
        if (inputs && feed.live && generationOf(projectId) === generation) {
          entries.delete(projectId);
          if (entries.size >= maxProjects) entries.delete(entries.keys().next().value!);
          entries.set(projectId, { ...range, loadedAt: now, inputs });
        }
        return inputs;
      } finally {
        if (loading.get(projectId)?.promise === promise) loading.delete(projectId);
      }
    },
  };
  registerAvailabilityCache(cache);
  return cache;
}
