// #15: the P1 and P3 lateness distributions as an SVG (empirical CDF on a log time axis), one
// panel per figure, one line per run. Written by hand: a few dozen elements do not need a
// charting library. run.ts writes one next to each result JSON; compare.ts one per pair.

export interface Series {
  label: string;
  /** Milliseconds; censored samples (not dialled in time) are at their bound. */
  samples: readonly number[];
}

export interface Panel {
  title: string;
  bar?: { ms: number; label: string };
  series: readonly Series[];
}

const WIDTH = 460;
const HEIGHT = 300;
const MARGIN = { left: 52, right: 16, top: 34, bottom: 46 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Decades of milliseconds covering every sample (at least 10 ms .. 10 s). */
function axisRange(panel: Panel): [number, number] {
  const all = panel.series.flatMap((s) => s.samples).filter((v) => v > 0);
  const lo = Math.min(10, ...all.map((v) => 10 ** Math.floor(Math.log10(v))));
  const hi = Math.max(10_000, ...all.map((v) => 10 ** Math.ceil(Math.log10(v))));
  return [lo, hi];
}

function renderPanel(panel: Panel, offsetX: number): string {
  const [lo, hi] = axisRange(panel);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number) =>
    MARGIN.left + ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const y = (share: number) => MARGIN.top + (1 - share) * plotH;
  const parts: string[] = [`<g transform="translate(${offsetX},0)">`];
  parts.push(
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escape(panel.title)}</text>`,
  );
  // Grid and axes.
  for (let decade = lo; decade <= hi; decade *= 10) {
    parts.push(
      `<line x1="${x(decade)}" y1="${MARGIN.top}" x2="${x(decade)}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`,
      `<text x="${x(decade)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle" font-size="10">${formatMs(decade)}</text>`,
    );
  }
  for (const share of [0, 0.5, 0.99, 1]) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y(share)}" x2="${MARGIN.left + plotW}" y2="${y(share)}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 4}" y="${y(share) + 3}" text-anchor="end" font-size="10">${share === 0.99 ? 'p99' : share === 0.5 ? 'p50' : `${share * 100}%`}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="11">lateness (log scale); share of callbacks dialled by then</text>`,
  );
  if (panel.bar) {
    parts.push(
      `<line x1="${x(panel.bar.ms)}" y1="${MARGIN.top}" x2="${x(panel.bar.ms)}" y2="${MARGIN.top + plotH}" stroke="#000" stroke-dasharray="4 3"/>`,
      `<text x="${x(panel.bar.ms) + 3}" y="${MARGIN.top + 10}" font-size="10">${escape(panel.bar.label)}</text>`,
    );
  }
  panel.series.forEach((series, i) => {
    const sorted = [...series.samples].sort((a, b) => a - b);
    const color = COLORS[i % COLORS.length]!;
    if (sorted.length > 0) {
      // A step function: at each sample the share dialled by then rises by 1/n.
      let d = `M${x(sorted[0]!).toFixed(1)},${y(0).toFixed(1)}`;
      sorted.forEach((ms, k) => {
        d += ` L${x(ms).toFixed(1)},${y(k / sorted.length).toFixed(1)} L${x(ms).toFixed(1)},${y((k + 1) / sorted.length).toFixed(1)}`;
      });
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    }
    parts.push(
      `<rect x="${MARGIN.left + 8}" y="${MARGIN.top + 8 + i * 15}" width="10" height="3" fill="${color}"/>`,
      `<text x="${MARGIN.left + 22}" y="${MARGIN.top + 12 + i * 15}" font-size="10">${escape(`${series.label} (n=${sorted.length})`)}</text>`,
    );
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** Panels side by side in one SVG document. */
export function latencyChart(panels: readonly Panel[]): string {
  const width = WIDTH * Math.max(1, panels.length);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${width}" height="${HEIGHT}" fill="#fff"/>`,
    ...panels.map((panel, i) => renderPanel(panel, i * WIDTH)),
    '</svg>',
    '',
  ].join('\n');
}

/** The P1 (loaded) and P3 panels of one or more runs, when their samples were recorded. */
export function latenessPanels(runs: readonly { label: string; results: { p1?: P1Like; p3?: P3Like } }[]): Panel[] {
  const panels: Panel[] = [];
  const p1 = runs.filter((r) => r.results.p1?.loaded.samplesMs?.length);
  if (p1.length) {
    panels.push({
      title: 'P1: request -> first dial (open loop)',
      bar: { ms: 1000, label: 'S2: 1 s' },
      series: p1.map((r) => ({ label: r.label, samples: r.results.p1!.loaded.samplesMs! })),
    });
  }
  const p3 = runs.filter((r) => r.results.p3?.samplesMs?.length);
  if (p3.length) {
    panels.push({
      title: 'P3: due -> first dial',
      bar: { ms: 1500, label: '#15: p99 1.5 s' },
      series: p3.map((r) => ({ label: r.label, samples: r.results.p3!.samplesMs! })),
    });
  }
  return panels;
}

interface P1Like {
  loaded: { samplesMs?: number[] };
}
interface P3Like {
  samplesMs?: number[];
}
