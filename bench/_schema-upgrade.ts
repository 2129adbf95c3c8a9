/**
 * How long the migrations from version `--from` on take on a database holding N history points
 * stored as rows (migration 10, the history keyed by step; migration 12, MySQL's tables converted
 * to a NO PAD collation): a fresh database at schema version from − 1 is filled in SQL (100 runs ×
 * 10 keys, one point per step, timestamps rising with steps except in one history in ten), then
 * upgraded. Prints one line per backend: points, seconds, points per second.
 * Usage: node --import tsx bench/_schema-upgrade.ts <sqlite|postgresql|mysql>... [--points N] [--from V]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { MIGRATIONS } from '../src/store/sql/migrations/index.js';
import type { SqlDatabase } from '../src/store/sql/database.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { points: { type: 'string', default: '1000000' }, from: { type: 'string', default: '10' } },
});
const points = Number(values.points);
const from = Number(values.from);
const RUNS = 100;
const KEYS = 10;

/** Rows 1..n of a generated series named `i`, as a FROM clause. */
function series(db: SqlDatabase, n: number): string {
  return db.dialect.pick({
    postgresql: `generate_series(1, ${n}) AS g(i)`,
    mysql: `(SELECT seq AS i FROM seq_1_to_${n}) g`,
    sqlite: `(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT i FROM s) g`,
  });
}

async function seed(db: SqlDatabase): Promise<void> {
  await db.run(
    `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ('bench', 'mlflow-artifacts:/1', 'active', 0, 0)`,
  );
  const exp = Number(
    (await db.query(`SELECT experiment_id FROM experiments WHERE name = 'bench'`))[0]!.experiment_id,
  );
  const concat = (a: string, b: string) =>
    db.dialect.pick({ postgresql: `${a} || ${b}`, sqlite: `${a} || ${b}`, mysql: `CONCAT(${a}, ${b})` });
  await db.run(
    `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri)
     SELECT ${concat("'run'", 'i')}, ${exp}, 'r', 'u', 'FINISHED', 0, 'active', 'a' FROM ${series(db, RUNS)}`,
  );
  const pk = await db.query(`SELECT MIN(run_pk) AS lo FROM runs`);
  const lo = Number(pk[0]!.lo);
  // Point i: run (i mod 100), key ((i / 100) mod 10), step i / 1000; histories whose key is m9 get
  // timestamps that fall back every other step.
  const step = db.dialect.pick({ postgresql: 'i / 1000', sqlite: 'i / 1000', mysql: 'i DIV 1000' });
  const key = db.dialect.pick({
    postgresql: '(i / 100) % 10',
    sqlite: '(i / 100) % 10',
    mysql: '(i DIV 100) % 10',
  });
  await db.run(
    `INSERT INTO metrics (run_pk, metric_key, ts, step, metric_value, is_nan)
     SELECT ${lo} + i % ${RUNS}, ${concat("'m'", key)}, 1700000000000 + i - CASE WHEN ${key} = ${KEYS - 1} AND (${step}) % 2 = 1 THEN 5000 ELSE 0 END, ${step}, i * 0.5, 0
     FROM ${series(db, points)}`,
  );
  await db.run(
    `INSERT INTO latest_metrics (run_uuid, metric_key, experiment_id, metric_value, ts, step, is_nan, pos)
     SELECT r.run_uuid, m.metric_key, ${exp}, 0, MAX(m.ts), MAX(m.step), 0, 0 FROM metrics m JOIN runs r ON r.run_pk = m.run_pk GROUP BY r.run_uuid, m.metric_key`,
  );
}

for (const kind of positionals as BackendKind[]) {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-upgrade-'));
  const testDb = await createTestDatabase(kind, dir);
  const db = openDatabase(testDb.uri);
  try {
    await upgradeSchema(
      db,
      MIGRATIONS.filter((m) => m.version < from),
    );
    await seed(db);
    const t0 = performance.now();
    const applied = await upgradeSchema(db);
    const seconds = (performance.now() - t0) / 1000;
    const unordered = await db.query('SELECT COUNT(*) AS n FROM latest_metrics WHERE in_step_order = 0');
    process.stdout.write(
      `${JSON.stringify({
        kind,
        points,
        migrations: applied.map((m) => m.version),
        seconds: Number(seconds.toFixed(2)),
        pointsPerSecond: Math.round(points / seconds),
        unorderedHistories: Number(unordered[0]!.n),
        load: Number(loadavg()[0]!.toFixed(1)),
      })}\n`,
    );
  } finally {
    await db.close();
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
