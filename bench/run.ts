// `npm run bench`: starts the real stack (embedded PostgreSQL, Temporal dev server, worker,
// API, simulated phone network), measures the five figures of issue #6, prints a table and
// writes everything as JSON to bench/results/<timestamp>.json. A script, not a test: it
// stops by itself, and stops everything it started, also on Ctrl-C or an error.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, makeTelemetryFilterString, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/infra/temporal-binaries';
import { bundleWorkflows } from '../workers/worker';
import { handleSignals, runCleanup } from './cleanup';
import { latencyChart, latenessPanels } from './chart';
import { measureCost } from './figures/cost';
import { benchSettings } from './fixtures';
import { P1_PROJECT, runP1 } from './figures/p1-immediate';
import { runP2 } from './figures/p2-booking';
import { runP3 } from './figures/p3-lateness';
import { runP4 } from './figures/p4-memory';
import { runP5 } from './figures/p5-time-skipping';
import { parseOptions, type BenchOptions } from './options';
import { cpuDelta, requestDelta, startStack, type CpuSnapshot } from './stack';
import { renderCpuTable, renderTable, tableRows } from './report';
import type { BenchResults } from './results';

const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');
const startedAt = new Date();
const runStarted = performance.now();
const elapsed = () => `${Math.round((performance.now() - runStarted) / 1000)}s`.padStart(5);
const say = (line: string) => process.stderr.write(`[bench ${elapsed()}] ${line}\n`);

async function main(options: BenchOptions): Promise<void> {
  // Workers in this process (P5) log warnings only.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const logsDir = path.join(RESULTS_DIR, `${stamp}-logs`);
  mkdirSync(logsDir, { recursive: true });
  const load: Record<string, number[]> = { start: os.loadavg().map((l) => Math.round(l * 100) / 100) };

  let prebuilt: WorkflowBundle | undefined;
  let workflowBundlePath: string | undefined;
  let bundleMs: number | undefined;
  if (options.prebuiltBundle) {
    const t = performance.now();
    prebuilt = await bundleWorkflows();
    bundleMs = Math.round(performance.now() - t);
    workflowBundlePath = path.join(logsDir, 'workflow-bundle.js');
    writeFileSync(workflowBundlePath, prebuilt.code);
    say(`prebuilt the workflow bundle in ${bundleMs} ms`);
  }

  const stack = await startStack({
    dbPool: options.dbPool,
    temporalConfig: options.temporalConfig,
    profile: options.profile,
    heapSnapshots: options.heapSnapshots,
    workerOptions: options.workerOptions,
    workflowBundlePath,
    telephony: options.telephony,
    // The bench projects' talk time (bench/fixtures.ts benchSettings), for the Twilio simulator.
    talkTimeSeconds: benchSettings().talkTimeSeconds,
    logsDir,
    say,
  });
  say(`stack up: ${JSON.stringify(stack.startupMs)} ms; logs in ${path.relative(PROJECT_ROOT, logsDir)}`);
  const results: BenchResults = {};
  const run = options.only;
  const cpu: Record<string, CpuSnapshot> = {};
  const temporalRequests: Record<string, Record<string, number>> = {};
  let cpuMark = stack.cpu();
  let requestsMark = await stack.temporalRequests();
  const figureLoad = async (name: string) => {
    load[name] = os.loadavg().map((l) => Math.round(l * 100) / 100);
    cpuMark = stack.cpu();
    requestsMark = await stack.temporalRequests();
  };
  const figureCpu = async (name: string) => {
    cpu[name] = cpuDelta(cpuMark, stack.cpu());
    temporalRequests[name] = requestDelta(requestsMark, await stack.temporalRequests());
    say(`${name.toUpperCase()} CPU seconds: ${JSON.stringify(cpu[name])}`);
  };

  if (run.includes('p1')) {
    await figureLoad('p1');
    const since = Date.now();
    results.p1 = await runP1(stack, options, say);
    await figureCpu('p1');
    const { cpuSeconds: steadyCpu, outcomes } = results.p1.loaded;
    const steady = steadyCpu && { cpu: steadyCpu, completed: outcomes['COMPLETED'] ?? 0 };
    const cost = await measureCost({
      ...stack,
      projectId: P1_PROJECT,
      since,
      cpu: cpu.p1!,
      ...(steady ? { steady } : {}),
    });
    results.cost = { p1: cost };
    say(`P1 cost per completed callback: ${JSON.stringify(cost)}`);
    say(
      `P1 done: alone ${JSON.stringify(results.p1.alone.latencyMs)}, loaded ${JSON.stringify(results.p1.loaded.latencyMs)}`,
    );
  }
  if (run.includes('p2')) {
    await figureLoad('p2');
    results.p2 = await runP2(stack, options, say);
    await figureCpu('p2');
    say(`P2 done: booking ${results.p2.booking.perSecond}/s, bare ${results.p2.bare.perSecond}/s`);
  }
  if (run.includes('p3')) {
    await figureLoad('p3');
    results.p3 = await runP3(stack, options, say, results.p2?.bare.perSecond);
    await figureCpu('p3');
    say(`P3 done: ${JSON.stringify(results.p3.latenessMs)}`);
  }
  if (run.includes('p4')) {
    await figureLoad('p4');
    results.p4 = await runP4(stack, options, say);
    await figureCpu('p4');
    say(`P4 done: RSS ${results.p4.memoryIdle.procRssMb} -> ${results.p4.memorySleeping.procRssMb} MB`);
  }
  if (run.includes('p5')) {
    await figureLoad('p5');
    results.p5 = await runP5(stack, say, prebuilt);
    await figureCpu('p5');
    say(`P5 done: ${results.p5.wallSeconds} s`);
  }
  load.end = os.loadavg().map((l) => Math.round(l * 100) / 100);

  const rows = tableRows(results, options);
  const table = renderTable(rows);
  process.stdout.write(
    `\n${table}\n\nCPU seconds by process during each figure (2 cores, shared):\n${renderCpuTable(cpu)}\n`,
  );
  const file = path.join(RESULTS_DIR, `${stamp}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((performance.now() - runStarted) / 1000),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: load,
    },
    options,
    stack: {
      startupMs: stack.startupMs,
      ...(bundleMs !== undefined ? { prebuiltBundleMs: bundleMs } : {}),
      agentsVia: stack.agentsApi ? 'api' : 'agent workflow client (route not mounted)',
      postgres: 'embedded, throwaway cluster (fsync off)',
      temporal: 'temporal server start-dev, in memory',
      telephony:
        stack.telephony === 'twilio-sim'
          ? 'Twilio adapter against the Twilio REST simulator (its own process)'
          : 'simulated network inside the worker',
      apiRssMb: stack.apiMemoryMb(),
    },
    results,
    cpuSecondsByFigure: cpu,
    temporalRequestsByFigure: temporalRequests,
    table: rows,
    logsDir: path.relative(PROJECT_ROOT, logsDir),
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nresults: ${path.relative(PROJECT_ROOT, file)} (${report.durationSeconds} s)\n`);
  // #15: the P1/P3 lateness distributions beside the JSON.
  const panels = latenessPanels([{ label: stamp, results }]);
  if (panels.length) {
    const chart = path.join(RESULTS_DIR, `${stamp}-lateness.svg`);
    writeFileSync(chart, latencyChart(panels));
    process.stdout.write(`chart: ${path.relative(PROJECT_ROOT, chart)}\n`);
  }
}

let exiting = false;
async function exit(code: number, reason?: string) {
  if (exiting) return;
  exiting = true;
  if (reason) say(reason);
  say('stopping everything the bench started');
  await runCleanup(say);
  process.exit(code);
}
handleSignals((signal) => void exit(128 + os.constants.signals[signal], `received ${signal}`));
process.on('uncaughtException', (err) => void exit(1, `uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => void exit(1, `unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
main(options)
  .then(() => exit(0))
  .catch((err: unknown) => exit(1, `failed: ${(err as Error)?.stack ?? String(err)}`));
