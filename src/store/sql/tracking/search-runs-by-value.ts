/**
 * Run search ordered by one param, tag or metric (`params.x` / `tags.x` / `metrics.x`, ASC or
 * DESC): read from the (experiment, key, sort key, start_time DESC, run_uuid) index of the param
 * or tag rows (migration 007), or the (experiment, key, value, run_uuid) index of the latest
 * metric values, instead of sorting the whole experiment.
 *
 * The param and tag indexes hold each value's runs in the default tie-break order, so ascending
 * order is one forward walk. Descending order (and a metric, whose index does not hold the start
 * time) reads one value's runs at a time in the default order — the head: the first value, the
 * page token's, or the one a previous step cut — and, in the same statement and only when the
 * head does not fill the page, the runs of the values beyond it by value alone (a backward walk
 * that stops after the page). The last of those values may be cut at the wrong end (its oldest
 * runs): the next step reads it as its head. A value shared by many runs (20,000 of them, as a
 * learning rate of a sweep is) therefore costs one walk of about the page, not two. Either way a
 * page costs a few index walks of about its own length, however large the experiment. Runs
 * without a value follow, as MLflow orders them.
 */
import type { OrderBy } from '../../../search/ast.js';
import type { Row, SqlValue } from '../database.js';
import { num, str, type StoreContext } from './common.js';
import {
  afterDefault,
  type Cursor,
  type Found,
  nextAfterDefault,
  type Parsed,
  whereSql,
} from './search-runs-query.js';
import { RUN_SELECT, VALUE_TABLES, valueKeyName } from './search-runs-sql.js';
import type { SqlFragment } from './search-sql.js';

type ValueOrder = OrderBy & { type: 'param' | 'tag' };

export const isValueOrder = (o: OrderBy | undefined): o is ValueOrder =>
  o?.type === 'param' || o?.type === 'tag';

/**
 * Whether a param or tag key sorts numerically in these experiments: when every value of the key
 * in them (runs of every lifecycle stage) is a number (sortNumber). Answered from the numeric
 * index, where values without a number (NULL) come first: one probe per experiment. (A query for
 * "any row with a NULL number" lets planners pick a scan of the key's rows when most values of
 * other keys have no number.)
 */
export async function sortsNumerically(
  ctx: StoreContext,
  experimentIds: readonly number[],
  o: Pick<OrderBy, 'type' | 'key'> & { type: 'param' | 'tag' },
): Promise<boolean> {
  const { table, key } = VALUE_TABLES[o.type];
  const nullsFirst = ctx.db.dialect.pick({ sqlite: 'ASC', mysql: 'ASC', postgresql: 'DESC' });
  for (const experimentId of experimentIds) {
    const [first] = await ctx.db.query(
      `SELECT sort_num FROM ${table} WHERE experiment_id = ? AND ${key} = ? AND sort_text IS NOT NULL ORDER BY sort_num ${nullsFirst} LIMIT 1`,
      [experimentId, o.key],
    );
    if (first && first.sort_num === null) return false;
  }
  return true;
}

/** The param and tag keys of an order that sort numerically (as named by valueKeyName). */
export async function numericOrderKeys(
  ctx: StoreContext,
  experimentIds: readonly number[],
  orderBy: readonly OrderBy[],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const o of orderBy) {
    if (isValueOrder(o) && (await sortsNumerically(ctx, experimentIds, o))) out.add(valueKeyName(o));
  }
  return out;
}

/**
 * A row's sort key as read back (`order_key`, selected as `src.read`): a number exactly as stored
 * (MySQL sends it as text, Dialect.readDouble), a text key as a string (MySQL returns its
 * VARBINARY text key as bytes). Walks and page tokens continue from it with `=`, `<` and `>`, so
 * a number read a unit in the last place off would skip or repeat the runs of its value.
 */
export const keyOf = (row: Row, src: Pick<OrderedSource, 'numberKey'>): number | string => {
  const v = row.order_key;
  if (src.numberKey) return num(v);
  return Buffer.isBuffer(v) ? v.toString('utf8') : str(v);
};

/**
 * Where an ordered walk reads its runs from: one row per run with a value of the ordering key,
 * in an index on (experiment, key, sort key, ...), joined to the run.
 */
export interface OrderedSource {
  /** `FROM <rows> o <join> runs r ON ...`. */
  from: string;
  /** The table of `<rows>` (the value rows alone, for finding the first value). */
  table: string;
  /** The rows of the ordering key (`?` is the key). */
  keyCond: string;
  /** The sort key column of `o`. */
  col: string;
  /** The sort key as a select-list expression that reads it back exactly (see keyOf). */
  read: string;
  /** Whether the sort key is a number (else text). */
  numberKey: boolean;
  /** A value no sort key is below: the walk starts from a range, not from IS NOT NULL. */
  lowest: SqlValue;
  /** Alias holding start_time for the tie-break (`o` when the index holds it, else `r`). */
  tieAlias: 'o' | 'r';
  /** A condition on `r` true when the run has no value of the key (`?` is the key). */
  missing: string;
  /** Whether a filter clause already excludes the runs without a value. */
  excludesMissing: (c: Parsed['filter'][number]) => boolean;
  /** Kept in the page token (param and tag orders: the order they started with). */
  numeric?: boolean;
}

/** A param or tag order: the sort-key indexes of migration 007. */
export async function searchByValue(ctx: StoreContext, p: Parsed, first: ValueOrder): Promise<Found> {
  return walkInOrder(ctx, p, first, await valueSource(ctx, p, first));
}

/**
 * Where a param or tag order reads its runs: the text or numeric sort-key index, numeric when
 * every value of the key is a number (or as the page token says the search started).
 */
export async function valueSource(ctx: StoreContext, p: Parsed, first: ValueOrder): Promise<OrderedSource> {
  const { table, key } = VALUE_TABLES[first.type];
  const numeric = p.cursor.numeric ?? (await sortsNumerically(ctx, p.experimentIds, first));
  const sortCol = numeric ? 'sort_num' : 'sort_text';
  return {
    from: `FROM ${table} o ${ctx.db.dialect.orderedJoin} runs r ON r.run_uuid = o.run_uuid`,
    table,
    keyCond: `o.${key} = ?`,
    col: `o.${sortCol}`,
    read: numeric ? ctx.db.dialect.readDouble(`o.${sortCol}`) : `o.${sortCol}`,
    numberKey: numeric,
    lowest: numeric ? -Number.MAX_VALUE : '',
    tieAlias: 'o',
    missing: `NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.${key} = ? AND x.${sortCol} IS NOT NULL)`,
    // A clause on the ordering key (`params.x = '1'`) already excludes runs without a value.
    excludesMissing: (c) => c.type === first.type && c.key === first.key,
    numeric,
  };
}

/**
 * A metric as the only order key: the (experiment, key, value) index of the latest values. Its
 * rows do not hold the start time, so the runs of one value are put in the default order by a
 * sort of that value's runs alone (ties of a metric are few; a page costs the same however large
 * the experiment). MySQL sorted the whole experiment for ORDER BY value, start_time, run id.
 */
export function searchByMetricValue(ctx: StoreContext, p: Parsed, first: OrderBy): Promise<Found> {
  return walkInOrder(ctx, p, first, metricSource(ctx, first));
}

/** Where a metric order reads its runs: the (experiment, key, value) index of the latest values. */
export function metricSource(ctx: StoreContext, first: OrderBy): OrderedSource {
  return {
    from: `FROM latest_metrics o ${ctx.db.dialect.orderedJoin} runs r ON r.run_uuid = o.run_uuid`,
    table: 'latest_metrics',
    keyCond: 'o.metric_key = ? AND o.is_nan = 0',
    col: 'o.metric_value',
    read: ctx.db.dialect.readDouble('o.metric_value'),
    numberKey: true,
    // Stored values are finite (±Infinity is kept as ±MAX_VALUE).
    lowest: -Number.MAX_VALUE,
    tieAlias: 'r',
    missing:
      'NOT EXISTS (SELECT 1 FROM latest_metrics x WHERE x.run_uuid = r.run_uuid AND x.metric_key = ? AND x.is_nan = 0)',
    // A clause like `metrics.k > 0` on the ordering key already excludes runs without it.
    excludesMissing: (c) => c.type === 'metric' && c.key === first.key && c.comparator !== '!=',
  };
}

/**
 * A value whose runs a walk step reads first: a known value (a page token's, or one a previous
 * step cut), after a (start, id) position within it, or — `first` — the first value of the key.
 */
type Head = { value: SqlValue; after?: (number | string)[] } | 'first';

async function walkInOrder(ctx: StoreContext, p: Parsed, first: OrderBy, src: OrderedSource): Promise<Found> {
  const n = p.maxResults;
  const { col, numeric } = src;
  const dir = first.ascending ? 'ASC' : 'DESC';
  const tie = src.tieAlias;
  const where = whereSql(ctx, p, 'o.experiment_id');
  const select = (part: 0 | 1): string =>
    `SELECT ${RUN_SELECT}, ${col} AS order_value, ${src.read} AS order_key, ${part} AS part ${src.from} WHERE ${src.keyCond} AND ${where.sql}`;
  // Ascending values of a param or tag: the index holds each value's runs in the default order,
  // so one forward walk is the whole order. Otherwise a walk by value alone may cut the runs of
  // its last value at the wrong end; those are read again as the next step's head.
  const ordered = first.ascending && tie === 'o';
  const tailOrder = ordered ? `${col} ASC, o.start_time DESC, o.run_uuid ASC` : `${col} ${dir}`;
  const headValue = (head: Head): SqlFragment =>
    head === 'first'
      ? // The key's first value among all its rows (an index probe; filters apply to the runs read).
        {
          sql: `(SELECT ${col} FROM ${src.table} o WHERE ${src.keyCond} AND o.experiment_id = ? AND ${col} >= ? ORDER BY ${col} ${dir} LIMIT 1)`,
          params: [first.key, p.experimentIds[0]!, src.lowest],
        }
      : { sql: '?', params: [head.value] };

  /**
   * One statement: up to `limit` runs of the head value (after its position) in the default
   * order, then — only when those do not fill `limit` — up to `limit` runs of the values beyond
   * it (`part` 1). Without a head, the runs of every value from the first, in `tailOrder`.
   */
  const step = (head: Head | undefined, limit: number): Promise<Row[]> => {
    if (!head)
      // A range (every text >= '', every number >= the lowest double) rather than IS NOT NULL:
      // MySQL otherwise left the index and sorted the matching runs (14.8 s at 200,000 runs).
      return ctx.db.query(`${select(1)} AND ${col} >= ? ORDER BY ${tailOrder} LIMIT ${limit}`, [
        first.key,
        ...where.params,
        src.lowest,
      ]);
    const value = headValue(head);
    const a = afterDefault(head === 'first' ? undefined : head.after, tie);
    // The head is one CTE read twice (its runs, and whether they fill the page): the values
    // beyond it are read only when they are needed. The outer ORDER BY sorts at most 2 * limit
    // rows: heads first, each value's runs in the default order.
    return ctx.db.query(
      `WITH head AS (${select(0)} AND ${col} = ${value.sql} AND ${a.sql}
         ORDER BY ${tie}.start_time DESC, ${tie}.run_uuid ASC LIMIT ${limit})
       SELECT * FROM (
         SELECT * FROM head
         UNION ALL
         SELECT * FROM (${select(1)} AND ${col} ${first.ascending ? '>' : '<'} ${value.sql}
           ORDER BY ${tailOrder} LIMIT ${limit}) t
         WHERE (SELECT COUNT(*) FROM head) < ${limit}
       ) u ORDER BY u.part, u.order_value ${dir}, u.start_time DESC, u.run_uuid ASC`,
      [first.key, ...where.params, ...value.params, ...a.params, first.key, ...where.params, ...value.params],
    );
  };

  const rows: Row[] = [];
  // One row beyond the page says whether another page follows.
  const want = n + 1;
  if (p.cursor.phase !== 'missing') {
    const after = p.cursor.after;
    let head: Head | undefined =
      after?.length === 3 ? { value: after[0]!, after: after.slice(1) } : ordered ? undefined : 'first';
    for (;;) {
      const limit = want - rows.length;
      const got = await step(head, limit);
      const tail = got.filter((r) => Number(r.part) === 1);
      rows.push(...got.filter((r) => Number(r.part) === 0));
      if (ordered || tail.length < limit) {
        // The tail is in order, or holds every run beyond the head with all its values.
        rows.push(...tail);
        break;
      }
      // The tail may have cut the runs of its last value: the next step reads them as its head.
      const last = keyOf(tail[tail.length - 1]!, src);
      rows.push(...tail.filter((r) => keyOf(r, src) !== last));
      if (rows.length >= want) break;
      head = { value: last };
    }
    if (rows.length > n) {
      const page = rows.slice(0, n);
      const lastRow = page[n - 1]!;
      return { rows: page, next: { numeric, after: [keyOf(lastRow, src), ...nextAfterDefault(lastRow)] } };
    }
  }

  if (p.filter.some(src.excludesMissing)) return { rows };
  const need = n - rows.length;
  const all = whereSql(ctx, p);
  const after = p.cursor.phase === 'missing' ? afterDefault(p.cursor.after) : { sql: '1 = 1', params: [] };
  const missing = await ctx.db.query(
    `SELECT ${RUN_SELECT} FROM runs r
     WHERE ${all.sql} AND ${after.sql} AND ${src.missing}
     ORDER BY r.start_time DESC, r.run_uuid ASC LIMIT ${need + 1}`,
    [...all.params, ...after.params, first.key],
  );
  const taken = missing.slice(0, need);
  rows.push(...taken);
  if (missing.length <= need) return { rows };
  const next: Cursor = taken.length
    ? { numeric, phase: 'missing', after: nextAfterDefault(taken[taken.length - 1]!) }
    : { numeric, phase: 'missing' };
  return { rows, next };
}
