import type { Metric, Page } from '../../../entities/tracking.js';
import { invalidParam } from '../../../errors.js';
import { decodePageToken, encodePageToken } from '../../../search/page-token.js';
import type { Row, SqlValue } from '../database.js';
import { sampleBuckets } from './sampled-history.js';
import type { SampledHistoryQuery } from '../../tracking-store.js';
import { decodeMetricValue, num, qs, type StoreContext, str } from './common.js';
import { runRow } from './runs.js';
import { IN_STEP_ORDER, NOT_IN_STEP_ORDER } from './step-order.js';

/** Largest page get-history serves (MLflow's GET_METRIC_HISTORY_MAX_RESULTS). */
export const METRIC_HISTORY_MAX_PAGE = 25000;

const point = (key: string, r: Row, runId?: string): Metric => {
  const m: Metric = {
    key,
    value: decodeMetricValue(r.metric_value, r.is_nan),
    timestamp: num(r.ts),
    step: num(r.step),
  };
  if (runId !== undefined) m.run_id = runId;
  return m;
};

interface HistoryCursor {
  ts: number;
  step: number;
  v: number;
  n: number;
}

const isCursor = (v: Record<string, unknown>): boolean =>
  ['ts', 'step', 'v', 'n'].every((k) => typeof v[k] === 'number');

/** get-history's order (MLflow's). */
const HISTORY_ORDER = ['ts', 'step', 'metric_value', 'is_nan'] as const;
/** The order of the history's primary key after its run and key. */
const KEY_ORDER = ['step', 'ts', 'metric_value', 'is_nan'] as const;

/**
 * A run's history of one metric ordered by (timestamp, step, value), paged by keyset. A history
 * whose timestamps follow its steps (step-order.ts) is that order read along its primary key, so
 * every page costs the same however deep it is; any other history is sorted for each page.
 */
export async function getMetricHistory(
  ctx: StoreContext,
  runId: string,
  key: string,
  maxResults: number | undefined,
  pageToken?: string,
): Promise<Page<Metric>> {
  const cursor = decodePageToken<HistoryCursor>(pageToken, isCursor);
  const found = await ctx.db.query(
    `SELECT r.run_pk, l.in_step_order FROM runs r LEFT JOIN latest_metrics l ON l.run_uuid = r.run_uuid AND l.metric_key = ? WHERE r.run_uuid = ?`,
    [key, runId],
  );
  const run = found[0] ?? (await runRow(ctx.db, runId));
  const inStepOrder = num(run.in_step_order ?? IN_STEP_ORDER) !== NOT_IN_STEP_ORDER;
  const order = inStepOrder ? KEY_ORDER : HISTORY_ORDER;
  const params: SqlValue[] = [num(run.run_pk), key];
  let where = 'run_pk = ? AND metric_key = ?';
  if (cursor) {
    const at: Record<(typeof KEY_ORDER)[number], number> = {
      ts: cursor.ts,
      step: cursor.step,
      metric_value: cursor.v,
      is_nan: cursor.n,
    };
    const after = ctx.db.dialect.keysetAfter(
      order,
      order.map((c) => at[c]),
    );
    where += ` AND ${after.sql}`;
    params.push(...after.params);
  }
  const pageSize =
    maxResults === undefined
      ? undefined
      : Math.min(Math.max(1, Math.floor(maxResults)), METRIC_HISTORY_MAX_PAGE);
  const limit = pageSize === undefined ? '' : ` LIMIT ${pageSize + 1}`;
  const rows = await ctx.db.query(
    `SELECT ts, step, metric_value, is_nan FROM metrics WHERE ${where} ORDER BY ${order.join(', ')}${limit}`,
    params,
  );
  const page: Page<Metric> = { items: [] };
  const size = pageSize === undefined ? rows.length : Math.min(rows.length, pageSize);
  for (let i = 0; i < size; i++) page.items.push(point(key, rows[i]!));
  if (rows.length > size) {
    const last = rows[size - 1]!;
    page.next_page_token = encodePageToken({
      ts: num(last.ts),
      step: num(last.step),
      v: num(last.metric_value),
      n: num(last.is_nan),
    });
  }
  return page;
}

/** The integer handles of the runs, in the order given (duplicates dropped); unknown run → 404. */
async function runHandles(ctx: StoreContext, runIds: readonly string[]): Promise<[string, number][]> {
  const unique = [...new Set(runIds)];
  const rows = await ctx.db.query(
    `SELECT run_uuid, run_pk FROM runs WHERE run_uuid IN (${qs(unique.length)})`,
    unique,
  );
  const found = new Map(rows.map((r) => [str(r.run_uuid), num(r.run_pk)]));
  const missing = unique.find((id) => !found.has(id));
  if (missing !== undefined) await runRow(ctx.db, missing);
  return unique.map((id) => [id, found.get(id)!]);
}

function stepRange(startStep?: number, endStep?: number): { sql: string; params: number[] } {
  if (startStep === undefined && endStep === undefined) return { sql: '', params: [] };
  if (startStep === undefined || endStep === undefined) {
    throw invalidParam('If either start step or end step are specified, both must be specified.');
  }
  if (startStep > endStep) {
    throw invalidParam(
      `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
    );
  }
  return { sql: ' AND step >= ? AND step <= ?', params: [startStep, endStep] };
}

/**
 * Histories of several runs sampled at evenly spaced steps (at most `maxResults` steps plus the
 * last one), the same steps for every run so that charts line up.
 */
export async function getMetricHistoryBulkInterval(
  ctx: StoreContext,
  runIds: string[],
  key: string,
  maxResults: number,
  startStep?: number,
  endStep?: number,
): Promise<Metric[]> {
  const range = stepRange(startStep, endStep);
  if (!runIds.length) return [];
  const runs = await runHandles(ctx, runIds);
  // The distinct steps are counted and sampled inside the database: a long history never travels.
  const distinct = `SELECT DISTINCT step FROM metrics WHERE run_pk IN (${qs(runs.length)}) AND metric_key = ?${range.sql}`;
  const distinctParams = [...runs.map(([, pk]) => pk), key, ...range.params];
  const counted = await ctx.db.query(`SELECT COUNT(*) AS c FROM (${distinct}) d`, distinctParams);
  const total = num(counted[0]?.c ?? 0);
  if (!total) return [];
  let stepFilter = '';
  let stepParams: number[] = [];
  if (total > maxResults) {
    const stride = total / maxResults;
    const ranks = new Set<number>();
    for (let i = 0; i < maxResults; i++) ranks.add(Math.floor(i * stride) + 1);
    ranks.add(total);
    const picked = await ctx.db.query(
      `SELECT step FROM (SELECT step, ROW_NUMBER() OVER (ORDER BY step) AS rn FROM (${distinct}) d) x WHERE rn IN (${qs(ranks.size)})`,
      [...distinctParams, ...ranks],
    );
    stepParams = picked.map((r) => num(r.step));
    stepFilter = ` AND step IN (${qs(stepParams.length)})`;
  }
  const out: Metric[] = [];
  for (const [runId, runPk] of runs) {
    const rows = await ctx.db.query(
      `SELECT ts, step, metric_value, is_nan FROM metrics WHERE run_pk = ? AND metric_key = ?${range.sql}${stepFilter} ORDER BY step, ts, metric_value`,
      [runPk, key, ...range.params, ...stepParams],
    );
    for (const r of rows) out.push(point(key, r, runId));
  }
  return out;
}

/** Runs of one sampled-history request read at once: a few of the pool's connections, not all. */
const SAMPLED_RUNS_AT_ONCE = 4;

/**
 * Downsampled history for charts: over [startStep, endStep] split into `maxPoints` buckets of
 * steps, each bucket contributes its first, last, minimum and maximum points (so spikes stay
 * visible). Aggregated by the database; a history with at most `maxPoints` points is returned whole.
 * The runs are read a few at a time (on PostgreSQL and MySQL, on as many connections), and
 * returned in the order asked.
 */
export async function getSampledMetricHistory(ctx: StoreContext, q: SampledHistoryQuery): Promise<Metric[]> {
  const range = stepRange(q.startStep, q.endStep);
  if (!q.runIds.length) return [];
  const runs = await runHandles(ctx, q.runIds);
  const buckets = Math.max(1, Math.floor(q.maxPoints));
  const sampleRun = async ([runId, runPk]: [string, number]): Promise<Metric[]> => {
    const out: Metric[] = [];
    const base = [runPk, q.key, ...range.params];
    const where = `run_pk = ? AND metric_key = ?${range.sql}`;
    // Only whether there are more points than buckets matters: count at most buckets + 1.
    const counted = await ctx.db.query(
      `SELECT COUNT(*) AS c FROM (SELECT 1 AS one FROM metrics WHERE ${where} LIMIT ${buckets + 1}) x`,
      base,
    );
    const count = num(counted[0]?.c ?? 0);
    if (!count) return out;
    if (count <= buckets) {
      const rows = await ctx.db.query(
        `SELECT ts, step, metric_value, is_nan FROM metrics WHERE ${where} ORDER BY step, ts, metric_value`,
        base,
      );
      for (const r of rows) out.push(point(q.key, r, runId));
      return out;
    }
    for (const p of await sampleBuckets(ctx, runPk, q.key, buckets, q.startStep, q.endStep)) {
      out.push({ key: q.key, value: p.nan ? NaN : p.value, timestamp: p.ts, step: p.step, run_id: runId });
    }
    return out;
  };
  const perRun: Metric[][] = new Array<Metric[]>(runs.length);
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < runs.length) {
      const i = next++;
      perRun[i] = await sampleRun(runs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SAMPLED_RUNS_AT_ONCE, runs.length) }, reader));
  return perRun.flat();
}
