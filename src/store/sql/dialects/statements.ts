/** SQL pieces the dialect adapters build their statements from. */
import type { Dialect, SqlValue, UpsertOptions } from '../database.js';

export function placeholders(columns: readonly string[], rows: number): string {
  const one = `(${columns.map(() => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}

export function insertPrefix(id: (n: string) => string, table: string, columns: readonly string[]): string {
  return `INSERT INTO ${id(table)} (${columns.map(id).join(', ')}) VALUES `;
}

/** The non-key columns an upsert writes over an existing row. */
export function updatedColumns(
  columns: readonly string[],
  keys: readonly string[],
  options: UpsertOptions,
): string[] {
  const keep = new Set([...keys, ...(options.keep ?? [])]);
  const combined = Object.keys(options.combine ?? {});
  for (const c of [...(options.keep ?? []), ...(options.whenGreater ?? []), ...combined]) {
    if (!columns.includes(c)) throw new Error(`upsert of ${columns.join(', ')}: unknown column ${c}`);
  }
  if (options.combineWhen && !combined.length) {
    throw new Error(`upsert of ${columns.join(', ')}: combineWhen needs combine`);
  }
  for (const c of Object.keys(options.always ?? {})) {
    if (!columns.includes(c)) throw new Error(`upsert of ${columns.join(', ')}: unknown column ${c}`);
    if (!options.whenGreater?.length)
      throw new Error(`upsert of ${columns.join(', ')}: always needs whenGreater`);
  }
  if (combined.length && options.whenGreater?.length) {
    throw new Error(`upsert of ${columns.join(', ')}: combine and whenGreater do not go together`);
  }
  return columns.filter((c) => !keep.has(c));
}

/** A tuple of columns, e.g. `(t.a, t.b)`, for row-value comparisons. */
export const tuple = (qualifier: string, columns: readonly string[], id: (n: string) => string): string =>
  `(${columns.map((c) => `${qualifier}.${id(c)}`).join(', ')})`;

/** `(a, b, c) > (?, ?, ?)`: a row-value comparison, which PostgreSQL and SQLite scan as an index range. */
export function rowValueAfter(
  columns: readonly string[],
  values: readonly SqlValue[],
): { sql: string; params: SqlValue[] } {
  return { sql: `(${columns.join(', ')}) > (${columns.map(() => '?').join(', ')})`, params: [...values] };
}

/**
 * `a > ? OR (a = ? AND (b > ? OR (b = ? AND c > ?)))`: the same condition spelled out, for
 * MariaDB, which reads a row-value comparison by filtering every row of the index prefix instead
 * of seeking to the first one after it (a deep page of a long history read all rows before it).
 */
export function expandedAfter(
  columns: readonly string[],
  values: readonly SqlValue[],
): { sql: string; params: SqlValue[] } {
  const last = columns.length - 1;
  let sql = `${columns[last]} > ?`;
  const params: SqlValue[] = [values[last]!];
  for (let i = last - 1; i >= 0; i--) {
    sql = `${columns[i]} > ? OR (${columns[i]} = ? AND (${sql}))`;
    params.unshift(values[i]!, values[i]!);
  }
  return { sql: `(${sql})`, params };
}

/** `tableExists` of the databases with an information schema; `schema` names the current one. */
export function informationSchemaTableExists(schema: string): Dialect['tableExists'] {
  return async (ex, table) => {
    const rows = await ex.query(
      `SELECT 1 AS found FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = ?`,
      [table],
    );
    return rows.length > 0;
  };
}
