import type { Dialect, UpsertOptions } from '../database.js';
import { upgradeLockTimeout } from './postgresql.js';
import {
  expandedAfter,
  informationSchemaTableExists,
  insertPrefix,
  placeholders,
  tuple,
  updatedColumns,
} from './statements.js';

const id = (name: string): string => `\`${name}\``;

/** Driver errors ER_DUP_ENTRY and ER_DUP_ENTRY_WITH_KEY_NAME. */
const DUPLICATE_ERRNOS = new Set([1062, 1586]);
/** InnoDB chose the transaction as a deadlock victim and rolled it back. */
const ER_LOCK_DEADLOCK = 1213;

// Named locks are server-wide: the name carries the database so that upgrades of different
// databases on one server do not wait for each other (a lock name has at most 64 characters).
const UPGRADE_LOCK = "CONCAT('cairn_schema_upgrade.', LEFT(DATABASE(), 40))";

/**
 * How an upsert names the incoming row. `derived`: `INSERT ... SELECT * FROM (SELECT ? AS a, ...
 * UNION ALL SELECT ?, ...) AS incoming ON DUPLICATE KEY UPDATE` with `incoming.col` — accepted by
 * MySQL 8 and MariaDB alike. `values`: `INSERT ... VALUES (?, ...), ... ON DUPLICATE KEY UPDATE`
 * with `VALUES(col)` — MariaDB's own form, which it plans without a derived table of one SELECT
 * per row (an 8-row latest-value upsert took 113 µs of MariaDB's time instead of 172; the
 * stale-range one 45 instead of 105, bench/RESULTS.md "MariaDB upserts without a derived
 * table"); deprecated since MySQL 8.0.20, so MySQL keeps `derived`. (MySQL's row alias,
 * `VALUES (...) AS incoming`, would be its equivalent; MariaDB, 10.11 included, rejects it.)
 */
type IncomingRow = 'derived' | 'values';

/**
 * `INSERT ... ON DUPLICATE KEY UPDATE`, the incoming row named as `form` says; an upsert from a
 * `source` SELECT always reads it through the derived table.
 *
 * With `whenGreater`, each assignment is conditional. MySQL runs the assignments left to right,
 * each seeing the columns assigned before it (MariaDB may evaluate them all against the old row,
 * with SIMULTANEOUS_ASSIGNMENT); the statement is correct under both orders without session
 * variables: columns outside the ordering are assigned first, with a strict comparison against
 * the untouched row; the ordering columns follow, least significant first, each with `>=`. Once
 * a suffix of the ordering holds the incoming values, the incoming tuple is still >= the row
 * exactly when it was > the original row (or equal to it, when assigning changes nothing).
 */
const upsertWith =
  (form: IncomingRow): Dialect['upsert'] =>
  (table, columns, keys, options: UpsertOptions = {}) => {
    const rows = options.rows ?? 1;
    const values = form === 'values' && !options.source;
    const into = `INSERT INTO ${id(table)} (${columns.map(id).join(', ')})`;
    const first = `SELECT ${columns.map((c) => `? AS ${id(c)}`).join(', ')}`;
    const more = ` UNION ALL SELECT ${columns.map(() => '?').join(', ')}`.repeat(rows - 1);
    const head = values
      ? `${into} VALUES ${placeholders(columns, rows)} ON DUPLICATE KEY UPDATE `
      : `${into} SELECT * FROM (${options.source ?? `${first}${more}`}) AS incoming ON DUPLICATE KEY UPDATE `;
    const updates = updatedColumns(columns, keys, options);
    const stored = (c: string): string => `${id(table)}.${id(c)}`;
    // No column to update: assigning a key to itself changes nothing (unlike INSERT IGNORE, which
    // would also silence other errors).
    if (!updates.length) return `${head}${stored(keys[0]!)} = ${stored(keys[0]!)}`;
    const order = options.whenGreater ?? [];
    const incomingCol = (c: string): string => (values ? `VALUES(${id(c)})` : `incoming.${id(c)}`);
    const value = (c: string): string => options.combine?.[c]?.(stored, incomingCol) ?? incomingCol(c);
    if (!order.length) return head + updates.map((c) => `${stored(c)} = ${value(c)}`).join(', ');
    const incoming = values ? `(${order.map(incomingCol).join(', ')})` : tuple('incoming', order, id);
    const current = tuple(id(table), order, id);
    const assign = (c: string, op: string): string =>
      `${stored(c)} = IF(${incoming} ${op} ${current}, ${incomingCol(c)}, ${stored(c)})`;
    // `always` columns first, while the row is as stored.
    const always = Object.entries(options.always ?? {}).map(
      ([c, f]) => `${stored(c)} = ${f(stored, incomingCol)}`,
    );
    const others = updates
      .filter((c) => !order.includes(c) && !options.always?.[c])
      .map((c) => assign(c, '>'));
    const ordered = [...order]
      .reverse()
      .filter((c) => updates.includes(c))
      .map((c) => assign(c, '>='));
    return head + [...always, ...others, ...ordered].join(', ');
  };

/** MySQL 8, and any server of the family before the first connection has said which it is. */
export const mysqlDialect: Dialect = {
  name: 'mysql',
  id,
  upsert: upsertWith('derived'),
  insertIgnore(table, columns, _keys, rows = 1) {
    return `INSERT IGNORE INTO ${id(table)} (${columns.map(id).join(', ')}) VALUES ${placeholders(columns, rows)}`;
  },
  async insertReturningId(ex, table, columns, params) {
    const res = await ex.run(`${insertPrefix(id, table, columns)}${placeholders(columns, 1)}`, params);
    if (res.insertId === undefined)
      throw new Error(`INSERT INTO ${table}: the driver reported no generated id`);
    return res.insertId;
  },
  async allowExplicitZeroId(ex) {
    await ex.run("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')");
  },
  // AUTO_INCREMENT follows explicitly inserted ids.
  advanceGeneratedIds: async () => {},
  isUniqueViolation: (err) => DUPLICATE_ERRNOS.has(Number((err as { errno?: unknown } | null)?.errno)),
  isDeadlock: (err) => Number((err as { errno?: unknown } | null)?.errno) === ER_LOCK_DEADLOCK,
  tableExists: informationSchemaTableExists('DATABASE()'),
  async acquireMigrationLock(tx, timeoutSeconds) {
    // 1: obtained; 0: timed out; NULL: an error (e.g. no database selected). The lock belongs to
    // the connection, not the transaction, so releaseMigrationLock must run.
    const [row] = await tx.query<{ got: unknown }>(`SELECT GET_LOCK(${UPGRADE_LOCK}, ?) AS got`, [
      Math.ceil(timeoutSeconds),
    ]);
    const got = row?.got;
    if (got === 0 || got === '0') throw upgradeLockTimeout(timeoutSeconds);
    if (got !== 1 && got !== '1')
      throw new Error(`GET_LOCK for the schema upgrade failed (result ${String(got)})`);
  },
  async releaseMigrationLock(tx) {
    await tx.query(`SELECT RELEASE_LOCK(${UPGRADE_LOCK}) AS released`);
  },
  // Tables use a binary collation, so plain LIKE is case-sensitive.
  like: (expr) => `${expr} LIKE ?`,
  ilike: (expr) => `LOWER(${expr}) LIKE LOWER(?)`,
  // Plain JOIN lets the optimizer start from runs (and sort) when a filter is an EXISTS.
  orderedJoin: 'STRAIGHT_JOIN',
  // With a length: a UNION of a plain CAST with NULL (the run loader's) is typed 22 characters
  // long, which cuts -1.7976931348623157e308 (23).
  readDouble: (column) => `CAST(${column} AS CHAR(32))`,
  singleWriter: false,
  inProcess: false,
  keysetAfter: expandedAfter,
  // MySQL 8 and MariaDB 10.6+.
  lockSkipLocked: ' FOR UPDATE SKIP LOCKED',
  lockForUpdate: ' FOR UPDATE',
  // MySQL 8 also reads FOR SHARE; MariaDB only this.
  lockShared: ' LOCK IN SHARE MODE',
  types: {
    varchar: (n) => `VARCHAR(${n})`,
    byteVarchar: (n) => `VARCHAR(${n})`,
    text: 'MEDIUMTEXT',
    // MEDIUMTEXT holds 16 MiB bytes, fewer than 16 Mi characters of utf8mb4.
    longText: 'LONGTEXT',
    bigint: 'BIGINT',
    int: 'INT',
    double: 'DOUBLE',
    bool: 'BOOLEAN',
    serialPrimaryKey: 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY',
  },
  tableOptions: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  pick: (choices) => choices.mysql,
};

/** MariaDB: MySQL's dialect with MariaDB's own upsert form (`IncomingRow`). */
export const mariadbDialect: Dialect = { ...mysqlDialect, upsert: upsertWith('values') };

/** The dialect for a server of the family, by what `SELECT VERSION()` answers. */
export const dialectForServer = (version: string): Dialect =>
  /mariadb/i.test(version) ? mariadbDialect : mysqlDialect;
