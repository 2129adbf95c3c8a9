import type { Experiment, Page } from '../../../entities/tracking.js';
import { invalidParam } from '../../../errors.js';
import type { Clause } from '../../../search/ast.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../../search/page-token.js';
import type { Dialect } from '../database.js';
import type { SearchExperimentsQuery } from '../../tracking-store.js';
import { qs, type StoreContext } from './common.js';
import { experimentsFromRows } from './experiments.js';
import { and, comparison, type SqlFragment } from './search-sql.js';
import { lifecycleStages } from './search-runs.js';

const EXPERIMENT_ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: 'e.name',
  experiment_id: 'e.experiment_id',
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
};

function column(key: string): string {
  const col = EXPERIMENT_ATTRIBUTE_COLUMNS[key];
  if (!col) throw invalidParam(`Invalid attribute key '${key}' specified.`);
  return col;
}

function clauseSql(d: Dialect, c: Clause): SqlFragment {
  if (c.type === 'attribute') return comparison(d, column(c.key), c.comparator, c.value);
  if (c.type === 'tag') {
    const cmp = comparison(d, 't.tag_value', c.comparator, c.value);
    return {
      sql: `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.tag_key = ? AND ${cmp.sql})`,
      params: [c.key, ...cmp.params],
    };
  }
  throw invalidParam(`Invalid entity type '${c.type}'. Valid entity types are ('attribute', 'tag', 'tags')`);
}

/**
 * Default order creation_time DESC, experiment_id ASC; with an explicit order that does not name
 * experiment_id, ties are broken by experiment_id DESC (as MLflow's SQL store does).
 */
export async function searchExperiments(
  ctx: StoreContext,
  q: SearchExperimentsQuery,
): Promise<Page<Experiment>> {
  const d = ctx.db.dialect;
  const filter = q.filter ?? [];
  const orderBy = q.orderBy ?? [];
  const offset = decodeOffsetToken(q.pageToken);
  const maxResults = Math.max(1, Math.floor(q.maxResults));
  const stages = lifecycleStages(q.viewType);
  const where = and([
    { sql: `e.lifecycle_stage IN (${qs(stages.length)})`, params: stages },
    ...filter.map((c) => clauseSql(d, c)),
  ]);
  const terms = orderBy.map((o) => {
    if (o.type !== 'attribute') throw invalidParam(`Invalid order_by entity: ${o.type}`);
    return `${column(o.key)} ${o.ascending ? 'ASC' : 'DESC'}`;
  });
  if (!terms.length) terms.push('e.creation_time DESC', 'e.experiment_id ASC');
  else if (!orderBy.some((o) => o.key === 'experiment_id')) terms.push('e.experiment_id DESC');
  const rows = await ctx.db.query(
    `SELECT e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time
     FROM experiments e WHERE ${where.sql} ORDER BY ${terms.join(', ')} LIMIT ${maxResults + 1} OFFSET ${offset}`,
    where.params,
  );
  const more = rows.length > maxResults;
  const page: Page<Experiment> = {
    items: await experimentsFromRows(ctx.db, more ? rows.slice(0, maxResults) : rows),
  };
  if (more) page.next_page_token = encodeOffsetToken(offset + maxResults);
  return page;
}
