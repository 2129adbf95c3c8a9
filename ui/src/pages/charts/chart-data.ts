/** Turns history points into uPlot's aligned columns: x modes, EMA smoothing, log-safe values. */
import type uPlot from 'uplot';
import type { HistoryColumns } from '../../api/history-columns';
import { MAX_FLOAT } from '../../app/format';

export type XMode = 'step' | 'wall' | 'relative';

export interface ChartRun {
  id: string;
  name: string;
  color: string;
  startTime: number;
  /** The run's group (its value of the grouping param or tag) when the view is grouped. */
  group?: string;
  /** Pinned from the legend: drawn thicker, on top of the other runs. */
  pinned?: boolean;
}

/** One group's aggregate at each x: mean line with the min–max band. */
export interface GroupSeries extends RunSeries {
  lo: (number | null)[];
  hi: (number | null)[];
  size: number;
}

/** One run's series in its own x order, kept for hover lookups. */
export interface RunSeries {
  run: ChartRun;
  xs: number[];
  ys: (number | null)[];
  steps: number[];
  /**
   * Where a point is ±Infinity (1 or -1, else 0): such a point is a gap in `ys` (a line and an
   * axis cannot reach it) that the tooltip and the panel's note still tell about. Runs only.
   */
  infinite?: Int8Array;
}

/** The x of a run's i-th point on the chosen axis. */
export function xOf(h: HistoryColumns, i: number, mode: XMode, startTime: number): number {
  if (mode === 'step') return h.steps[i]!;
  if (mode === 'wall') return h.timestamps[i]! / 1000;
  return (h.timestamps[i]! - startTime) / 1000;
}

/** TensorBoard-style exponential moving average with debiasing (weight in [0, 1)). */
export function smooth(ys: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return ys;
  let last = 0;
  let n = 0;
  return ys.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    last = last * weight + (1 - weight) * y;
    n++;
    return last / (1 - Math.pow(weight, n));
  });
}

/** A legend of more runs than this starts collapsed to its first entries (ChartLegend.tsx). */
export const LEGEND_COLLAPSED = 20;

/** Buckets per run of a panel with few runs: a long history is drawn at about this resolution. */
export const MAX_POINTS = 1000;
/** Buckets per panel, shared by its runs: a sweep of 300 runs gets 66 per run, not 1,000. */
export const PANEL_BUCKETS = 20_000;
/** Buckets per run however many runs a panel charts (each bucket keeps its minimum and maximum). */
export const MIN_RUN_POINTS = 50;

/**
 * The `max_points` a panel asks for per run: MAX_POINTS for up to 20 runs, then PANEL_BUCKETS shared
 * by the runs (at least MIN_RUN_POINTS each). Hundreds of overlapping lines cannot show more
 * detail than that in a panel some 700 px wide, and asking 1,000 buckets of each of 300 runs
 * fetched, parsed and aligned every point of the sweep (2.2 million, some 290 MB of JSON).
 * Zooming re-fetches the range at the same per-run budget, so details come back.
 */
export function pointsPerRun(runs: number): number {
  return Math.max(MIN_RUN_POINTS, Math.min(MAX_POINTS, Math.floor(PANEL_BUCKETS / Math.max(1, runs))));
}

export function buildSeries(
  history: HistoryColumns[],
  runs: ChartRun[],
  mode: XMode,
  smoothing: number,
  log: boolean,
): RunSeries[] {
  const byRun = new Map(history.map((h) => [h.runId, h]));
  return runs.map((run) => {
    const h = byRun.get(run.id);
    const n = h ? h.steps.length : 0;
    const xAt = new Float64Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      xAt[i] = xOf(h!, i, mode, run.startTime);
      // The server sends each run's points in step order; sorted again only when needed.
      if (i > 0 && sorted) {
        const d = xAt[i]! - xAt[i - 1]!;
        if (d < 0 || (d === 0 && h!.steps[i]! < h!.steps[i - 1]!) || Number.isNaN(d)) sorted = false;
      }
    }
    const order = Array.from({ length: sorted ? 0 : n }, (_x, i) => i);
    if (!sorted) order.sort((a, b) => xAt[a]! - xAt[b]! || h!.steps[a]! - h!.steps[b]!);
    const xs: number[] = [];
    const raw: (number | null)[] = [];
    const steps: number[] = [];
    const infinite = new Int8Array(n);
    let prevX = NaN;
    for (let k = 0; k < n; k++) {
      const i = sorted ? k : order[k]!;
      const x = xAt[i]!;
      let y: number | null = h!.values[i]!;
      // The server's ±MAX_FLOAT stands for ±Infinity (format.ts).
      const inf = Math.abs(y) >= MAX_FLOAT ? Math.sign(y) : 0;
      if (inf || Number.isNaN(y) || (log && y <= 0)) y = null;
      // Several points at one x (re-logged steps): keep the last, uPlot needs unique x.
      if (x === prevX) {
        raw[raw.length - 1] = y;
        infinite[raw.length - 1] = inf;
        continue;
      }
      prevX = x;
      infinite[xs.length] = inf;
      xs.push(x);
      raw.push(y);
      steps.push(h!.steps[i]!);
    }
    return { run, xs, ys: smooth(raw, smoothing), steps, infinite: infinite.subarray(0, xs.length) };
  });
}

const sameXs = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Joins every run's series onto one shared x column (gaps are null and spanned when drawn). Each
 * series' xs are ascending and unique (buildSeries), so the column is their sorted union and each
 * series is placed by walking both in step, without a lookup per point; runs that share their x
 * values (the usual case) are used as they are.
 */
export function alignSeries(series: RunSeries[]): uPlot.AlignedData {
  if (series.length && series.every((s) => sameXs(s.xs, series[0]!.xs)))
    return [series[0]!.xs.slice(), ...series.map((s) => s.ys.slice())] as uPlot.AlignedData;
  let n = 0;
  for (const s of series) n += s.xs.length;
  const all = new Float64Array(n);
  n = 0;
  for (const s of series) for (const x of s.xs) all[n++] = x;
  all.sort();
  const xs: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) xs.push(all[i]!);
  const cols: (number | null)[][] = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    let j = 0;
    for (let i = 0; i < s.xs.length; i++) {
      while (xs[j]! < s.xs[i]!) j++;
      col[j] = s.ys[i]!;
    }
    return col;
  });
  return [xs, ...cols] as uPlot.AlignedData;
}

/** Index of the point of `xs` closest to `x` (binary search; xs sorted ascending). */
export function nearestIndex(xs: number[], x: number): number {
  if (!xs.length) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1]! - x) <= Math.abs(xs[lo]! - x)) return lo - 1;
  return lo;
}

export const PALETTE = [
  '#2f7ed8',
  '#e4572e',
  '#17a589',
  '#a05bd6',
  '#f0a202',
  '#d6336c',
  '#3d9970',
  '#5c6bc0',
  '#8d6e63',
  '#00acc1',
  '#7cb342',
  '#ef6c00',
];

export function formatRelativeSeconds(s: number): string {
  if (Math.abs(s) < 60) return `${Math.round(s * 10) / 10}s`;
  if (Math.abs(s) < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

const isPowerOf10 = (v: number) => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
const mantissa = (v: number) => Math.round((v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9))) * 1e6) / 1e6;

/** A y tick label: powers of ten as `1e-5` once they get long, other values as everywhere else. */
export function formatTick(v: number, format: (v: number) => string): string {
  if (isPowerOf10(v)) {
    const e = Math.round(Math.log10(v));
    if (e <= -4 || e >= 6) return `1e${e}`;
  }
  return format(v);
}

/**
 * Labels for a linear axis: as everywhere else (formatTick), unless that makes two ticks read alike
 * (zoomed into a narrow range of large values, 1000000.08 and 1000000.09 both read 1000000); then
 * every label gets the decimals its tick step `incr` needs.
 */
export function linearTickLabels(vals: number[], incr: number, format: (v: number) => string): string[] {
  const labels = vals.map((v) => formatTick(v, format));
  if (new Set(labels).size === labels.length || !(incr > 0)) return labels;
  const decimals = Math.min(20, Math.max(0, Math.ceil(-Math.log10(incr) - 1e-9)));
  return vals.map((v) => v.toFixed(decimals));
}

/**
 * Labels for a log axis: uPlot puts a tick (and grid line) at every 1..9 × 10^k, which is too many
 * to label. Only powers of ten are labelled; a range inside one decade labels 1, 2 and 5 × 10^k,
 * and if even that leaves fewer than two labels every tick keeps its label.
 */
export function logTickLabels(vals: number[], format: (v: number) => string): string[] {
  const keep = (test: (v: number) => boolean) => vals.filter(test).length >= 2;
  const test = keep(isPowerOf10)
    ? isPowerOf10
    : keep((v) => [1, 2, 5].includes(mantissa(v)))
      ? (v: number) => [1, 2, 5].includes(mantissa(v))
      : () => true;
  return vals.map((v) => (v > 0 && test(v) ? formatTick(v, format) : ''));
}

/** Width of the y axis that fits its longest label (so 1.2345e-5 is not clipped on the left). */
export function yAxisSize(labels: string[] | null | undefined): number {
  const longest = Math.max(3, ...(labels ?? []).map((s) => (s ?? '').length));
  return Math.ceil(longest * 6.6) + 18;
}

/**
 * A y range that ignores outliers: the 2nd to 98th percentile of every drawn value, padded by 5 %.
 * Null when there are too few values to tell outliers apart (then the axis fits everything).
 */
export function robustRange(series: RunSeries[]): [number, number] | null {
  const ys: number[] = [];
  for (const s of series) for (const y of s.ys) if (y !== null && Number.isFinite(y)) ys.push(y);
  if (ys.length < 20) return null;
  ys.sort((a, b) => a - b);
  const at = (q: number) => ys[Math.min(ys.length - 1, Math.max(0, Math.round(q * (ys.length - 1))))]!;
  const lo = at(0.02);
  const hi = at(0.98);
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

/**
 * Aggregates runs by `run.group`: at each x where any run of the group has a value, the mean, min
 * and max over those runs. Groups are ordered by name and drawn in their runs' colour (the caller
 * gives every run of a group the group's colour).
 */
export function groupSeries(series: RunSeries[]): GroupSeries[] {
  const byGroup = new Map<string, RunSeries[]>();
  for (const s of series) {
    const g = s.run.group ?? '(none)';
    const list = byGroup.get(g);
    if (list) list.push(s);
    else byGroup.set(g, [s]);
  }
  return [...byGroup.keys()].sort().map((name) => {
    const members = byGroup.get(name)!;
    const acc = new Map<number, { sum: number; n: number; lo: number; hi: number; step: number }>();
    for (const s of members)
      s.xs.forEach((x, i) => {
        const y = s.ys[i];
        if (y === null || y === undefined || !Number.isFinite(y)) return;
        const a = acc.get(x);
        if (a) {
          a.sum += y;
          a.n++;
          a.lo = Math.min(a.lo, y);
          a.hi = Math.max(a.hi, y);
        } else acc.set(x, { sum: y, n: 1, lo: y, hi: y, step: s.steps[i]! });
      });
    const xs = [...acc.keys()].sort((a, b) => a - b);
    const color = members[0]!.run.color;
    return {
      run: {
        id: `group:${name}`,
        name: `${name} (${members.length} runs)`,
        color,
        startTime: 0,
        group: name,
      },
      xs,
      ys: xs.map((x) => acc.get(x)!.sum / acc.get(x)!.n),
      lo: xs.map((x) => acc.get(x)!.lo),
      hi: xs.map((x) => acc.get(x)!.hi),
      steps: xs.map((x) => acc.get(x)!.step),
      size: members.length,
    };
  });
}

/** uPlot columns for groups: x, then per group its mean, max and min (the band lies between the last two). */
export function alignGroups(groups: GroupSeries[]): uPlot.AlignedData {
  const parts: RunSeries[] = groups.flatMap((g) => [g, { ...g, ys: g.hi }, { ...g, ys: g.lo }]);
  return alignSeries(parts);
}
