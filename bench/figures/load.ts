// A closed-loop load of `total` requests at `concurrency` clients: throughput, latency and the
// CPU seconds each part of the stack used meanwhile (shared by P2 and the availability figure).
import { cpuDelta, type CpuSnapshot, type Stack } from '../stack';
import { countBy, pool, summarize, type Summary } from '../stats';

export interface LoadResult {
  requests: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  latencyMs: Summary;
  statuses: Record<string, number>;
  /** CPU seconds each part used during the load: what dominates. */
  cpuSeconds: CpuSnapshot;
}

export async function load(
  stack: Stack,
  total: number,
  concurrency: number,
  task: (i: number) => Promise<{ ms: number; status: number }>,
) {
  const cpuBefore = stack.cpu();
  const started = performance.now();
  const results = await pool(total, concurrency, task);
  const cpuSeconds = cpuDelta(cpuBefore, stack.cpu());
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => r.status < 300).length;
  return {
    requests: total,
    concurrency,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(ok / seconds),
    latencyMs: summarize(results.map((r) => r.ms)),
    statuses: countBy(results, (r) => r.status),
    cpuSeconds,
  } satisfies LoadResult;
}
