// P2 (#15): GET availability at 100 concurrent clients. Every page view with the callbox
// calls it (S7), so its p99 under a crowd is what a website sees. It reads the demo project
// P2 just filled with bookings: 7 days of hourly slots, 60 places each, ~1,000 booked.
//
// Three measurements, all printed:
// - closed loop (the #15 bar's figure): 100 clients, each sending its next read as soon as
//   the previous one answered, no think time. That is saturation: throughput X and mean
//   latency R are tied by Little's law (100 = X × R), so its latency says how many reads per
//   second this machine serves — load generator included, on the same 2 cores. The 100
//   clients are autocannon's 100 keep-alive connections: a generator that only counts the
//   answers' bytes (0.05–0.06 ms of CPU per read here, against 0.24–0.44 ms for the bench's
//   own node:http client, which reads and parses each 24.6 KB answer) leaves the cores to
//   the API it measures.
// - the same closed loop driven by the bench's node:http client (bench/http.ts), as measured
//   before autocannon (kept, labelled, for comparison with the earlier runs).
// - open loop (added, labelled): the same 100 clients each reading once every
//   OPEN_LOOP_INTERVAL_MS (1,000 reads/s in all), on a fixed schedule: a read is sent at its
//   time whether or not earlier ones answered, and its latency counts from that time (a late
//   answer is not hidden by the generator waiting). What a page sees at a given traffic.
import autocannon from 'autocannon';
import { createHttpClient } from '../http';
import { API_KEY, cpuDelta, type Stack } from '../stack';
import { countBy, pool, sleep, summarize } from '../stats';
import { load, type LoadResult } from './load';

export const AVAILABILITY_CONCURRENCY = 100;
/** The bar (#15 item 3): p99 under 20 ms at 100 concurrent clients. */
export const AVAILABILITY_P99_BAR_MS = 20;
const WARM_UP = 1000;
/** Reads measured at least (P2 reads as many as it booked, if more). */
export const AVAILABILITY_MIN_READS = 5000;
/** Open loop: each of the 100 clients reads every 100 ms, i.e. 1,000 reads per second. */
export const OPEN_LOOP_INTERVAL_MS = 100;
const OPEN_LOOP_SECONDS = 5;

export interface OpenLoopResult extends LoadResult {
  /** Reads per second asked for (clients × 1000 / interval). */
  targetPerSecond: number;
  intervalMs: number;
  /** Most reads sent and not yet answered at once (those beyond 100 wait for a connection). */
  maxInFlight: number;
}

/** The closed loop driven by the bench's node:http client (reads and parses each answer). */
export async function runAvailabilityLatencyNodeClient(
  stack: Stack,
  projectId: string,
  requests: number,
): Promise<LoadResult> {
  const path = `/v1/projects/${projectId}/availability`;
  const readOne = async () => {
    const res = await stack.api.get(path);
    return { ms: res.ms, status: res.status };
  };
  await pool(WARM_UP, 10, readOne);
  return load(stack, requests, AVAILABILITY_CONCURRENCY, readOne);
}

/** The #15 bar's closed loop: autocannon, 100 connections, `requests` reads in all. */
export async function runAvailabilityLatency(stack: Stack, projectId: string, requests: number): Promise<LoadResult> {
  const path = `/v1/projects/${projectId}/availability`;
  const headers = { authorization: `Bearer ${API_KEY}`, accept: 'application/json' };
  const run = (amount: number) =>
    autocannon({ url: `${stack.apiBaseUrl}${path}`, connections: AVAILABILITY_CONCURRENCY, amount, headers });
  await run(WARM_UP);
  const cpuBefore = stack.cpu();
  const result = await run(requests);
  const cpuSeconds = cpuDelta(cpuBefore, stack.cpu());
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count ?? 0;
  if (result.errors) statuses.errors = result.errors;
  if (result.timeouts) statuses.timeouts = result.timeouts;
  // Responses received (every status), as bench/http-ceiling.ts counts them.
  const answered = result.requests.total;
  return {
    requests: answered,
    concurrency: AVAILABILITY_CONCURRENCY,
    seconds: Math.round(result.duration * 100) / 100,
    perSecond: Math.round(result['2xx'] / result.duration),
    // autocannon's histogram: milliseconds, 1 ms resolution.
    latencyMs: {
      n: answered,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Math.round(result.latency.mean * 10) / 10,
    },
    statuses,
    cpuSeconds,
  };
}

/** The open-loop measurement (see the top of this file); run after runAvailabilityLatency. */
export async function runAvailabilityOpenLoop(stack: Stack, projectId: string): Promise<OpenLoopResult> {
  const path = `/v1/projects/${projectId}/availability`;
  const perSecond = (AVAILABILITY_CONCURRENCY * 1000) / OPEN_LOOP_INTERVAL_MS;
  const total = perSecond * OPEN_LOOP_SECONDS;
  const gapMs = 1000 / perSecond;
  // 100 clients: at most 100 connections; a read sent while all are busy waits for one (and
  // that wait counts in its latency).
  const client = createHttpClient(stack.apiBaseUrl, API_KEY, AVAILABILITY_CONCURRENCY);
  await pool(AVAILABILITY_CONCURRENCY, AVAILABILITY_CONCURRENCY, () => client.get(path));
  let inFlight = 0;
  let maxInFlight = 0;
  const cpuBefore = stack.cpu();
  const started = performance.now() + 5;
  const reads: Promise<{ ms: number; status: number }>[] = [];
  for (let i = 0; i < total; i++) {
    const at = started + i * gapMs;
    const wait = at - performance.now();
    if (wait >= 1) await sleep(wait);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    reads.push(
      client.get(path).then((res) => {
        inFlight--;
        return { ms: performance.now() - at, status: res.status };
      }),
    );
  }
  const results = await Promise.all(reads);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuDelta(cpuBefore, stack.cpu());
  client.close();
  return {
    requests: total,
    concurrency: AVAILABILITY_CONCURRENCY,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(results.filter((r) => r.status < 300).length / seconds),
    latencyMs: summarize(results.map((r) => r.ms)),
    statuses: countBy(results, (r) => r.status),
    cpuSeconds,
    targetPerSecond: perSecond,
    intervalMs: OPEN_LOOP_INTERVAL_MS,
    maxInFlight,
  };
}
