// P1 (S2): an immediate callback's first dial starts within 1 s of the request when an agent
// is free. Latency = first leg's dial time - time the POST was sent. Measured twice: one
// request at a time (each sent once the previous one dialled: the bare path), then N requests
// open-loop at a fixed rate, with far more free agents than the rate needs.
import type { BenchOptions } from '../options';
import { addAvailableAgents, benchSettings, ensureProject, uniquePhone } from '../fixtures';
import { cpuDelta, type CpuSnapshot, type Stack } from '../stack';
import { countBy, pool, sleep, summarize, waitFor, type Summary } from '../stats';
import { awaitFirstDials, dialTimes, histogramShare, stepSummary, TERMINAL, type DialTimes } from './dials';

export const P1_PROJECT = 'demo';
const WARM_UP = 5;
/** A callback not dialled this long after the last request counts at this bound, then is cancelled. */
const DIAL_DEADLINE_MS = 60_000;

export interface P1Run {
  callbacks: number;
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  notDialledInTime: number;
  /** request sent -> first dial, ms (undialled ones at the deadline: a lower bound) */
  latencyMs: Summary;
  /** Every request -> first dial, ms, in request order (the chart's distribution; censored ones at the bound). */
  samplesMs?: number[];
  withinOneSecond: number;
  /** Where the time goes, ms. */
  breakdownMs: Record<string, Summary>;
}

export interface P1Result {
  agents: number;
  agentsVia: 'api' | 'agent workflow client';
  alone: P1Run;
  /** cpuSeconds: by process from the first open-loop request until every one of them ended (#15 steady state). */
  loaded: P1Run & { ratePerSecond: number; cpuSeconds?: CpuSnapshot };
  workerHistogram: { count: number; shareAtOrUnder: number };
}

interface Sent {
  id?: string;
  status: number;
  sentAt: number;
  httpMs: number;
}

export async function runP1(stack: Stack, options: BenchOptions, say: (line: string) => void): Promise<P1Result> {
  await ensureProject(stack, P1_PROJECT, benchSettings());
  const via = stack.agentsApi ? 'agents API' : 'agents API not mounted: the agent workflow client its routes call';
  say(`P1: ${options.agents} agents for project ${P1_PROJECT} (${via})`);
  await addAvailableAgents(stack, P1_PROJECT, options.agents);

  const book = async (): Promise<Sent> => {
    const sentAt = Date.now();
    const res = await stack.api.post<{ id: string }>('/v1/callbacks', {
      projectId: P1_PROJECT,
      phone: uniquePhone(5),
      mode: 'immediate',
    });
    return { sentAt, status: res.status, httpMs: res.ms, ...(res.status === 201 ? { id: res.body.id } : {}) };
  };
  const firstDial = (id: string) =>
    waitFor(
      'a first dial',
      30_000,
      async () => {
        const rows = await stack.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM telephony_calls tc JOIN attempts a ON a.id = tc.attempt_id WHERE a.callback_id = ${id}::uuid`;
        return rows[0]!.n > 0n ? true : undefined;
      },
      10,
    );

  // One at a time: warm-up (JIT, pools, agent workflows), then the bare path.
  const aloneCount = Math.max(5, Math.min(20, Math.round(options.p1 / 10)));
  const alone: Sent[] = [];
  for (let i = 0; i < WARM_UP + aloneCount; i++) {
    const sent = await book();
    if (sent.id) await firstDial(sent.id).catch(() => say(`!! P1: callback ${sent.id} not dialled in 30 s`));
    if (i >= WARM_UP) alone.push(sent);
  }
  await sleep(1000);

  say(`P1: ${options.p1} immediate callbacks, open-loop at ${options.p1Rate}/s`);
  const intervalMs = 1000 / options.p1Rate;
  const cpuBefore = stack.cpu();
  const t0 = performance.now();
  const loaded = await Promise.all(
    Array.from({ length: options.p1 }, async (_, i) => {
      await sleep(Math.max(0, t0 + i * intervalMs - performance.now()));
      return book();
    }),
  );
  const loadedRun = await settle(stack, loaded, say);
  const cpuSeconds = cpuDelta(cpuBefore, stack.cpu());
  return {
    agents: options.agents,
    agentsVia: stack.agentsApi ? 'api' : 'agent workflow client',
    alone: await settle(stack, alone, say),
    loaded: { ...loadedRun, ratePerSecond: options.p1Rate, cpuSeconds },
    workerHistogram: histogramShare(await stack.workerMetricsText(), 'callbacks_immediate_dial_latency_seconds', '1'),
  };
}

/** Waits (bounded) for the first dials, cancels what is left, waits for the calls to end; summarizes. */
async function settle(stack: Stack, sent: Sent[], say: (line: string) => void): Promise<P1Run> {
  const booked = new Map(sent.filter((s) => s.id).map((s) => [s.id!, s]));
  const mine = async () => (await dialTimes(stack.prisma, P1_PROJECT, 'IMMEDIATE')).filter((row) => booked.has(row.id));
  const { undialled, censoredAt } = await awaitFirstDials('P1', mine, DIAL_DEADLINE_MS, 500, () =>
    say(`!! P1: not every callback dialled ${DIAL_DEADLINE_MS / 1000} s after the last request; cancelling the rest`),
  );
  await pool(undialled.length, 10, (i) => stack.api.post(`/v1/callbacks/${undialled[i]!.id}/cancel`));
  // Let the calls end so what follows starts on an idle system.
  const rows = await waitFor(
    'P1 callbacks to end',
    120_000,
    async () => {
      const current = await mine();
      return current.every((row) => TERMINAL.has(row.status)) ? current : undefined;
    },
    500,
  );

  const latency = rows.map((row) => (row.firstDialAt ?? censoredAt) - booked.get(row.id)!.sentAt);
  const dialled = rows.filter((row) => row.firstDialAt !== null);
  const part = (from: (r: DialTimes) => number | null, to: (r: DialTimes) => number | null) =>
    stepSummary(dialled, from, to);
  return {
    callbacks: sent.length,
    statuses: countBy(sent, (s) => s.status),
    outcomes: countBy(rows, (r) => r.status),
    notDialledInTime: undialled.length,
    latencyMs: summarize(latency),
    samplesMs: latency.map((ms) => Math.round(ms)),
    withinOneSecond: Math.round((latency.filter((ms) => ms <= 1000).length / (latency.length || 1)) * 1000) / 1000,
    breakdownMs: {
      'HTTP booking (POST answered)': summarize(sent.filter((s) => s.id).map((s) => s.httpMs)),
      'request -> callback row': part(
        (r) => booked.get(r.id)!.sentAt,
        (r) => r.createdAt,
      ),
      'row -> workflow waits for agent': part(
        (r) => r.createdAt,
        (r) => r.waitingSince,
      ),
      'agent wait -> attempt recorded': part(
        (r) => r.waitingSince,
        (r) => r.attemptStartedAt,
      ),
      'attempt recorded -> first dial': part(
        (r) => r.attemptStartedAt,
        (r) => r.firstDialAt,
      ),
    },
  };
}
