/**
 * get-history-sampled of the UI's long chart (10 runs × 100,000 steps, max_points=1000) answered
 * as a list of points (default) and as columns (`format=columns`): server CPU per request (from
 * /proc of the compiled server, run as its own process) and bytes, the two formats alternating in
 * one run so that both see the same machine load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, machineLine } from './machine.js';
import { startServer, stopServer, type Server } from './server.js';
import { callMlflow } from './_mlflow-call.js';

const RUNS = 10;
const STEPS = Number(process.env.BENCH_HISTORY_STEPS ?? 100_000);
const ROUNDS = 6;
const PER_ROUND = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-history-format-'));
  let server: Server | undefined;
  try {
    server = await startServer(`sqlite:///${join(dir, 'bench.db')}`, join(dir, 'artifacts'));
    const { url, proc } = server;
    const exp = (await callMlflow(url, 'experiments/create', { name: 'history-format' })).experiment_id;
    const ids: string[] = [];
    const t0 = Date.now();
    for (let r = 0; r < RUNS; r++) {
      const runId = (await callMlflow(url, 'runs/create', { experiment_id: exp, run_name: `long-${r}` })).run
        .info.run_id as string;
      ids.push(runId);
      for (let s = 0; s < STEPS; s += 1000) {
        const metrics = Array.from({ length: Math.min(1000, STEPS - s) }, (_, j) => ({
          key: 'loss',
          value: Math.exp(-(s + j) / 20000) + 0.05 * Math.sin((s + j) / 50),
          timestamp: t0 + (s + j) * 10,
          step: s + j,
        }));
        await callMlflow(url, 'runs/log-batch', { run_id: runId, metrics });
      }
    }
    const query = new URLSearchParams([
      ...ids.map((id): [string, string] => ['run_ids', id]),
      ['metric_key', 'loss'],
    ]);
    query.set('max_points', '1000');
    const formats = { points: query.toString(), columns: `${query}&format=columns` };
    const stats = Object.fromEntries(
      Object.keys(formats).map((f) => [f, { cpu: 0, calls: 0, wall: [] as number[], bytes: 0, points: 0 }]),
    ) as Record<
      keyof typeof formats,
      { cpu: number; calls: number; wall: number[]; bytes: number; points: number }
    >;
    // Warm-up: the first request of a history summarizes it; both formats then read the same summaries.
    for (const q of Object.values(formats))
      await fetch(`${url}/ajax-api/2.0/mlflow/metrics/get-history-sampled?${q}`);
    const loadBefore = loadavg()[0]!;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [format, q] of Object.entries(formats) as [keyof typeof formats, string][]) {
        const s = stats[format];
        const cpu0 = await cpuSeconds(proc.pid!);
        for (let i = 0; i < PER_ROUND; i++) {
          const t = performance.now();
          const text = await (
            await fetch(`${url}/ajax-api/2.0/mlflow/metrics/get-history-sampled?${q}`)
          ).text();
          s.wall.push(performance.now() - t);
          s.bytes = Buffer.byteLength(text);
          const json = JSON.parse(text) as { metrics?: unknown[]; series?: { steps: unknown[] }[] };
          s.points = json.metrics?.length ?? json.series!.reduce((n, x) => n + x.steps.length, 0);
        }
        s.cpu += (await cpuSeconds(proc.pid!)) - cpu0;
        s.calls += PER_ROUND;
      }
    }
    const loadAfter = loadavg()[0]!;
    const row = (f: keyof typeof formats): string => {
      const s = stats[f];
      return `| ${f === 'points' ? 'default (points)' : 'format=columns'} | ${s.points.toLocaleString('en-US')} | ${s.bytes.toLocaleString('en-US')} | ${((s.cpu / s.calls) * 1000).toFixed(0)} ms | ${median(s.wall).toFixed(0)} ms |`;
    };
    return [
      '## Sampled history answer: points vs columns',
      '',
      `Machine: ${machineLine()}. Compiled server (\`dist/\`) on SQLite as its own process.`,
      `Data: ${RUNS} runs × ${STEPS.toLocaleString('en-US')} steps of one metric (log-batch, 1,000 points per call).`,
      `get-history-sampled for the ${RUNS} runs, max_points=1000, after one warm-up request per format; ${ROUNDS} rounds of ${PER_ROUND} requests per format, alternating.`,
      `Server CPU from /proc/<pid>/stat (1/100 s ticks) over each round. 1-minute load average: ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
      '',
      '| answer | points | bytes | server CPU per request | wall median |',
      '|---|---|---|---|---|',
      row('points'),
      row('columns'),
    ].join('\n');
  } finally {
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  }
}
