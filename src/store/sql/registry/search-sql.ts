/**
 * Compiles parsed registry search filters and order-by clauses to SQL: one predicate per clause
 * (an EXISTS for tags), and a total order so offset paging is stable.
 */
import { invalidParam } from '../../../errors.js';
import type { Clause, Filter, OrderBy } from '../../../search/ast.js';
import type { Dialect, SqlValue } from '../database.js';
import { likePatternToSql } from '../../../search/like.js';
import { notPromptSql, promptScope } from './prompt-scope.js';

export type RegistryEntity = 'registered_models' | 'model_versions';

interface Compiled {
  where: string;
  params: SqlValue[];
  orderBy: string;
}

const ATTRIBUTE_COLUMNS: Record<RegistryEntity, Record<string, string>> = {
  registered_models: { name: 'name' },
  model_versions: { name: 'name', run_id: 'run_id', source_path: 'source', version_number: 'version' },
};

const ORDER_COLUMNS: Record<RegistryEntity, Record<string, string>> = {
  registered_models: {
    name: 'name',
    timestamp: 'creation_time',
    creation_timestamp: 'creation_time',
    last_updated_timestamp: 'last_updated_time',
  },
  model_versions: {
    name: 'name',
    version_number: 'version',
    creation_timestamp: 'creation_time',
    timestamp: 'creation_time',
    last_updated_timestamp: 'last_updated_time',
  },
};

const NUMERIC_OPS = new Set(['=', '!=', '>', '>=', '<', '<=']);
const STRING_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE']);

function validKeys(entity: RegistryEntity): string {
  return `{${Object.keys(ATTRIBUTE_COLUMNS[entity])
    .sort()
    .map((k) => `'${k}'`)
    .join(', ')}}`;
}

function stringPredicate(d: Dialect, col: string, c: Clause, params: SqlValue[]): string {
  if (typeof c.value !== 'string') {
    throw invalidParam(
      `Expected a quoted string value for '${c.key}' in the filter, got ${String(c.value)}.`,
    );
  }
  // LIKE patterns use the same escaping as run search, so a pattern means the same everywhere.
  const like = c.comparator === 'LIKE' || c.comparator === 'ILIKE';
  params.push(like ? likePatternToSql(c.value) : c.value);
  switch (c.comparator) {
    case 'LIKE':
      return d.like(col);
    case 'ILIKE':
      return d.ilike(col);
    case '=':
      return `${col} = ?`;
    case '!=':
      return `${col} <> ?`;
    default:
      throw invalidParam(
        `Invalid comparator '${c.comparator}' for '${c.key}': use one of =, !=, LIKE, ILIKE.`,
      );
  }
}

function attributePredicate(
  d: Dialect,
  entity: RegistryEntity,
  alias: string,
  c: Clause,
  params: SqlValue[],
): string {
  const column = ATTRIBUTE_COLUMNS[entity][c.key];
  if (!column) {
    throw invalidParam(`Invalid attribute key '${c.key}' specified. Valid keys are '${validKeys(entity)}'`);
  }
  const col = `${alias}.${d.id(column)}`;
  if (column === 'version') {
    const n = typeof c.value === 'number' ? c.value : NaN;
    if (!Number.isInteger(n) || !NUMERIC_OPS.has(c.comparator)) {
      throw invalidParam(
        `Invalid filter on 'version_number': expected a comparison (=, !=, >, >=, <, <=) with an integer, got ${c.comparator} ${JSON.stringify(c.value)}.`,
      );
    }
    params.push(n);
    return `${col} ${c.comparator === '!=' ? '<>' : c.comparator} ?`;
  }
  if (c.comparator === 'IN' || c.comparator === 'NOT IN') {
    if (column !== 'run_id' || !Array.isArray(c.value)) {
      throw invalidParam(`'${c.comparator}' is only supported for 'run_id' in a model version filter.`);
    }
    if (c.value.length === 0) return c.comparator === 'IN' ? '1 = 0' : '1 = 1';
    params.push(...c.value);
    return `${col} ${c.comparator} (${c.value.map(() => '?').join(', ')})`;
  }
  return stringPredicate(d, col, c, params);
}

function tagPredicate(
  d: Dialect,
  entity: RegistryEntity,
  alias: string,
  c: Clause,
  params: SqlValue[],
): string {
  if (!STRING_OPS.has(c.comparator)) {
    throw invalidParam(
      `Invalid comparator '${c.comparator}' for tag '${c.key}': use one of =, !=, LIKE, ILIKE.`,
    );
  }
  const q = d.id;
  const table = entity === 'registered_models' ? 'registered_model_tags' : 'model_version_tags';
  const join =
    entity === 'registered_models'
      ? `t.${q('name')} = ${alias}.${q('name')}`
      : `t.${q('name')} = ${alias}.${q('name')} AND t.${q('version')} = ${alias}.${q('version')}`;
  params.push(c.key);
  const value = stringPredicate(d, `t.${q('value')}`, c, params);
  return `EXISTS (SELECT 1 FROM ${q(table)} t WHERE ${join} AND t.${q('key')} = ? AND ${value})`;
}

export function compileSearch(
  d: Dialect,
  entity: RegistryEntity,
  alias: string,
  filter: Filter,
  orderBy: OrderBy[],
): Compiled {
  const params: SqlValue[] = [];
  const { clauses, excludePrompts } = promptScope(filter);
  const predicates = clauses.map((c) => {
    if (c.type === 'tag') return tagPredicate(d, entity, alias, c, params);
    if (c.type === 'attribute') return attributePredicate(d, entity, alias, c, params);
    throw invalidParam(`Invalid filter '${c.type}.${c.key}': only attributes and tags can be searched here.`);
  });
  if (excludePrompts) predicates.push(notPromptSql(d, alias, params));
  const seen = new Set<string>();
  const order: string[] = [];
  const add = (column: string, ascending: boolean): void => {
    if (seen.has(column)) return;
    seen.add(column);
    order.push(`${alias}.${d.id(column)} ${ascending ? 'ASC' : 'DESC'}`);
  };
  for (const o of orderBy) {
    const column = o.type === 'attribute' ? ORDER_COLUMNS[entity][o.key] : undefined;
    if (!column) {
      const valid = Object.keys(ORDER_COLUMNS[entity]).sort().join("', '");
      throw invalidParam(`Invalid order by key '${o.key}' specified. Valid keys are '${valid}'`);
    }
    add(column, o.ascending);
  }
  if (entity === 'registered_models') {
    add('name', true);
  } else {
    // Newest activity first by default, then name ascending and version descending.
    if (orderBy.length === 0) add('last_updated_time', false);
    add('name', true);
    add('version', false);
  }
  return {
    where: predicates.length ? `WHERE ${predicates.join(' AND ')}` : '',
    params,
    orderBy: `ORDER BY ${order.join(', ')}`,
  };
}
