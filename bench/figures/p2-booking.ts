// P2: booking throughput and latency at C concurrent clients through the real API, and the
// bare stack under the same client concurrency: one callback row insert plus one workflow
// start (the project's own startCallbackWorkflow, search attributes and memo included) on a
// task queue no worker polls. The ratio says what the booking rules, HTTP and express cost
// on top of the two writes every booking must make.
import { randomUUID } from 'node:crypto';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { callSettingsSchema } from '../../src/domain/settings';
import { benchSettings, ensureProject, hourlySlotStarts, uniquePhone } from '../fixtures';
import type { BenchOptions } from '../options';
import {
  AVAILABILITY_CONCURRENCY,
  AVAILABILITY_MIN_READS,
  runAvailabilityLatency,
  runAvailabilityLatencyNodeClient,
  runAvailabilityOpenLoop,
  type OpenLoopResult,
} from './availability-latency';
import type { Stack } from '../stack';
import { pool, sleep, waitFor } from '../stats';
import { load, type LoadResult } from './load';

export type { LoadResult } from './load';

export const P2_PROJECT = 'demo';
export const BARE_PROJECT = 'bench-bare';
const BARE_TASK_QUEUE = 'bench-bare-unpolled';
const WARM_UP = 50;

export interface P2Result {
  booking: LoadResult;
  bare: LoadResult;
  /** booking throughput / bare throughput */
  throughputRatio: number;
  /** booking p50 / bare p50 */
  latencyRatioP50: number;
  /** GET availability of the booked project at 100 concurrent clients (#15, S7): autocannon. */
  availability?: LoadResult;
  /** The same closed loop driven by the bench's node:http client, which parses every answer. */
  availabilityNodeClient?: LoadResult;
  /** The same reads in an open loop: 100 clients, one read each every 100 ms (added by #15.3, labelled). */
  availabilityOpenLoop?: OpenLoopResult;
}

export async function runP2(stack: Stack, options: BenchOptions, say: (line: string) => void): Promise<P2Result> {
  const total = options.p2 + WARM_UP;
  await ensureProject(stack, P2_PROJECT, benchSettings());
  // Spread over many hourly slots (60 places each): the normal case, not one hot slot.
  const slots = hourlySlotStarts(Math.max(168, Math.ceil(total / 40)));
  let next = 0;
  const bookOne = async () => {
    const i = next++;
    const res = await stack.api.post('/v1/callbacks', {
      projectId: P2_PROJECT,
      phone: uniquePhone(5),
      mode: 'deferred',
      slotStart: slots[i % slots.length]!.toISOString(),
    });
    return { ms: res.ms, status: res.status };
  };
  await pool(WARM_UP, 10, bookOne);
  say(`P2: ${options.p2} bookings, ${options.p2Concurrency} concurrent clients`);
  const booking = await load(stack, options.p2, options.p2Concurrency, bookOne);
  // The worker runs each new workflow's first task; let it finish before the baseline.
  await waitForIdleQueue(stack);

  await ensureProject(stack, BARE_PROJECT, benchSettings());
  const settings = callSettingsSchema.parse(benchSettings());
  const dueAt = slots.at(-1)!;
  const bareOne = async () => {
    const started = performance.now();
    const phone = uniquePhone(5);
    const row = await stack.prisma.callback.create({
      data: {
        id: randomUUID(),
        projectId: BARE_PROJECT,
        mode: 'DEFERRED',
        status: 'SCHEDULED',
        phone,
        openPhone: phone,
        dueAt,
      },
    });
    await startCallbackWorkflow(stack.temporal, BARE_TASK_QUEUE, { ...row, slotStart: null, position: null }, settings);
    return { ms: performance.now() - started, status: 201 };
  };
  await pool(WARM_UP, 10, bareOne);
  say(`P2: bare stack, ${options.p2} row inserts + workflow starts, ${options.p2Concurrency} concurrent`);
  const bare = await load(stack, options.p2, options.p2Concurrency, bareOne);
  // Their workflows never run (no worker polls that queue); without their rows the worker's
  // reconciliation pass no longer describes them, so the next figures do not pay for them.
  await stack.prisma.callback.deleteMany({ where: { projectId: BARE_PROJECT } });

  // #15.3: enough reads for a few seconds of load once reads are served from memory (500
  // took under a second, much of it before the JIT had compiled the path).
  const availabilityRequests = Math.max(AVAILABILITY_MIN_READS, options.p2);
  say(
    `P2: GET availability, ${availabilityRequests} requests, ${AVAILABILITY_CONCURRENCY} concurrent clients (node:http client)`,
  );
  const availabilityNodeClient = await runAvailabilityLatencyNodeClient(stack, P2_PROJECT, availabilityRequests);
  // autocannon serves about twice as many reads a second: four times as many keep the sample
  // a few seconds long for its p99.
  const autocannonRequests = 4 * availabilityRequests;
  say(
    `P2: GET availability, ${autocannonRequests} requests, ${AVAILABILITY_CONCURRENCY} concurrent clients (autocannon)`,
  );
  const availability = await runAvailabilityLatency(stack, P2_PROJECT, autocannonRequests);
  say(`P2: GET availability, open loop: ${AVAILABILITY_CONCURRENCY} clients, one read each every 100 ms`);
  const availabilityOpenLoop = await runAvailabilityOpenLoop(stack, P2_PROJECT);
  return {
    booking,
    bare,
    availability,
    availabilityNodeClient,
    availabilityOpenLoop,
    throughputRatio: Math.round((booking.perSecond / bare.perSecond) * 100) / 100,
    latencyRatioP50: Math.round((booking.latencyMs.p50 / bare.latencyMs.p50) * 100) / 100,
  };
}

/** The normal workflow task queue has no backlog for three checks in a row. */
export async function waitForIdleQueue(stack: Stack, timeoutMs = 300_000): Promise<void> {
  let zeros = 0;
  await waitFor(
    'the worker to drain its workflow task queue',
    timeoutMs,
    async () => {
      const backlog = await stack.workflowBacklog();
      if (backlog === undefined) {
        await sleep(3000); // no stats from this server: a fixed grace instead
        return true;
      }
      zeros = backlog === 0 ? zeros + 1 : 0;
      return zeros >= 3 ? true : undefined;
    },
    1000,
  );
}
