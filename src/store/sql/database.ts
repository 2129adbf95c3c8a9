/**
 * The one SQL access interface every store is written against. SQL text uses `?` placeholders;
 * each adapter translates to its driver. Dialect differences the stores need are on `dialect`.
 */
export type DialectName = 'sqlite' | 'postgresql' | 'mysql';

export type SqlValue = string | number | bigint | boolean | null | Buffer;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  /** Runs a query and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Dialect {
  readonly name: DialectName;
  /** Quotes an identifier. */
  id(name: string): string;
  /** `INSERT ... ` that replaces the non-key columns of an existing row with the same key. */
  upsert(table: string, columns: readonly string[], keyColumns: readonly string[], rows?: number): string;
  /** `INSERT ...` that leaves an existing row with the same key untouched. */
  insertIgnore(
    table: string,
    columns: readonly string[],
    keyColumns: readonly string[],
    rows?: number,
  ): string;
  /**
   * A placeholder bound to a whole array of `element` values, where the database takes arrays as
   * parameters (PostgreSQL: `?::int8[]`, used with `unnest`); absent elsewhere. One statement of
   * a few array parameters replaces a multi-row VALUES list of thousands of parameters.
   */
  arrayParam?(element: 'text' | 'bigint' | 'double' | 'int'): string;
  /** A case-sensitive LIKE of `expr` against a placeholder. */
  like(expr: string): string;
  /** A case-insensitive LIKE of `expr` against a placeholder. */
  ilike(expr: string): string;
  /** Column types for DDL. */
  readonly types: {
    /** An indexable string of at most n characters. */
    varchar(n: number): string;
    /** A long string (not indexable). */
    text: string;
    bigint: string;
    int: string;
    double: string;
    bool: string;
  };
  /** Suffix for CREATE TABLE (engine/collation on MySQL). */
  readonly tableOptions: string;
}

function placeholders(columns: readonly string[], rows: number): string {
  const one = `(${columns.map(() => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}

function insertPrefix(d: { id(n: string): string }, table: string, columns: readonly string[]): string {
  return `INSERT INTO ${d.id(table)} (${columns.map((c) => d.id(c)).join(', ')}) VALUES `;
}

const ansiId = (name: string): string => `"${name}"`;

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  id: ansiId,
  upsert(table, columns, keys, rows = 1) {
    const updates = columns.filter((c) => !keys.includes(c));
    const set = updates.length
      ? `DO UPDATE SET ${updates.map((c) => `${ansiId(c)} = excluded.${ansiId(c)}`).join(', ')}`
      : 'DO NOTHING';
    return `${insertPrefix(this, table, columns)}${placeholders(columns, rows)} ON CONFLICT (${keys.map(ansiId).join(', ')}) ${set}`;
  },
  insertIgnore(table, columns, keys, rows = 1) {
    return `${insertPrefix(this, table, columns)}${placeholders(columns, rows)} ON CONFLICT (${keys.map(ansiId).join(', ')}) DO NOTHING`;
  },
  like: (expr) => `${expr} LIKE ? ESCAPE '\\'`,
  ilike: (expr) => `LOWER(${expr}) LIKE LOWER(?) ESCAPE '\\'`,
  types: {
    varchar: () => 'TEXT',
    text: 'TEXT',
    bigint: 'INTEGER',
    int: 'INTEGER',
    double: 'REAL',
    bool: 'INTEGER',
  },
  tableOptions: '',
};

export const postgresDialect: Dialect = {
  ...sqliteDialect,
  name: 'postgresql',
  upsert: sqliteDialect.upsert,
  insertIgnore: sqliteDialect.insertIgnore,
  arrayParam: (element) => `?::${{ text: 'text', bigint: 'int8', double: 'float8', int: 'int4' }[element]}[]`,
  like: (expr) => `${expr} LIKE ?`,
  ilike: (expr) => `${expr} ILIKE ?`,
  types: {
    varchar: (n) => `VARCHAR(${n})`,
    text: 'TEXT',
    bigint: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE PRECISION',
    bool: 'BOOLEAN',
  },
};

const mysqlId = (name: string): string => `\`${name}\``;

export const mysqlDialect: Dialect = {
  name: 'mysql',
  id: mysqlId,
  upsert(table, columns, keys, rows = 1) {
    const updates = columns.filter((c) => !keys.includes(c));
    const set = (updates.length ? updates : [keys[0]!])
      .map((c) => `${mysqlId(c)} = VALUES(${mysqlId(c)})`)
      .join(', ');
    return `${insertPrefix(this, table, columns)}${placeholders(columns, rows)} ON DUPLICATE KEY UPDATE ${set}`;
  },
  insertIgnore(table, columns, _keys, rows = 1) {
    return `INSERT IGNORE INTO ${mysqlId(table)} (${columns.map(mysqlId).join(', ')}) VALUES ${placeholders(columns, rows)}`;
  },
  // Tables use a binary collation, so plain LIKE is case-sensitive.
  like: (expr) => `${expr} LIKE ?`,
  ilike: (expr) => `LOWER(${expr}) LIKE LOWER(?)`,
  types: {
    varchar: (n) => `VARCHAR(${n})`,
    text: 'MEDIUMTEXT',
    bigint: 'BIGINT',
    int: 'INT',
    double: 'DOUBLE',
    bool: 'BOOLEAN',
  },
  tableOptions: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
};
