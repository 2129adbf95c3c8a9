/** The data the store and server benchmarks both query: a population of runs and a long metric history. */
import type { Metric } from '../src/entities/tracking.js';
import type { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import type { SqlDatabase, SqlValue } from '../src/store/sql/database.js';
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
 * build: each statement generates 10,000 runs' rows inside the database (INSERT ... SELECT from a
 * cross join of digits, the values of seedValues and their sort keys spelled in SQL), so nothing
 * crosses the connection but the statement. Run ids count up (`i` in hex) and start times with
 * them, so the primary keys and the sort indexes are appended to. A sample run is read back and
 * compared with seedValues / sortValues, so the SQL cannot drift from them unnoticed.
 */
export async function seedSearchRunsBulk(
  db: SqlDatabase,
  experimentId: string,
  count: number,
  now: number,
  onProgress?: (done: number) => void,
): Promise<void> {
  const d = db.dialect;
  const digits = (from: number, to: number): string =>
    `(${Array.from({ length: to - from + 1 }, (_, k) => `SELECT ${from + k} AS d`).join(' UNION ALL ')})`;
  const perStatement = 10_000;
  const int = d.pick({ sqlite: 'INTEGER', postgresql: 'BIGINT', mysql: 'SIGNED' });
  // i = ? + the four digits; k = 1..10, the key's number.
  const series = `(SELECT CAST(? AS ${int}) + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS i
    FROM ${digits(0, 9)} a CROSS JOIN ${digits(0, 9)} b CROSS JOIN ${digits(0, 9)} c CROSS JOIN ${digits(0, 9)} e) s`;
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
  const where = 's.i < ?';
  const statements: [string, (from: number) => SqlValue[]][] = [
    [
      `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri)
       SELECT ${id}, CAST(? AS ${int}), CONCAT('run-', s.i), 'bench', 'RUNNING', CAST(? AS ${int}) + s.i, 'active', CONCAT('mlflow-artifacts:/', ${id})
       FROM ${series} WHERE ${where} ORDER BY s.i`,
      (from) => [exp, now, from, count],
    ],
    [
      `INSERT INTO latest_metrics (run_uuid, metric_key, experiment_id, metric_value, ts, step, is_nan, pos)
       SELECT ${id}, CONCAT('m', k.d), CAST(? AS ${int}), ${random}, CAST(? AS ${int}), 0, 0, k.d
       FROM ${series} CROSS JOIN ${keys} WHERE ${where} ORDER BY s.i, k.d`,
      (from) => [exp, now, from, count],
    ],
    [
      `INSERT INTO params (run_uuid, param_key, param_value, pos, experiment_id, start_time, sort_text, sort_num)
       SELECT ${id}, CONCAT('p', k.d), ${paramValue}, k.d - 1, CAST(? AS ${int}), CAST(? AS ${int}) + s.i, ${paramValue},
         CASE WHEN k.d = 2 THEN ${number} END
       FROM ${series} CROSS JOIN ${keys} WHERE ${where} ORDER BY s.i, k.d`,
      (from) => [exp, now, from, count],
    ],
    [
      `INSERT INTO tags (run_uuid, tag_key, tag_value, pos, experiment_id, start_time, sort_text, sort_num)
       SELECT ${id}, CONCAT('t', k.d), ${tagValue}, k.d - 1, CAST(? AS ${int}), CAST(? AS ${int}) + s.i, ${tagValue}, NULL
       FROM ${series} CROSS JOIN ${keys} WHERE ${where} ORDER BY s.i, k.d`,
      (from) => [exp, now, from, count],
    ],
  ];
  // SQLite: the secondary indexes are dropped and built again afterwards (one sort each instead
  // of millions of scattered inserts into B-trees larger than the page cache).
  const rebuild =
    d.name === 'sqlite'
      ? await db.query(
          `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('runs', 'latest_metrics', 'params', 'tags')`,
        )
      : [];
  for (const index of rebuild) await db.run(`DROP INDEX ${String(index.name)}`);
  for (let from = 0; from < count; from += perStatement) {
    await db.transaction(async (tx) => {
      for (const [sql, params] of statements) await tx.run(sql, params(from));
    });
    onProgress?.(Math.min(count, from + perStatement));
  }
  for (const index of rebuild) await db.run(String(index.sql));
  await checkSeeded(db, Math.min(count - 1, 12_345), now);
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
