/**
 * Run search ordered by several keys, the first a param, tag or metric (`params.lr ASC,
 * metrics.loss DESC`), in one experiment. The first key's index yields the runs in first-key
 * order; only the runs a page needs are ordered by the further keys: those whose first-key value
 * sorts before the value of the page's last run, and every run sharing that last value (its tie
 * group), sorted in SQL. A page therefore costs an index walk of about its own length plus a sort
 * of one tie group, however large the experiment — and a first key with few distinct values (huge
 * tie groups) costs a sort of its group.
 *
 * Pages resume by keyset on the first key plus an offset inside its tie group: the token holds the
 * first-key value of the page's last run and how many runs of that value were returned so far.
 * Runs without a value of the first key follow, ordered by the further keys, paged by offset.
 */
import type { OrderBy } from '../../../search/ast.js';
import type { Row, SqlValue } from '../database.js';
import type { StoreContext } from './common.js';
import { isValueOrder, keyOf, metricSource, numericOrderKeys, valueSource } from './search-runs-by-value.js';
import { type Found, type Parsed, whereSql } from './search-runs-query.js';
import { RUN_SELECT, runOrderSql } from './search-runs-sql.js';
import { and, type SqlFragment } from './search-sql.js';

export async function searchInKeyGroups(ctx: StoreContext, p: Parsed, first: OrderBy): Promise<Found> {
  const src = isValueOrder(first) ? await valueSource(ctx, p, first) : metricSource(ctx, first);
  const further = p.orderBy.slice(1);
  const rest = runOrderSql(further, 1, await numericOrderKeys(ctx, p.experimentIds, further));
  const { col, numeric } = src;
  const n = p.maxResults;
  // One run beyond the page says whether another page follows.
  const want = n + 1;
  const where = whereSql(ctx, p, 'o.experiment_id');

  /** Runs whose first-key value is in `range`, ordered by the first key and then the rest. */
  const ordered = (range: SqlFragment, limit: number, offset = 0): Promise<Row[]> =>
    ctx.db.query(
      `SELECT ${RUN_SELECT}, ${src.read} AS order_key ${src.from} ${rest.joins.join(' ')}
       WHERE ${src.keyCond} AND ${where.sql} AND ${range.sql}
       ORDER BY ${col} ${first.ascending ? 'ASC' : 'DESC'}, ${rest.terms.join(', ')}
       LIMIT ${limit} OFFSET ${offset}`,
      [...rest.joinParams, first.key, ...where.params, ...range.params],
    );
  /** The first-key value of the k-th run in `range` by first key alone (an index walk of k rows). */
  const nthValue = async (range: SqlFragment, k: number): Promise<number | string | undefined> => {
    const [row] = await ctx.db.query(
      `SELECT ${src.read} AS order_key ${src.from}
       WHERE ${src.keyCond} AND ${where.sql} AND ${range.sql}
       ORDER BY ${col} ${first.ascending ? 'ASC' : 'DESC'} LIMIT 1 OFFSET ${k - 1}`,
      [first.key, ...where.params, ...range.params],
    );
    return row ? keyOf(row, src) : undefined;
  };
  /** Values sorting after `bound` (every value when there is none). */
  const beyond = (bound: SqlValue | undefined): SqlFragment =>
    bound === undefined
      ? // A range rather than IS NOT NULL keeps MySQL on the index (see search-runs-by-value.ts).
        { sql: `${col} >= ?`, params: [src.lowest] }
      : { sql: `${col} ${first.ascending ? '>' : '<'} ?`, params: [bound] };

  const rows: Row[] = [];
  if (p.cursor.phase !== 'missing') {
    const after = p.cursor.after;
    const resumed = after?.length === 1 ? { value: after[0]!, returned: p.cursor.offset ?? 0 } : undefined;
    let bound: SqlValue | undefined;
    if (resumed) {
      // The rest of the tie group the previous page ended in.
      rows.push(...(await ordered({ sql: `${col} = ?`, params: [resumed.value] }, want, resumed.returned)));
      bound = resumed.value;
    }
    if (rows.length < want) {
      // Up to and including the tie group of the value the page will end in.
      const need = want - rows.length;
      const last = await nthValue(beyond(bound), need);
      const range =
        last === undefined
          ? beyond(bound)
          : and([beyond(bound), { sql: `${col} ${first.ascending ? '<=' : '>='} ?`, params: [last] }]);
      rows.push(...(await ordered(range, need)));
    }
    if (rows.length > n) {
      const page = rows.slice(0, n);
      const lastValue = keyOf(page[n - 1]!, src);
      let returned = page.filter((r) => keyOf(r, src) === lastValue).length;
      if (resumed?.value === lastValue) returned += resumed.returned;
      return { rows: page, next: { numeric, after: [lastValue], offset: returned } };
    }
  }

  if (p.filter.some(src.excludesMissing)) return { rows };
  const need = n - rows.length;
  const all = whereSql(ctx, p);
  const offset = p.cursor.phase === 'missing' ? (p.cursor.offset ?? 0) : 0;
  const missing = await ctx.db.query(
    `SELECT ${RUN_SELECT} FROM runs r ${rest.joins.join(' ')}
     WHERE ${all.sql} AND ${src.missing}
     ORDER BY ${rest.terms.join(', ')} LIMIT ${need + 1} OFFSET ${offset}`,
    [...rest.joinParams, ...all.params, first.key],
  );
  rows.push(...missing.slice(0, need));
  if (missing.length <= need) return { rows };
  return { rows, next: { numeric, phase: 'missing', offset: offset + need } };
}
