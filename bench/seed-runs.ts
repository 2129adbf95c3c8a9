/** The data the store and server benchmarks both query: a population of runs and a long metric history. */
import type { Metric } from '../src/entities/tracking.js';
import type { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';

/**
 * Creates `count` runs in `experimentId` (run `i` named `run-<i>`, started at `now + i`), each with
 * 10 metrics `m1..m10`, 10 params (`p1` is `x` for every third run, else `y`) and 10 tags, from
 * `writers` concurrent writers, as a busy server would see them (their logBatch calls group-commit).
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
    const params = Array.from({ length: 10 }, (_, k) => ({
      key: `p${k + 1}`,
      value: k === 0 ? (i % 3 === 0 ? 'x' : 'y') : `v${i % 50}`,
    }));
    const tags = Array.from({ length: 10 }, (_, k) => ({ key: `t${k + 1}`, value: `tag-${i % 20}` }));
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
