import type { Dialect, SqlDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** A versioned schema change. `up` returns the statements for the given dialect, run in order. */
export interface Migration {
  version: number;
  name: string;
  up(d: Dialect): string[];
}

const VERSION_TABLE = 'cairn_schema_version';
const LOCK_NAME = 'cairn_schema_upgrade';
// Arbitrary constant identifying Cairn's schema upgrade among PostgreSQL advisory locks.
const PG_LOCK_KEY = 7_246_153_901;

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

/** The applied schema version; 0 for an empty database (nothing is created). */
export async function currentSchemaVersion(db: SqlDatabase): Promise<number> {
  try {
    return await readVersion(db, db.dialect);
  } catch (err) {
    // No version table yet (creating it here would race with a concurrent upgrade).
    if (/no such table|does not exist|doesn't exist/i.test(String((err as Error).message))) return 0;
    throw err;
  }
}

/**
 * Brings the schema up to the newest version. Each migration is applied once and recorded;
 * returns the migrations applied by this call. Safe when several servers start at once on one
 * database: the upgrade runs under a lock (SQLite's write lock, a PostgreSQL advisory lock, a
 * MySQL named lock) and re-reads the version once it holds it.
 */
export async function upgradeSchema(
  db: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<Migration[]> {
  const d = db.dialect;
  const pending = [...migrations].sort((a, b) => a.version - b.version);
  // Fast path: nothing to do, no lock taken.
  if ((await currentSchemaVersion(db)) >= (pending[pending.length - 1]?.version ?? 0)) return [];
  return db.transaction(async (tx) => {
    if (d.name === 'postgresql') await tx.query('SELECT pg_advisory_xact_lock(?)', [PG_LOCK_KEY]);
    if (d.name === 'mysql') await tx.query('SELECT GET_LOCK(?, 300) AS got', [LOCK_NAME]);
    try {
      await ensureVersionTable(tx, d);
      const current = await readVersion(tx, d);
      const applied: Migration[] = [];
      // On PostgreSQL and SQLite the DDL is transactional: all pending migrations or none.
      // MySQL commits each DDL statement implicitly; the named lock still serializes upgrades.
      for (const m of pending) {
        if (m.version <= current) continue;
        for (const sql of m.up(d)) await tx.run(sql);
        await tx.run(
          `INSERT INTO ${d.id(VERSION_TABLE)} (${d.id('version')}, ${d.id('name')}, ${d.id('applied_at')}) VALUES (?, ?, ?)`,
          [m.version, m.name, Date.now()],
        );
        applied.push(m);
      }
      return applied;
    } finally {
      if (d.name === 'mysql') await tx.query('SELECT RELEASE_LOCK(?) AS released', [LOCK_NAME]);
    }
  });
}
