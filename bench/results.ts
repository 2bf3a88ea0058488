// What one bench run measured, figure by figure (types only: run.ts fills it, report.ts prints it).
import type { CostFigure } from './figures/cost';
import type { P1Result } from './figures/p1-immediate';
import type { P2Result } from './figures/p2-booking';
import type { P3Result } from './figures/p3-lateness';
import type { P4Result } from './figures/p4-memory';
import type { P5Result } from './figures/p5-time-skipping';

export interface BenchResults {
  p1?: P1Result;
  p2?: P2Result;
  p3?: P3Result;
  p4?: P4Result;
  p5?: P5Result;
  /** #15: the cost of one completed callback, measured over P1. */
  cost?: { p1?: CostFigure };
}
