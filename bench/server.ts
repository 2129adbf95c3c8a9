/**
 * Tracking server benchmark (issue: tracking server): the real `cairn server` in its own process,
 * driven over HTTP from this process, on SQLite and PostgreSQL.
 *   - ingestion via log-batch (1000 metrics per call, 8 concurrent clients)
 *   - single log-metric calls (16 concurrent keep-alive clients)
 *   - search over an experiment of 100,000 runs (10 params, 10 tags, 10 metrics each):
 *     `metrics.m1 > 0.5 and params.p1 = 'x'`, order by metrics.m1 DESC, first page of 100
 *   - get-history of a 1,000,000-point metric (pages of 25,000)
 *   - get-history-sampled (1000 buckets per run) of that metric, and of 10 runs × 100,000 steps in
 *     one request (what a chart of 10 long runs asks)
 *   - server peak RSS
 * BENCH_RUNS overrides the 100,000 runs and BENCH_HISTORY_POINTS / BENCH_CHART_STEPS the history
 * sizes (e.g. for a quick try); BENCH_BACKENDS=sqlite narrows the stores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { machineLine, percentile } from './machine.js';
import { seedLossHistory, seedSearchRuns } from './seed-runs.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import { compiledCli } from './compiled-cli.js';
import { callMlflow } from './_mlflow-call.js';

const SEARCH_RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const HISTORY_POINTS = Number(process.env.BENCH_HISTORY_POINTS ?? 1_000_000);
const CHART_RUNS = 10;
const CHART_STEPS = Number(process.env.BENCH_CHART_STEPS ?? 100_000);

interface Seeded {
  experimentId: string;
  historyRunId: string;
  chartRunIds: string[];
}

export interface Server {
  url: string;
  proc: ChildProcess;
}

/** Starts `cairn server` from this checkout's build, or from the compiled CLI `cli` (another build). */
export async function startServer(storeUri: string, artifacts: string, cli?: string): Promise<Server> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      cli ?? (await compiledCli()),
      'server',
      '--port',
      String(port),
      '--backend-store-uri',
      storeUri,
      '--artifacts-destination',
      artifacts,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  // A loaded machine can take tens of seconds to start a server.
  for (let i = 0; i < 1200 && proc.exitCode === null; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, proc };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('server did not start');
}

export async function stopServer(s: Server): Promise<number> {
  const status = await readFile(`/proc/${s.proc.pid}/status`, 'utf8').catch(() => '');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  s.proc.kill('SIGTERM');
  await new Promise((r) => s.proc.once('exit', r));
  return hwm;
}

async function createRun(url: string, experimentId: string): Promise<string> {
  const r = await callMlflow(url, 'runs/create', { experiment_id: experimentId, start_time: Date.now() });
  return r.run.info.run_id as string;
}

async function logBatchIngestion(url: string): Promise<{ pointsPerSec: number; points: number }> {
  const clients = 8;
  const batchesPerClient = 40;
  const runs = await Promise.all(Array.from({ length: clients }, () => createRun(url, '0')));
  const t0 = performance.now();
  await Promise.all(
    runs.map(async (runId, c) => {
      for (let b = 0; b < batchesPerClient; b++) {
        const ts = Date.now();
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.random(),
          timestamp: ts,
          step: b * 100 + Math.floor(i / 10),
        }));
        await callMlflow(url, 'runs/log-batch', { run_id: runId, metrics });
      }
      return c;
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const points = clients * batchesPerClient * 1000;
  return { pointsPerSec: points / secs, points };
}

async function logMetricCalls(url: string): Promise<{ callsPerSec: number; calls: number }> {
  const clients = 16;
  const callsPerClient = 1250;
  const runs = await Promise.all(Array.from({ length: clients }, () => createRun(url, '0')));
  const t0 = performance.now();
  await Promise.all(
    runs.map(async (runId) => {
      for (let i = 0; i < callsPerClient; i++) {
        await callMlflow(url, 'runs/log-metric', {
          run_id: runId,
          key: 'loss',
          value: Math.random(),
          timestamp: Date.now(),
          step: i,
        });
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { callsPerSec: (clients * callsPerClient) / secs, calls: clients * callsPerClient };
}

/** Seeds the search experiment and the long history directly through the store (fast), before the server starts. */
async function seed(storeUri: string): Promise<Seeded> {
  const db = openDatabase(storeUri);
  await upgradeSchema(db);
  const store = new SqlTrackingStore(db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  await store.init();
  const experimentId = await store.createExperiment('search-bench', undefined, []);
  const now = Date.now();
  // Seeded with many calls in flight: the store group-commits concurrent writes.
  await seedSearchRuns(store, experimentId, SEARCH_RUNS, 32, now);
  const hist = await store.createRun({
    experimentId: '0',
    userId: 'bench',
    runName: 'history',
    startTime: now,
    tags: [],
  });
  await seedLossHistory(store, hist.info.run_id, HISTORY_POINTS, now);
  const chartRunIds: string[] = [];
  for (let i = 0; i < CHART_RUNS; i++) {
    const run = await store.createRun({
      experimentId: '0',
      userId: 'bench',
      runName: `chart-${i}`,
      startTime: now,
      tags: [],
    });
    await seedLossHistory(store, run.info.run_id, CHART_STEPS, now);
    chartRunIds.push(run.info.run_id);
  }
  // Fresh statistics after a bulk load, as an operator would run (autovacuum does it later anyway).
  if (db.dialect.name === 'postgresql') await db.run('ANALYZE');
  await db.close();
  return { experimentId, historyRunId: hist.info.run_id, chartRunIds };
}

async function timeSearch(
  url: string,
  experimentId: string,
): Promise<{ p50: number; p95: number; matches: number }> {
  const times: number[] = [];
  let matches = 0;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = (await callMlflow(url, 'runs/search', {
      experiment_ids: [experimentId],
      filter: "metrics.m1 > 0.5 and params.p1 = 'x'",
      order_by: ['metrics.m1 DESC'],
      max_results: 100,
    })) as { runs?: unknown[] };
    times.push(performance.now() - t0);
    matches = r.runs?.length ?? 0;
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), matches };
}

async function timeHistory(
  url: string,
  runId: string,
): Promise<{ p50: number; pages: number; points: number }> {
  const times: number[] = [];
  let token: string | undefined;
  let points = 0;
  let pages = 0;
  do {
    const q = new URLSearchParams({ run_id: runId, metric_key: 'loss', max_results: '25000' });
    if (token) q.set('page_token', token);
    const t0 = performance.now();
    const res = await fetch(`${url}/api/2.0/mlflow/metrics/get-history?${q}`);
    const json = (await res.json()) as { metrics?: unknown[]; next_page_token?: string };
    times.push(performance.now() - t0);
    points += json.metrics?.length ?? 0;
    token = json.next_page_token;
    pages++;
  } while (token && pages < 100);
  return { p50: percentile(times, 50), pages, points };
}

/** p50 of 10 get-history-sampled requests (1000 buckets per run) for the runs' `loss` histories. */
async function timeSampled(url: string, runIds: string[]): Promise<{ p50: number; points: number }> {
  const times: number[] = [];
  let points = 0;
  const q = new URLSearchParams({ metric_key: 'loss', max_points: '1000' });
  for (const id of runIds) q.append('run_ids', id);
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/2.0/mlflow/metrics/get-history-sampled?${q}`);
    const json = (await res.json()) as { metrics?: unknown[] };
    if (!res.ok) throw new Error(`get-history-sampled: ${res.status} ${JSON.stringify(json)}`);
    times.push(performance.now() - t0);
    points = json.metrics?.length ?? 0;
  }
  return { p50: percentile(times, 50), points };
}

async function benchBackend(kind: BackendKind): Promise<string[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-'));
  const db = await createTestDatabase(kind, tmp);
  try {
    process.stderr.write(`  ${kind}: seeding ${SEARCH_RUNS} runs and a ${HISTORY_POINTS}-point history...\n`);
    const seeded = await seed(db.uri);
    const server = await startServer(db.uri, join(tmp, 'artifacts'));
    try {
      process.stderr.write(`  ${kind}: log-batch ingestion\n`);
      const ingest = await logBatchIngestion(server.url);
      process.stderr.write(`  ${kind}: log-metric calls\n`);
      const single = await logMetricCalls(server.url);
      process.stderr.write(`  ${kind}: search\n`);
      const search = await timeSearch(server.url, seeded.experimentId);
      process.stderr.write(`  ${kind}: history\n`);
      const history = await timeHistory(server.url, seeded.historyRunId);
      process.stderr.write(`  ${kind}: sampled history\n`);
      const sampled = await timeSampled(server.url, [seeded.historyRunId]);
      const chart = await timeSampled(server.url, seeded.chartRunIds);
      const rss = await stopServer(server);
      return [
        `| ${kind} | log-batch ingestion, 8 clients × 1000 metrics/call | ${Math.round(ingest.pointsPerSec).toLocaleString('en-US')} points/s | ≥ 200,000 points/s |`,
        `| ${kind} | log-metric, 16 keep-alive clients | ${Math.round(single.callsPerSec).toLocaleString('en-US')} calls/s | ≥ 5,000 calls/s |`,
        `| ${kind} | search ${SEARCH_RUNS.toLocaleString('en-US')} runs, filter + order by metric, page of 100 (${search.matches} returned) | p50 ${search.p50.toFixed(1)} ms, p95 ${search.p95.toFixed(1)} ms | p50 ≤ 50 ms |`,
        `| ${kind} | get-history of ${history.points.toLocaleString('en-US')} points, pages of 25,000 (${history.pages} pages) | p50 ${history.p50.toFixed(1)} ms per page | p50 ≤ 50 ms |`,
        `| ${kind} | get-history-sampled of ${HISTORY_POINTS.toLocaleString('en-US')} points, 1000 buckets (${sampled.points} returned) | p50 ${sampled.p50.toFixed(1)} ms | p50 ≤ 50 ms |`,
        `| ${kind} | get-history-sampled of ${CHART_RUNS} runs × ${CHART_STEPS.toLocaleString('en-US')} steps, 1000 buckets per run (${chart.points} returned) | p50 ${chart.p50.toFixed(1)} ms | — |`,
        `| ${kind} | server peak RSS (VmHWM) over the whole run | ${rss.toFixed(0)} MB | ≤ 300 MB |`,
      ];
    } catch (err) {
      await stopServer(server);
      throw err;
    }
  } finally {
    await db.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const rows: string[] = [];
  const kinds = (process.env.BENCH_BACKENDS ?? 'sqlite,postgresql').split(',') as BackendKind[];
  for (const kind of kinds) rows.push(...(await benchBackend(kind)));
  return [
    '## Tracking server',
    '',
    `Machine: ${machineLine()}. The server runs as its own process (\`cairn server\`, one worker); the load comes from the benchmark process over keep-alive HTTP on 127.0.0.1.`,
    '',
    '| store | workload | result | target |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
