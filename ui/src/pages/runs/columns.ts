/** Runs table columns: identities (`metric:loss`), labels, server sort keys and cell values. */
import type { Run } from '../../api/types';
import { runDuration } from '../../app/format';
import { isSystemTag } from '../../app/tags';

export type ColumnKind = 'attr' | 'metric' | 'param' | 'tag';

/** A run with its params/metrics/tags indexed once, so cells and grouping are cheap to render. */
export interface RunRow {
  id: string;
  run: Run;
  metrics: Map<string, number | string>;
  params: Map<string, string>;
  tags: Map<string, string>;
  parentId?: string;
}

export function toRow(run: Run): RunRow {
  const metrics = new Map<string, number | string>();
  for (const m of run.data.metrics ?? []) metrics.set(m.key, m.value);
  const params = new Map<string, string>();
  for (const p of run.data.params ?? []) params.set(p.key, p.value);
  const tags = new Map<string, string>();
  for (const t of run.data.tags ?? []) tags.set(t.key, t.value);
  return { id: run.info.run_id, run, metrics, params, tags, parentId: tags.get('mlflow.parentRunId') };
}

export interface ColumnDef {
  id: string;
  kind: ColumnKind;
  key: string;
  label: string;
  width: number;
  /** The `order_by` identifier; undefined when the server cannot sort by this column. */
  sortKey?: string;
  /** Sorted in the browser (the loaded rows), for a column the server cannot sort by. */
  clientSort?: boolean;
}

/** Keys that need no quoting in the search grammar. */
export function quoteKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) && !key.includes('..') ? key : `\`${key.replace(/`/g, '')}\``;
}

const ENTITY = { metric: 'metrics', param: 'params', tag: 'tags', attr: 'attributes' } as const;

export const ATTRIBUTE_COLUMNS: ColumnDef[] = [
  {
    id: 'attr:run_name',
    kind: 'attr',
    key: 'run_name',
    label: 'Run name',
    width: 260,
    sortKey: 'attributes.run_name',
  },
  {
    id: 'attr:status',
    kind: 'attr',
    key: 'status',
    label: 'Status',
    width: 112,
    sortKey: 'attributes.status',
  },
  {
    id: 'attr:start_time',
    kind: 'attr',
    key: 'start_time',
    label: 'Started',
    width: 128,
    sortKey: 'attributes.start_time',
  },
  // Duration is derived (end − start); the search API has no key to sort by it, so the loaded rows are sorted.
  { id: 'attr:duration', kind: 'attr', key: 'duration', label: 'Duration', width: 110, clientSort: true },
  { id: 'attr:user', kind: 'attr', key: 'user', label: 'User', width: 120, sortKey: 'attributes.user_id' },
  {
    id: 'attr:source',
    kind: 'attr',
    key: 'source',
    label: 'Source',
    width: 160,
    sortKey: 'tags.`mlflow.source.name`',
  },
];

/** Shown when runs of several experiments are listed together (the search cannot sort by it). */
export const EXPERIMENT_COLUMN: ColumnDef = {
  id: 'attr:experiment',
  kind: 'attr',
  key: 'experiment',
  label: 'Experiment',
  width: 160,
};

export function columnFor(id: string): ColumnDef {
  if (id === EXPERIMENT_COLUMN.id) return EXPERIMENT_COLUMN;
  const attr = ATTRIBUTE_COLUMNS.find((c) => c.id === id);
  if (attr) return attr;
  const i = id.indexOf(':');
  const kind = id.slice(0, i) as ColumnKind;
  const key = id.slice(i + 1);
  const entity = ENTITY[kind] ?? 'tags';
  return {
    id,
    kind,
    key,
    label: key,
    width: kind === 'metric' ? 120 : 140,
    sortKey: `${entity}.${quoteKey(key)}`,
  };
}

export function orderByFor(sortId: string | null, dir: string | null): string[] {
  if (!sortId) return [];
  const col = columnFor(sortId);
  if (!col.sortKey) return [];
  return [`${col.sortKey} ${dir === 'asc' ? 'ASC' : 'DESC'}`];
}

/** All param / metric / tag keys seen in the loaded runs (system tags last). */
export function collectKeys(
  rows: RunRow[],
  limit = 3000,
): { metrics: string[]; params: string[]; tags: string[] } {
  const metrics = new Set<string>();
  const params = new Set<string>();
  const tags = new Set<string>();
  for (let i = 0; i < rows.length && i < limit; i++) {
    const r = rows[i]!;
    for (const k of r.metrics.keys()) metrics.add(k);
    for (const k of r.params.keys()) params.add(k);
    for (const k of r.tags.keys()) tags.add(k);
  }
  const byName = (a: string, b: string) => a.localeCompare(b);
  const tagOrder = (a: string, b: string) =>
    Number(isSystemTag(a)) - Number(isSystemTag(b)) || a.localeCompare(b);
  return {
    metrics: [...metrics].sort(byName),
    params: [...params].sort(byName),
    tags: [...tags].sort(tagOrder),
  };
}

export function runUser(row: RunRow): string {
  return row.tags.get('mlflow.user') || row.run.info.user_id || '';
}

/** Filter-grammar identifiers for autocomplete. */
export function filterKeys(keys: { metrics: string[]; params: string[]; tags: string[] }): string[] {
  return [
    'attributes.run_name',
    'attributes.status',
    'attributes.start_time',
    'attributes.end_time',
    'attributes.user_id',
    'attributes.run_id',
    'attributes.artifact_uri',
    ...keys.metrics.map((k) => `metrics.${quoteKey(k)}`),
    ...keys.params.map((k) => `params.${quoteKey(k)}`),
    ...keys.tags.map((k) => `tags.${quoteKey(k)}`),
    'datasets.name',
    'datasets.digest',
    'datasets.context',
  ];
}

/** Sorts by the numbers of `values` (undefined last), in `dir`, keeping the given order on ties. */
function sortByNumbers(rows: RunRow[], values: (number | undefined)[], dir: string | null): RunRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: values[i] }))
    .sort((a, b) =>
      a.v === undefined || b.v === undefined
        ? Number(a.v === undefined) - Number(b.v === undefined) || a.i - b.i
        : sign * (a.v - b.v) || a.i - b.i,
    )
    .map((x) => x.r);
}

/**
 * Sorts the loaded rows where the server's order is not the one wanted: by a param numerically
 * when every loaded value of it is a number (the server orders params as strings: 128, 256, 32 …),
 * and by duration (which the server cannot sort by). Rows without a value go last. Other sorts
 * keep the server's order.
 */
export function sortLoadedRows(rows: RunRow[], sortId: string | null, dir: string | null): RunRow[] {
  if (sortId === 'attr:duration')
    return sortByNumbers(
      rows,
      rows.map((r) => runDuration(r.run.info.start_time, r.run.info.end_time, r.run.info.status)),
      dir,
    );
  if (!sortId?.startsWith('param:')) return rows;
  const key = sortId.slice('param:'.length);
  const values = rows.map((r) => r.params.get(key));
  const numeric = (v: string) => v.trim() !== '' && Number.isFinite(Number(v));
  if (!values.some((v) => v !== undefined) || !values.every((v) => v === undefined || numeric(v)))
    return rows;
  return sortByNumbers(
    rows,
    values.map((v) => (v === undefined ? undefined : Number(v))),
    dir,
  );
}
