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
 * `INSERT ... ON DUPLICATE KEY UPDATE` that reads the incoming values from a derived table
 * (`SELECT * FROM (SELECT ? AS a, ... UNION ALL SELECT ?, ...) AS incoming`) and refers to them as
 * `incoming.col`. Not `VALUES(col)`: deprecated since MySQL 8.0.20. Not the row alias
 * `VALUES (...) AS new`: MySQL 8.0.19+ only, MariaDB (10.11 included) rejects it. A derived
 * table in INSERT ... SELECT is accepted by both.
 *
 * With `whenGreater`, each assignment is conditional. MySQL runs the assignments left to right,
 * each seeing the columns assigned before it (MariaDB may evaluate them all against the old row,
 * with SIMULTANEOUS_ASSIGNMENT); the statement is correct under both orders without session
 * variables: columns outside the ordering are assigned first, with a strict comparison against
 * the untouched row; the ordering columns follow, least significant first, each with `>=`. Once
 * a suffix of the ordering holds the incoming values, the incoming tuple is still >= the row
 * exactly when it was > the original row (or equal to it, when assigning changes nothing).
 */
function upsert(
  table: string,
  columns: readonly string[],
  keys: readonly string[],
  options: UpsertOptions = {},
): string {
  const rows = options.rows ?? 1;
  const first = `SELECT ${columns.map((c) => `? AS ${id(c)}`).join(', ')}`;
  const more = ` UNION ALL SELECT ${columns.map(() => '?').join(', ')}`.repeat(rows - 1);
  const source = options.source ?? `${first}${more}`;
  const head = `INSERT INTO ${id(table)} (${columns.map(id).join(', ')}) SELECT * FROM (${source}) AS incoming ON DUPLICATE KEY UPDATE `;
  const updates = updatedColumns(columns, keys, options);
  const stored = (c: string): string => `${id(table)}.${id(c)}`;
  // No column to update: assigning a key to itself changes nothing (unlike INSERT IGNORE, which
  // would also silence other errors).
  if (!updates.length) return `${head}${stored(keys[0]!)} = ${stored(keys[0]!)}`;
  const order = options.whenGreater ?? [];
  const incomingCol = (c: string): string => `incoming.${id(c)}`;
  const value = (c: string): string => options.combine?.[c]?.(stored, incomingCol) ?? incomingCol(c);
  if (!order.length) return head + updates.map((c) => `${stored(c)} = ${value(c)}`).join(', ');
  const incoming = tuple('incoming', order, id);
  const current = tuple(id(table), order, id);
  const assign = (c: string, op: string): string =>
    `${stored(c)} = IF(${incoming} ${op} ${current}, incoming.${id(c)}, ${stored(c)})`;
  // `always` columns first, while the row is as stored.
  const always = Object.entries(options.always ?? {}).map(
    ([c, f]) => `${stored(c)} = ${f(stored, incomingCol)}`,
  );
  const others = updates.filter((c) => !order.includes(c) && !options.always?.[c]).map((c) => assign(c, '>'));
  const ordered = [...order]
    .reverse()
    .filter((c) => updates.includes(c))
    .map((c) => assign(c, '>='));
  return head + [...always, ...others, ...ordered].join(', ');
}

export const mysqlDialect: Dialect = {
  name: 'mysql',
  id,
  upsert,
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
