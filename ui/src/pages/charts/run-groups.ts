/** Grouping charted runs by a param or tag (`param:optimizer`, `tag:team`): choices and values. */
import { isSystemTag } from '../../app/tags';
import type { RunRow } from '../runs/columns';
import { PALETTE, type ChartRun } from './chart-data';

/** What the runs can be grouped by: their params, then their user tags. */
export function groupChoices(rows: RunRow[]): string[] {
  const params = new Set<string>();
  const tags = new Set<string>();
  for (const r of rows) {
    for (const k of r.params.keys()) params.add(k);
    for (const k of r.tags.keys()) if (!isSystemTag(k)) tags.add(k);
  }
  return [...[...params].sort().map((k) => `param:${k}`), ...[...tags].sort().map((k) => `tag:${k}`)];
}

export function groupValue(row: RunRow, groupBy: string): string {
  const i = groupBy.indexOf(':');
  const key = groupBy.slice(i + 1);
  const v = groupBy.startsWith('param:') ? row.params.get(key) : row.tags.get(key);
  return v ?? '(none)';
}

/**
 * The charted runs: one colour per run, or, when grouped, each run carries its group and the
 * group's colour (groups coloured in name order).
 */
export function chartRuns(rows: RunRow[], groupBy: string | null): ChartRun[] {
  const groups = groupBy ? [...new Set(rows.map((r) => groupValue(r, groupBy)))].sort() : [];
  return rows.map((r, i) => {
    const group = groupBy ? groupValue(r, groupBy) : undefined;
    const colorIndex = group === undefined ? i : groups.indexOf(group);
    return {
      id: r.id,
      name: r.run.info.run_name || r.id.slice(0, 8),
      color: PALETTE[colorIndex % PALETTE.length]!,
      startTime: r.run.info.start_time,
      group,
    };
  });
}

/** Legend entries of the groups (id `group:<value>`), with their run counts. */
export function groupLegend(runs: ChartRun[]): ChartRun[] {
  const byGroup = new Map<string, ChartRun[]>();
  for (const r of runs) {
    const list = byGroup.get(r.group!);
    if (list) list.push(r);
    else byGroup.set(r.group!, [r]);
  }
  return [...byGroup.keys()].sort().map((g) => ({
    id: `group:${g}`,
    name: `${g} (${byGroup.get(g)!.length} runs)`,
    color: byGroup.get(g)![0]!.color,
    startTime: 0,
    group: g,
  }));
}
