/**
 * Multi-resolution summaries of metric histories (table `metric_summaries`, migration 006). Per
 * run and key, the step axis is cut into fixed cells of 16, 256, ..., 16,777,216 steps (`lvl` is
 * log2 of the width, `cell` = floor(step / width)); each cell keeps its first and last step and
 * its minimum and maximum value with the first step holding each (NaN points count for first and
 * last only). They are written in the transaction — or, on PostgreSQL's array path, the
 * statement — that writes the points, so they are never behind the history. Merging is
 * idempotent (a point seen twice changes nothing), which is why a batch is summarized whole,
 * without asking which of its points the history already held. A sampled history reads whole
 * cells instead of points (sampled-history.ts).
 */
import type { CombineColumn, SqlValue } from '../database.js';
import { chunks, type Exec, rowsPerStatement, type StoreContext } from './common.js';

/**
 * log2 of the cell widths, finest first; each level's cells are 16 cells of the level below.
 * Migration 006 built the cells of existing histories from this list: changing it needs a
 * migration that rebuilds the table.
 */
export const SUMMARY_SHIFTS: readonly number[] = [4, 8, 12, 16, 20, 24];
const FAN_OUT = 16;

/** First/last step and the extremes of a stretch of history; ties go to the earliest step. */
export interface Extremes {
  first: number;
  last: number;
  min?: { value: number; step: number };
  max?: { value: number; step: number };
}

/** Folds `from` into `into` (which it changes; the `min`/`max` objects are shared, never changed). */
export function mergeExtremes(into: Extremes, from: Extremes): void {
  if (from.first < into.first) into.first = from.first;
  if (from.last > into.last) into.last = from.last;
  const lo = from.min;
  const hi = from.max;
  if (
    lo &&
    (!into.min || lo.value < into.min.value || (lo.value === into.min.value && lo.step < into.min.step))
  )
    into.min = lo;
  if (
    hi &&
    (!into.max || hi.value > into.max.value || (hi.value === into.max.value && hi.step < into.max.step))
  )
    into.max = hi;
}

/** The extremes of one stored point (`value` already encoded: NaN is `isNan = 1`). */
export function pointExtremes(step: number, value: number, isNan: boolean): Extremes {
  if (isNan) return { first: step, last: step };
  const at = { value, step };
  return { first: step, last: step, min: at, max: at };
}

export interface SummaryPoint {
  key: string;
  step: number;
  value: number;
  isNan: number;
}

/** One cell's summary; `owner` is the run (its handle or its id, whichever the writer has). */
export interface SummaryRow<O> extends Extremes {
  owner: O;
  key: string;
  shift: number;
  cell: number;
}

const byCell = (a: [number, Extremes], b: [number, Extremes]): number => a[0] - b[0];

/**
 * The summary cells a batch of points touches, at every level, ordered by (owner, key, level,
 * cell): a fixed lock order for concurrent writers. Each level is built from the one below, so
 * the work is one pass over the points plus a sixteenth of it per level.
 */
export function summarize<P extends SummaryPoint, O extends string | number>(
  points: readonly P[],
  ownerOf: (p: P) => O,
): SummaryRow<O>[] {
  const series = new Map<string, { owner: O; key: string; cells: Map<number, Extremes> }>();
  const finest = 2 ** SUMMARY_SHIFTS[0]!;
  for (const p of points) {
    const owner = ownerOf(p);
    const id = `${owner}\u0000${p.key}`;
    let s = series.get(id);
    if (!s) series.set(id, (s = { owner, key: p.key, cells: new Map() }));
    const cell = Math.floor(p.step / finest);
    const e = pointExtremes(p.step, p.value, p.isNan !== 0);
    const cur = s.cells.get(cell);
    if (cur) mergeExtremes(cur, e);
    else s.cells.set(cell, e);
  }
  const ordered = [...series.values()].sort((a, b) =>
    a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  const rows: SummaryRow<O>[] = [];
  for (const s of ordered) {
    let cells = s.cells;
    SUMMARY_SHIFTS.forEach((shift, level) => {
      if (level > 0) {
        const coarser = new Map<number, Extremes>();
        for (const [cell, e] of cells) {
          const up = Math.floor(cell / FAN_OUT);
          const cur = coarser.get(up);
          if (cur) mergeExtremes(cur, e);
          else coarser.set(up, { ...e });
        }
        cells = coarser;
      }
      for (const [cell, e] of [...cells].sort(byCell))
        rows.push({ ...e, owner: s.owner, key: s.key, shift, cell });
    });
  }
  return rows;
}

/** Columns of `metric_summaries` as written; each step column before the value it goes with. */
export const SUMMARY_COLUMNS = [
  'run_pk',
  'metric_key',
  'lvl',
  'cell',
  'first_step',
  'last_step',
  'min_step',
  'min_value',
  'max_step',
  'max_value',
] as const;
export const SUMMARY_KEY = ['run_pk', 'metric_key', 'lvl', 'cell'] as const;

/** Whether the incoming extreme (`value` with `step`) replaces the stored one under `op`. */
const replaces =
  (value: string, step: string, op: '<' | '>') =>
  (s: (c: string) => string, i: (c: string) => string): string =>
    `${i(value)} IS NOT NULL AND (${s(value)} IS NULL OR ${i(value)} ${op} ${s(value)} OR (${i(value)} = ${s(value)} AND ${i(step)} < ${s(step)}))`;
const pick =
  (column: string, when: CombineColumn): CombineColumn =>
  (s, i) =>
    `CASE WHEN ${when(s, i)} THEN ${i(column)} ELSE ${s(column)} END`;

/**
 * How an existing cell absorbs an incoming one. A step column's expression reads its value
 * column, so it is listed (and, on MySQL, assigned) before it.
 */
export const SUMMARY_MERGE: Readonly<Record<string, CombineColumn>> = {
  first_step: pick('first_step', (s, i) => `${i('first_step')} < ${s('first_step')}`),
  last_step: pick('last_step', (s, i) => `${i('last_step')} > ${s('last_step')}`),
  min_step: pick('min_step', replaces('min_value', 'min_step', '<')),
  min_value: pick('min_value', replaces('min_value', 'min_step', '<')),
  max_step: pick('max_step', replaces('max_value', 'max_step', '>')),
  max_value: pick('max_value', replaces('max_value', 'max_step', '>')),
};

/** The column values of a summary row, in SUMMARY_COLUMNS order after the owner. */
export function summaryValues(r: SummaryRow<unknown>): SqlValue[] {
  return [
    r.key,
    r.shift,
    r.cell,
    r.first,
    r.last,
    r.min?.step ?? null,
    r.min?.value ?? null,
    r.max?.step ?? null,
    r.max?.value ?? null,
  ];
}

const upsertCache = new Map<string, string>();

/** Merges the summaries of points just written (in the same transaction) into the table. */
export async function upsertSummaries(
  ctx: StoreContext,
  tx: Exec,
  points: readonly (SummaryPoint & { runPk: number })[],
): Promise<void> {
  const d = ctx.db.dialect;
  const rows = summarize(points, (p) => p.runPk);
  for (const part of chunks(rows, rowsPerStatement(SUMMARY_COLUMNS.length))) {
    const cacheKey = `${d.name}:${part.length}`;
    let sql = upsertCache.get(cacheKey);
    if (!sql) {
      sql = d.upsert('metric_summaries', SUMMARY_COLUMNS, SUMMARY_KEY, {
        rows: part.length,
        combine: SUMMARY_MERGE,
      });
      upsertCache.set(cacheKey, sql);
    }
    const params: SqlValue[] = [];
    for (const r of part) params.push(r.owner, ...summaryValues(r));
    await tx.run(sql, params);
  }
}
