/**
 * Bucketed downsampling of one long metric history: the step range is cut into buckets and each
 * contributes its first, last, minimum and maximum points. The buckets are read from the
 * history's summaries (metric-summaries.ts) at the coarsest level whose cells still fit a bucket
 * several times, so a request reads about as many cells as it returns points, however long the
 * history. Bucket edges fall on that level's cell edges; only the cells that the ends of the
 * range cut through are read point by point, and a range too short for the finest level is read
 * whole (it holds fewer than 16 steps per bucket). Minima and maxima are exact, and the points
 * come from the cells themselves (migrations 008 and 009): no second read of the chosen points.
 */
import type { StoreContext } from './common.js';
import { comparePoints, type HistoryPoint } from './history-chunks.js';
import { historyStepBounds, readHistory } from './history-read.js';
import {
  CELL_COLUMNS,
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

async function stepBounds(
  ctx: StoreContext,
  runPk: number,
  key: string,
  startStep?: number,
  endStep?: number,
): Promise<[number, number] | undefined> {
  if (startStep !== undefined && endStep !== undefined) return [startStep, endStep];
  return historyStepBounds(ctx.db, runPk, key);
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
    const b = Math.floor((e.first.step - grid.origin) / grid.width);
    const cur = found.get(b);
    if (cur) mergeExtremes(cur, e);
    else found.set(b, { ...e });
  };
  const points = async (from: number, to: number): Promise<void> => {
    if (from > to) return;
    for (const p of await readHistory(ctx.db, ctx.db.dialect, runPk, key, { lo: from, hi: to })) {
      add(pointExtremes(p));
    }
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
    `SELECT ${CELL_COLUMNS} FROM metric_summaries
     WHERE run_pk = ? AND metric_key = ? AND lvl = ? AND cell >= ? AND cell < ?`,
    [runPk, key, grid.shift, firstCell, endCell],
  );
  for (const r of rows) add(cellExtremes(r));
  await points(lo, firstCell * cell - 1);
  await points(endCell * cell, hi);
  return found;
}

/** The first/last/min/max points of each bucket of steps, in history order (step, timestamp, value). */
export async function sampleBuckets(
  ctx: StoreContext,
  runPk: number,
  key: string,
  buckets: number,
  startStep?: number,
  endStep?: number,
): Promise<HistoryPoint[]> {
  const bounds = await stepBounds(ctx, runPk, key, startStep, endStep);
  if (!bounds) return [];
  const [lo, hi] = bounds;
  const found = await bucketExtremes(ctx, runPk, key, lo, hi, bucketGrid(lo, hi, buckets));
  // One point may be several of its bucket's four (read from a cell, as separate objects).
  const picked: HistoryPoint[] = [];
  for (const b of found.values()) {
    const four = [b.first, b.last, b.min, b.max];
    four.forEach((p, i) => {
      if (p && !four.slice(0, i).some((q) => q && comparePoints(p, q) === 0)) picked.push(p);
    });
  }
  return picked.sort(comparePoints);
}
