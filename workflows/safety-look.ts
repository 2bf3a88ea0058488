// #11.2: when a callback waiting for an agent looks by itself (no wake-up came). Short at
// first — a wake-up can race the release it announces (the agent is not free yet when the
// callback asks, and no second wake-up follows) — then doubling up to the slow safety look,
// and short again after every wake-up. Pure (workflow code), unit-tested without Temporal.

/** The first look, after a wait starts or a wake-up found no agent. */
export const FIRST_LOOK_MS = 5_000;
/** The slowest look: it bounds the history of a long wait (docs/convergence.md). */
export const LAST_LOOK_MS = 15 * 60_000;

export class SafetyLooks {
  private nextMs: number;

  /** `startMs`: where a continued-as-new wait left off (else the first look). */
  constructor(
    startMs?: number,
    private readonly firstMs = FIRST_LOOK_MS,
    private readonly lastMs = LAST_LOOK_MS,
  ) {
    this.nextMs = Math.min(lastMs, Math.max(firstMs, startMs ?? firstMs));
  }

  /** The wait before the next look, without taking it. */
  peek(): number {
    return this.nextMs;
  }

  /** The wait before the next look; the one after it is twice as long, up to the slowest. */
  next(): number {
    const ms = this.nextMs;
    this.nextMs = Math.min(this.lastMs, ms * 2);
    return ms;
  }

  /** A wake-up came: look soon again. */
  reset(): void {
    this.nextMs = this.firstMs;
  }
}
