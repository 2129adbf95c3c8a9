import { resolve } from 'node:path';
import { invalidParam } from '../../errors.js';
import { checkApiVersion, EXTENSION_API_VERSIONS } from '../../version.js';
import type { SqlDatabase } from './database.js';
import { SqliteDatabase } from './sqlite-database.js';
import { PostgresDatabase } from './postgres-database.js';
import { MysqlDatabase } from './mysql-database.js';

/**
 * Extension point `storeDatabase` (interface version `EXTENSION_API_VERSIONS.storeDatabase`): opens
 * the SQL database behind the tracking and registry stores for the URIs of some schemes. The
 * built-in SQLite, PostgreSQL and MySQL/MariaDB drivers register below, as plugins' drivers do;
 * SQLAlchemy driver suffixes (`postgresql+psycopg2://`) are matched by the part before `+`.
 */
export interface StoreDatabaseDriver {
  readonly apiVersion: number;
  readonly name: string;
  /** URI schemes, lower case, without `+driver` and the colon. */
  readonly schemes: readonly string[];
  open(uri: string, options?: OpenDatabaseOptions): SqlDatabase;
}

export interface OpenDatabaseOptions {
  /** Connections a pooled database opens at most (default `DEFAULT_POOL_SIZE`); ignored by SQLite. */
  poolSize?: number;
}

const drivers = new Map<string, StoreDatabaseDriver>();

/** Adds a driver. Throws for an interface version this Cairn does not implement or a taken scheme. */
export function registerStoreDatabase(driver: StoreDatabaseDriver): void {
  const name = String(driver?.name ?? '');
  checkApiVersion('storeDatabase', name, driver?.apiVersion);
  if (typeof driver.open !== 'function')
    throw invalidParam(`The store database '${name}' has no open() function.`);
  const schemes = Array.isArray(driver.schemes) ? driver.schemes.map((x) => String(x).toLowerCase()) : [];
  if (schemes.length === 0) throw invalidParam(`The store database '${name}' lists no schemes.`);
  for (const scheme of schemes) {
    if (!/^[a-z][a-z0-9.-]+$/.test(scheme))
      throw invalidParam(`'${scheme}' (from '${name}') is not a URI scheme.`);
    if (drivers.has(scheme)) throw invalidParam(`'${scheme}:' store URIs already have a database driver.`);
  }
  for (const scheme of schemes) drivers.set(scheme, driver);
}

/** Whether some database driver opens URIs of `scheme` (lower case, without `+driver`). */
export function hasStoreDatabase(scheme: string): boolean {
  return drivers.has(scheme);
}

/** The scheme of a store URI as drivers and stores are keyed: lower case, without `+driver`. */
export function storeUriScheme(uri: string): string {
  return uri.split(':', 1)[0]!.split('+', 1)[0]!.toLowerCase();
}

const v = EXTENSION_API_VERSIONS.storeDatabase;
registerStoreDatabase({
  apiVersion: v,
  name: 'sqlite',
  schemes: ['sqlite'],
  open: (uri) => new SqliteDatabase(sqlitePath(uri)),
});
registerStoreDatabase({
  apiVersion: v,
  name: 'postgresql',
  schemes: ['postgresql', 'postgres'],
  open: (uri, options) =>
    new PostgresDatabase(uri.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:'), options?.poolSize),
});
registerStoreDatabase({
  apiVersion: v,
  name: 'mysql',
  schemes: ['mysql', 'mariadb'],
  open: (uri, options) => new MysqlDatabase(uri, options?.poolSize),
});

/**
 * Opens a database from a backend store URI: `sqlite:///relative.db`, `sqlite:////abs/path.db`,
 * `sqlite://:memory:`, `postgresql://user@host:port/db`, `mysql://user:pass@host:port/db`, or a
 * scheme a plugin registered.
 */
export function openDatabase(uri: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  const driver = drivers.get(storeUriScheme(uri));
  if (!driver) {
    throw invalidParam(
      `Unsupported backend store URI '${storeUriScheme(uri)}:...': expected sqlite:///path.db, postgresql://... or mysql://...` +
        ` (registered schemes: ${[...drivers.keys()].sort().join(', ')}).`,
    );
  }
  return driver.open(uri, options);
}

export function sqlitePath(uri: string): string {
  const rest = uri.replace(/^sqlite(\+\w+)?:\/\//, '');
  if (rest === '' || rest === ':memory:' || rest === '/:memory:') return ':memory:';
  // sqlite:///rel.db -> "/rel.db" (relative); sqlite:////abs.db -> "//abs.db" (absolute)
  if (rest.startsWith('//')) return rest.slice(1);
  if (rest.startsWith('/')) return resolve(rest.slice(1));
  return resolve(rest);
}
