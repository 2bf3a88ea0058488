// P2 (#15): GET availability at 100 concurrent clients. Every page view with the callbox
// calls it (S7), so its p99 under a crowd is what a website sees. It reads the demo project
// P2 just filled with bookings: 7 days of hourly slots, 60 places each, ~1,000 booked.
import type { Stack } from '../stack';
import { pool } from '../stats';
import { load, type LoadResult } from './load';

export const AVAILABILITY_CONCURRENCY = 100;
/** The bar (#15 item 3): p99 under 20 ms at 100 concurrent clients. */
export const AVAILABILITY_P99_BAR_MS = 20;
const WARM_UP = 1000;
/** Reads measured at least (P2 reads as many as it booked, if more). */
export const AVAILABILITY_MIN_READS = 5000;

export async function runAvailabilityLatency(stack: Stack, projectId: string, requests: number): Promise<LoadResult> {
  const path = `/v1/projects/${projectId}/availability`;
  const readOne = async () => {
    const res = await stack.api.get(path);
    return { ms: res.ms, status: res.status };
  };
  await pool(WARM_UP, 10, readOne);
  return load(stack, requests, AVAILABILITY_CONCURRENCY, readOne);
}
