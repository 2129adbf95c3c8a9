import { resolve } from 'node:path';
import { invalidParam } from '../../errors.js';
import type { SqlDatabase } from './database.js';
import { SqliteDatabase } from './sqlite-database.js';
import { PostgresDatabase } from './postgres-database.js';
import { MysqlDatabase } from './mysql-database.js';

/**
 * Opens a database from a backend store URI: `sqlite:///relative.db`, `sqlite:////abs/path.db`,
 * `sqlite://:memory:`, `postgresql://user@host:port/db`, `mysql://user:pass@host:port/db`.
 * SQLAlchemy driver suffixes (`postgresql+psycopg2://`, `mysql+pymysql://`) are accepted.
 */
export function openDatabase(uri: string): SqlDatabase {
  const scheme = uri.split(':', 1)[0]!.split('+', 1)[0]!.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return new SqliteDatabase(sqlitePath(uri));
    case 'postgresql':
    case 'postgres':
      return new PostgresDatabase(uri.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:'));
    case 'mysql':
    case 'mariadb':
      return new MysqlDatabase(uri);
    default:
      throw invalidParam(
        `Unsupported backend store URI '${uri}': expected sqlite:///path.db, postgresql://... or mysql://...`,
      );
  }
}

export function sqlitePath(uri: string): string {
  const rest = uri.replace(/^sqlite(\+\w+)?:\/\//, '');
  if (rest === '' || rest === ':memory:' || rest === '/:memory:') return ':memory:';
  // sqlite:///rel.db -> "/rel.db" (relative); sqlite:////abs.db -> "//abs.db" (absolute)
  if (rest.startsWith('//')) return rest.slice(1);
  if (rest.startsWith('/')) return resolve(rest.slice(1));
  return resolve(rest);
}
