/** A parsed run search and where its pages resume: what every run search strategy works from. */
import type { Clause, OrderBy } from '../../../search/ast.js';
import type { Row } from '../database.js';
import { num, qs, type StoreContext } from './common.js';
import { and, type SqlFragment } from './search-sql.js';
import { runClauseSql } from './search-runs-sql.js';

/**
 * Where a search resumes. Orders that end in the default tie-break (start_time DESC, run_id ASC)
 * resume after the last row's sort key (`after`: keyset, constant cost however deep the page);
 * other orders resume at an offset. Searches ordered by a metric, param or tag first say whether
 * the position is among the runs that have a value or among those without it (`phase:
 * 'missing'`); param and tag orders also keep the order they started with (`numeric`), so that
 * a value logged between pages cannot switch text and numeric order halfway. Orders of several
 * keys led by a param, tag or metric resume after the first key's value (`after` of one element)
 * and `offset` runs into the runs that share it.
 */
export interface Cursor {
  offset?: number;
  after?: (number | string)[];
  phase?: 'missing';
  numeric?: boolean;
}

export const isCursor = (v: Record<string, unknown>): boolean =>
  (v.offset === undefined ||
    (typeof v.offset === 'number' && Number.isSafeInteger(v.offset) && v.offset >= 0)) &&
  (v.after === undefined ||
    (Array.isArray(v.after) &&
      v.after.length >= 1 &&
      v.after.length <= 3 &&
      v.after.every((x) => typeof x === 'number' || typeof x === 'string'))) &&
  (v.phase === undefined || v.phase === 'missing') &&
  (v.numeric === undefined || typeof v.numeric === 'boolean');

export interface Parsed {
  experimentIds: number[];
  stages: string[];
  filter: Clause[];
  orderBy: OrderBy[];
  maxResults: number;
  cursor: Cursor;
}

export function whereSql(ctx: StoreContext, p: Parsed, experimentCol = 'r.experiment_id'): SqlFragment {
  return and([
    { sql: `${experimentCol} IN (${qs(p.experimentIds.length)})`, params: p.experimentIds },
    { sql: `r.lifecycle_stage IN (${qs(p.stages.length)})`, params: p.stages },
    ...p.filter.map((c) => runClauseSql(ctx.db.dialect, c)),
  ]);
}

/** Rows strictly after (start_time, run_id) in start_time DESC, run_id ASC order. */
export function afterDefault(after: (number | string)[] | undefined, alias = 'r'): SqlFragment {
  if (after?.length !== 2) return { sql: '1 = 1', params: [] };
  const [start, id] = after;
  // The leading `<=` bounds the index range; the OR then skips the rows already returned.
  return {
    sql: `(${alias}.start_time <= ? AND (${alias}.start_time < ? OR ${alias}.run_uuid > ?))`,
    params: [start!, start!, id!],
  };
}

export function nextAfterDefault(last: Row): (number | string)[] {
  return [num(last.start_time), String(last.run_uuid)];
}

/** A search's rows and, when more follow, where the next page resumes. */
export interface Found {
  rows: Row[];
  next?: Cursor;
}
