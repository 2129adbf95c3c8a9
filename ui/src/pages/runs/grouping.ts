/** Nests child runs (tag `mlflow.parentRunId`) under their parent, keeping the server's order. */
import type { RunRow } from './columns';

export interface DisplayRow {
  row: RunRow;
  depth: number;
  childCount: number;
}

export function groupRuns(rows: RunRow[], expanded: ReadonlySet<string>): DisplayRow[] {
  const byId = new Map<string, RunRow>();
  for (const r of rows) byId.set(r.id, r);
  const children = new Map<string, RunRow[]>();
  const roots: RunRow[] = [];
  for (const r of rows) {
    if (r.parentId && r.parentId !== r.id && byId.has(r.parentId)) {
      const list = children.get(r.parentId);
      if (list) list.push(r);
      else children.set(r.parentId, [r]);
    } else {
      roots.push(r);
    }
  }
  const out: DisplayRow[] = [];
  const seen = new Set<string>();
  const walk = (r: RunRow, depth: number) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    const kids = children.get(r.id) ?? [];
    out.push({ row: r, depth, childCount: kids.length });
    if (expanded.has(r.id)) for (const k of kids) walk(k, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}
