/**
 * Bucketed downsampling of one long metric history, computed by the database: the step range is
 * cut into buckets and each contributes its first, last, minimum and maximum points.
 *
 * SQLite has no hash aggregation (a GROUP BY sorts every point), so there each bucket is a few
 * statements over a range of the (run, key, step) index: the cost is one pass over the history
 * plus cheap in-process statements. PostgreSQL and MySQL aggregate all buckets in one GROUP BY
 * (hash aggregation) and find where each minimum/maximum sits in a second one.
 */
import type { Row, SqlValue } from '../database.js';
import { num, qs, type StoreContext } from './common.js';

interface Bucket {
  first: number;
  last: number;
  min?: { value: number; step: number };
  max?: { value: number; step: number };
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

async function rangeBuckets(
  ctx: StoreContext,
  runPk: number,
  key: string,
  lo: number,
  width: number,
  count: number,
): Promise<Bucket[]> {
  const out: Bucket[] = [];
  const range = 'run_pk = ? AND metric_key = ? AND step >= ? AND step <= ?';
  for (let i = 0; i < count; i++) {
    const from = Math.ceil(lo + i * width);
    const to = Math.ceil(lo + (i + 1) * width) - 1;
    if (to < from) continue;
    const p: SqlValue[] = [runPk, key, from, to];
    const first = await ctx.db.query(`SELECT MIN(step) AS s FROM metrics WHERE ${range}`, p);
    if (first[0]?.s === null || first[0]?.s === undefined) continue;
    const last = await ctx.db.query(`SELECT MAX(step) AS s FROM metrics WHERE ${range}`, p);
    // With exactly one min()/max() aggregate, SQLite takes the bare column from that row.
    const min = await ctx.db.query(
      `SELECT MIN(metric_value) AS v, step FROM metrics WHERE ${range} AND is_nan = 0`,
      p,
    );
    const max = await ctx.db.query(
      `SELECT MAX(metric_value) AS v, step FROM metrics WHERE ${range} AND is_nan = 0`,
      p,
    );
    const b: Bucket = { first: num(first[0].s), last: num(last[0]!.s) };
    if (min[0]?.v !== null && min[0]?.v !== undefined)
      b.min = { value: num(min[0].v), step: num(min[0].step) };
    if (max[0]?.v !== null && max[0]?.v !== undefined)
      b.max = { value: num(max[0].v), step: num(max[0].step) };
    out.push(b);
  }
  return out;
}

async function groupedBuckets(
  ctx: StoreContext,
  runPk: number,
  key: string,
  lo: number,
  hi: number,
  width: number,
): Promise<Bucket[]> {
  const d = ctx.db.dialect;
  const bucketOf = (col: string): string => `FLOOR(${d.realDivision(`(${col} - ?)`, '?')})`;
  const where = 'run_pk = ? AND metric_key = ? AND step >= ? AND step <= ?';
  const agg = `SELECT ${bucketOf('step')} AS b, MIN(step) AS s0, MAX(step) AS s1,
      MIN(CASE WHEN is_nan = 0 THEN metric_value END) AS vmin,
      MAX(CASE WHEN is_nan = 0 THEN metric_value END) AS vmax
    FROM metrics WHERE ${where} GROUP BY 1`;
  const aggParams: SqlValue[] = [lo, width, runPk, key, lo, hi];
  const rows = await ctx.db.query(
    `SELECT a.b, a.s0, a.s1, a.vmin, a.vmax,
       MIN(CASE WHEN m.is_nan = 0 AND m.metric_value = a.vmin THEN m.step END) AS smin,
       MIN(CASE WHEN m.is_nan = 0 AND m.metric_value = a.vmax THEN m.step END) AS smax
     FROM (${agg}) a JOIN metrics m ON m.run_pk = ? AND m.metric_key = ? AND m.step >= a.s0 AND m.step <= a.s1
     GROUP BY a.b, a.s0, a.s1, a.vmin, a.vmax ORDER BY a.b`,
    [...aggParams, runPk, key],
  );
  return rows.map((r) => {
    const b: Bucket = { first: num(r.s0), last: num(r.s1) };
    if (r.vmin !== null && r.vmin !== undefined) b.min = { value: num(r.vmin), step: num(r.smin) };
    if (r.vmax !== null && r.vmax !== undefined) b.max = { value: num(r.vmax), step: num(r.smax) };
    return b;
  });
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
  const width = (hi - lo + 1) / buckets;
  const found = ctx.db.dialect.hashAggregation
    ? await groupedBuckets(ctx, runPk, key, lo, hi, width)
    : await rangeBuckets(ctx, runPk, key, lo, width, buckets);

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
      `SELECT ${POINT} FROM metrics WHERE run_pk = ? AND metric_key = ? AND step IN (${qs(part.length)}) ORDER BY step, ts, metric_value`,
      [runPk, key, ...part],
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
    (a, b) => num(a.step) - num(b.step) || num(a.ts) - num(b.ts) || num(a.metric_value) - num(b.metric_value),
  );
}
