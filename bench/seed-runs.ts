/** The data the store and server benchmarks both query: a population of runs and a long metric history. */
import type { Metric } from '../src/entities/tracking.js';
import type { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import type { SqlDatabase } from '../src/store/sql/database.js';
import { sortValues } from '../src/store/sql/tracking/sort-keys.js';

/**
 * The params and tags of run `i`: `p1` is `x` for every third run, else `y`; `p2` is a number
 * (`i * 7919 mod 100000`, so numeric and text order differ); `p3..p10` are `v0..v49`; tags
 * `t1..t10` are `tag-0..tag-19`.
 */
export function seedValues(i: number): {
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
} {
  const params = Array.from({ length: 10 }, (_, k) => ({
    key: `p${k + 1}`,
    value: k === 0 ? (i % 3 === 0 ? 'x' : 'y') : k === 1 ? String((i * 7919) % 100_000) : `v${i % 50}`,
  }));
  const tags = Array.from({ length: 10 }, (_, k) => ({ key: `t${k + 1}`, value: `tag-${i % 20}` }));
  return { params, tags };
}

/**
 * Creates `count` runs in `experimentId` (run `i` named `run-<i>`, started at `now + i`), each with
 * 10 metrics `m1..m10`, 10 params and 10 tags (seedValues), from `writers` concurrent writers, as
 * a busy server would see them (their logBatch calls group-commit).
 */
export async function seedSearchRuns(
  store: SqlTrackingStore,
  experimentId: string,
  count: number,
  writers: number,
  now: number,
): Promise<void> {
  const seedRun = async (i: number): Promise<void> => {
    const run = await store.createRun({
      experimentId,
      userId: 'bench',
      runName: `run-${i}`,
      startTime: now + i,
      tags: [],
    });
    const metrics: Metric[] = Array.from({ length: 10 }, (_, k) => ({
      key: `m${k + 1}`,
      value: Math.random(),
      timestamp: now,
      step: 0,
    }));
    const { params, tags } = seedValues(i);
    await store.logBatch(run.info.run_id, metrics, params, tags);
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) await seedRun(next++);
    }),
  );
}

/** Logs a `loss` history of `points` steps (0, 1, ...) to a run, 1000 points per logBatch. */
export async function seedLossHistory(
  store: SqlTrackingStore,
  runId: string,
  points: number,
  now: number,
): Promise<void> {
  for (let b = 0; b < points / 1000; b++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: 'loss',
      value: Math.random(),
      timestamp: now + b * 1000 + i,
      step: b * 1000 + i,
    }));
    await store.logBatch(runId, metrics, [], []);
  }
}

/**
 * The same runs as seedSearchRuns (latest metric values only, no metric history) written straight
 * into the tables at the current schema, for sizes the store's own write path would take hours to
 * build: each statement generates a block of runs' rows inside the database (INSERT ... SELECT
 * from a series: PostgreSQL's generate_series, on MySQL a recursive CTE of 0..999 joined to itself,
 * on SQLite a cross join of digits; the values of seedValues and their sort keys spelled in SQL),
 * so nothing crosses the connection but the statement. Run ids count up (`i` in hex) and start
 * times with them, so the primary keys are appended to. The secondary indexes of the metric, param
 * and tag tables are dropped first and built again after the data (one sort each instead of tens of
 * millions of scattered inserts into B-trees far larger than the cache). A sample run is read back
 * and compared with seedValues / sortValues, so the SQL cannot drift from them unnoticed.
 */
export async function seedSearchRunsBulk(
  db: SqlDatabase,
  experimentId: string,
  count: number,
  now: number,
  onProgress?: (done: number, phase: 'rows' | 'indexes') => void,
): Promise<void> {
  const d = db.dialect;
  const digits = (from: number, to: number): string =>
    `(${Array.from({ length: to - from + 1 }, (_, k) => `SELECT ${from + k} AS d`).join(' UNION ALL ')})`;
  // Runs per statement: SQLite writes in-process (short write locks); the servers take larger blocks.
  const perStatement = d.pick({ sqlite: 10_000, postgresql: 100_000, mysql: 100_000 });
  const int = d.pick({ sqlite: 'INTEGER', postgresql: 'BIGINT', mysql: 'SIGNED' });
  // `s.i` runs over [from, to): the block's run numbers (parameters: from, then to in `bound`).
  const series = d.pick({
    sqlite: `(SELECT CAST(? AS INTEGER) + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS i
      FROM ${digits(0, 9)} a CROSS JOIN ${digits(0, 9)} b CROSS JOIN ${digits(0, 9)} c CROSS JOIN ${digits(0, 9)} e) s`,
    postgresql: 'generate_series(CAST(? AS BIGINT), CAST(? AS BIGINT) - 1) AS s(i)',
    mysql: `(WITH RECURSIVE n (v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM n WHERE v < 999)
      SELECT CAST(? AS SIGNED) + a.v * 1000 + b.v AS i FROM n a CROSS JOIN n b WHERE a.v < ${perStatement / 1000}) s`,
  });
  const bound = d.name === 'postgresql' ? '' : 'WHERE s.i < ?';
  const keys = `${digits(1, 10)} k`;
  const id = d.pick({
    sqlite: `printf('%032x', s.i)`,
    postgresql: `LPAD(TO_HEX(s.i), 32, '0')`,
    mysql: `LPAD(LOWER(HEX(s.i)), 32, '0')`,
  });
  const random = d.pick({
    sqlite: '(random() / 18446744073709551616.0 + 0.5)',
    postgresql: 'random()',
    mysql: 'RAND()',
  });
  const text = d.pick({ sqlite: 'TEXT', postgresql: 'TEXT', mysql: 'CHAR' });
  const number = d.pick({
    sqlite: 'CAST((s.i * 7919) % 100000 AS REAL)',
    postgresql: 'CAST((s.i * 7919) % 100000 AS DOUBLE PRECISION)',
    mysql: '((s.i * 7919) % 100000) + 0E0',
  });
  const p2 = `CAST((s.i * 7919) % 100000 AS ${text})`;
  const paramValue = `CASE WHEN k.d = 1 THEN (CASE WHEN s.i % 3 = 0 THEN 'x' ELSE 'y' END) WHEN k.d = 2 THEN ${p2} ELSE CONCAT('v', s.i % 50) END`;
  const tagValue = `CONCAT('tag-', s.i % 20)`;
  const exp = Number(experimentId);
  const from = (withKeys: boolean): string =>
    `FROM ${series}${withKeys ? ` CROSS JOIN ${keys}` : ''} ${bound}`;
  const statements: string[] = [
    `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri)
     SELECT ${id}, CAST(? AS ${int}), CONCAT('run-', s.i), 'bench', 'RUNNING', CAST(? AS ${int}) + s.i, 'active', CONCAT('mlflow-artifacts:/', ${id})
     ${from(false)} ORDER BY s.i`,
    `INSERT INTO latest_metrics (run_uuid, metric_key, experiment_id, metric_value, ts, step, is_nan, pos)
     SELECT ${id}, CONCAT('m', k.d), CAST(? AS ${int}), ${random}, CAST(? AS ${int}), 0, 0, k.d
     ${from(true)} ORDER BY s.i, k.d`,
    `INSERT INTO params (run_uuid, param_key, param_value, pos, experiment_id, start_time, sort_text, sort_num)
     SELECT ${id}, CONCAT('p', k.d), ${paramValue}, k.d - 1, CAST(? AS ${int}), CAST(? AS ${int}) + s.i, ${paramValue},
       CASE WHEN k.d = 2 THEN ${number} END
     ${from(true)} ORDER BY s.i, k.d`,
    `INSERT INTO tags (run_uuid, tag_key, tag_value, pos, experiment_id, start_time, sort_text, sort_num)
     SELECT ${id}, CONCAT('t', k.d), ${tagValue}, k.d - 1, CAST(? AS ${int}), CAST(? AS ${int}) + s.i, ${tagValue}, NULL
     ${from(true)} ORDER BY s.i, k.d`,
  ];
  const indexes = await secondaryIndexes(db, ['latest_metrics', 'params', 'tags']);
  for (const index of indexes) await db.run(index.drop);
  for (let start = 0; start < count; start += perStatement) {
    const end = Math.min(count, start + perStatement);
    await db.transaction(async (tx) => {
      for (const sql of statements) await tx.run(sql, [exp, now, start, end]);
    });
    onProgress?.(end, 'rows');
  }
  await db.transaction(async (tx) => {
    // More sort memory than the default 64 MB for building indexes over tens of millions of rows.
    if (d.name === 'postgresql') await tx.run(`SET LOCAL maintenance_work_mem = '512MB'`);
    for (const sql of createIndexes(d.name, indexes)) await tx.run(sql);
  });
  onProgress?.(count, 'indexes');
  await checkSeeded(db, Math.min(count - 1, 12_345), now);
}

/** A non-unique index to drop before a bulk load and build after it. */
interface SecondaryIndex {
  table: string;
  name: string;
  drop: string;
  /** The definition: a full CREATE INDEX, or on MySQL the `INDEX name (columns)` of an ALTER TABLE. */
  create: string;
}

async function secondaryIndexes(db: SqlDatabase, tables: string[]): Promise<SecondaryIndex[]> {
  const d = db.dialect;
  const list = tables.map((t) => `'${t}'`).join(', ');
  if (d.name === 'sqlite') {
    const rows = await db.query(
      `SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${list})`,
    );
    return rows.map((r) => ({
      table: String(r.tbl_name),
      name: String(r.name),
      drop: `DROP INDEX ${String(r.name)}`,
      create: String(r.sql),
    }));
  }
  if (d.name === 'postgresql') {
    const rows = await db.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes
       WHERE schemaname = current_schema() AND tablename IN (${list}) AND indexdef NOT LIKE 'CREATE UNIQUE %'`,
    );
    return rows.map((r) => ({
      table: String(r.tablename),
      name: String(r.indexname),
      drop: `DROP INDEX ${String(r.indexname)}`,
      create: String(r.indexdef),
    }));
  }
  const rows = await db.query(
    `SELECT TABLE_NAME AS t, INDEX_NAME AS name, COLUMN_NAME AS col, COLLATION AS dir, SUB_PART AS part
     FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${list}) AND NON_UNIQUE = 1
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  );
  const out = new Map<string, SecondaryIndex & { columns: string[] }>();
  for (const r of rows) {
    const name = String(r.name);
    const table = String(r.t);
    const entry = out.get(`${table}.${name}`) ?? {
      table,
      name,
      drop: `DROP INDEX ${name} ON ${table}`,
      create: '',
      columns: [],
    };
    entry.columns.push(
      `${String(r.col)}${r.part === null ? '' : `(${Number(r.part)})`}${r.dir === 'D' ? ' DESC' : ''}`,
    );
    entry.create = `INDEX ${name} (${entry.columns.join(', ')})`;
    out.set(`${table}.${name}`, entry);
  }
  return [...out.values()].map(({ table, name, drop, create }) => ({ table, name, drop, create }));
}

/** The statements building `indexes` again: on MySQL one ALTER TABLE per table (one pass over its rows). */
function createIndexes(dialect: string, indexes: SecondaryIndex[]): string[] {
  if (dialect !== 'mysql') return indexes.map((i) => i.create);
  const byTable = new Map<string, string[]>();
  for (const i of indexes) byTable.set(i.table, [...(byTable.get(i.table) ?? []), `ADD ${i.create}`]);
  return [...byTable].map(([table, adds]) => `ALTER TABLE ${table} ${adds.join(', ')}`);
}

/** Compares run `i` as seeded with seedValues and sortValues. */
async function checkSeeded(db: SqlDatabase, i: number, now: number): Promise<void> {
  const id = i.toString(16).padStart(32, '0');
  const [run] = await db.query('SELECT experiment_id, start_time FROM runs WHERE run_uuid = ?', [id]);
  const facts = { runId: id, experimentId: Number(run?.experiment_id), startTime: now + i };
  if (Number(run?.start_time) !== facts.startTime) throw new Error(`seeded run ${i}: wrong start time`);
  const text = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
  const want = seedValues(i);
  for (const [table, key, value, rows] of [
    ['params', 'param_key', 'param_value', want.params],
    ['tags', 'tag_key', 'tag_value', want.tags],
  ] as const) {
    const got = await db.query(
      `SELECT ${key} AS k, ${value} AS v, pos, experiment_id, start_time, sort_text, sort_num FROM ${table} WHERE run_uuid = ? ORDER BY pos`,
      [id],
    );
    const actual = JSON.stringify(
      got.map((r) => [
        r.k,
        r.v,
        Number(r.pos),
        Number(r.experiment_id),
        Number(r.start_time),
        text(r.sort_text),
        r.sort_num === null ? null : Number(r.sort_num),
      ]),
    );
    const expected = JSON.stringify(rows.map((r, k) => [r.key, r.value, k, ...sortValues(facts, r.value)]));
    if (actual !== expected) throw new Error(`seeded ${table} of run ${i} differ:\n${actual}\n${expected}`);
  }
}
