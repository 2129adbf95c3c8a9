import type { Page, Run } from '../../../entities/tracking.js';
import type { OrderBy } from '../../../search/ast.js';
import { decodePageToken, encodePageToken } from '../../../search/page-token.js';
import type { Row } from '../database.js';
import type { SearchRunsQuery } from '../../tracking-store.js';
import { num, parseExperimentId, type StoreContext } from './common.js';
import { loadRuns } from './run-loader.js';
import type { SqlFragment } from './search-sql.js';
import { lifecycleStages, RUN_SELECT, runOrderSql } from './search-runs-sql.js';
import {
  afterDefault,
  type Cursor,
  type Found,
  isCursor,
  nextAfterDefault,
  type Parsed,
  whereSql,
} from './search-runs-query.js';
import {
  isValueOrder,
  numericOrderKeys,
  searchByMetricValue,
  searchByValue,
} from './search-runs-by-value.js';

export { lifecycleStages } from './search-runs-sql.js';

/**
 * Runs of some experiments matching a filter, one page at a time. Params, tags, latest metrics
 * and inputs of the page are loaded in bulk afterwards.
 */
export async function searchRuns(ctx: StoreContext, q: SearchRunsQuery): Promise<Page<Run>> {
  const p: Parsed = {
    filter: q.filter ?? [],
    orderBy: withoutDefaultTieBreak(q.orderBy ?? []),
    cursor: decodePageToken<Cursor>(q.pageToken, isCursor) ?? { offset: 0 },
    maxResults: Math.max(1, Math.floor(q.maxResults)),
    experimentIds: [
      ...new Set(q.experimentIds.map(parseExperimentId).filter((id): id is number => id !== null)),
    ],
    stages: lifecycleStages(q.viewType),
  };
  if (!p.experimentIds.length) return { items: [] };
  const first = p.orderBy[0];
  const single = p.experimentIds.length === 1;
  const alone = single && p.orderBy.length === 1;
  const { rows, next } =
    first?.type === 'metric' && alone
      ? await searchByMetricValue(ctx, p, first)
      : first?.type === 'metric' && single
        ? await searchByMetric(ctx, p, first)
        : isValueOrder(first) && alone
          ? await searchByValue(ctx, p, first)
          : await searchGeneric(ctx, p);
  const page: Page<Run> = { items: await loadRuns(ctx.db, rows) };
  if (next) page.next_page_token = encodePageToken({ ...next });
  return page;
}

const isDefaultTerm = (o: OrderBy | undefined, key: string, ascending: boolean): boolean =>
  o?.type === 'attribute' && o.key === key && o.ascending === ascending;

/**
 * The order without trailing terms that the default tie-break (start_time DESC, run_id ASC) adds
 * anyway: `params.x ASC, start_time DESC` is `params.x ASC`, and takes its index walk.
 */
export function withoutDefaultTieBreak(orderBy: OrderBy[]): OrderBy[] {
  const out = [...orderBy];
  const n = out.length;
  if (n >= 2 && isDefaultTerm(out[n - 2], 'start_time', false) && isDefaultTerm(out[n - 1], 'run_id', true))
    out.splice(n - 2);
  else if (isDefaultTerm(out[n - 1], 'start_time', false)) out.splice(n - 1);
  return out;
}

async function searchGeneric(ctx: StoreContext, p: Parsed): Promise<Found> {
  const where = whereSql(ctx, p);
  const order = runOrderSql(p.orderBy, 0, await numericOrderKeys(ctx, p.experimentIds, p.orderBy));
  const keyset = p.orderBy.length === 0;
  const offset = keyset || p.cursor.phase ? 0 : (p.cursor.offset ?? 0);
  const after = keyset ? afterDefault(p.cursor.after) : { sql: '1 = 1', params: [] };
  const rows = await ctx.db.query(
    `SELECT ${RUN_SELECT} FROM runs r ${order.joins.join(' ')}
     WHERE ${where.sql} AND ${after.sql} ORDER BY ${order.terms.join(', ')} LIMIT ${p.maxResults + 1} OFFSET ${offset}`,
    [...order.joinParams, ...where.params, ...after.params],
  );
  if (rows.length <= p.maxResults) return { rows };
  const page = rows.slice(0, p.maxResults);
  return {
    rows: page,
    next: keyset ? { after: nextAfterDefault(page[page.length - 1]!) } : { offset: offset + p.maxResults },
  };
}

/**
 * Ordered by a metric first: the runs that have a (non-NaN) value are read straight from the
 * (experiment, key, value) index in value order, so a page stops after its last row instead of
 * sorting the whole experiment; runs lacking the metric (or NaN) follow, in the remaining order.
 * With the metric as the only order key both parts page by keyset.
 */
async function searchByMetric(ctx: StoreContext, p: Parsed, first: OrderBy): Promise<Found> {
  const n = p.maxResults;
  const rest = runOrderSql(p.orderBy.slice(1), 1, await numericOrderKeys(ctx, p.experimentIds, p.orderBy));
  const keyset = p.orderBy.length === 1;
  // The metric index must stay the driving table.
  const join = ctx.db.dialect.orderedJoin;
  const rows: Row[] = [];
  const inMissing = p.cursor.phase === 'missing';

  if (!inMissing) {
    const where = whereSql(ctx, p, 'o0.experiment_id');
    const offset = keyset ? 0 : (p.cursor.offset ?? 0);
    let after: SqlFragment = { sql: '1 = 1', params: [] };
    if (keyset && p.cursor.after?.length === 3) {
      const [v, start, id] = p.cursor.after;
      const [bound, beyond] = first.ascending ? ['>=', '>'] : ['<=', '<'];
      after = {
        sql: `(o0.metric_value ${bound} ? AND (o0.metric_value ${beyond} ? OR r.start_time < ? OR (r.start_time = ? AND r.run_uuid > ?)))`,
        params: [v!, v!, start!, start!, id!],
      };
    }
    const withValue = await ctx.db.query(
      `SELECT ${RUN_SELECT}, o0.metric_value AS order_value FROM latest_metrics o0 ${join} runs r ON r.run_uuid = o0.run_uuid ${rest.joins.join(' ')}
       WHERE o0.metric_key = ? AND o0.is_nan = 0 AND ${where.sql} AND ${after.sql}
       ORDER BY o0.metric_value ${first.ascending ? 'ASC' : 'DESC'}, ${rest.terms.join(', ')}
       LIMIT ${n + 1} OFFSET ${offset}`,
      [...rest.joinParams, first.key, ...where.params, ...after.params],
    );
    if (withValue.length > n) {
      const page = withValue.slice(0, n);
      const last = page[n - 1]!;
      return {
        rows: page,
        next: keyset ? { after: [num(last.order_value), ...nextAfterDefault(last)] } : { offset: offset + n },
      };
    }
    rows.push(...withValue);
  }

  // A clause like `metrics.k > 0` on the ordering key already excludes runs without it.
  const excluded = p.filter.some((c) => c.type === 'metric' && c.key === first.key && c.comparator !== '!=');
  if (excluded) return { rows };
  const need = n - rows.length;
  const where = whereSql(ctx, p);
  const offset = inMissing && !keyset ? (p.cursor.offset ?? 0) : 0;
  const after = inMissing && keyset ? afterDefault(p.cursor.after) : { sql: '1 = 1', params: [] };
  const missing = await ctx.db.query(
    `SELECT ${RUN_SELECT} FROM runs r ${rest.joins.join(' ')}
     WHERE ${where.sql} AND ${after.sql} AND NOT EXISTS (SELECT 1 FROM latest_metrics x WHERE x.run_uuid = r.run_uuid AND x.metric_key = ? AND x.is_nan = 0)
     ORDER BY ${rest.terms.join(', ')} LIMIT ${need + 1} OFFSET ${offset}`,
    [...rest.joinParams, ...where.params, ...after.params, first.key],
  );
  const taken = missing.slice(0, need);
  rows.push(...taken);
  if (missing.length <= need) return { rows };
  const next: Cursor = keyset
    ? taken.length
      ? { phase: 'missing', after: nextAfterDefault(taken[taken.length - 1]!) }
      : { phase: 'missing' }
    : { phase: 'missing', offset: offset + need };
  return { rows, next };
}
