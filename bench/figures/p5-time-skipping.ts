// P5: wall time of the S33 scenario under the time-skipping test server — a visitor who
// never answers (number ending in 0), default retries (5 × 300 s): attempts at +0 … +25 min,
// then FAILED. The same harness and steps as test/workflows/callback.test.ts 'S33'.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { setPhoneSealingKey } from '../../src/agents/phone-seal';
import { registerSearchAttributes } from '../../src/infra/temporal';
import { ensureTemporalBinary } from '../../src/infra/temporal-binaries';
import { bundleWorkflows } from '../../workers/worker';
import { isTerminal } from '../../workflows/types';
import {
  addAgent,
  bookCallback,
  newWorker,
  projectWith,
  RING_OUT_TIME_SCALE,
  startHarness,
  waitForStatus,
} from '../../test/helpers/callback-harness';
import { loadCallSettings } from '../../src/store/call-settings';
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
  /** Worker.create in the time-skipping environment (once per suite file). */
  workerStartMs?: number;
  /**
   * #15.6: the scenario again, in the same environment and worker, as a test suite runs its
   * scenarios one after the other; `wallSeconds` is the first (cold: JIT, first tasks).
   */
  repeats?: { wallSeconds: number; attemptsMs: number[] }[];
  /**
   * #15.6: what each scenario cost, less sensitive to the machine's load than its wall time: CPU
   * ms of this process (the worker, its activities, the webhook server, the simulated network,
   * the test's client) and of the test server, and the callback workflow's tasks and events.
   */
  scenarios?: P5ScenarioCost[];
  /** The first scenario's attempts: from the attempt's start to RETRY_WAIT (or the end). */
  attemptsMs?: number[];
  /**
   * The simulated network's own ringing, real time in this harness (ring timeout × the
   * harness's RING_OUT_TIME_SCALE) per scenario: the no-answer legs wait it out, time
   * skipping does not shorten it.
   */
  simulatedRingMs?: number;
}

export interface P5ScenarioCost {
  wallSeconds: number;
  processCpuMs: number;
  /** null where /proc cannot be read (not Linux). */
  testServerCpuMs: number | null;
  workflowTasks: number;
  historyEvents: number;
}

/** A process's CPU time so far (user + system), from /proc; null where it cannot be read. */
function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return null;
  }
}

/** Scenarios after the first, measured warm (#15.6). */
const REPEATS = 5;

export async function runP5(stack: Stack, say: (line: string) => void, prebuilt?: WorkflowBundle): Promise<P5Result> {
  const { prisma } = stack;
  // The scenario's worker runs in this process: its activities seal agents' numbers too (run
  // alone, no earlier figure has set the key yet).
  setPhoneSealingKey(stack.phoneSealingKey);
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
    t = performance.now();
    const worker = await newWorker(env, bundle, prisma, harness, taskQueue);
    const workerStartMs = Math.round(performance.now() - t);
    say('P5: the 25-minute, 6-attempt scenario under time skipping');
    return await worker.runUntil(async () => {
      const scenarios: P5ScenarioCost[] = [];
      const scenario = async () => {
        const started = performance.now();
        const cpuAtStart = process.cpuUsage();
        const serverCpuAtStart = processCpuMs(serverPid);
        const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: uniquePhone(0) });
        const dueMs = row.dueAt.getTime();
        const attemptsMs: number[] = [];
        let attemptStarted = started;
        for (let retry = 1; retry <= 5; retry++) {
          await waitForStatus(handle, (s) => s === 'RETRY_WAIT' || isTerminal(s));
          attemptsMs.push(Math.round(performance.now() - attemptStarted));
          // Skip exactly to the next attempt's due time.
          await env.sleep(dueMs + retry * 300_000 - (await env.currentTimeMs()));
          await waitForStatus(handle, (s) => s !== 'RETRY_WAIT');
          attemptStarted = performance.now();
        }
        const outcome = await handle.result();
        attemptsMs.push(Math.round(performance.now() - attemptStarted));
        const wallSeconds = Math.round((performance.now() - started) / 10) / 100;
        const cpu = process.cpuUsage(cpuAtStart);
        const serverCpu = processCpuMs(serverPid);
        const events = (await handle.fetchHistory()).events ?? [];
        scenarios.push({
          wallSeconds,
          processCpuMs: Math.round((cpu.user + cpu.system) / 1000),
          testServerCpuMs: serverCpu !== null && serverCpuAtStart !== null ? serverCpu - serverCpuAtStart : null,
          workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
          historyEvents: events.length,
        });
        return { row, handle, outcome, wallSeconds, attemptsMs };
      };
      const first = await scenario();
      const attempts = await prisma.attempt.count({ where: { callbackId: first.row.id } });
      // Workflow time from start to close, as the server recorded it (skipped time included).
      const { startTime, closeTime } = await first.handle.describe();
      const simulatedSeconds = Math.round(((closeTime ?? startTime).getTime() - startTime.getTime()) / 1000);
      const repeats: { wallSeconds: number; attemptsMs: number[] }[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const { wallSeconds, attemptsMs } = await scenario();
        repeats.push({ wallSeconds, attemptsMs });
      }
      const settings = await loadCallSettings(prisma, project.id);
      return {
        simulatedSeconds,
        wallSeconds: first.wallSeconds,
        speedup: Math.round(simulatedSeconds / first.wallSeconds),
        attempts,
        outcome: first.outcome,
        testServerStartMs,
        bundleMs,
        workerStartMs,
        repeats,
        scenarios,
        attemptsMs: first.attemptsMs,
        simulatedRingMs: Math.round(attempts * (settings?.ringTimeoutSeconds ?? 0) * 1000 * RING_OUT_TIME_SCALE),
      };
    });
  } finally {
    await stopHarness();
    await stopEnv();
  }
}
