// #15: one table with a "before" and an "after" column from two result JSONs of `npm run bench`
// (bench/results/*.json or bench/baselines/*.json), and the P1/P3 lateness chart of both.
//   npx tsx bench/compare.ts BEFORE.json AFTER.json [--svg=out.svg] [--md=out.md]
// Figures a run did not measure show "-". Each column names its run's load average: on a
// shared machine the CPU-seconds and the ratios taken within one run are what compare best.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { latencyChart, latenessPanels } from './chart';
import type { BenchResults } from './results';

interface Report {
  startedAt: string;
  options: { quick?: boolean; only?: string[] };
  machine: { loadAverage: Record<string, number[]> };
  results: BenchResults;
  cpuSecondsByFigure: Record<string, Record<string, number>>;
}

type Cell = number | string | undefined;
interface Line {
  figure: string;
  get: (r: Report) => Cell;
  unit?: string;
  /** true: smaller is better (the change column says "better" when it went down). */
  lower?: boolean;
}

const fixed = (digits: number) => (v: number | undefined) => (v === undefined ? undefined : Number(v.toFixed(digits)));
const one = fixed(1);
const three = fixed(3);

const LINES: Line[] = [
  {
    figure: 'P1 one at a time: request -> first dial p50',
    get: (r) => r.results.p1?.alone.latencyMs.p50,
    unit: 'ms',
    lower: true,
  },
  { figure: '· p99', get: (r) => r.results.p1?.alone.latencyMs.p99, unit: 'ms', lower: true },
  {
    figure: 'P1 open loop: request -> first dial p50',
    get: (r) => r.results.p1?.loaded.latencyMs.p50,
    unit: 'ms',
    lower: true,
  },
  { figure: '· p99', get: (r) => r.results.p1?.loaded.latencyMs.p99, unit: 'ms', lower: true },
  {
    figure: '· callbacks (open loop) / not dialled in time',
    get: (r) => r.results.p1 && `${r.results.p1.loaded.callbacks} / ${r.results.p1.loaded.notDialledInTime}`,
  },
  {
    figure: 'Cost: CPU-s per completed callback (P1)',
    get: (r) => three(r.results.cost?.p1?.cpuSecondsPerCallback.total),
    unit: 's',
    lower: true,
  },
  {
    figure: '· temporal',
    get: (r) => three(r.results.cost?.p1?.cpuSecondsPerCallback.temporal),
    unit: 's',
    lower: true,
  },
  {
    // #15.1: the service alone (total minus the Twilio simulator's process); = total on older runs.
    figure: '· product (without the simulated network)',
    get: (r) => {
      const c = r.results.cost?.p1?.cpuSecondsPerCallback;
      return three(c && (c.product ?? c.total));
    },
    unit: 's',
    lower: true,
  },
  {
    figure: '· simulated network (Twilio simulator process; 0: inside the worker)',
    get: (r) => three(r.results.cost?.p1?.cpuSecondsPerCallback.network ?? 0),
    unit: 's',
    lower: true,
  },
  {
    figure: '· worker (simulated network inside unless --telephony=twilio-sim)',
    get: (r) => three(r.results.cost?.p1?.cpuSecondsPerCallback.worker),
    unit: 's',
    lower: true,
  },
  { figure: '· api', get: (r) => three(r.results.cost?.p1?.cpuSecondsPerCallback.api), unit: 's', lower: true },
  {
    figure: '· postgres',
    get: (r) => three(r.results.cost?.p1?.cpuSecondsPerCallback.postgres),
    unit: 's',
    lower: true,
  },
  { figure: '· completed callbacks measured', get: (r) => r.results.cost?.p1?.completedCallbacks },
  {
    figure: '· open loop alone, setup left out',
    get: (r) => three(r.results.cost?.p1?.steadyState?.cpuSecondsPerCallback.total),
    unit: 's',
    lower: true,
  },
  {
    figure: '· callback workflow: events / workflow tasks',
    get: (r) =>
      r.results.cost?.p1 &&
      `${r.results.cost.p1.callbackWorkflow.events} / ${r.results.cost.p1.callbackWorkflow.workflowTasks}`,
  },
  {
    figure: '· agent workflows per callback: events / workflow tasks',
    get: (r) =>
      r.results.cost?.p1 &&
      `${r.results.cost.p1.agentWorkflowsPerCallback.events} / ${r.results.cost.p1.agentWorkflowsPerCallback.workflowTasks}`,
  },
  { figure: 'P2 bookings per second', get: (r) => r.results.p2?.booking.perSecond, unit: '/s' },
  { figure: '· bare stack per second', get: (r) => r.results.p2?.bare.perSecond, unit: '/s' },
  { figure: '· ratio to the bare stack', get: (r) => r.results.p2?.throughputRatio },
  {
    figure: 'P2 GET availability p50 (100 clients)',
    get: (r) => one(r.results.p2?.availability?.latencyMs.p50),
    unit: 'ms',
    lower: true,
  },
  { figure: '· p99', get: (r) => one(r.results.p2?.availability?.latencyMs.p99), unit: 'ms', lower: true },
  { figure: '· reads per second', get: (r) => r.results.p2?.availability?.perSecond, unit: '/s' },
  {
    figure: '· answers other than 200',
    get: (r) =>
      r.results.p2?.availability &&
      Object.entries(r.results.p2.availability.statuses)
        .filter(([s]) => s !== '200')
        .reduce((n, [, c]) => n + c, 0),
    lower: true,
  },
  {
    figure: '· API CPU-s per 1,000 reads',
    get: (r) => {
      const a = r.results.p2?.availability;
      return a ? three(((a.cpuSeconds.api ?? 0) / a.requests) * 1000) : undefined;
    },
    unit: 's',
    lower: true,
  },
  {
    figure: '· load generator CPU-s per 1,000 reads',
    get: (r) => {
      const a = r.results.p2?.availability;
      return a ? three(((a.cpuSeconds.bench ?? 0) / a.requests) * 1000) : undefined;
    },
    unit: 's',
    lower: true,
  },
  {
    figure: 'P2 GET availability, open loop 1,000/s: p50',
    get: (r) => one(r.results.p2?.availabilityOpenLoop?.latencyMs.p50),
    unit: 'ms',
    lower: true,
  },
  { figure: '· p99', get: (r) => one(r.results.p2?.availabilityOpenLoop?.latencyMs.p99), unit: 'ms', lower: true },
  { figure: 'P3 lateness: due -> first dial p50', get: (r) => r.results.p3?.latenessMs.p50, unit: 'ms', lower: true },
  { figure: '· p99', get: (r) => r.results.p3?.latenessMs.p99, unit: 'ms', lower: true },
  {
    figure: '· callbacks / window (s) / not dialled in time',
    get: (r) =>
      r.results.p3 && `${r.results.p3.callbacks} / ${r.results.p3.windowSeconds} / ${r.results.p3.notDialledInTime}`,
  },
  {
    figure: 'P4 worker RSS, sleeping callbacks',
    get: (r) => r.results.p4 && Math.round(r.results.p4.memorySleeping.procRssMb),
    unit: 'MB',
    lower: true,
  },
  {
    figure: '· sleeping callbacks / none lost (rows, workflows)',
    get: (r) =>
      r.results.p4 &&
      `${r.results.p4.callbacks} / ${r.results.p4.scheduledRows}, ${r.results.p4.runningScheduledWorkflows}`,
  },
  { figure: 'P5 6-attempt scenario, wall time', get: (r) => r.results.p5?.wallSeconds, unit: 's', lower: true },
  {
    figure: '· the same scenario again, warm (median)',
    get: (r) => {
      const warm = r.results.p5?.repeats?.map((x) => x.wallSeconds).sort((a, b) => a - b);
      return warm?.length ? warm[Math.floor(warm.length / 2)] : undefined;
    },
    unit: 's',
    lower: true,
  },
];

function cell(value: Cell, unit?: string): string {
  if (value === undefined) return '-';
  return typeof value === 'number' && unit ? `${value} ${unit}` : String(value);
}

function change(before: Cell, after: Cell): string {
  if (typeof before !== 'number' || typeof after !== 'number' || before === 0) return '';
  return `x${(after / before).toFixed(2)}`;
}

function loadOf(r: Report): string {
  const figures = Object.entries(r.machine.loadAverage).filter(([k]) => k !== 'start' && k !== 'end');
  return figures.map(([k, v]) => `${k} ${v[0]}`).join(', ');
}

export function compareTable(before: Report, after: Report): string {
  const header = [
    'figure',
    `before (${before.startedAt.slice(0, 16)})`,
    `after (${after.startedAt.slice(0, 16)})`,
    'after / before',
  ];
  const rows = LINES.map((line) => {
    const b = line.get(before);
    const a = line.get(after);
    return [line.figure, cell(b, line.unit), cell(a, line.unit), change(b, a)];
  }).filter((row) => row[1] !== '-' || row[2] !== '-');
  rows.push(['load average (1 min) per figure', loadOf(before), loadOf(after), '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function main(argv: string[]): void {
  const files = argv.filter((a) => !a.startsWith('--'));
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (files.length !== 2) {
    process.stderr.write('usage: npx tsx bench/compare.ts BEFORE.json AFTER.json [--svg=out.svg] [--md=out.md]\n');
    process.exit(2);
  }
  const [before, after] = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report) as [Report, Report];
  const table = compareTable(before, after);
  process.stdout.write(`${table}\n`);
  const md = flag('md');
  if (md) writeFileSync(md, `${table}\n`);
  const panels = latenessPanels([
    { label: `before ${path.basename(files[0]!, '.json')}`, results: before.results },
    { label: `after ${path.basename(files[1]!, '.json')}`, results: after.results },
  ]);
  const svg = flag('svg');
  if (svg && panels.length) {
    writeFileSync(svg, latencyChart(panels));
    process.stdout.write(`chart: ${svg}\n`);
  }
}

if (require.main === module) main(process.argv.slice(2));
