/**
 * Compiles parsed search filters and order-by clauses (src/search/ast.ts) into SQL fragments.
 * Every clause becomes one EXISTS (or a plain column comparison for attributes), so a filter on
 * many keys never multiplies rows, and each EXISTS is an index probe on (run, key).
 */
import type { Clause, Comparator, OrderBy } from '../../../search/ast.js';
import { likePatternToSql } from '../../../search/like.js';
import { invalidParam } from '../../../errors.js';
import type { Dialect, SqlValue } from '../database.js';
import { qs } from './common.js';

export interface SqlFragment {
  sql: string;
  params: SqlValue[];
}

/** `expr <op> ?` for a string or numeric comparison, LIKE/ILIKE through the dialect. */
export function comparison(d: Dialect, expr: string, op: Comparator, value: Clause['value']): SqlFragment {
  switch (op) {
    case 'LIKE':
      return { sql: d.like(expr), params: [likePatternToSql(String(value))] };
    case 'ILIKE':
      return { sql: d.ilike(expr), params: [likePatternToSql(String(value))] };
    case 'IN':
    case 'NOT IN': {
      const list = Array.isArray(value) ? value : [String(value)];
      if (!list.length) return { sql: op === 'IN' ? '1 = 0' : '1 = 1', params: [] };
      return { sql: `${expr} ${op} (${qs(list.length)})`, params: list };
    }
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      return { sql: `${expr} ${op === '!=' ? '<>' : op} ?`, params: [value as SqlValue] };
    default:
      throw invalidParam(`Unsupported comparator '${String(op)}'`);
  }
}

/** A numeric comparison on a metric value column pair (value, is_nan): NaN only satisfies `!=`. */
export function metricComparison(
  valueCol: string,
  nanCol: string,
  op: Comparator,
  value: Clause['value'],
): SqlFragment {
  const n = Number(value);
  if (!Number.isFinite(n) && !Number.isNaN(n)) {
    // ±Infinity are stored as ±Number.MAX_VALUE.
    return metricComparison(valueCol, nanCol, op, n > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE);
  }
  if (op === '!=') return { sql: `(${nanCol} = 1 OR ${valueCol} <> ?)`, params: [n] };
  if (!['=', '>', '>=', '<', '<='].includes(op)) {
    throw invalidParam(`Invalid comparator '${op}' for a metric; expected one of =, !=, >, >=, <, <=`);
  }
  return { sql: `(${nanCol} = 0 AND ${valueCol} ${op} ?)`, params: [n] };
}

export function and(parts: SqlFragment[]): SqlFragment {
  return {
    sql: parts.map((p) => p.sql).join(' AND '),
    params: parts.flatMap((p) => p.params),
  };
}

export const direction = (o: OrderBy): string => (o.ascending ? 'ASC' : 'DESC');

/** ORDER BY terms that put NULLs (missing values) last in both directions. */
export function nullsLast(expr: string, ascending: boolean, missing = `${expr} IS NULL`): string {
  return `CASE WHEN ${missing} THEN 1 ELSE 0 END, ${expr} ${ascending ? 'ASC' : 'DESC'}`;
}
