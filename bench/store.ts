/**
 * Tracking store benchmark: the SqlTrackingStore used directly (no HTTP), on SQLite.
 *   - log-batch ingestion: 1000 metrics per call (10 keys x 100 steps), one run
 *   - single-metric writes: one logBatch call per point, sequential and 16 concurrent writers
 *   - searchRuns over an experiment of 100,000 runs (10 params, 10 tags, 10 metrics each):
 *     `metrics.m1 > 0.5 and params.p1 = 'x'`, ordered by metrics.m1 DESC and by metrics.m2 DESC,
 *     first page of 100
 *   - downsampled history of a 1,000,000-point metric (1000 buckets), and of 10 runs of 100,000
 *     steps each (one call, 1000 buckets per run, as a chart of 10 runs asks)
 *   - downsampled histories of 100 runs in one call (the most a request may ask, as a sweep's
 *     chart panel does): 1,000 steps each (returned whole) and 2,000 steps each (bucketed)
 * BENCH_RUNS, BENCH_HISTORY_POINTS and BENCH_CHART_STEPS override the sizes for a quick try.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, percentile } from './machine.js';
import { seedLossHistory, seedSearchRuns } from './seed-runs.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import type { SqlDatabase } from '../src/store/sql/database.js';
import type { Metric } from '../src/entities/tracking.js';
import { parseOrderByList, parseSearchFilter } from '../src/search/index.js';

const SEARCH_RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const HISTORY_POINTS = Number(process.env.BENCH_HISTORY_POINTS ?? 1_000_000);
const CHART_RUNS = 10;
const CHART_STEPS = Number(process.env.BENCH_CHART_STEPS ?? 100_000);
const MANY_RUNS = 100;

/** CPU time (user + system) of this process in ms: under a loaded machine, a fairer cost. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

interface Fixture {
  db: SqlDatabase;
  store: SqlTrackingStore;
  dir: string;
}

interface Rate {
  wall: number;
  cpu: number;
}

async function open(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-store-'));
  const db = openDatabase(`sqlite:///${join(dir, 'bench.db')}`);
  await upgradeSchema(db);
  const store = new SqlTrackingStore(db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  await store.init();
  return { db, store, dir };
}

async function newRun(
  store: SqlTrackingStore,
  experimentId: string,
  name: string,
  startTime = Date.now(),
): Promise<string> {
  const run = await store.createRun({ experimentId, userId: 'bench', runName: name, startTime, tags: [] });
  return run.info.run_id;
}

async function benchLogBatch(f: Fixture): Promise<Rate> {
  const runId = await newRun(f.store, '0', 'ingest');
  const batches = 300;
  const now = Date.now();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let b = 0; b < batches; b++) {
    const metrics: Metric[] = [];
    for (let k = 0; k < 10; k++) {
      for (let s = 0; s < 100; s++) {
        metrics.push({ key: `loss${k}`, value: Math.random(), timestamp: now + b, step: b * 100 + s });
      }
    }
    await f.store.logBatch(runId, metrics, [], []);
  }
  return {
    wall: (batches * 1000) / ((performance.now() - t0) / 1000),
    cpu: (batches * 1000) / (cpuMs(c0) / 1000),
  };
}

async function benchSingle(f: Fixture, concurrency: number): Promise<Rate> {
  const runId = await newRun(f.store, '0', `single-${concurrency}`);
  const perWriter = Math.floor(20000 / concurrency);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        await f.store.logBatch(runId, [{ key: `k${w}`, value: i, timestamp: Date.now(), step: i }], [], []);
      }
    }),
  );
  const n = perWriter * concurrency;
  return { wall: n / ((performance.now() - t0) / 1000), cpu: n / (cpuMs(c0) / 1000) };
}

async function seedSearch(f: Fixture): Promise<{ experimentId: string; seconds: number }> {
  const experimentId = await f.store.createExperiment('search-bench', undefined, []);
  const now = Date.now();
  const t0 = performance.now();
  // 16 writers at a time, as a busy server would see them (their logBatch calls group-commit).
  await seedSearchRuns(f.store, experimentId, SEARCH_RUNS, 16, now);
  await f.db.run('ANALYZE');
  return { experimentId, seconds: (performance.now() - t0) / 1000 };
}

async function timeSearch(
  f: Fixture,
  experimentId: string,
  orderBy: string,
): Promise<{ p50: number; p95: number; cpu50: number; returned: number }> {
  const times: number[] = [];
  const cpus: number[] = [];
  let returned = 0;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const page = await f.store.searchRuns({
      experimentIds: [experimentId],
      filter: parseSearchFilter('runs', "metrics.m1 > 0.5 and params.p1 = 'x'"),
      orderBy: parseOrderByList('runs', [orderBy]),
      viewType: 'ACTIVE_ONLY',
      maxResults: 100,
    });
    times.push(performance.now() - t0);
    cpus.push(cpuMs(c0));
    returned = page.items.length;
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), cpu50: percentile(cpus, 50), returned };
}

interface Sampled {
  p50: number;
  cpu50: number;
  points: number;
}

/** p50 of 5 sampled-history calls (1000 buckets per run) for `runIds`' `loss` histories. */
async function timeSampled(f: Fixture, runIds: string[]): Promise<Sampled> {
  const times: number[] = [];
  const cpus: number[] = [];
  let points = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const sampled = await f.store.getSampledMetricHistory({ runIds, key: 'loss', maxPoints: 1000 });
    times.push(performance.now() - t0);
    cpus.push(cpuMs(c0));
    points = sampled.length;
  }
  return { p50: percentile(times, 50), cpu50: percentile(cpus, 50), points };
}

async function benchSampled(f: Fixture): Promise<Sampled> {
  const runId = await newRun(f.store, '0', 'long-history');
  await seedLossHistory(f.store, runId, HISTORY_POINTS, Date.now());
  return timeSampled(f, [runId]);
}

async function benchChart(f: Fixture): Promise<Sampled> {
  const runIds: string[] = [];
  for (let i = 0; i < CHART_RUNS; i++) {
    const runId = await newRun(f.store, '0', `chart-${i}`);
    await seedLossHistory(f.store, runId, CHART_STEPS, Date.now());
    runIds.push(runId);
  }
  return timeSampled(f, runIds);
}

/** 100 runs of `steps` steps each, sampled in one call. */
async function benchManyRuns(f: Fixture, steps: number): Promise<Sampled> {
  const runIds: string[] = [];
  for (let i = 0; i < MANY_RUNS; i++) {
    const runId = await newRun(f.store, '0', `sweep-${steps}-${i}`);
    await seedLossHistory(f.store, runId, steps, Date.now());
    runIds.push(runId);
  }
  return timeSampled(f, runIds);
}

export async function run(): Promise<string> {
  const f = await open();
  try {
    process.stderr.write('  store: log-batch ingestion...\n');
    const batch = await benchLogBatch(f);
    process.stderr.write('  store: single-metric writes...\n');
    const single1 = await benchSingle(f, 1);
    const single16 = await benchSingle(f, 16);
    process.stderr.write(`  store: seeding ${SEARCH_RUNS} runs...\n`);
    const seeded = await seedSearch(f);
    const byM1 = await timeSearch(f, seeded.experimentId, 'metrics.m1 DESC');
    const byM2 = await timeSearch(f, seeded.experimentId, 'metrics.m2 DESC');
    process.stderr.write(`  store: ${HISTORY_POINTS}-point history...\n`);
    const sampled = await benchSampled(f);
    process.stderr.write(`  store: ${CHART_RUNS} x ${CHART_STEPS}-step histories...\n`);
    const chart = await benchChart(f);
    process.stderr.write(`  store: ${MANY_RUNS} runs x 1,000 and 2,000 steps...\n`);
    const many1k = await benchManyRuns(f, 1000);
    const many2k = await benchManyRuns(f, 2000);
    const n = (x: number): string => Math.round(x).toLocaleString('en-US');
    const runs = SEARCH_RUNS.toLocaleString('en-US');
    const load = os.loadavg()[0]!.toFixed(1);
    return [
      '## Store',
      '',
      `SqlTrackingStore called directly (no HTTP), SQLite file (WAL, synchronous=NORMAL). ${machineLine()}`,
      `Load average when the run ended: ${load}. "CPU" figures use this process's CPU time instead of wall time: on a shared, busy machine they estimate the unloaded speed.`,
      '',
      '| measurement | wall clock | per CPU time | target |',
      '|---|---|---|---|',
      `| logBatch of 1000 metrics (10 keys x 100 steps), sequential | ${n(batch.wall)} points/s | ${n(batch.cpu)} points/s | ≥ 200,000 points/s |`,
      `| single-metric logBatch, 1 writer | ${n(single1.wall)} calls/s | ${n(single1.cpu)} calls/s | ≥ 5,000 calls/s |`,
      `| single-metric logBatch, 16 concurrent writers (group commit) | ${n(single16.wall)} calls/s | ${n(single16.cpu)} calls/s | ≥ 5,000 calls/s |`,
      `| seeding ${runs} runs (createRun + logBatch of 10 metrics, 10 params, 10 tags; 16 writers) | ${seeded.seconds.toFixed(1)} s (${n(SEARCH_RUNS / seeded.seconds)} runs/s) | — | — |`,
      `| searchRuns over ${runs} runs, \`metrics.m1 > 0.5 and params.p1 = 'x'\`, order by metrics.m1 DESC, page of 100 (${byM1.returned} returned) | p50 ${byM1.p50.toFixed(1)} ms, p95 ${byM1.p95.toFixed(1)} ms | p50 ${byM1.cpu50.toFixed(1)} ms | p50 ≤ 50 ms |`,
      `| same filter, order by metrics.m2 DESC | p50 ${byM2.p50.toFixed(1)} ms, p95 ${byM2.p95.toFixed(1)} ms | p50 ${byM2.cpu50.toFixed(1)} ms | p50 ≤ 50 ms |`,
      `| sampled history of a ${HISTORY_POINTS.toLocaleString('en-US')}-point metric, 1000 buckets (${sampled.points} points returned) | p50 ${sampled.p50.toFixed(1)} ms | p50 ${sampled.cpu50.toFixed(1)} ms | p50 ≤ 50 ms |`,
      `| sampled histories of ${CHART_RUNS} runs × ${CHART_STEPS.toLocaleString('en-US')} steps, one call, 1000 buckets per run (${chart.points} points returned) | p50 ${chart.p50.toFixed(1)} ms | p50 ${chart.cpu50.toFixed(1)} ms | — |`,
      `| sampled histories of ${MANY_RUNS} runs × 1,000 steps, one call, 1000 buckets per run (${many1k.points} points returned) | p50 ${many1k.p50.toFixed(1)} ms | p50 ${many1k.cpu50.toFixed(1)} ms | — |`,
      `| sampled histories of ${MANY_RUNS} runs × 2,000 steps, one call, 1000 buckets per run (${many2k.points} points returned) | p50 ${many2k.p50.toFixed(1)} ms | p50 ${many2k.cpu50.toFixed(1)} ms | — |`,
      '',
    ].join('\n');
  } finally {
    await f.db.close();
    await rm(f.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((s) => process.stdout.write(`${s}\n`));
}
