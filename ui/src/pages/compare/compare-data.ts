/** Values of runs side by side, for the compare table and plots. */
import { formatNumber, runDuration, toNumber } from '../../app/format';
import { isSystemTag } from '../../app/tags';
import type { RunRow } from '../runs/columns';

/** A comparable column: `param:lr`, `metric:loss`, or an attribute like `attr:duration`. */
export interface CompareColumn {
  id: string;
  label: string;
}

export function compareColumns(rows: RunRow[]): CompareColumn[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of rows) {
    r.params.forEach((_v, k) => params.add(k));
    r.metrics.forEach((_v, k) => metrics.add(k));
  }
  return [
    ...[...params].sort().map((k) => ({ id: `param:${k}`, label: `params.${k}` })),
    ...[...metrics].sort().map((k) => ({ id: `metric:${k}`, label: `metrics.${k}` })),
    { id: 'attr:start_time', label: 'start time' },
    { id: 'attr:duration', label: 'duration (s)' },
  ];
}

export function rawValue(row: RunRow, id: string): string | number | undefined {
  const i = id.indexOf(':');
  const kind = id.slice(0, i);
  const key = id.slice(i + 1);
  if (kind === 'param') return row.params.get(key);
  if (kind === 'metric') {
    const v = row.metrics.get(key);
    return v === undefined ? undefined : toNumber(v);
  }
  const info = row.run.info;
  if (key === 'start_time') return info.start_time;
  if (key === 'duration') {
    const d = runDuration(info.start_time, info.end_time, info.status);
    return d === undefined ? undefined : d / 1000;
  }
  return undefined;
}

/**
 * Numeric when every present value parses as a finite number. A metric's NaN or ±Infinity has no
 * place on an axis: it counts as missing there (the table and the tooltips still show it).
 */
export function numericValues(rows: RunRow[], id: string): (number | undefined)[] | null {
  const out: (number | undefined)[] = [];
  for (const r of rows) {
    const v = rawValue(r, id);
    if (v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) {
      out.push(undefined);
      continue;
    }
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) return null;
    out.push(n);
  }
  return out;
}

export function display(v: string | number | undefined): string {
  if (v === undefined) return '—';
  return typeof v === 'number' ? formatNumber(v) : v;
}

/** "Nice" tick values over [min, max]. */
export function ticks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const span = max - min;
  const step0 = Math.pow(10, Math.floor(Math.log10(span / count)));
  const err = span / count / step0;
  const step = step0 * (err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1);
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** Color for a value in [0, 1]: a perceptual blue → yellow ramp. */
/** Viridis on light backgrounds; a brighter ramp on dark ones, where viridis' dark end vanishes. */
const RAMP_LIGHT = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
const RAMP_DARK = [
  [150, 130, 255],
  [90, 170, 240],
  [60, 205, 170],
  [150, 225, 90],
  [253, 231, 37],
];

/** The colour of `t` in [0, 1] on the colour scale. */
export function ramp(t: number, dark = false): string {
  const stops = dark ? RAMP_DARK : RAMP_LIGHT;
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i]!.map((a, j) => Math.round(a + (stops[i + 1]![j]! - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** A CSS gradient of the colour scale, low to high, for a legend bar. */
export function rampGradient(dark = false): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => ramp(t, dark));
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** Tag keys of the runs, sorted; system tags (`mlflow.*`, `cairn.*`) only when asked for. */
export function compareTagKeys(
  rows: RunRow[],
  withSystem: boolean,
): { keys: string[]; hiddenSystem: number } {
  const keys = new Set<string>();
  for (const r of rows) r.tags.forEach((_v, k) => keys.add(k));
  const all = [...keys].sort();
  const shown = withSystem ? all : all.filter((k) => !isSystemTag(k));
  return { keys: shown, hiddenSystem: all.length - shown.length };
}

/** Dataset names used as inputs by any of the runs, sorted. */
export function compareDatasetNames(rows: RunRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const d of r.run.inputs?.dataset_inputs ?? []) names.add(d.dataset.name);
  return [...names].sort();
}

/** How a run used a dataset: its digest and context (e.g. `a1b2c3d4 · training`), or '—'. */
export function datasetCell(row: RunRow, name: string): string {
  const uses = (row.run.inputs?.dataset_inputs ?? []).filter((d) => d.dataset.name === name);
  if (!uses.length) return '—';
  return uses
    .map((d) => {
      const context = d.tags?.find((t) => t.key === 'mlflow.data.context')?.value;
      return context ? `${d.dataset.digest} · ${context}` : d.dataset.digest;
    })
    .join(', ');
}
