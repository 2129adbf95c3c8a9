import type { Dialect } from '../database.js';
import { onConflictStatements } from './on-conflict.js';
import { rowValueAfter } from './statements.js';

/** Driver error codes of better-sqlite3 for a violated UNIQUE or PRIMARY KEY constraint. */
const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  ...onConflictStatements,
  // AUTOINCREMENT follows explicitly inserted ids.
  advanceGeneratedIds: async () => {},
  allowExplicitZeroId: async () => {},
  isUniqueViolation: (err) => UNIQUE_CODES.has(String((err as { code?: unknown } | null)?.code)),
  // One writer at a time: a lock is waited for (busy timeout), never broken by rolling back.
  isDeadlock: () => false,
  async tableExists(ex, table) {
    const rows = await ex.query("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", [
      table,
    ]);
    return rows.length > 0;
  },
  // The upgrade transaction begins IMMEDIATE: it already holds the database's write lock.
  acquireMigrationLock: async () => {},
  releaseMigrationLock: async () => {},
  like: (expr) => `${expr} LIKE ? ESCAPE '\\'`,
  ilike: (expr) => `LOWER(${expr}) LIKE LOWER(?) ESCAPE '\\'`,
  // SQLite's planner keeps the left table of a CROSS JOIN as the outer loop.
  orderedJoin: 'CROSS JOIN',
  readDouble: (column) => column,
  singleWriter: true,
  inProcess: true,
  keysetAfter: rowValueAfter,
  lockSkipLocked: '',
  lockForUpdate: '',
  lockShared: '',
  types: {
    varchar: () => 'TEXT',
    byteVarchar: () => 'TEXT',
    text: 'TEXT',
    longText: 'TEXT',
    bigint: 'INTEGER',
    int: 'INTEGER',
    double: 'REAL',
    bool: 'INTEGER',
    serialPrimaryKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  },
  tableOptions: '',
  pick: (choices) => choices.sqlite,
};
