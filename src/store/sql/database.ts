/**
 * The one SQL access interface every store is written against. SQL text uses `?` placeholders;
 * each adapter translates to its driver. Everything that differs between the databases — SQL
 * forms, DDL types, error codes, locks — is answered by the adapter's `dialect`
 * (src/store/sql/dialects/), so store code never asks which database it runs on.
 */
import type { PoolStats } from '../../observability/metrics.js';

export type DialectName = 'sqlite' | 'postgresql' | 'mysql';

/**
 * Connections a PostgreSQL or MySQL database opens at most unless told otherwise
 * (`cairn server --db-pool-size`). Writes need few: group commit keeps at most four
 * transactions in flight (group-commit.ts); the rest serve reads. Settled by bench/ingest.ts
 * (bench/RESULTS.md, "Server database ingestion").
 */
export const DEFAULT_POOL_SIZE = 10;

export type SqlValue = string | number | bigint | boolean | null | Buffer;
export type Row = Record<string, unknown>;

export interface RunResult {
  /** The number of rows the statement changed. */
  changes: number;
  /** The generated key of an INSERT, where the driver reports one (MySQL). */
  insertId?: number;
}

export interface SqlExecutor {
  /** Runs a query and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

export interface TransactionOptions {
  /**
   * Each statement sees what was committed before it, and reads lock only the rows they find,
   * not the gaps between them (MySQL's default, repeatable read, also locks gaps, so inserts
   * of neighbouring keys by concurrent transactions can deadlock). PostgreSQL's default already;
   * SQLite has one writer.
   */
  readCommitted?: boolean;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
  /** Connection pool figures for metrics (databases without a pool have none). */
  poolStats?(): PoolStats;
  /**
   * Runs `statements` in order as ONE transaction sent in one round trip, and returns the rows of
   * each (empty for statements that return none). With `then`, the transaction takes a second
   * round trip: the statements `then` makes of the first ones' rows. All of it is committed, or
   * nothing: the first failing statement (or `then` throwing) rolls the transaction back and its
   * error is thrown. Present where the driver can send several statements at once (MySQL);
   * absent elsewhere.
   */
  script?(
    statements: readonly ScriptStatement[],
    then?: (rows: Row[][]) => Promise<readonly ScriptStatement[]>,
    options?: TransactionOptions,
  ): Promise<Row[][]>;
}

export interface ScriptStatement {
  sql: string;
  params: readonly SqlValue[];
}

/** The element types of bulk parameters (`Dialect.arrayParam`). */
export type BulkElement = 'text' | 'bigint' | 'double' | 'int';

export interface UpsertOptions {
  /** Rows in the VALUES list (default 1); parameters are given row after row. */
  rows?: number;
  /**
   * Columns written when the row is inserted but left as they are when it exists (e.g. the
   * position where an entity was first logged).
   */
  keep?: readonly string[];
  /**
   * Replace an existing row only when the incoming tuple of these columns, compared left to
   * right, is greater than the stored one (e.g. `['step', 'ts', 'metric_value']`).
   */
  whenGreater?: readonly string[];
  /**
   * Takes the incoming rows from this SELECT (its columns are `columns`, in order) instead of
   * `rows` lists of placeholders.
   */
  source?: string;
  /**
   * Columns whose new value combines the stored row with the incoming one (e.g. a running
   * minimum): the function receives references to a column of the stored row and of the incoming
   * row and returns an SQL expression. Every expression sees the stored row as it was before the
   * statement as long as no expression reads another column listed before its own in `columns`
   * (MySQL assigns left to right, each assignment seeing the ones before it). Not combined with
   * `whenGreater`.
   */
  combine?: Readonly<Record<string, CombineColumn>>;
  /**
   * With `combine`: an existing row is written only where this condition on the stored and the
   * incoming rows holds (an SQL expression, built like a `combine` one). It must be false only
   * where the combined values equal the stored ones: it saves writing a row that would not change
   * (on PostgreSQL a new row version, on SQLite a rewrite). MySQL has no condition on its update;
   * there the unchanged values are written, which it detects and does not store again.
   */
  combineWhen?: CombineColumn;
  /**
   * With `whenGreater`: columns set on every conflict, whether or not the incoming tuple is
   * greater, to this expression (built like a `combine` one; it sees the stored row as it was
   * before the statement, and reads no other `always` column). The row is written when the tuple
   * is greater or such a column changes.
   */
  always?: Readonly<Record<string, CombineColumn>>;
}

/** The new value of a column from the stored and the incoming rows (see `UpsertOptions.combine`). */
export type CombineColumn = (
  stored: (column: string) => string,
  incoming: (column: string) => string,
) => string;

export interface Dialect {
  /** For cache keys and messages; never branch on it — add a member here instead. */
  readonly name: DialectName;
  /** Quotes an identifier. */
  id(name: string): string;
  /** `INSERT ...` that updates the non-key columns of an existing row with the same key. */
  upsert(
    table: string,
    columns: readonly string[],
    keyColumns: readonly string[],
    options?: UpsertOptions,
  ): string;
  /** `INSERT ...` that leaves an existing row with the same key untouched. */
  insertIgnore(
    table: string,
    columns: readonly string[],
    keyColumns: readonly string[],
    rows?: number,
  ): string;
  /** Inserts one row and returns the key the database generated for `idColumn`. */
  insertReturningId(
    ex: SqlExecutor,
    table: string,
    columns: readonly string[],
    params: readonly SqlValue[],
    idColumn: string,
  ): Promise<number>;
  /**
   * Lets the next inserts on `ex` store an explicit 0 in an auto-generated key column (MySQL
   * would otherwise turn 0 into the next generated id). Call inside a transaction.
   */
  allowExplicitZeroId(ex: SqlExecutor): Promise<void>;
  /**
   * After rows were inserted with explicit values in an auto-generated key column (an import),
   * makes the generator continue above the highest value (PostgreSQL identities do not follow).
   */
  advanceGeneratedIds(ex: SqlExecutor, table: string, idColumn: string): Promise<void>;
  /** True when `err` is a unique or primary-key violation reported by this database's driver. */
  isUniqueViolation(err: unknown): boolean;
  /**
   * True when the database rolled the transaction back to break a deadlock (or, on PostgreSQL, a
   * serialization conflict): the same transaction run again may succeed.
   */
  isDeadlock(err: unknown): boolean;
  /** Whether `table` exists in the current database/schema. */
  tableExists(ex: SqlExecutor, table: string): Promise<boolean>;
  /**
   * Takes the lock that serializes schema upgrades of this database across processes, on the
   * transaction `tx` (SQLite's write lock is already held by the transaction). Throws when the
   * lock is not obtained within `timeoutSeconds`: an upgrade must never run unlocked.
   */
  acquireMigrationLock(tx: SqlExecutor, timeoutSeconds: number): Promise<void>;
  /** Releases what `acquireMigrationLock` took, where the transaction's end does not. */
  releaseMigrationLock(tx: SqlExecutor): Promise<void>;
  /**
   * A placeholder bound to a whole array of `element` values, where the database takes arrays as
   * parameters (PostgreSQL: `?::int8[]`, used with `unnest`); absent elsewhere. One statement of
   * a few array parameters replaces a multi-row VALUES list of thousands of parameters.
   */
  arrayParam?(element: BulkElement): string;
  /** A case-sensitive LIKE of `expr` against a placeholder. */
  like(expr: string): string;
  /** A case-insensitive LIKE of `expr` against a placeholder. */
  ilike(expr: string): string;
  /** A join keyword that keeps the left table as the driving table of the plan. */
  readonly orderedJoin: string;
  /**
   * A select-list expression reading a DOUBLE column exactly. MySQL/MariaDB's text protocol
   * sends some doubles one digit short (MariaDB 10.11: 13 and 26 of 20,000 random values in two
   * samples came back a unit in the last place off, e.g. 92521.40547667921 as 92521.4054766792;
   * a keyset walk continuing from such a value skips, repeats or never ends), while its CAST to
   * CHAR gives the shortest exact form (text: read it with `num`); elsewhere the column as it is.
   */
  readDouble(column: string): string;
  /**
   * Whether all writes go through one connection, so concurrent small writes are best grouped
   * into one transaction (one commit) instead of each taking its own.
   */
  readonly singleWriter: boolean;
  /**
   * Whether the database runs inside this process (SQLite): a statement costs no round trip, so
   * several narrow statements cost less than one that unions them into wider rows.
   */
  readonly inProcess: boolean;
  /**
   * The condition "columns, compared in order, come after `values`" of a keyset page (rows past
   * the last one of the previous page), written so the database reads it as a range of the index
   * that starts with those columns, with its parameters.
   */
  keysetAfter(columns: readonly string[], values: readonly SqlValue[]): { sql: string; params: SqlValue[] };
  /**
   * Suffix of a SELECT that locks the rows it returns and skips rows other transactions hold, so
   * concurrent claimers never wait on each other (`FOR UPDATE SKIP LOCKED`); empty where a
   * transaction already holds the database's write lock (SQLite).
   */
  readonly lockSkipLocked: string;
  /**
   * Suffix of a SELECT that locks the rows it returns until the transaction ends, waiting for
   * other transactions holding them (`FOR UPDATE`); empty where a transaction already holds the
   * database's write lock (SQLite).
   */
  readonly lockForUpdate: string;
  /**
   * Suffix of a SELECT that keeps the rows it returns from being changed or deleted by other
   * transactions until this one ends, without blocking other readers that lock them the same way
   * (`FOR SHARE`); empty where a transaction already holds the database's write lock (SQLite).
   */
  readonly lockShared: string;
  /** Column types for DDL. */
  readonly types: {
    /** An indexable string of at most n characters. */
    varchar(n: number): string;
    /** An indexable string of at most n characters that sorts and compares by bytes. */
    byteVarchar(n: number): string;
    /** A long string (not indexable). */
    text: string;
    /** A string of up to 16 Mi characters (not indexable). */
    longText: string;
    bigint: string;
    int: string;
    double: string;
    bool: string;
    /** A BIGINT primary key the database numbers 1, 2, ... */
    serialPrimaryKey: string;
  };
  /**
   * Suffix for CREATE TABLE (engine/collation on MySQL: `utf8mb4_bin`, which migration 12 turned
   * into the server's NO PAD binary collation; a migration creating a table converts it with
   * `noPadTables` of migrations/012-no-pad-text.ts).
   */
  readonly tableOptions: string;
  /**
   * Picks this dialect's entry. Only for DDL in migrations, where a schema is designed per
   * database (e.g. which column clusters a table); store code uses the members above.
   */
  pick<T>(choices: Readonly<Record<DialectName, T>>): T;
}
