/**
 * Multi-resolution summaries of metric histories (table `metric_summaries`, migrations 006, 008
 * and 009). Per run and key, the step axis is cut into fixed cells of 16, 64, 256, ...,
 * 16,777,216 steps (`lvl` is log2 of the width, `cell` = floor(step / width)); each cell keeps
 * four of its points whole (step, timestamp, value, NaN flag), packed into one binary column: its
 * first and last in history order and its lowest and highest (NaN points count for first and
 * last only). A sampled history reads whole cells instead of points, and returns the cells'
 * points as they are (sampled-history.ts).
 *
 * Writing a point does not touch the cells: keeping every level up to date on every write cost
 * 15–50% of the write throughput (measured). A write only widens the stale step range of its
 * (run, key) in `metric_summary_stale` — one small row per (run, key), rewritten only when a
 * write reaches beyond it (ranges end on block boundaries, `STALE_BLOCK_STEPS`, so appending
 * steps rewrites it once per block) — and the first sampled read after it rebuilds the cells
 * over that range: the new points, the finest cells they fall in, and at each coarser level the
 * cells above, from the 4 cells below each. Appended points are thus summarized once, at the
 * cost of reading them once; a point logged far back (out of order) makes its whole range stale
 * and costs one rebuild of it. The rebuild holds the stale row's lock, so a write that lands
 * meanwhile waits and marks its range again; the row is removed only with the rebuild's commit.
 */
import type { CombineColumn, Dialect, Row, SqlValue } from '../database.js';
import { cachedStatement, chunks, type Exec, num, rowsPerStatement, type StoreContext } from './common.js';
import { comparePoints, type HistoryPoint, packPoint, POINT_BYTES, unpackPoint } from './history-chunks.js';
import { compactSmallChunks } from './history-compact.js';
import { readHistory } from './history-read.js';

/**
 * log2 of the cell widths, finest first; each level's cells are 4 cells of the level below, so
 * that a sampled history reads between 1 and 4 cells per bucket (with 16 per level, up to 16:
 * 6,250 cells for 1000 buckets over 100,000 steps, against 1,563 now). Changing it needs a
 * migration that empties `metric_summaries` and marks every history stale (as 008 does).
 */
export const SUMMARY_SHIFTS: readonly number[] = [4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24];

/**
 * The first and last points of a stretch of history (in history order) and its lowest and highest
 * non-NaN points; ties between equal values go to the earliest point in history order.
 */
export interface Extremes {
  first: HistoryPoint;
  last: HistoryPoint;
  min?: HistoryPoint;
  max?: HistoryPoint;
}

/** Folds `from` into `into` (which it changes; the points are shared, never changed). */
export function mergeExtremes(into: Extremes, from: Extremes): void {
  if (comparePoints(from.first, into.first) < 0) into.first = from.first;
  if (comparePoints(from.last, into.last) > 0) into.last = from.last;
  const lo = from.min;
  const hi = from.max;
  if (
    lo &&
    (!into.min ||
      lo.value < into.min.value ||
      (lo.value === into.min.value && comparePoints(lo, into.min) < 0))
  )
    into.min = lo;
  if (
    hi &&
    (!into.max ||
      hi.value > into.max.value ||
      (hi.value === into.max.value && comparePoints(hi, into.max) < 0))
  )
    into.max = hi;
}

/** The extremes of one stored point. */
export function pointExtremes(p: HistoryPoint): Extremes {
  return p.nan ? { first: p, last: p } : { first: p, last: p, min: p, max: p };
}

/** A stale step range per (owner, key), ordered by (owner, key): a fixed lock order. */
export interface StaleRange<O> {
  owner: O;
  key: string;
  lo: number;
  hi: number;
}

/**
 * A stale range ends at the last step of its block of this many steps (its upper end is rounded
 * up). A history logged step by step then widens its stale row once per block instead of on
 * every write, and the writes in between leave the row as it is (`STALE_WIDENS`): on PostgreSQL,
 * one new version of the row per (run, key) per group was most of what marking cost, and those
 * versions pile up until a vacuum. The rounding costs a rebuild nothing where no points lie beyond
 * the last one logged (the steps up to the block's end hold no points to read and no cells to
 * delete); a point logged before the end of a longer history costs at most this many more steps
 * of points to summarize again.
 */
export const STALE_BLOCK_STEPS = 1024;

/** The last step of `step`'s block (the step itself where the arithmetic would not be exact). */
export function staleBlockEnd(step: number): number {
  const end = (Math.floor(step / STALE_BLOCK_STEPS) + 1) * STALE_BLOCK_STEPS - 1;
  return Number.isSafeInteger(end) && end >= step ? end : step;
}

/**
 * The stale range of each (owner, key) the points fall in, ordered by (owner, key). Grouped in
 * nested maps, not by a key string per point (a 1,000-point batch made 1,000 strings).
 */
export function staleRanges<P extends { key: string; step: number }, O extends string | number>(
  points: readonly P[],
  ownerOf: (p: P) => O,
): StaleRange<O>[] {
  const byOwner = new Map<O, Map<string, StaleRange<O>>>();
  for (const p of points) {
    const owner = ownerOf(p);
    let byKey = byOwner.get(owner);
    if (!byKey) byOwner.set(owner, (byKey = new Map()));
    const r = byKey.get(p.key);
    if (!r) byKey.set(p.key, { owner, key: p.key, lo: p.step, hi: p.step });
    else if (p.step < r.lo) r.lo = p.step;
    else if (p.step > r.hi) r.hi = p.step;
  }
  const ranges: StaleRange<O>[] = [];
  for (const byKey of byOwner.values()) {
    for (const r of byKey.values()) {
      r.hi = staleBlockEnd(r.hi);
      ranges.push(r);
    }
  }
  return ranges.sort((a, b) =>
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
/**
 * Whether the incoming range widens the stored one (`UpsertOptions.combineWhen`): a range
 * inside the stored one leaves the row unwritten. The row is still locked, so a write waits
 * for a rebuild holding it and marks its range again once the rebuild has removed the row.
 */
export const STALE_WIDENS: CombineColumn = (s, i) =>
  `(${i('lo_step')} < ${s('lo_step')} OR ${i('hi_step')} > ${s('hi_step')})`;

/** Marks the step ranges of points just written (in the same transaction) as not yet summarized. */
export async function markSummariesStale(
  ctx: StoreContext,
  tx: Exec,
  points: readonly { runPk: number; key: string; step: number }[],
): Promise<void> {
  const d = ctx.db.dialect;
  const ranges = staleRanges(points, (p) => p.runPk);
  for (const part of chunks(ranges, rowsPerStatement(STALE_COLUMNS.length))) {
    const sql = cachedStatement(d, `stale:${part.length}`, () =>
      d.upsert('metric_summary_stale', STALE_COLUMNS, STALE_KEY, {
        rows: part.length,
        combine: STALE_MERGE,
        combineWhen: STALE_WIDENS,
      }),
    );
    const params: SqlValue[] = [];
    for (const r of part) params.push(r.owner, r.key, r.lo, r.hi);
    await tx.run(sql, params);
  }
}

/** The columns `cellExtremes` reads. */
export const CELL_COLUMNS = 'cell, points';

/**
 * A cell's points packed into one binary value (column `points`, migration 009): its first, last,
 * lowest and highest points in that order (history-chunks.ts packs each), the last two only if
 * the cell has a non-NaN point (both or neither).
 */
/** The stored value of a cell's `points` column. */
export function packCell(e: Extremes): Buffer {
  const buf = Buffer.allocUnsafe((e.min && e.max ? 4 : 2) * POINT_BYTES);
  packPoint(buf, 0, e.first);
  packPoint(buf, POINT_BYTES, e.last);
  if (e.min && e.max) {
    packPoint(buf, 2 * POINT_BYTES, e.min);
    packPoint(buf, 3 * POINT_BYTES, e.max);
  }
  return buf;
}

/** A stored cell (CELL_COLUMNS) as extremes. */
export function cellExtremes(r: Row): Extremes {
  const buf = r.points as Uint8Array;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const e: Extremes = { first: unpackPoint(buf, view, 0), last: unpackPoint(buf, view, POINT_BYTES) };
  if (buf.byteLength >= 4 * POINT_BYTES) {
    e.min = unpackPoint(buf, view, 2 * POINT_BYTES);
    e.max = unpackPoint(buf, view, 3 * POINT_BYTES);
  }
  return e;
}

/** Rows read per statement while rebuilding, and at most as many cells written per batch. */
export const REBUILD_PAGE_ROWS = 10_000;

/**
 * The cells of one level as they are built from items in step order: the cell being filled
 * stays open, finished ones wait in `done` until written. Memory: one page of cells at most.
 */
class LevelBuilder {
  private open: [number, Extremes] | undefined;
  private done: [number, Extremes][] = [];

  constructor(
    private readonly tx: Exec,
    private readonly runPk: number,
    private readonly key: string,
    private readonly shift: number,
  ) {}

  add(cell: number, e: Extremes): void {
    const open = this.open;
    if (open && open[0] === cell) return mergeExtremes(open[1], e);
    if (open) this.done.push(open);
    this.open = [cell, { ...e }];
  }

  /** Writes the finished cells; with `last`, the open one too. */
  async write(last = false): Promise<void> {
    if (last && this.open) {
      this.done.push(this.open);
      this.open = undefined;
    }
    const cols = ['run_pk', 'metric_key', 'lvl', ...CELL_COLUMNS.split(', ')];
    const one = `(${cols.map(() => '?').join(', ')})`;
    for (const part of chunks(this.done, rowsPerStatement(cols.length))) {
      const params: SqlValue[] = [];
      for (const [cell, e] of part) {
        params.push(this.runPk, this.key, this.shift, cell, packCell(e));
      }
      await this.tx.run(
        `INSERT INTO metric_summaries (${cols.join(', ')}) VALUES ${part.map(() => one).join(', ')}`,
        params,
      );
    }
    this.done = [];
  }
}

/**
 * Rebuilds the finest cells over steps [from·width, (to+1)·width - 1] from the points, read in
 * pages in history order.
 */
async function buildFromPoints(
  dialect: Dialect,
  pageRows: number,
  tx: Exec,
  out: LevelBuilder,
  runPk: number,
  key: string,
  lo: number,
  hi: number,
  width: number,
): Promise<void> {
  let after: HistoryPoint | undefined;
  for (;;) {
    const points = await readHistory(tx, dialect, runPk, key, { lo, hi, after, limit: pageRows });
    for (const p of points) out.add(Math.floor(p.step / width), pointExtremes(p));
    if (points.length < pageRows) return;
    after = points[points.length - 1];
    await out.write();
  }
}

/** Rebuilds cells from the cells [from, to] of the level `below`, read in pages in cell order. */
async function buildFromCells(
  pageRows: number,
  tx: Exec,
  out: LevelBuilder,
  runPk: number,
  key: string,
  below: number,
  from: number,
  to: number,
  fan: number,
): Promise<void> {
  let next = from;
  for (;;) {
    const rows = await tx.query(
      `SELECT ${CELL_COLUMNS} FROM metric_summaries WHERE run_pk = ? AND metric_key = ? AND lvl = ? AND cell >= ? AND cell <= ?
       ORDER BY cell LIMIT ${pageRows}`,
      [runPk, key, below, next, to],
    );
    for (const c of rows) out.add(Math.floor(num(c.cell) / fan), cellExtremes(c));
    if (rows.length < pageRows) return;
    next = num(rows[rows.length - 1]!.cell) + 1;
    await out.write();
  }
}

/**
 * Brings the cells of one history up to date with its points: rebuilds them over the stale step
 * range, if any, and clears it, in one transaction that holds the stale row's lock; the small
 * chunks of that range are merged first (history-compact.ts). Points and
 * cells are read a page at a time, so a rebuild holds about one page in memory however long the
 * history (a 10,000,000-point history marked stale by an upgrade is summarized in pages too).
 * `pageRows`: the rows per read and most cells per write batch.
 */
export async function refreshSummaries(
  ctx: StoreContext,
  runPk: number,
  key: string,
  pageRows = REBUILD_PAGE_ROWS,
): Promise<void> {
  const where = 'run_pk = ? AND metric_key = ?';
  const marked = await ctx.db.query(`SELECT lo_step FROM metric_summary_stale WHERE ${where}`, [runPk, key]);
  if (!marked.length) return;
  // Rebuilds of several runs run side by side (one sampled read of many runs); on InnoDB their
  // range deletes and inserts lock neighbouring index gaps, and the database may roll one back
  // to break a deadlock. The rebuild only derives cells from points, so it is simply run again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await rebuildStale(ctx, runPk, key, pageRows);
    } catch (err) {
      if (!ctx.db.dialect.isDeadlock(err) || attempt >= REBUILD_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, attempt * (5 + Math.random() * 20)));
    }
  }
}

/** How often a rebuild chosen as a deadlock victim is tried in all. */
const REBUILD_ATTEMPTS = 5;
/**
 * Read committed, so that the range deletes lock only the cells they find: rebuilds of
 * neighbouring histories then rarely wait on each other at all. Still exact: a write of points
 * into this history upserts its stale row, which this transaction holds locked from its first
 * read, so no point is committed into the history while the rebuild reads it.
 */
const REBUILD_TRANSACTION = { readCommitted: true };

async function rebuildStale(ctx: StoreContext, runPk: number, key: string, pageRows: number): Promise<void> {
  const where = 'run_pk = ? AND metric_key = ?';
  await ctx.db.transaction(async (tx) => {
    const [stale] = await tx.query(
      `SELECT lo_step, hi_step FROM metric_summary_stale WHERE ${where}${ctx.db.dialect.lockForUpdate}`,
      [runPk, key],
    );
    if (!stale) return; // rebuilt meanwhile
    const lo = num(stale.lo_step);
    const hi = num(stale.hi_step);
    await compactSmallChunks(tx, ctx.db.dialect, runPk, key, lo, hi);
    let below = 0;
    for (const shift of SUMMARY_SHIFTS) {
      const width = 2 ** shift;
      const from = Math.floor(lo / width);
      const to = Math.floor(hi / width);
      await tx.run(`DELETE FROM metric_summaries WHERE ${where} AND lvl = ? AND cell >= ? AND cell <= ?`, [
        runPk,
        key,
        shift,
        from,
        to,
      ]);
      const out = new LevelBuilder(tx, runPk, key, shift);
      if (!below)
        await buildFromPoints(
          ctx.db.dialect,
          pageRows,
          tx,
          out,
          runPk,
          key,
          from * width,
          (to + 1) * width - 1,
          width,
        );
      else {
        const fan = 2 ** (shift - below);
        await buildFromCells(pageRows, tx, out, runPk, key, below, from * fan, (to + 1) * fan - 1, fan);
      }
      await out.write(true);
      below = shift;
    }
    await tx.run(`DELETE FROM metric_summary_stale WHERE ${where}`, [runPk, key]);
  }, REBUILD_TRANSACTION);
}
