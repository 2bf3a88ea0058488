// P5: wall time of the S33 scenario under the time-skipping test server — a visitor who
// never answers (number ending in 0), default retries (5 × 300 s): attempts at +0 … +25 min,
// then FAILED. The same harness and steps as test/workflows/callback.test.ts 'S33'.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { registerSearchAttributes } from '../../src/infra/temporal';
import { ensureTemporalBinary } from '../../src/infra/temporal-binaries';
import { bundleWorkflows } from '../../workers/worker';
import { isTerminal } from '../../workflows/types';
import {
  addAgent,
  bookCallback,
  newWorker,
  projectWith,
  startHarness,
  waitForStatus,
} from '../../test/helpers/callback-harness';
import { onCleanup } from '../cleanup';
import { uniquePhone } from '../fixtures';
import { ownChildrenRunning, type Stack } from '../stack';

export interface P5Result {
  simulatedSeconds: number;
  wallSeconds: number;
  /** simulated / wall */
  speedup: number;
  attempts: number;
  outcome: string;
  testServerStartMs: number;
  bundleMs: number | null;
}

export async function runP5(stack: Stack, say: (line: string) => void, prebuilt?: WorkflowBundle): Promise<P5Result> {
  const { prisma } = stack;
  const serverPath = ensureTemporalBinary('test-server', say);
  let t = performance.now();
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    serverPath ? { server: { executable: { type: 'existing-path', path: serverPath } } } : {},
  );
  // The SDK spawned the test server as our child: the reaper stops it should we die first.
  const [serverPid] = ownChildrenRunning('temporal-test-server');
  const stopEnv = onCleanup(
    'time-skipping server',
    () => env.teardown(),
    serverPid ? { kind: 'process', id: serverPid } : undefined,
  );
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  const testServerStartMs = Math.round(performance.now() - t);
  t = performance.now();
  const bundle = prebuilt ?? (await bundleWorkflows());
  const bundleMs = prebuilt ? null : Math.round(performance.now() - t);
  const harness = await startHarness(env, prisma);
  const stopHarness = onCleanup('P5 webhook harness', () => harness.close());
  try {
    const taskQueue = `bench-p5-${randomUUID()}`;
    const { account, project } = await projectWith(prisma, {});
    await addAgent(prisma, account.id, project.id, { phone: uniquePhone(5) });
    const worker = await newWorker(env, bundle, prisma, harness, taskQueue);
    say('P5: the 25-minute, 6-attempt scenario under time skipping');
    return await worker.runUntil(async () => {
      const started = performance.now();
      const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: uniquePhone(0) });
      const dueMs = row.dueAt.getTime();
      for (let retry = 1; retry <= 5; retry++) {
        await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s));
        // Skip exactly to the next attempt's due time.
        await env.sleep(dueMs + retry * 300_000 - (await env.currentTimeMs()));
        await waitForStatus(handle, (s) => s !== 'RETRY_WAIT');
      }
      const outcome = await handle.result();
      const wallSeconds = (performance.now() - started) / 1000;
      const attempts = await prisma.attempt.count({ where: { callbackId: row.id } });
      // Workflow time from start to close, as the server recorded it (skipped time included).
      const { startTime, closeTime } = await handle.describe();
      const simulatedSeconds = Math.round(((closeTime ?? startTime).getTime() - startTime.getTime()) / 1000);
      return {
        simulatedSeconds,
        wallSeconds: Math.round(wallSeconds * 100) / 100,
        speedup: Math.round(simulatedSeconds / wallSeconds),
        attempts,
        outcome,
        testServerStartMs,
        bundleMs,
      };
    });
  } finally {
    await stopHarness();
    await stopEnv();
  }
}
