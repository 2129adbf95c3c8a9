/** SQL building blocks of run search: filter clauses and ORDER BY over the alias `r` (runs). */
import type { ViewType } from '../../../entities/tracking.js';
import { invalidParam } from '../../../errors.js';
import type { Clause, OrderBy } from '../../../search/ast.js';
import type { Dialect, SqlValue } from '../database.js';
import { comparison, metricComparison, nullsLast, type SqlFragment } from './search-sql.js';

const RUN_ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const DATASET_COLUMNS: Record<string, string> = {
  name: 'ds.name',
  digest: 'ds.digest',
  context: 'ctx_tag.tag_value',
};

export function lifecycleStages(view: ViewType): string[] {
  return view === 'DELETED_ONLY' ? ['deleted'] : view === 'ALL' ? ['active', 'deleted'] : ['active'];
}

function attributeColumn(key: string): string {
  const col = RUN_ATTRIBUTE_COLUMNS[key];
  if (!col) throw invalidParam(`Invalid attribute key '${key}' specified.`);
  return col;
}

/** One clause of a runs filter as SQL over the alias `r` (runs). */
export function runClauseSql(d: Dialect, c: Clause): SqlFragment {
  switch (c.type) {
    case 'metric': {
      const cmp = metricComparison('m.metric_value', 'm.is_nan', c.comparator, c.value);
      return {
        sql: `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.metric_key = ? AND ${cmp.sql})`,
        params: [c.key, ...cmp.params],
      };
    }
    case 'param':
    case 'tag': {
      const [table, k, v] =
        c.type === 'param' ? ['params', 'param_key', 'param_value'] : ['tags', 'tag_key', 'tag_value'];
      const cmp = comparison(d, `e.${v}`, c.comparator, c.value);
      return {
        sql: `EXISTS (SELECT 1 FROM ${table} e WHERE e.run_uuid = r.run_uuid AND e.${k} = ? AND ${cmp.sql})`,
        params: [c.key, ...cmp.params],
      };
    }
    case 'attribute':
      return comparison(d, attributeColumn(c.key), c.comparator, c.value);
    case 'dataset': {
      const col = DATASET_COLUMNS[c.key];
      if (!col) throw invalidParam(`Invalid dataset key '${c.key}' specified.`);
      const cmp = comparison(d, col, c.comparator, c.value);
      const contextJoin =
        c.key === 'context'
          ? ` JOIN input_tags ctx_tag ON ctx_tag.input_uuid = ri.input_uuid AND ctx_tag.tag_key = 'mlflow.data.context'`
          : '';
      return {
        sql: `EXISTS (SELECT 1 FROM run_inputs ri JOIN datasets ds ON ds.dataset_uuid = ri.dataset_uuid${contextJoin} WHERE ri.run_uuid = r.run_uuid AND ${cmp.sql})`,
        params: cmp.params,
      };
    }
    default:
      throw invalidParam(`Invalid entity type '${String(c.type)}'`);
  }
}

export interface OrderPlan {
  joins: string[];
  joinParams: SqlValue[];
  terms: string[];
}

/** The table and columns holding a run's params or tags. */
export const VALUE_TABLES = {
  param: { table: 'params', key: 'param_key', value: 'param_value' },
  tag: { table: 'tags', key: 'tag_key', value: 'tag_value' },
} as const;

/** Names a param or tag order key in the set of keys that sort numerically. */
export const valueKeyName = (o: Pick<OrderBy, 'type' | 'key'>): string => `${o.type}\u0000${o.key}`;

/**
 * ORDER BY for runs: requested keys (missing values and NaN last), then start_time DESC, run_id
 * ASC. Params and tags named in `numeric` (see valueKeyName) sort by their numeric sort key, the
 * others by their text sort key (tracking/sort-keys.ts).
 */
export function runOrderSql(
  orderBy: OrderBy[],
  firstAlias = 0,
  numeric: ReadonlySet<string> = new Set(),
): OrderPlan {
  const plan: OrderPlan = { joins: [], joinParams: [], terms: [] };
  let hasStart = false;
  let hasId = false;
  orderBy.forEach((o, i) => {
    const a = `o${firstAlias + i}`;
    if (o.type === 'attribute') {
      const col = attributeColumn(o.key);
      if (o.key === 'start_time') hasStart = true;
      if (o.key === 'run_id') hasId = true;
      plan.terms.push(
        o.key === 'end_time' ? nullsLast(col, o.ascending) : `${col} ${o.ascending ? 'ASC' : 'DESC'}`,
      );
    } else if (o.type === 'metric') {
      plan.joins.push(`LEFT JOIN latest_metrics ${a} ON ${a}.run_uuid = r.run_uuid AND ${a}.metric_key = ?`);
      plan.joinParams.push(o.key);
      // NaN and missing values tie (both last), so the tie-break orders them on every database.
      plan.terms.push(
        nullsLast(
          `CASE WHEN ${a}.is_nan = 1 THEN NULL ELSE ${a}.metric_value END`,
          o.ascending,
          `${a}.metric_value IS NULL OR ${a}.is_nan = 1`,
        ),
      );
    } else if (o.type === 'param' || o.type === 'tag') {
      const { table, key } = VALUE_TABLES[o.type];
      plan.joins.push(`LEFT JOIN ${table} ${a} ON ${a}.run_uuid = r.run_uuid AND ${a}.${key} = ?`);
      plan.joinParams.push(o.key);
      const sortKey = numeric.has(valueKeyName(o)) ? 'sort_num' : 'sort_text';
      plan.terms.push(nullsLast(`${a}.${sortKey}`, o.ascending));
    } else {
      throw invalidParam(`Invalid order_by entity: ${o.type}`);
    }
  });
  if (!hasStart) plan.terms.push('r.start_time DESC');
  if (!hasId) plan.terms.push('r.run_uuid ASC');
  return plan;
}

export const RUN_SELECT =
  'r.run_pk, r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri';
