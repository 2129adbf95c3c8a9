import type { Metric, Page } from '../../../entities/tracking.js';
import { invalidParam } from '../../../errors.js';
import { decodePageToken, encodePageToken } from '../../../search/page-token.js';
import { sampleBuckets } from './sampled-history.js';
import type { SampledHistoryQuery } from '../../tracking-store.js';
import { num, qs, type StoreContext, str } from './common.js';
import type { HistoryPoint } from './history-chunks.js';
import { type HistoryColumns, readHistory, readHistoryColumns } from './history-read.js';
import { runRow } from './runs.js';
import { IN_STEP_ORDER, NOT_IN_STEP_ORDER } from './step-order.js';

/** Largest page get-history serves (MLflow's GET_METRIC_HISTORY_MAX_RESULTS). */
export const METRIC_HISTORY_MAX_PAGE = 25000;

const point = (key: string, p: HistoryPoint, runId?: string): Metric => {
  const m: Metric = { key, value: p.nan ? NaN : p.value, timestamp: p.ts, step: p.step };
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

/**
 * The `k` smallest of `items` in order (`items` is reordered): a selection around the k-th, then
 * a sort of those k only, so a page of a long history costs about one pass over it.
 */
export function smallest<T>(items: T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (k < items.length) {
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const pivot = items[lo + Math.floor((hi - lo) / 2)]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (compare(items[i]!, pivot) < 0) i++;
        while (compare(items[j]!, pivot) > 0) j--;
        if (i <= j) {
          const t = items[i]!;
          items[i++] = items[j]!;
          items[j--] = t;
        }
      }
      if (k - 1 <= j) hi = j;
      else if (k - 1 >= i) lo = i;
      else break;
    }
    items.length = k;
  }
  return items.sort(compare);
}

/**
 * The first `limit` points (all without one) after `after` in get-history's order (MLflow's:
 * timestamp, step, value, NaN flag), each once, of a history read as columns: the order compares
 * columns by index, and only the points of the page become objects (a history of 500,000 points
 * as objects cost more than the rest of a page).
 */
export function historyOrderPage(
  c: HistoryColumns,
  after: HistoryPoint | undefined,
  limit: number | undefined,
): HistoryPoint[] {
  const compare = (a: number, b: number): number =>
    c.ts[a]! - c.ts[b]! || c.step[a]! - c.step[b]! || c.value[a]! - c.value[b]! || c.nan[a]! - c.nan[b]!;
  const pastAfter = (i: number): boolean =>
    !after ||
    (c.ts[i]! - after.ts ||
      c.step[i]! - after.step ||
      c.value[i]! - after.value ||
      c.nan[i]! - Number(after.nan)) > 0;
  const rest: number[] = [];
  for (let i = 0; i < c.length; i++) if (pastAfter(i)) rest.push(i);
  const want = limit ?? rest.length;
  // Points stored twice take two places among the smallest: take more until `want` are distinct.
  for (let take = want; ;) {
    const picked = smallest(rest.slice(), take, compare);
    const page = picked.filter((p, k) => !k || compare(picked[k - 1]!, p) !== 0);
    if (page.length >= want || take >= rest.length) {
      return page
        .slice(0, want)
        .map((i) => ({ step: c.step[i]!, ts: c.ts[i]!, value: c.value[i]!, nan: c.nan[i] !== 0 }));
    }
    take += want - page.length;
  }
}

/**
 * A run's history of one metric ordered by (timestamp, step, value), paged by keyset. A history
 * whose timestamps follow its steps (step-order.ts) is that order read in history order, so
 * every page costs about the same however deep it is; any other history is read whole for each
 * page, and the page selected from it (`historyOrderPage`).
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
  const after: HistoryPoint | undefined = cursor && {
    step: cursor.step,
    ts: cursor.ts,
    value: cursor.v,
    nan: cursor.n !== 0,
  };
  const pageSize =
    maxResults === undefined
      ? undefined
      : Math.min(Math.max(1, Math.floor(maxResults)), METRIC_HISTORY_MAX_PAGE);
  const runPk = num(run.run_pk);
  let points: HistoryPoint[];
  if (inStepOrder) {
    const limit = pageSize === undefined ? undefined : pageSize + 1;
    points = await readHistory(ctx.db, ctx.db.dialect, runPk, key, { after, limit });
  } else {
    const columns = await readHistoryColumns(ctx.db, ctx.db.dialect, runPk, key);
    points = historyOrderPage(columns, after, pageSize === undefined ? undefined : pageSize + 1);
  }
  const page: Page<Metric> = { items: [] };
  const size = pageSize === undefined ? points.length : Math.min(points.length, pageSize);
  for (let i = 0; i < size; i++) page.items.push(point(key, points[i]!));
  if (points.length > size) {
    const last = points[size - 1]!;
    page.next_page_token = encodePageToken({
      ts: last.ts,
      step: last.step,
      v: last.value,
      n: last.nan ? 1 : 0,
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

function stepRange(startStep?: number, endStep?: number): { lo?: number; hi?: number } {
  if (startStep === undefined && endStep === undefined) return {};
  if (startStep === undefined || endStep === undefined) {
    throw invalidParam('If either start step or end step are specified, both must be specified.');
  }
  if (startStep > endStep) {
    throw invalidParam(
      `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
    );
  }
  return { lo: startStep, hi: endStep };
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
  const histories: HistoryPoint[][] = [];
  const steps = new Set<number>();
  for (const [, runPk] of runs) {
    const points = await readHistory(ctx.db, ctx.db.dialect, runPk, key, range);
    for (const p of points) steps.add(p.step);
    histories.push(points);
  }
  const total = steps.size;
  if (!total) return [];
  let picked: Set<number> | undefined;
  if (total > maxResults) {
    const sorted = [...steps].sort((a, b) => a - b);
    const stride = total / maxResults;
    picked = new Set([sorted[total - 1]!]);
    for (let i = 0; i < maxResults; i++) picked.add(sorted[Math.floor(i * stride)]!);
  }
  const out: Metric[] = [];
  runs.forEach(([runId], i) => {
    for (const p of histories[i]!) if (!picked || picked.has(p.step)) out.push(point(key, p, runId));
  });
  return out;
}

/** Runs of one sampled-history request read at once: a few of the pool's connections, not all. */
const SAMPLED_RUNS_AT_ONCE = 4;

/**
 * Downsampled history for charts: over [startStep, endStep] split into `maxPoints` buckets of
 * steps, each bucket contributes its first, last, minimum and maximum points (so spikes stay
 * visible), from the history's summaries; a history with at most `maxPoints` points is returned whole.
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
    // A history of at most `buckets` points is returned whole: read at most one more.
    const head = await readHistory(ctx.db, ctx.db.dialect, runPk, q.key, { ...range, limit: buckets + 1 });
    if (head.length <= buckets) {
      for (const p of head) out.push(point(q.key, p, runId));
      return out;
    }
    for (const p of await sampleBuckets(ctx, runPk, q.key, buckets, q.startStep, q.endStep)) {
      out.push(point(q.key, p, runId));
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
