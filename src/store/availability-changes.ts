// #15.3: this process's availability caches (availability-cache.ts), so a write made here
// (booking.ts, saveCallSettings) drops the project's entry before it answers, without
// waiting for the database's announcement to come back.

interface Invalidates {
  invalidate(projectId: string): void;
}

const caches = new Set<WeakRef<Invalidates>>();

export function registerAvailabilityCache(cache: Invalidates): void {
  caches.add(new WeakRef(cache));
}

/** This process just committed a change of what the project's availability shows. */
export function availabilityChanged(projectId: string): void {
  for (const ref of caches) {
    const cache = ref.deref();
    if (cache) cache.invalidate(projectId);
    else caches.delete(ref);
  }
}
