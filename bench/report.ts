// The printed table: each figure with its bar (SPEC) or its baseline measured in the same
// run, and the ratio value / bar-or-baseline.
import { AVAILABILITY_P99_BAR_MS } from './figures/availability-latency';
import type { LoadResult } from './figures/load';
import type { BenchResults } from './results';
import type { BenchOptions } from './options';

export interface Row {
  figure: string;
  value: string;
  bar: string;
  ratio: string;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');
const mb = (value: number) => `${value.toFixed(0)} MB`;

export function tableRows(r: BenchResults, options: BenchOptions): Row[] {
  const rows: Row[] = [];
  if (r.p1) {
    const { alone, loaded } = r.p1;
    const a = alone.latencyMs;
    const l = loaded.latencyMs;
    rows.push({
      figure: `P1 immediate: request -> first dial, one at a time (${a.n}) p50`,
      value: ms(a.p50),
      bar: '1000 ms (S2)',
      ratio: ratio(a.p50, 1000),
    });
    rows.push({ figure: '   p99', value: ms(a.p99), bar: '1000 ms (S2)', ratio: ratio(a.p99, 1000) });
    const label = `P1 immediate: ${l.n} callbacks at ${loaded.ratePerSecond}/s, ${r.p1.agents} free agents`;
    const atLeast = loaded.notDialledInTime > 0 ? '>= ' : '';
    rows.push({ figure: `${label} p50`, value: ms(l.p50), bar: '1000 ms (S2)', ratio: ratio(l.p50, 1000) });
    rows.push({ figure: '   p99', value: `${atLeast}${ms(l.p99)}`, bar: '1000 ms (S2)', ratio: ratio(l.p99, 1000) });
    rows.push({ figure: '   max', value: `${atLeast}${ms(l.max)}`, bar: '1000 ms (S2)', ratio: ratio(l.max, 1000) });
    rows.push({
      figure: '   within 1 s',
      value: `${(loaded.withinOneSecond * 100).toFixed(1)} %`,
      bar: '100 %',
      ratio: loaded.withinOneSecond.toFixed(2),
    });
    if (loaded.notDialledInTime) {
      rows.push({
        figure: '   not dialled 60 s after the last request',
        value: String(loaded.notDialledInTime),
        bar: '0',
        ratio: '-',
      });
    }
  }
  if (r.cost?.p1) {
    const c = r.cost.p1;
    const per = c.cpuSecondsPerCallback;
    rows.push({
      figure: `Cost: CPU-seconds per completed callback (P1, ${c.completedCallbacks} completed)`,
      value: `${per.total.toFixed(3)} s`,
      bar: '0.25 s (#15)',
      ratio: ratio(per.total, 0.25),
    });
    // #15.1: the Twilio simulator is a process of its own (options.telephony 'twilio-sim'):
    // "product" is the service without it; with the network inside the worker the two are one.
    const ownNetwork = options.telephony === 'twilio-sim';
    const processes = ownNetwork
      ? (['temporal', 'worker', 'api', 'postgres', 'network'] as const)
      : (['temporal', 'worker', 'api', 'postgres'] as const);
    const split = (p: typeof per) =>
      processes
        .map((name) => `${name === 'network' ? 'simulated network' : name} ${(p[name] ?? 0).toFixed(3)}`)
        .join(', ');
    rows.push({
      figure: ownNetwork
        ? '   by process (Twilio adapter; simulated network = the Twilio simulator process)'
        : '   by process (simulated network inside the worker)',
      value: split(per),
      bar: '-',
      ratio: '-',
    });
    if (ownNetwork && per.product !== undefined) {
      rows.push({
        figure: '   product alone (Temporal, worker, API, PostgreSQL; without the simulator and the bench)',
        value: `${per.product.toFixed(3)} s`,
        bar: '0.25 s (#15)',
        ratio: ratio(per.product, 0.25),
      });
    }
    if (c.steadyState) {
      const st = c.steadyState.cpuSecondsPerCallback;
      const product = ownNetwork && st.product !== undefined ? `; product ${st.product.toFixed(3)} s` : '';
      rows.push({
        figure: `   open loop alone, setup left out (${c.steadyState.completedCallbacks} completed)`,
        value: `${st.total.toFixed(3)} s (${split(st)}${product})`,
        bar: '0.25 s (#15)',
        ratio: ratio(st.total, 0.25),
      });
    }
    const w = c.callbackWorkflow;
    rows.push({
      figure: `   callback workflow: events / workflow tasks / activities / local (mean of ${w.runs})`,
      value: `${w.events} / ${w.workflowTasks} / ${w.activities} / ${w.localActivities}`,
      bar: '-',
      ratio: '-',
    });
    const a = c.agentWorkflowsPerCallback;
    rows.push({
      figure: `   agent workflows per callback: events / workflow tasks / activities / local (${a.runs} runs)`,
      value: `${a.events} / ${a.workflowTasks} / ${a.activities} / ${a.localActivities}`,
      bar: '-',
      ratio: '-',
    });
  }
  if (r.p2) {
    const { booking: b, bare } = r.p2;
    rows.push({
      figure: `P2 booking throughput (${b.requests} deferred, ${b.concurrency} clients)`,
      value: `${b.perSecond} /s`,
      bar: `bare ${bare.perSecond} /s`,
      ratio: ratio(b.perSecond, bare.perSecond),
    });
    rows.push({
      figure: '   booking latency p50',
      value: ms(b.latencyMs.p50),
      bar: `bare ${ms(bare.latencyMs.p50)}`,
      ratio: ratio(b.latencyMs.p50, bare.latencyMs.p50),
    });
    rows.push({
      figure: '   booking latency p99',
      value: ms(b.latencyMs.p99),
      bar: `bare ${ms(bare.latencyMs.p99)}`,
      ratio: ratio(b.latencyMs.p99, bare.latencyMs.p99),
    });
    // #15.3: closed loop = saturation; what one read costs says what the machine serves.
    const closedLoop = (a: LoadResult | undefined, label: string) => {
      if (!a) return;
      rows.push({
        figure: `P2 GET availability (${a.requests} reads, ${a.concurrency} clients, ${label}), p50 / p99`,
        value: `${ms(a.latencyMs.p50)} / ${ms(a.latencyMs.p99)}`,
        bar: `p99 < ${AVAILABILITY_P99_BAR_MS} ms`,
        ratio: `${a.perSecond} /s`,
      });
      const perRead = (cpu: number | undefined) => `${(((cpu ?? 0) / a.requests) * 1000).toFixed(3)} ms`;
      rows.push({
        figure: '   (closed loop, no think time) CPU per read: API / load generator',
        value: `${perRead(a.cpuSeconds.api)} / ${perRead(a.cpuSeconds.bench)}`,
        bar: 'same 2 cores',
        ratio: '-',
      });
    };
    closedLoop(r.p2.availability, 'autocannon');
    closedLoop(r.p2.availabilityNodeClient, 'node:http client, parses each answer');
    const o = r.p2.availabilityOpenLoop;
    if (o) {
      rows.push({
        figure: `P2 GET availability, open loop (${o.concurrency} clients, 1 read / ${o.intervalMs} ms each), p50 / p99`,
        value: `${ms(o.latencyMs.p50)} / ${ms(o.latencyMs.p99)}`,
        bar: `p99 < ${AVAILABILITY_P99_BAR_MS} ms`,
        ratio: `${o.perSecond} /s of ${o.targetPerSecond}`,
      });
    }
    const errors = Object.entries(b.statuses).filter(([s]) => Number(s) >= 300);
    if (errors.length)
      rows.push({
        figure: '   booking errors',
        value: JSON.stringify(Object.fromEntries(errors)),
        bar: 'none',
        ratio: '-',
      });
  }
  if (r.p3) {
    const { latenessMs: l, wakeLatenessMs: w } = r.p3;
    const bar = '1000 ms (S2 bar, applied to due)';
    const censored = r.p3.notDialledInTime > 0 ? '>= ' : '';
    const label = `P3 lateness: first dial - due (${l.n} in ${r.p3.windowSeconds} s, ${r.p3.agents} agents)`;
    rows.push({ figure: `${label} p50`, value: `${censored}${ms(l.p50)}`, bar, ratio: ratio(l.p50, 1000) });
    rows.push({ figure: '   p99', value: `${censored}${ms(l.p99)}`, bar, ratio: ratio(l.p99, 1000) });
    rows.push({ figure: '   max', value: `${censored}${ms(l.max)}`, bar, ratio: ratio(l.max, 1000) });
    if (r.p3.notDialledInTime) {
      rows.push({
        figure: `   not dialled ${r.p3.deadlineSeconds} s after the window (then terminated)`,
        value: String(r.p3.notDialledInTime),
        bar: '0',
        ratio: '-',
      });
    }
    rows.push({
      figure: 'P3 timer side: due -> workflow awake, waiting for agent p50',
      value: ms(w.p50),
      bar,
      ratio: ratio(w.p50, 1000),
    });
    rows.push({ figure: '   p99', value: ms(w.p99), bar, ratio: ratio(w.p99, 1000) });
    rows.push({ figure: '   max', value: ms(w.max), bar, ratio: ratio(w.max, 1000) });
  }
  if (r.p4) {
    const p = r.p4;
    rows.push({
      figure: `P4 worker RSS, ${p.callbacks} sleeping callbacks`,
      value: mb(p.memorySleeping.procRssMb),
      bar: `idle ${mb(p.memoryIdle.procRssMb)}`,
      ratio: ratio(p.memorySleeping.procRssMb, p.memoryIdle.procRssMb),
    });
    rows.push({
      figure: '   worker heap used (main thread)',
      value: mb(p.memorySleeping.heapUsedMb),
      bar: `idle ${mb(p.memoryIdle.heapUsedMb)}`,
      ratio: ratio(p.memorySleeping.heapUsedMb, p.memoryIdle.heapUsedMb),
    });
    rows.push({ figure: '   RSS per sleeping callback', value: `${p.rssPerCallbackKb} KB`, bar: '-', ratio: '-' });
    rows.push({
      figure: '   none lost: rows SCHEDULED / workflows running',
      value: `${p.scheduledRows} / ${p.runningScheduledWorkflows}`,
      bar: `${p.callbacks}`,
      ratio: ratio(Math.min(p.scheduledRows, p.runningScheduledWorkflows), p.callbacks),
    });
    rows.push({
      figure: `   cancelled via API: rows CANCELLED (of ${p.cancel.count}); terminated ${p.terminated}${p.closedBeforeTerminate ? ` (${p.closedBeforeTerminate} had closed by themselves)` : ''}; still running`,
      value: `${p.cancelledRows}; ${p.runningAfterCancel}`,
      bar: `${p.cancel.count}; 0`,
      ratio: ratio(p.cancelledRows, p.cancel.count),
    });
    rows.push({
      figure: '   starts / API cancels / terminates per second',
      value: `${p.startsPerSecond} / ${p.cancel.perSecond} / ${p.terminatesPerSecond ?? '-'}`,
      bar: '-',
      ratio: '-',
    });
  }
  if (r.p5) {
    rows.push({
      figure: `P5 time-skipping: ${r.p5.attempts}-attempt scenario (${r.p5.outcome})`,
      value: `${r.p5.wallSeconds.toFixed(2)} s`,
      bar: `${r.p5.simulatedSeconds} s simulated`,
      ratio: `x${r.p5.speedup}`,
    });
    const { repeats } = r.p5;
    if (repeats?.length) {
      const warm = repeats.map((x) => x.wallSeconds).sort((a, b) => a - b);
      rows.push({
        figure: `   the same scenario again, warm (${warm.length}x): min / median`,
        value: `${warm[0]!.toFixed(2)} / ${warm[Math.floor(warm.length / 2)]!.toFixed(2)} s`,
        bar: '< 2 s (#15)',
        ratio: '-',
      });
    }
    const warmCost = r.p5.scenarios?.slice(1) ?? [];
    if (warmCost.length) {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const server = warmCost.map((c) => c.testServerCpuMs).filter((c): c is number => c !== null);
      rows.push({
        figure: '   per warm scenario (median): CPU ms this process / test server; workflow tasks / events',
        value: `${median(warmCost.map((c) => c.processCpuMs))} / ${server.length ? median(server) : '-'}; ${median(warmCost.map((c) => c.workflowTasks))} / ${median(warmCost.map((c) => c.historyEvents))}`,
        bar: '-',
        ratio: '-',
      });
    }
    if (r.p5.simulatedRingMs !== undefined)
      rows.push({
        figure: '   of which the simulated ringing (real time in the harness)',
        value: `${(r.p5.simulatedRingMs / 1000).toFixed(2)} s`,
        bar: '-',
        ratio: '-',
      });
    rows.push({
      figure: '   once per suite file: test server / bundle / worker start',
      value: `${r.p5.testServerStartMs} / ${r.p5.bundleMs ?? 'prebuilt'} / ${r.p5.workerStartMs ?? '-'} ms`,
      bar: '-',
      ratio: '-',
    });
  }
  if (options.quick) rows.push({ figure: '(quick run: scaled-down figures)', value: '', bar: '', ratio: '' });
  return rows;
}

export function renderTable(rows: Row[]): string {
  const header: Row = { figure: 'figure', value: 'value', bar: 'bar / baseline', ratio: 'ratio' };
  const all = [header, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((row) => row[key].length));
  const w = { figure: width('figure'), value: width('value'), bar: width('bar'), ratio: width('ratio') };
  const line = (row: Row) =>
    `| ${row.figure.padEnd(w.figure)} | ${row.value.padStart(w.value)} | ${row.bar.padEnd(w.bar)} | ${row.ratio.padStart(w.ratio)} |`;
  const rule = `|${'-'.repeat(w.figure + 2)}|${'-'.repeat(w.value + 1)}:|${'-'.repeat(w.bar + 2)}|${'-'.repeat(w.ratio + 1)}:|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** CPU seconds by process during each figure: what dominates it. */
export function renderCpuTable(cpu: Record<string, Record<string, number>>): string {
  const parts = ['temporal', 'postgres', 'worker', 'api', 'network', 'bench'];
  const header = ['figure', ...parts.map((p) => `${p} s`)];
  const body = Object.entries(cpu).map(([figure, seconds]) => [
    figure.toUpperCase(),
    ...parts.map((p) => (seconds[p] ?? 0).toFixed(1)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
