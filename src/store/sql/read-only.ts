/**
 * Read-only access to a foreign database (an MLflow database being imported). SQLite is opened
 * read-only by the driver (no WAL switch, no schema upgrade); PostgreSQL sessions are read-only
 * transactions by default. MySQL has no such connection option here: only SELECTs are ever sent
 * (use an account with SELECT rights only to be certain).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { invalidParam } from '../../errors.js';
import type { Dialect, Row, SqlValue } from './database.js';
import { sqliteDialect } from './dialects/sqlite.js';
import { openDatabase, sqlitePath } from './open-database.js';

export interface ReadOnlyDatabase {
  readonly dialect: Dialect;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  close(): Promise<void>;
}

function openSqliteReadOnly(uri: string): ReadOnlyDatabase {
  const path = sqlitePath(uri);
  if (!existsSync(path)) throw invalidParam(`${path} does not exist.`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  return {
    dialect: sqliteDialect,
    // async: a driver error becomes a rejected promise, like the other adapters'.
    query: async <T extends Row>(sql: string, params: readonly SqlValue[] = []) =>
      db.prepare(sql).all(...params.map((p) => (typeof p === 'boolean' ? Number(p) : p))) as T[],
    close: () => Promise.resolve(void db.close()),
  };
}

export function openReadOnlyDatabase(uri: string): ReadOnlyDatabase {
  const scheme = uri.split(':', 1)[0]!.split('+', 1)[0]!.toLowerCase();
  let target = uri;
  switch (scheme) {
    case 'sqlite':
      return openSqliteReadOnly(uri);
    case 'postgres':
    case 'postgresql': {
      const url = new URL(uri.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:'));
      url.searchParams.set('options', '-c default_transaction_read_only=on');
      target = url.toString();
      break;
    }
  }
  const db = openDatabase(target);
  return { dialect: db.dialect, query: (sql, params) => db.query(sql, params), close: () => db.close() };
}
