import type { LoggedModel, Page } from '../../../entities/tracking.js';
import { invalidParam } from '../../../errors.js';
import type { Clause } from '../../../search/ast.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../../search/page-token.js';
import type { Dialect, SqlValue } from '../database.js';
import type { DatasetRef, SearchLoggedModelsQuery } from '../../tracking-store.js';
import { parseExperimentId, qs, type StoreContext } from './common.js';
import { loadModels } from './logged-models.js';
import { and, comparison, metricComparison, nullsLast, type SqlFragment } from './search-sql.js';

const COLUMNS: Record<string, string> = {
  name: 'm.name',
  model_id: 'm.model_id',
  model_type: 'm.model_type',
  source_run_id: 'm.source_run_id',
  creation_timestamp: 'm.creation_time',
  last_updated_timestamp: 'm.last_updated_time',
};

// Status is stored as its enum number; filters compare its name (`READY` or `LOGGED_MODEL_READY`).
const STATUS_EXPR =
  "CASE m.status WHEN 1 THEN 'LOGGED_MODEL_PENDING' WHEN 2 THEN 'LOGGED_MODEL_READY' WHEN 3 THEN 'LOGGED_MODEL_UPLOAD_FAILED' ELSE 'LOGGED_MODEL_STATUS_UNSPECIFIED' END";
const statusValue = (v: string): string =>
  v.startsWith('LOGGED_MODEL_') || /[%_]/.test(v) ? v : `LOGGED_MODEL_${v}`;

function datasetCondition(alias: string, datasets: readonly DatasetRef[] | undefined): SqlFragment {
  if (!datasets?.length) return { sql: '', params: [] };
  const parts = datasets.map((ds) =>
    ds.dataset_digest
      ? {
          sql: `(${alias}.dataset_name = ? AND ${alias}.dataset_digest = ?)`,
          params: [ds.dataset_name, ds.dataset_digest],
        }
      : { sql: `${alias}.dataset_name = ?`, params: [ds.dataset_name] },
  );
  return { sql: ` AND (${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

function clauseSql(d: Dialect, c: Clause, datasets: readonly DatasetRef[] | undefined): SqlFragment {
  switch (c.type) {
    case 'attribute': {
      if (c.key === 'status') {
        const value = Array.isArray(c.value) ? c.value.map(statusValue) : statusValue(String(c.value));
        return comparison(d, STATUS_EXPR, c.comparator, value);
      }
      const col = COLUMNS[c.key];
      if (!col) throw invalidParam(`Invalid attribute key '${c.key}' specified.`);
      return comparison(d, col, c.comparator, c.value);
    }
    case 'metric': {
      const cmp = metricComparison('x.metric_value', 'x.is_nan', c.comparator, c.value);
      const ds = datasetCondition('x', datasets);
      return {
        sql: `EXISTS (SELECT 1 FROM logged_model_metrics x WHERE x.model_id = m.model_id AND x.metric_key = ?${ds.sql} AND ${cmp.sql})`,
        params: [c.key, ...ds.params, ...cmp.params],
      };
    }
    case 'param':
    case 'tag': {
      const [table, k, v] =
        c.type === 'param'
          ? ['logged_model_params', 'param_key', 'param_value']
          : ['logged_model_tags', 'tag_key', 'tag_value'];
      const cmp = comparison(d, `x.${v}`, c.comparator, c.value);
      return {
        sql: `EXISTS (SELECT 1 FROM ${table} x WHERE x.model_id = m.model_id AND x.${k} = ? AND ${cmp.sql})`,
        params: [c.key, ...cmp.params],
      };
    }
    default:
      throw invalidParam(`Invalid entity type '${String(c.type)}'`);
  }
}

/** Logged models of the given experiments; default order creation time DESC, then model id. */
export async function searchLoggedModels(
  ctx: StoreContext,
  q: SearchLoggedModelsQuery,
): Promise<Page<LoggedModel>> {
  const d = ctx.db.dialect;
  const filter = q.filter ?? [];
  const offset = decodeOffsetToken(q.pageToken);
  const maxResults = Math.max(1, Math.floor(q.maxResults));
  const experimentIds = [
    ...new Set(q.experimentIds.map(parseExperimentId).filter((id): id is number => id !== null)),
  ];
  if (!experimentIds.length) return { items: [] };

  const parts: SqlFragment[] = [
    { sql: `m.experiment_id IN (${qs(experimentIds.length)})`, params: experimentIds },
    { sql: "m.lifecycle_stage = 'active'", params: [] },
    ...filter.map((c) => clauseSql(d, c, q.datasets)),
  ];
  if (q.datasets?.length) {
    const ds = datasetCondition('x', q.datasets);
    parts.push({
      sql: `EXISTS (SELECT 1 FROM logged_model_metrics x WHERE x.model_id = m.model_id${ds.sql})`,
      params: ds.params,
    });
  }
  const where = and(parts);

  const orderParams: SqlValue[] = [];
  const terms: string[] = [];
  for (const o of q.orderBy ?? []) {
    if (o.type === 'metric') {
      const ds = datasetCondition('x', o.dataset ? [o.dataset] : undefined);
      // The model's latest value of the metric (greatest step, then timestamp).
      const value = `(SELECT x.metric_value FROM logged_model_metrics x WHERE x.model_id = m.model_id AND x.metric_key = ? AND x.is_nan = 0${ds.sql} ORDER BY x.step DESC, x.ts DESC LIMIT 1)`;
      orderParams.push(o.key, ...ds.params, o.key, ...ds.params);
      terms.push(nullsLast(value, o.ascending));
    } else if (o.key === 'status') {
      terms.push(`m.status ${o.ascending ? 'ASC' : 'DESC'}`);
    } else {
      const col = COLUMNS[o.key];
      if (!col) throw invalidParam(`Invalid order by field name: ${o.key}`);
      terms.push(`${col} ${o.ascending ? 'ASC' : 'DESC'}`);
    }
  }
  terms.push('m.creation_time DESC', 'm.model_id ASC');

  const rows = await ctx.db.query(
    `SELECT m.model_id, m.experiment_id, m.name, m.artifact_location, m.creation_time, m.last_updated_time, m.status, m.model_type, m.source_run_id, m.status_message
     FROM logged_models m WHERE ${where.sql} ORDER BY ${terms.join(', ')} LIMIT ${maxResults + 1} OFFSET ${offset}`,
    [...where.params, ...orderParams],
  );
  const more = rows.length > maxResults;
  const page: Page<LoggedModel> = {
    items: await loadModels(ctx.db, ctx.db.dialect, more ? rows.slice(0, maxResults) : rows),
  };
  if (more) page.next_page_token = encodeOffsetToken(offset + maxResults);
  return page;
}
