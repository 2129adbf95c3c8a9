/**
 * What SQLite and PostgreSQL share: double-quoted identifiers, `INSERT ... ON CONFLICT` and
 * `INSERT ... RETURNING`.
 */
import type { Dialect, UpsertOptions } from '../database.js';
import { insertPrefix, placeholders, tuple, updatedColumns } from './statements.js';

const id = (name: string): string => `"${name}"`;

function upsert(
  table: string,
  columns: readonly string[],
  keys: readonly string[],
  options: UpsertOptions = {},
): string {
  // `WHERE true`: SQLite would otherwise read ON CONFLICT as a join constraint of the SELECT.
  const rows = options.source
    ? `INSERT INTO ${id(table)} (${columns.map(id).join(', ')}) SELECT * FROM (${options.source}) AS incoming WHERE true`
    : `${insertPrefix(id, table, columns)}${placeholders(columns, options.rows ?? 1)}`;
  const head = `${rows} ON CONFLICT (${keys.map(id).join(', ')})`;
  const updates = updatedColumns(columns, keys, options);
  if (!updates.length) return `${head} DO NOTHING`;
  const stored = (c: string): string => `${id(table)}.${id(c)}`;
  const incoming = (c: string): string => `excluded.${id(c)}`;
  const value = (c: string): string => options.combine?.[c]?.(stored, incoming) ?? incoming(c);
  const order = options.whenGreater;
  const always = options.always ?? {};
  if (order?.length && Object.keys(always).length) {
    // Each column takes the incoming value only when the tuple is greater, except `always` ones.
    const greater = `${tuple('excluded', order, id)} > ${tuple(id(table), order, id)}`;
    const set = updates.map((c) => {
      const expr = always[c]?.(stored, incoming);
      return `${id(c)} = ${expr ?? `CASE WHEN ${greater} THEN ${incoming(c)} ELSE ${stored(c)} END`}`;
    });
    const changed = Object.entries(always).map(([c, f]) => `${stored(c)} <> ${f(stored, incoming)}`);
    return `${head} DO UPDATE SET ${set.join(', ')} WHERE ${[greater, ...changed].join(' OR ')}`;
  }
  const set = updates.map((c) => `${id(c)} = ${value(c)}`).join(', ');
  const where = order?.length
    ? ` WHERE ${tuple('excluded', order, id)} > ${tuple(id(table), order, id)}`
    : options.combineWhen
      ? ` WHERE ${options.combineWhen(stored, incoming)}`
      : '';
  return `${head} DO UPDATE SET ${set}${where}`;
}

export const onConflictStatements: Pick<Dialect, 'id' | 'upsert' | 'insertIgnore' | 'insertReturningId'> = {
  id,
  upsert,
  insertIgnore: (table, columns, keys, rows = 1) =>
    `${insertPrefix(id, table, columns)}${placeholders(columns, rows)} ON CONFLICT (${keys.map(id).join(', ')}) DO NOTHING`,
  async insertReturningId(ex, table, columns, params, idColumn) {
    const rows = await ex.query(
      `${insertPrefix(id, table, columns)}${placeholders(columns, 1)} RETURNING ${id(idColumn)} AS id`,
      params,
    );
    return Number(rows[0]!.id);
  },
};
