// The leg bookkeeping of one callback (#12): what each dialled leg is doing, folded from
// telephony status events that may come twice, late or out of order. Pure and
// deterministic (workflow code), with its own unit tests (test/workflows/legs.test.ts).
import type { LegEvent } from '../src/telephony/port';
import { isPhaseStatus } from './types';

export type LegPhase = 'dialing' | 'answered' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled' | 'timeout';
export const FINAL_PHASES: readonly LegPhase[] = ['completed', 'no-answer', 'busy', 'failed', 'canceled', 'timeout'];

/** Folds one status event into a leg's phase; final phases never change (duplicates, late events). */
export function nextLegPhase(current: LegPhase, event: Pick<LegEvent, 'status'>): LegPhase {
  if (FINAL_PHASES.includes(current)) return current;
  return isPhaseStatus(event.status) ? event.status : current;
}

export class LegBook {
  private readonly phases = new Map<string, LegPhase>();
  /** Events may arrive batched or reordered ("completed" with "answered"): answers are kept apart. */
  private readonly answered = new Set<string>();
  private readonly seen = new Set<string>();
  /** S42: per ACD leg, the identified agent (or null: not identified). */
  private readonly identified = new Map<string, string | null>();

  /** A leg being dialled: from now on its events count. */
  dialing(key: string): void {
    this.phases.set(key, 'dialing');
  }

  /** Applies a status event once per (call, sequence, status); false when ignored. */
  apply(event: LegEvent): boolean {
    const id = `${event.key}:${event.callSid}:${event.sequence}:${event.status}`;
    if (this.seen.has(id) || !this.phases.has(event.key)) return false;
    this.seen.add(id);
    this.phases.set(event.key, nextLegPhase(this.phases.get(event.key)!, event));
    if (event.status === 'answered' || (event.status === 'completed' && (event.durationSeconds ?? 0) > 0)) {
      this.answered.add(event.key);
    }
    return true;
  }

  /** The workflow's own verdict on a leg (a dial that failed, a ring that timed out). */
  end(key: string, phase: 'failed' | 'timeout'): void {
    this.phases.set(key, phase);
  }

  /** A status learnt by asking the provider (a lost event), folded like an event. */
  learn(key: string, status: LegEvent['status']): void {
    if (this.phases.has(key)) this.phases.set(key, nextLegPhase(this.phases.get(key)!, { status }));
  }

  phase(key: string): LegPhase | undefined {
    return this.phases.get(key);
  }

  isFinal(key: string): boolean {
    const phase = this.phases.get(key);
    return phase !== undefined && FINAL_PHASES.includes(phase);
  }

  /** Answered or ended: the wait for this leg is over. */
  isSettled(key: string): boolean {
    return this.answered.has(key) || this.phases.get(key) !== 'dialing';
  }

  /** 'answered' once it answered (even if it ended since), else its phase. */
  answerOf(key: string): LegPhase {
    return this.answered.has(key) ? 'answered' : this.phases.get(key)!;
  }

  /** S42: the first identification of a dialled leg wins. */
  identify(key: string, agentId: string | null): void {
    if (this.phases.has(key) && !this.identified.has(key)) this.identified.set(key, agentId);
  }

  isIdentified(key: string): boolean {
    return this.identified.has(key);
  }

  identifiedAgent(key: string): string | null {
    return this.identified.get(key) ?? null;
  }
}
