import type { Dialect, SqlDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** A versioned schema change. `up` returns the statements for the given dialect, run in order. */
export interface Migration {
  version: number;
  name: string;
  up(d: Dialect): string[];
}

const VERSION_TABLE = 'cairn_schema_version';

export async function currentSchemaVersion(db: SqlDatabase): Promise<number> {
  const d = db.dialect;
  await db.run(
    `CREATE TABLE IF NOT EXISTS ${d.id(VERSION_TABLE)} (${d.id('version')} ${d.types.int} NOT NULL PRIMARY KEY, ${d.id('name')} ${d.types.varchar(200)} NOT NULL, ${d.id('applied_at')} ${d.types.bigint} NOT NULL)${d.tableOptions}`,
  );
  const rows = await db.query<{ v: number | null }>(
    `SELECT MAX(${d.id('version')}) AS v FROM ${d.id(VERSION_TABLE)}`,
  );
  return Number(rows[0]?.v ?? 0);
}

/**
 * Brings the schema up to the newest version. Each migration is applied once and recorded;
 * returns the migrations applied by this call.
 */
export async function upgradeSchema(
  db: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<Migration[]> {
  const applied: Migration[] = [];
  const current = await currentSchemaVersion(db);
  const d = db.dialect;
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    const statements = m.up(d);
    const apply = async (ex: { run: SqlDatabase['run'] }): Promise<void> => {
      for (const sql of statements) await ex.run(sql);
      await ex.run(
        `INSERT INTO ${d.id(VERSION_TABLE)} (${d.id('version')}, ${d.id('name')}, ${d.id('applied_at')}) VALUES (?, ?, ?)`,
        [m.version, m.name, Date.now()],
      );
    };
    // MySQL commits DDL implicitly, so a transaction would not protect it anyway.
    if (d.name === 'mysql') await apply(db);
    else await db.transaction(apply);
    applied.push(m);
  }
  return applied;
}
