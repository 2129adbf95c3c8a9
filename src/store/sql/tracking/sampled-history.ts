/**
 * Bucketed downsampling of one long metric history: the step range is cut into buckets and each
 * contributes its first, last, minimum and maximum points. The buckets are read from the
 * history's summaries (metric-summaries.ts) at the coarsest level whose cells still fit a bucket
 * several times, so a request reads about as many cells as it returns points, however long the
 * history. Bucket edges fall on that level's cell edges; only the cells that the ends of the
 * range cut through are read point by point, and a range too short for the finest level is read
 * whole (it holds fewer than 16 steps per bucket). Minima and maxima are exact, and the points
 * come from the cells themselves (migrations 008 and 009): no second read of the chosen points.
 * The histories of all the runs of a request are read together, in a few statements.
 */
import type { Row, SqlValue } from '../database.js';
import { chunks, num, type StoreContext } from './common.js';
import {
  CELL_COLUMNS,
  cellExtremes,
  comparePoints,
  type Extremes,
  mergeExtremes,
  POINT_COLUMNS,
  pointExtremes,
  refreshSummaries,
  rowPoint,
  SUMMARY_SHIFTS,
  type SummaryPoint,
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

/** One history of a request, as the first statement of sampleHistories finds it. */
interface Probe {
  runPk: number;
  /** Its lowest and highest steps in the range; undefined: no point in the range. */
  lo?: number;
  hi?: number;
  /** It holds more points in the range than there are buckets. */
  long: boolean;
  /** Its summaries are behind its points. */
  stale: boolean;
}

/** Histories, or reads, per statement (a request asks for at most 100 runs). */
const BRANCHES_PER_STATEMENT = 100;

const isSet = (v: unknown): boolean => v !== null && v !== undefined;

/**
 * One statement for all the histories: per run, its step bounds in the range (one seek each on
 * the step index), whether it holds more than `buckets` points there (its (buckets+1)-th point
 * exists) and whether its summaries are stale. Each run is a branch of a UNION ALL tagged with
 * its position.
 */
async function probe(
  ctx: StoreContext,
  runPks: readonly number[],
  key: string,
  buckets: number,
  range: readonly number[],
): Promise<Probe[]> {
  const probes: Probe[] = [];
  const where = `FROM metrics WHERE run_pk = ? AND metric_key = ?${range.length ? ' AND step >= ? AND step <= ?' : ''}`;
  for (const part of chunks(runPks, BRANCHES_PER_STATEMENT)) {
    const params: SqlValue[] = [];
    const branches = part.map((pk, i) => {
      const base = [pk, key, ...range];
      params.push(...base, ...base, ...base, pk, key);
      return `SELECT ${i} AS i, (SELECT MIN(step) ${where}) AS lo, (SELECT MAX(step) ${where}) AS hi,
        (SELECT 1 ${where} LIMIT 1 OFFSET ${buckets}) AS more,
        (SELECT 1 FROM metric_summary_stale WHERE run_pk = ? AND metric_key = ?) AS stale`;
    });
    const found = new Array<Probe>(part.length);
    for (const r of await ctx.db.query(branches.join(' UNION ALL '), params)) {
      const i = num(r.i);
      found[i] = {
        runPk: part[i]!,
        ...(isSet(r.lo) ? { lo: num(r.lo), hi: num(r.hi) } : {}),
        long: isSet(r.more),
        stale: isSet(r.stale),
      };
    }
    probes.push(...found);
  }
  return probes;
}

/** A read of one history's points (steps [from, to]) or cells (of level `shift`, [from, to]). */
interface Read {
  /** Position of the history in the request. */
  at: number;
  runPk: number;
  from: number;
  to: number;
  shift?: number;
  /** About how many rows it returns (the points of a short history, the steps or cells of a range). */
  rows: number;
}

/**
 * Rows read per statement, about: all the rows of a request at once (200,000 for 100 histories
 * of 2,000 points) outlive the young generation, and collecting them cost more than the reads
 * (measured: twice the CPU of reading one history at a time). A few statements per request.
 */
const ROWS_PER_STATEMENT = 10_000;

/**
 * Items in groups of at most ROWS_PER_STATEMENT rows (or one item) and `branches` reads, in order.
 */
function statementGroups<T>(
  items: readonly T[],
  branchesOf: (item: T) => number,
  rowsOf: (item: T) => number,
  branches = BRANCHES_PER_STATEMENT,
): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let rows = 0;
  let reads = 0;
  for (const item of items) {
    const r = rowsOf(item);
    const b = branchesOf(item);
    if (group.length && (rows + r > ROWS_PER_STATEMENT || reads + b > branches)) {
      groups.push(group);
      group = [];
      rows = 0;
      reads = 0;
    }
    group.push(item);
    rows += r;
    reads += b;
  }
  if (group.length) groups.push(group);
  return groups;
}

/**
 * Reads of points or of cells (not mixed: their columns differ), a UNION ALL of them per
 * statement, each branch tagged with its read; `use` gets every row with its read.
 */
async function readAll(
  ctx: StoreContext,
  key: string,
  reads: readonly Read[],
  use: (read: Read, row: Row) => void,
): Promise<void> {
  for (const part of statementGroups(
    reads,
    () => 1,
    (r) => r.rows,
  )) {
    const params: SqlValue[] = [];
    const branches = part.map((r, i) => {
      if (r.shift === undefined) {
        params.push(r.runPk, key, r.from, r.to);
        return `SELECT ${i} AS i, ${POINT_COLUMNS} FROM metrics WHERE run_pk = ? AND metric_key = ? AND step >= ? AND step <= ?`;
      }
      params.push(r.runPk, key, r.shift, r.from, r.to);
      return `SELECT ${i} AS i, ${CELL_COLUMNS} FROM metric_summaries WHERE run_pk = ? AND metric_key = ? AND lvl = ? AND cell >= ? AND cell <= ?`;
    });
    for (const row of await ctx.db.query(branches.join(' UNION ALL '), params)) use(part[num(row.i)]!, row);
  }
}

/** The points of each bucket in history order: first, last, min and max, each point once. */
function bucketPoints(found: Map<number, Extremes>): SummaryPoint[] {
  // One point may be several of its bucket's four (read from a cell, as separate objects).
  const picked: SummaryPoint[] = [];
  for (const b of found.values()) {
    const four = [b.first, b.last, b.min, b.max];
    four.forEach((p, i) => {
      if (p && !four.slice(0, i).some((q) => q && comparePoints(p, q) === 0)) picked.push(p);
    });
  }
  return picked.sort(comparePoints);
}

/**
 * Sampled histories of one key for several runs (by run_pk), in the order given: a history with at
 * most `buckets` points in the range whole, a longer one as the first/last/min/max points of each
 * bucket of steps, in history order (step, timestamp, value). The statements do not grow with
 * the number of runs but with the rows returned: one probe of all the runs, then the points (of
 * the short histories and at the ends of the long ones' ranges) and the cells, each a UNION ALL
 * of per-run reads of about 10,000 rows; plus a rebuild of the summaries that are stale.
 */
export async function sampleHistories(
  ctx: StoreContext,
  runPks: readonly number[],
  key: string,
  buckets: number,
  emit: (at: number, points: SummaryPoint[]) => void,
  startStep?: number,
  endStep?: number,
): Promise<void> {
  const range = startStep !== undefined && endStep !== undefined ? [startStep, endStep] : [];
  const probes = await probe(ctx, runPks, key, buckets, range);
  // Per run with points: its grid (none: returned whole) and its reads.
  const plans: { at: number; grid?: BucketGrid; reads: Read[] }[] = [];
  for (const [at, p] of probes.entries()) {
    if (p.lo === undefined || p.hi === undefined) continue;
    const [lo, hi] = range.length ? [startStep!, endStep!] : [p.lo, p.hi];
    if (!p.long) {
      plans.push({ at, reads: [{ at, runPk: p.runPk, from: lo, to: hi, rows: buckets }] });
      continue;
    }
    const grid = bucketGrid(lo, hi, buckets);
    const cell = 2 ** grid.shift;
    // Cells [firstCell, endCell) lie wholly inside the range; the rest is read point by point.
    const firstCell = Math.ceil(lo / cell);
    const endCell = Math.floor((hi + 1) / cell);
    if (!grid.shift || firstCell >= endCell) {
      plans.push({ at, grid, reads: [{ at, runPk: p.runPk, from: lo, to: hi, rows: hi - lo + 1 }] });
      continue;
    }
    if (p.stale) await refreshSummaries(ctx, p.runPk, key);
    const reads: Read[] = [
      { at, runPk: p.runPk, shift: grid.shift, from: firstCell, to: endCell - 1, rows: endCell - firstCell },
    ];
    for (const r of [
      { from: lo, to: firstCell * cell - 1 },
      { from: endCell * cell, to: hi },
    ]) {
      if (r.from <= r.to) reads.push({ at, runPk: p.runPk, ...r, rows: r.to - r.from + 1 });
    }
    plans.push({ at, grid, reads });
  }
  // A few runs at a time (about ROWS_PER_STATEMENT rows), each returned as soon as it is read:
  // the rows and buckets of a whole request never wait in memory together.
  for (const group of statementGroups(
    plans,
    (p) => p.reads.length,
    (p) => sum(p.reads),
  )) {
    const whole = new Map<number, SummaryPoint[]>();
    const found = new Map<number, Map<number, Extremes>>();
    const grids = new Map<number, BucketGrid>();
    for (const p of group) {
      if (p.grid) {
        grids.set(p.at, p.grid);
        found.set(p.at, new Map());
      } else whole.set(p.at, []);
    }
    const add = (at: number, e: Extremes): void => {
      const grid = grids.get(at)!;
      const buckets = found.get(at)!;
      const b = Math.floor((e.first.step - grid.origin) / grid.width);
      const cur = buckets.get(b);
      if (cur) mergeExtremes(cur, e);
      else buckets.set(b, { ...e });
    };
    const reads = group.flatMap((p) => p.reads);
    await readAll(
      ctx,
      key,
      reads.filter((r) => r.shift === undefined),
      (r, row) => {
        const p = rowPoint(row);
        const list = whole.get(r.at);
        if (list) list.push(p);
        else add(r.at, pointExtremes(p));
      },
    );
    await readAll(
      ctx,
      key,
      reads.filter((r) => r.shift !== undefined),
      (r, row) => add(r.at, cellExtremes(row)),
    );
    for (const p of group) {
      const list = whole.get(p.at);
      emit(p.at, list ? list.sort(comparePoints) : bucketPoints(found.get(p.at)!));
    }
  }
}

const sum = (reads: readonly Read[]): number => reads.reduce((n, r) => n + r.rows, 0);
