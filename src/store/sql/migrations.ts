import type { Dialect, SqlDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** A versioned schema change. `up` returns the statements for the given dialect, run in order. */
export interface Migration {
  version: number;
  name: string;
  up(d: Dialect): string[];
}

export interface UpgradeOptions {
  /** How long to wait for another process's upgrade before failing (default 300 s). */
  lockTimeoutSeconds?: number;
}

const VERSION_TABLE = 'cairn_schema_version';
const DEFAULT_LOCK_TIMEOUT_SECONDS = 300;

type Exec = Pick<SqlDatabase, 'query' | 'run'>;

async function ensureVersionTable(ex: Exec, d: Dialect): Promise<void> {
  await ex.run(
    `CREATE TABLE IF NOT EXISTS ${d.id(VERSION_TABLE)} (${d.id('version')} ${d.types.int} NOT NULL PRIMARY KEY, ${d.id('name')} ${d.types.varchar(200)} NOT NULL, ${d.id('applied_at')} ${d.types.bigint} NOT NULL)${d.tableOptions}`,
  );
}

async function readVersion(ex: Exec, d: Dialect): Promise<number> {
  const rows = await ex.query<{ v: number | null }>(
    `SELECT MAX(${d.id('version')}) AS v FROM ${d.id(VERSION_TABLE)}`,
  );
  return Number(rows[0]?.v ?? 0);
}

async function appliedVersions(ex: Exec, d: Dialect): Promise<Set<number>> {
  const rows = await ex.query<{ v: number }>(`SELECT ${d.id('version')} AS v FROM ${d.id(VERSION_TABLE)}`);
  return new Set(rows.map((r) => Number(r.v)));
}

/** The applied schema version; 0 for an empty database (nothing is created). */
export async function currentSchemaVersion(db: SqlDatabase): Promise<number> {
  // No version table yet: creating it here would race with a concurrent upgrade.
  if (!(await db.dialect.tableExists(db, VERSION_TABLE))) return 0;
  return readVersion(db, db.dialect);
}

/**
 * Brings the schema up to the newest version. Each migration is applied once and recorded;
 * returns the migrations applied by this call. What decides is the set of recorded versions, not
 * the highest one: a migration numbered below one already applied (two changes developed side by
 * side and released together) is still applied. Safe when several servers start at once on one
 * database: the upgrade runs under the dialect's migration lock (SQLite's write lock, a
 * PostgreSQL advisory lock, a MySQL named lock) and re-reads the version once it holds it. When
 * the lock is not obtained in time the upgrade fails rather than running unlocked.
 */
export async function upgradeSchema(
  db: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
  options: UpgradeOptions = {},
): Promise<Migration[]> {
  const d = db.dialect;
  const pending = [...migrations].sort((a, b) => a.version - b.version);
  const missing = (done: Set<number>): Migration[] => pending.filter((m) => !done.has(m.version));
  // Fast path: nothing to do, no lock taken.
  if ((await d.tableExists(db, VERSION_TABLE)) && missing(await appliedVersions(db, d)).length === 0)
    return [];
  return db.transaction(async (tx) => {
    await d.acquireMigrationLock(tx, options.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS);
    try {
      await ensureVersionTable(tx, d);
      const todo = missing(await appliedVersions(tx, d));
      const applied: Migration[] = [];
      // On PostgreSQL and SQLite the DDL is transactional: all pending migrations or none.
      // MySQL commits each DDL statement implicitly; the named lock still serializes upgrades.
      for (const m of todo) {
        for (const sql of m.up(d)) await tx.run(sql);
        await tx.run(
          `INSERT INTO ${d.id(VERSION_TABLE)} (${d.id('version')}, ${d.id('name')}, ${d.id('applied_at')}) VALUES (?, ?, ?)`,
          [m.version, m.name, Date.now()],
        );
        applied.push(m);
      }
      return applied;
    } finally {
      await d.releaseMigrationLock(tx);
    }
  });
}
