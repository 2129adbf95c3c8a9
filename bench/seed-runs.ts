/** The data the store and server benchmarks both query: a population of runs and a long metric history. */
import type { Metric } from '../src/entities/tracking.js';
import type { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import type { SqlDatabase, SqlExecutor, SqlValue } from '../src/store/sql/database.js';
import { SORT_COLUMNS, sortValues } from '../src/store/sql/tracking/sort-keys.js';

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
 * The same runs as seedSearchRuns (latest metric values only, no metric history) written with
 * multi-row INSERTs straight into the tables at the current schema, for sizes the store's own
 * write path would take hours to build. Param and tag rows carry their sort keys (sort-keys.ts)
 * in the same insert. Run ids count up (`i` in hex) and start times with them, so the primary
 * keys and the sort indexes are appended to, not scattered into. Every statement of a table has
 * the same shape (a fixed number of rows), so each is prepared once.
 */
export async function seedSearchRunsBulk(
  db: SqlDatabase,
  experimentId: string,
  count: number,
  now: number,
  onProgress?: (done: number) => void,
): Promise<void> {
  const tables = {
    runs: [
      'run_uuid',
      'experiment_id',
      'name',
      'user_id',
      'status',
      'start_time',
      'lifecycle_stage',
      'artifact_uri',
    ],
    latest_metrics: [
      'run_uuid',
      'metric_key',
      'experiment_id',
      'metric_value',
      'ts',
      'step',
      'is_nan',
      'pos',
    ],
    params: ['run_uuid', 'param_key', 'param_value', 'pos', ...SORT_COLUMNS],
    tags: ['run_uuid', 'tag_key', 'tag_value', 'pos', ...SORT_COLUMNS],
  } as const;
  // Rows per statement: within every database's parameter limit, small enough to prepare fast.
  const perStatement = 500;
  const sqlOf = (table: keyof typeof tables, rows: number): string => {
    const cols = tables[table];
    const one = `(${cols.map(() => '?').join(', ')})`;
    return `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
  };
  const insert = async (ex: SqlExecutor, table: keyof typeof tables, rows: SqlValue[][]): Promise<void> => {
    for (let i = 0; i < rows.length; i += perStatement) {
      const part = rows.slice(i, i + perStatement);
      await ex.run(sqlOf(table, part.length), part.flat());
    }
  };
  const exp = Number(experimentId);
  // SQLite writes one transaction per 20,000 runs (its WAL stays small); the servers per 1,000.
  const perTransaction = db.dialect.name === 'sqlite' ? 20_000 : 1000;
  for (let from = 0; from < count; from += perTransaction) {
    const runs: SqlValue[][] = [];
    const latest: SqlValue[][] = [];
    const params: SqlValue[][] = [];
    const tags: SqlValue[][] = [];
    for (let i = from; i < Math.min(count, from + perTransaction); i++) {
      const id = i.toString(16).padStart(32, '0');
      const facts = { runId: id, experimentId: exp, startTime: now + i };
      runs.push([id, exp, `run-${i}`, 'bench', 'RUNNING', now + i, 'active', `mlflow-artifacts:/${id}`]);
      for (let k = 1; k <= 10; k++) latest.push([id, `m${k}`, exp, Math.random(), now, 0, 0, k]);
      const v = seedValues(i);
      v.params.forEach((p, k) => params.push([id, p.key, p.value, k, ...sortValues(facts, p.value)]));
      v.tags.forEach((t, k) => tags.push([id, t.key, t.value, k, ...sortValues(facts, t.value)]));
    }
    await db.transaction(async (tx) => {
      await insert(tx, 'runs', runs);
      await insert(tx, 'latest_metrics', latest);
      await insert(tx, 'params', params);
      await insert(tx, 'tags', tags);
    });
    onProgress?.(Math.min(count, from + perTransaction));
  }
}
