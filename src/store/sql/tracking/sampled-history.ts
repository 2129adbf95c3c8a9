/**
 * Bucketed downsampling of one long metric history: the step range is cut into buckets and each
 * contributes its first, last, minimum and maximum points. The buckets are read from the
 * history's summaries (metric-summaries.ts) at the coarsest level whose cells still fit a bucket
 * several times, so a request reads about as many cells as it returns points, however long the
 * history. Bucket edges fall on that level's cell edges; only the cells that the ends of the
 * range cut through are read point by point, and a range too short for the finest level is read
 * whole (it holds fewer than 16 steps per bucket). Minima and maxima are exact.
 */
import type { Row, SqlValue } from '../database.js';
import { num, qs, type StoreContext } from './common.js';
import {
  cellExtremes,
  type Extremes,
  mergeExtremes,
  pointExtremes,
  refreshSummaries,
  SUMMARY_SHIFTS,
} from './metric-summaries.js';

/** Buckets of steps: bucket i holds steps [origin + i·width, origin + (i+1)·width - 1]. */
export interface BucketGrid {
  /** The summary level the buckets are made of (log2 of its cell width); 0: of single points. */
  shift: number;
  origin: number;
  width: number;
}

/**
 * The grid of at most `buckets` buckets over steps [lo, hi]: made of the coarsest summary cells
 * at least `buckets` of which fit the range, a whole number of cells per bucket.
 */
export function bucketGrid(lo: number, hi: number, buckets: number): BucketGrid {
  const span = hi - lo + 1;
  let shift = 0;
  for (const s of SUMMARY_SHIFTS) if (2 ** s * buckets <= span) shift = s;
  const cell = 2 ** shift;
  const origin = Math.floor(lo / cell) * cell;
  return { shift, origin, width: cell * Math.ceil((hi - origin + 1) / (buckets * cell)) };
}

const POINT = 'ts, step, metric_value, is_nan';

async function stepBounds(
  ctx: StoreContext,
  runPk: number,
  key: string,
  startStep?: number,
  endStep?: number,
): Promise<[number, number]> {
  if (startStep !== undefined && endStep !== undefined) return [startStep, endStep];
  // Two single-aggregate queries: each is one seek on the step index.
  const lo = await ctx.db.query('SELECT MIN(step) AS s FROM metrics WHERE run_pk = ? AND metric_key = ?', [
    runPk,
    key,
  ]);
  const hi = await ctx.db.query('SELECT MAX(step) AS s FROM metrics WHERE run_pk = ? AND metric_key = ?', [
    runPk,
    key,
  ]);
  return [num(lo[0]!.s), num(hi[0]!.s)];
}

/** The extremes of each bucket of the grid over [lo, hi], by bucket number. */
async function bucketExtremes(
  ctx: StoreContext,
  runPk: number,
  key: string,
  lo: number,
  hi: number,
  grid: BucketGrid,
): Promise<Map<number, Extremes>> {
  const found = new Map<number, Extremes>();
  const add = (e: Extremes): void => {
    const b = Math.floor((e.first - grid.origin) / grid.width);
    const cur = found.get(b);
    if (cur) mergeExtremes(cur, e);
    else found.set(b, { ...e });
  };
  const points = async (from: number, to: number): Promise<void> => {
    if (from > to) return;
    const rows = await ctx.db.query(
      'SELECT step, metric_value, is_nan FROM metrics WHERE run_pk = ? AND metric_key = ? AND step >= ? AND step <= ?',
      [runPk, key, from, to],
    );
    for (const r of rows) add(pointExtremes(num(r.step), num(r.metric_value), num(r.is_nan) !== 0));
  };
  const cell = 2 ** grid.shift;
  // Cells [firstCell, endCell) lie wholly inside the range.
  const firstCell = Math.ceil(lo / cell);
  const endCell = Math.floor((hi + 1) / cell);
  if (!grid.shift || firstCell >= endCell) {
    await points(lo, hi);
    return found;
  }
  await refreshSummaries(ctx, runPk, key);
  const rows = await ctx.db.query(
    `SELECT first_step, last_step, min_step, min_value, max_step, max_value FROM metric_summaries
     WHERE run_pk = ? AND metric_key = ? AND lvl = ? AND cell >= ? AND cell < ?`,
    [runPk, key, grid.shift, firstCell, endCell],
  );
  for (const r of rows) add(cellExtremes(r));
  await points(lo, firstCell * cell - 1);
  await points(endCell * cell, hi);
  return found;
}

/** The first/last/min/max points of each bucket of steps, ordered by step then timestamp. */
export async function sampleBuckets(
  ctx: StoreContext,
  runPk: number,
  key: string,
  buckets: number,
  startStep?: number,
  endStep?: number,
): Promise<Row[]> {
  const [lo, hi] = await stepBounds(ctx, runPk, key, startStep, endStep);
  const found = [...(await bucketExtremes(ctx, runPk, key, lo, hi, bucketGrid(lo, hi, buckets))).values()];

  const steps = new Set<number>();
  for (const b of found) {
    steps.add(b.first).add(b.last);
    if (b.min) steps.add(b.min.step);
    if (b.max) steps.add(b.max.step);
  }
  const atStep = new Map<number, Row[]>();
  const list = [...steps];
  for (let i = 0; i < list.length; i += 2000) {
    const part = list.slice(i, i + 2000);
    const rows = await ctx.db.query(
      `SELECT ${POINT} FROM metrics WHERE run_pk = ? AND metric_key = ? AND step IN (${qs(part.length)}) ORDER BY step, ts, metric_value, is_nan`,
      [runPk, key, ...(part as SqlValue[])],
    );
    for (const r of rows) {
      const s = num(r.step);
      const arr = atStep.get(s) ?? [];
      arr.push(r);
      atStep.set(s, arr);
    }
  }

  const picked = new Set<Row>();
  for (const b of found) {
    const firstRows = atStep.get(b.first);
    const lastRows = atStep.get(b.last);
    if (firstRows?.length) picked.add(firstRows[0]!);
    if (lastRows?.length) picked.add(lastRows[lastRows.length - 1]!);
    for (const extreme of [b.min, b.max]) {
      if (!extreme) continue;
      const row = atStep
        .get(extreme.step)
        ?.find((r) => num(r.is_nan) === 0 && num(r.metric_value) === extreme.value);
      if (row) picked.add(row);
    }
  }
  return [...picked].sort(
    (a, b) =>
      num(a.step) - num(b.step) ||
      num(a.ts) - num(b.ts) ||
      num(a.metric_value) - num(b.metric_value) ||
      num(a.is_nan) - num(b.is_nan),
  );
}
