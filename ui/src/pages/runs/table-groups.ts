/**
 * Groups of the runs table: when the table is grouped by a param or tag (`param:optimizer`,
 * `tag:team`, as the charts are), each value gets a header row with its run count and the mean,
 * minimum and maximum of every shown metric column; a collapsed group hides its runs.
 */
import { toNumber } from '../../app/format';
import { groupValue } from '../charts/run-groups';
import type { RunRow } from './columns';
import { groupRuns, type DisplayRow } from './grouping';

export interface MetricStats {
  mean: number;
  min: number;
  max: number;
  /** Runs with a finite value. */
  n: number;
}

export interface GroupRow {
  group: string;
  count: number;
  collapsed: boolean;
  /** By metric key. */
  stats: Map<string, MetricStats>;
}

export type TableRow = DisplayRow | GroupRow;

export const isGroupRow = (r: TableRow): r is GroupRow => 'group' in r;

/** Group values in order: numerically when all are numbers, else by name; "(none)" last. */
export function orderGroups(values: string[]): string[] {
  const real = values.filter((v) => v !== '(none)');
  const numeric = real.length > 0 && real.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  real.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b));
  return values.includes('(none)') ? [...real, '(none)'] : real;
}

export function metricStats(rows: RunRow[], key: string): MetricStats | undefined {
  let sum = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows) {
    const v = toNumber(r.metrics.get(key));
    if (!Number.isFinite(v)) continue;
    sum += v;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return n ? { mean: sum / n, min, max, n } : undefined;
}

/**
 * The table's rows grouped by `groupBy`: a header per value, then (unless collapsed) its runs,
 * child runs nested under their parents within the group.
 */
export function groupTable(
  rows: RunRow[],
  groupBy: string,
  metricKeys: string[],
  collapsed: ReadonlySet<string>,
  expanded: ReadonlySet<string>,
): TableRow[] {
  const byGroup = new Map<string, RunRow[]>();
  for (const r of rows) {
    const g = groupValue(r, groupBy);
    const list = byGroup.get(g);
    if (list) list.push(r);
    else byGroup.set(g, [r]);
  }
  const out: TableRow[] = [];
  for (const g of orderGroups([...byGroup.keys()])) {
    const members = byGroup.get(g)!;
    const stats = new Map<string, MetricStats>();
    for (const k of metricKeys) {
      const s = metricStats(members, k);
      if (s) stats.set(k, s);
    }
    const isCollapsed = collapsed.has(g);
    out.push({ group: g, count: members.length, collapsed: isCollapsed, stats });
    if (!isCollapsed) out.push(...groupRuns(members, expanded));
  }
  return out;
}

/** The collapsed groups in the URL (`gfold`): values, each URI-encoded, comma-separated. */
export function parseFolded(value: string | null): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .filter(Boolean)
      .map((v) => {
        try {
          return decodeURIComponent(v);
        } catch {
          return v;
        }
      }),
  );
}

export function formatFolded(groups: Iterable<string>): string | null {
  return [...groups].map((g) => encodeURIComponent(g)).join(',') || null;
}
