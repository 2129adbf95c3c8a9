import type { Page, Run } from '../../../entities/tracking.js';
import type { OrderBy } from '../../../search/ast.js';
import { decodePageToken, encodePageToken } from '../../../search/page-token.js';
import type { SearchRunsQuery } from '../../tracking-store.js';
import { parseExperimentId, type StoreContext } from './common.js';
import { loadRuns } from './run-loader.js';
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
import { searchInKeyGroups } from './search-runs-by-key-groups.js';

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
  const { rows, next } = await search(ctx, p);
  const page: Page<Run> = { items: await loadRuns(ctx.db, rows) };
  if (next) page.next_page_token = encodePageToken({ ...next });
  return page;
}

/**
 * Ordered by a param, tag or metric first in one experiment, that key's index gives the runs in
 * its order (alone: keyset pages; with further keys: sorted one tie group at a time).
 */
function search(ctx: StoreContext, p: Parsed): Promise<Found> {
  const first = p.orderBy[0];
  const walkable = p.experimentIds.length === 1 && (first?.type === 'metric' || isValueOrder(first));
  if (!first || !walkable) return searchGeneric(ctx, p);
  if (p.orderBy.length > 1) return searchInKeyGroups(ctx, p, first);
  return isValueOrder(first) ? searchByValue(ctx, p, first) : searchByMetricValue(ctx, p, first);
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
