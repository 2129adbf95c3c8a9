/**
 * Multi-resolution summaries of metric histories (table `metric_summaries`, migration 006). Per
 * run and key, the step axis is cut into fixed cells of 16, 256, ..., 16,777,216 steps (`lvl` is
 * log2 of the width, `cell` = floor(step / width)); each cell keeps its first and last step and
 * its minimum and maximum value with the first step holding each (NaN points count for first and
 * last only). A sampled history reads whole cells instead of points (sampled-history.ts).
 *
 * Writing a point does not touch the cells: keeping six levels up to date on every write cost
 * 15–50% of the write throughput (measured). A write only widens the stale step range of its
 * (run, key) in `metric_summary_stale` — one small row per (run, key) per transaction (per
 * statement on PostgreSQL's array path) — and the first sampled read after it rebuilds the cells
 * over that range: the new points, the finest cells they fall in, and at each coarser level the
 * cells above, from the 16 cells below each. Appended points are thus summarized once, at the
 * cost of reading them once; a point logged far back (out of order) makes its whole range stale
 * and costs one rebuild of it. The rebuild holds the stale row's lock, so a write that lands
 * meanwhile waits and marks its range again; the row is removed only with the rebuild's commit.
 */
import type { CombineColumn, Row, SqlValue } from '../database.js';
import { chunks, type Exec, num, rowsPerStatement, type StoreContext } from './common.js';

/**
 * log2 of the cell widths, finest first; each level's cells are 16 cells of the level below.
 * Changing it needs a migration that empties `metric_summaries` and marks every history stale.
 */
export const SUMMARY_SHIFTS: readonly number[] = [4, 8, 12, 16, 20, 24];

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

/** A stale step range per (owner, key), ordered by (owner, key): a fixed lock order. */
export interface StaleRange<O> {
  owner: O;
  key: string;
  lo: number;
  hi: number;
}

export function staleRanges<P extends { key: string; step: number }, O extends string | number>(
  points: readonly P[],
  ownerOf: (p: P) => O,
): StaleRange<O>[] {
  const ranges = new Map<string, StaleRange<O>>();
  for (const p of points) {
    const owner = ownerOf(p);
    const id = `${owner}\u0000${p.key}`;
    const r = ranges.get(id);
    if (!r) ranges.set(id, { owner, key: p.key, lo: p.step, hi: p.step });
    else if (p.step < r.lo) r.lo = p.step;
    else if (p.step > r.hi) r.hi = p.step;
  }
  return [...ranges.values()].sort((a, b) =>
    a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}

export const STALE_COLUMNS = ['run_pk', 'metric_key', 'lo_step', 'hi_step'] as const;
export const STALE_KEY = ['run_pk', 'metric_key'] as const;
/** A stored stale range widens to take in the incoming one. */
export const STALE_MERGE: Readonly<Record<string, CombineColumn>> = {
  lo_step: (s, i) =>
    `CASE WHEN ${i('lo_step')} < ${s('lo_step')} THEN ${i('lo_step')} ELSE ${s('lo_step')} END`,
  hi_step: (s, i) =>
    `CASE WHEN ${i('hi_step')} > ${s('hi_step')} THEN ${i('hi_step')} ELSE ${s('hi_step')} END`,
};

const staleSqlCache = new Map<string, string>();

/** Marks the step ranges of points just written (in the same transaction) as not yet summarized. */
export async function markSummariesStale(
  ctx: StoreContext,
  tx: Exec,
  points: readonly { runPk: number; key: string; step: number }[],
): Promise<void> {
  const d = ctx.db.dialect;
  const ranges = staleRanges(points, (p) => p.runPk);
  for (const part of chunks(ranges, rowsPerStatement(STALE_COLUMNS.length))) {
    const cacheKey = `${d.name}:${part.length}`;
    let sql = staleSqlCache.get(cacheKey);
    if (!sql) {
      sql = d.upsert('metric_summary_stale', STALE_COLUMNS, STALE_KEY, {
        rows: part.length,
        combine: STALE_MERGE,
      });
      staleSqlCache.set(cacheKey, sql);
    }
    const params: SqlValue[] = [];
    for (const r of part) params.push(r.owner, r.key, r.lo, r.hi);
    await tx.run(sql, params);
  }
}

const CELL_COLUMNS = 'cell, first_step, last_step, min_step, min_value, max_step, max_value';

/** A stored cell as extremes. */
export function cellExtremes(r: Row): Extremes {
  const e: Extremes = { first: num(r.first_step), last: num(r.last_step) };
  if (r.min_value !== null && r.min_value !== undefined)
    e.min = { value: num(r.min_value), step: num(r.min_step) };
  if (r.max_value !== null && r.max_value !== undefined)
    e.max = { value: num(r.max_value), step: num(r.max_step) };
  return e;
}

/** Replaces the cells [from, to] of one level by `cells`. */
async function replaceCells(
  tx: Exec,
  runPk: number,
  key: string,
  shift: number,
  from: number,
  to: number,
  cells: Map<number, Extremes>,
): Promise<void> {
  await tx.run(
    'DELETE FROM metric_summaries WHERE run_pk = ? AND metric_key = ? AND lvl = ? AND cell >= ? AND cell <= ?',
    [runPk, key, shift, from, to],
  );
  const cols = [
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
  ];
  const rows = [...cells].sort((a, b) => a[0] - b[0]);
  for (const part of chunks(rows, rowsPerStatement(cols.length))) {
    const params: SqlValue[] = [];
    for (const [cell, e] of part) {
      params.push(
        runPk,
        key,
        shift,
        cell,
        e.first,
        e.last,
        e.min?.step ?? null,
        e.min?.value ?? null,
        e.max?.step ?? null,
        e.max?.value ?? null,
      );
    }
    const one = `(${cols.map(() => '?').join(', ')})`;
    await tx.run(
      `INSERT INTO metric_summaries (${cols.join(', ')}) VALUES ${part.map(() => one).join(', ')}`,
      params,
    );
  }
}

/**
 * Brings the cells of one history up to date with its points: rebuilds them over the stale step
 * range, if any, and clears it, in one transaction that holds the stale row's lock.
 */
export async function refreshSummaries(ctx: StoreContext, runPk: number, key: string): Promise<void> {
  const where = 'run_pk = ? AND metric_key = ?';
  const marked = await ctx.db.query(`SELECT lo_step FROM metric_summary_stale WHERE ${where}`, [runPk, key]);
  if (!marked.length) return;
  await ctx.db.transaction(async (tx) => {
    const [stale] = await tx.query(
      `SELECT lo_step, hi_step FROM metric_summary_stale WHERE ${where}${ctx.db.dialect.lockForUpdate}`,
      [runPk, key],
    );
    if (!stale) return; // rebuilt meanwhile
    const lo = num(stale.lo_step);
    const hi = num(stale.hi_step);
    let below = 0;
    for (const shift of SUMMARY_SHIFTS) {
      const width = 2 ** shift;
      const from = Math.floor(lo / width);
      const to = Math.floor(hi / width);
      const cells = new Map<number, Extremes>();
      const add = (cell: number, e: Extremes): void => {
        const cur = cells.get(cell);
        if (cur) mergeExtremes(cur, e);
        else cells.set(cell, { ...e });
      };
      if (!below) {
        const points = await tx.query(
          `SELECT step, metric_value, is_nan FROM metrics WHERE ${where} AND step >= ? AND step <= ?`,
          [runPk, key, from * width, (to + 1) * width - 1],
        );
        for (const p of points) {
          const step = num(p.step);
          add(Math.floor(step / width), pointExtremes(step, num(p.metric_value), num(p.is_nan) !== 0));
        }
      } else {
        const fan = 2 ** (shift - below);
        const children = await tx.query(
          `SELECT ${CELL_COLUMNS} FROM metric_summaries WHERE ${where} AND lvl = ? AND cell >= ? AND cell <= ?`,
          [runPk, key, below, from * fan, (to + 1) * fan - 1],
        );
        for (const c of children) add(Math.floor(num(c.cell) / fan), cellExtremes(c));
      }
      await replaceCells(tx, runPk, key, shift, from, to, cells);
      below = shift;
    }
    await tx.run(`DELETE FROM metric_summary_stale WHERE ${where}`, [runPk, key]);
  });
}
