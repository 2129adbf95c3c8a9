/**
 * SDK logging throughput. The tracking server (SQLite) runs in its own process; this process is
 * the training loop. Three ways to log N metric points, each into a fresh run:
 *   - raw log-batch: a loop sending 1000 points per `runs/log-batch` call, one call at a time
 *     (the server-limited ceiling);
 *   - SDK: a loop calling `run.logMetric()` per point (it yields to the event loop every 100
 *     points, as a training step would), then `flush()`; timed until the server acknowledged all;
 *   - per-point HTTP: a loop awaiting one `runs/log-metric` call per point, over a keep-alive
 *     connection and with a new connection per request.
 * The ratio SDK / raw log-batch is the figure of merit (target ≥ 80%).
 * BENCH_SDK_POINTS overrides N (default 50,000; per-point HTTP uses N/50).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machineLine } from './machine.js';
import { ChildServer } from '../test/client/fixtures/child-server.js';
import { freePort } from '../test/helpers/ports.js';
import { TrackingClient } from '../src/client/tracking-client.js';
import { RunLogger } from '../src/client/run-logger.js';

const POINTS = Number(process.env.BENCH_SDK_POINTS ?? 50_000);
const REPEATS = 3;

async function newRun(client: TrackingClient, exp: string): Promise<string> {
  return (await client.createRun({ experiment_id: exp })).info.run_id;
}

async function rawBatch(client: TrackingClient, runId: string, n: number): Promise<number> {
  const t0 = performance.now();
  const ts = Date.now();
  for (let start = 0; start < n; start += 1000) {
    const metrics = [];
    for (let i = start; i < Math.min(n, start + 1000); i++)
      metrics.push({ key: 'loss', value: 1 / (i + 1), timestamp: ts, step: i });
    await client.logBatch(runId, { metrics });
  }
  return n / ((performance.now() - t0) / 1000);
}

async function sdkLoop(client: TrackingClient, runId: string, n: number, spoolDir: string): Promise<number> {
  const logger = new RunLogger(client, runId, { spoolDir });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    logger.logMetric('loss', 1 / (i + 1), i);
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  await logger.flush();
  const rate = n / ((performance.now() - t0) / 1000);
  if (logger.pendingRecords() !== 0 || logger.status().mode !== 'online')
    throw new Error('SDK run did not deliver');
  return rate;
}

async function perPoint(client: TrackingClient, runId: string, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    await client.logMetric(runId, { key: 'loss', value: 1 / (i + 1), timestamp: Date.now(), step: i });
  return n / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-sdk-'));
  const server = new ChildServer(await freePort(), join(dir, 'bench.db'), join(dir, 'artifacts'));
  await server.start();
  const client = new TrackingClient(server.url);
  try {
    const exp = await client.createExperiment('bench-sdk');
    // Warm-up: connections, prepared statements, JIT.
    await rawBatch(client, await newRun(client, exp), 5000);
    await sdkLoop(client, await newRun(client, exp), 5000, join(dir, 'spool'));
    const raw: number[] = [];
    const sdk: number[] = [];
    const single: number[] = [];
    const singleNoKeepAlive: number[] = [];
    const fresh = new TrackingClient(server.url, { keepAlive: false });
    // Interleaved so that load from other processes hits every method alike.
    for (let r = 0; r < REPEATS; r++) {
      raw.push(await rawBatch(client, await newRun(client, exp), POINTS));
      sdk.push(await sdkLoop(client, await newRun(client, exp), POINTS, join(dir, 'spool')));
      single.push(await perPoint(client, await newRun(client, exp), Math.max(100, Math.floor(POINTS / 50))));
      singleNoKeepAlive.push(
        await perPoint(fresh, await newRun(client, exp), Math.max(100, Math.floor(POINTS / 50))),
      );
    }
    fresh.close();
    const ratio = median(sdk) / median(raw);
    return [
      '## SDK',
      '',
      `${machineLine()}`,
      '',
      `Tracking server (SQLite, own process) fed by one training loop over keep-alive HTTP; ${fmt(POINTS)} points per run, median of ${REPEATS} interleaved runs (per-point HTTP: ${fmt(Math.max(100, Math.floor(POINTS / 50)))} points).`,
      '',
      '| method | metric points/s | runs |',
      '|---|---:|---|',
      `| raw log-batch, 1000 points per call | ${fmt(median(raw))} | ${raw.map(fmt).join(', ')} |`,
      `| SDK \`logMetric\` per point (async batching) | ${fmt(median(sdk))} | ${sdk.map(fmt).join(', ')} |`,
      `| one \`runs/log-metric\` call per point (keep-alive) | ${fmt(median(single))} | ${single.map(fmt).join(', ')} |`,
      `| one \`runs/log-metric\` call per point, new connection each | ${fmt(median(singleNoKeepAlive))} | ${singleNoKeepAlive.map(fmt).join(', ')} |`,
      '',
      `SDK / raw log-batch: **${(ratio * 100).toFixed(0)}%** (target ≥ 80%). SDK / per-point HTTP: **${(median(sdk) / median(single)).toFixed(0)}×**.`,
      '',
    ].join('\n');
  } finally {
    client.close();
    await server.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await run()}\n`);
}
