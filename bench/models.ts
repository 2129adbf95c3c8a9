/**
 * Models benchmark: the scoring server and batch prediction on a small ONNX model (3 float
 * inputs, 1 output). The server and the load generator run as separate processes (the generator
 * uses keep-alive connections), so each has its own event loop; on a 2-core machine they share
 * the cores, which is included in the figures.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../src/models/save.js';
import { threeInputModel, writeThreeInputCsv } from '../test/models/helpers/onnx-builder.js';
import { cpuSeconds, machineLine } from './machine.js';

const root = join(import.meta.dirname, '..');
const CLI = join(root, 'bin', 'cairn.js');

interface LoadResult {
  requests: number;
  rows: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Starts `cairn models serve` (of this checkout, or of the one whose `bin/cairn.js` is `cli`). */
export async function startServer(
  modelDir: string,
  extra: string[],
  cli = CLI,
): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cli, 'models', 'serve', '-m', modelDir, '-p', '0', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = / at (http:\/\/[^\s]+) \(/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function load(
  url: string,
  concurrency: number,
  rows: number,
  mode: 'count' | 'seconds',
  amount: number,
  raw = false,
): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bench', '_models-load.ts'),
      url,
      mode,
      String(concurrency),
      String(rows),
      String(amount),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: root, env: { ...process.env, RAW: raw ? '1' : '0' } },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return JSON.parse(out.trim()) as LoadResult;
}

async function batch(
  modelDir: string,
  input: string,
  output: string,
  rows: number,
  workers = 1,
): Promise<{
  rowsPerSec: number;
  seconds: number;
  startupSeconds: number;
  wallSeconds: number;
  peakMb: number;
}> {
  const wallStart = performance.now();
  const child = spawn(
    process.execPath,
    [CLI, 'models', 'predict', '-m', modelDir, '-i', input, '-o', output, '--workers', String(workers)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let peakKb = 0;
  const poll = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((s) => (peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0))))
      .catch(() => undefined);
  }, 20);
  await once(child, 'exit');
  clearInterval(poll);
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const m = /in ([\d.]+) s/.exec(err);
  if (!m) throw new Error(`batch predict failed: ${err}`);
  const seconds = Number(m[1]);
  const startupSeconds = Number(/workers took ([\d.]+) s/.exec(err)?.[1] ?? 0);
  // With workers, VmHWM is the parent's own peak (each worker holds a chunk or a few and its model).
  return { rowsPerSec: rows / seconds, seconds, startupSeconds, wallSeconds, peakMb: peakKb / 1024 };
}

/** A fixed CPU-bound loop: how slow this machine is right now (other processes share the cores). */
function calibrationMs(): number {
  const t = performance.now();
  let acc = 0;
  for (let i = 0; i < 2e7; i++) acc += Math.sqrt(i) * 0.5;
  if (acc < 0) throw new Error('unreachable');
  return performance.now() - t;
}

const f = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function run(): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-models-'));
  try {
    const modelDir = join(tmp, 'model');
    await saveModel(modelDir, {
      flavor: 'onnx',
      onnxBytes: threeInputModel(),
      inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
    });
    const lines: string[] = [];
    const calBefore = calibrationMs();
    const server = await startServer(modelDir, []);
    // Server CPU time per request is reported too: unlike wall-clock figures it hardly depends on
    // what else runs on the machine, and 1 / (CPU per request) is what one core can serve.
    const measured = async (
      c: number,
      rows: number,
      mode: 'count' | 'seconds',
      amount: number,
      raw: boolean,
    ) => {
      const before = await cpuSeconds(server.pid);
      const r = await load(server.url, c, rows, mode, amount, raw);
      // The generator's 300 warm-up requests fall inside the CPU window: count them in.
      const cpu = (await cpuSeconds(server.pid)) - before;
      return { ...r, cpuUs: (cpu / (r.requests + 300)) * 1e6 };
    };
    try {
      for (const raw of [false, true]) {
        const gen = raw ? 'raw sockets' : 'http.Agent';
        const c1 = await measured(1, 1, 'count', 5000, raw);
        lines.push(
          `| latency, 1-row requests, concurrency 1 (${gen}) | p50 **${f(c1.p50Ms, 3)} ms**, p99 ${f(c1.p99Ms, 3)} ms (${f(c1.requests)} requests, ${c1.errors} errors); server CPU ${f(c1.cpuUs)} µs/request | p50 ≤ 0.3 ms |`,
        );
        const c32 = await measured(32, 1, 'seconds', 6, raw);
        lines.push(
          `| throughput, 1-row requests, concurrency 32 (${gen}) | **${f(c32.rows / c32.seconds)} predictions/s**, p50 ${f(c32.p50Ms, 2)} ms, p99 ${f(c32.p99Ms, 2)} ms (${c32.errors} errors); server CPU ${f(c32.cpuUs)} µs/request ≈ ${f(1e6 / c32.cpuUs)} predictions/s per server core | ≥ 15,000/s |`,
        );
        const big = await measured(4, 1000, 'seconds', 6, raw);
        lines.push(
          `| 1,000-row requests, concurrency 4 (${gen}) | **${f(big.rows / big.seconds)} rows/s** (${f(big.requests / big.seconds)} requests/s, p50 ${f(big.p50Ms, 2)} ms, ${big.errors} errors); server CPU ${f(big.cpuUs)} µs/request ≈ ${f(1e9 / big.cpuUs)} rows/s per server core | ≥ 1,000,000 rows/s |`,
        );
      }
    } finally {
      await server.stop();
    }
    const unbatched = await startServer(modelDir, ['--batch-max-size', '1']);
    try {
      const c32 = await load(unbatched.url, 32, 1, 'seconds', 6, true);
      lines.push(
        `| throughput, concurrency 32, micro-batching off (raw sockets) | ${f(c32.rows / c32.seconds)} predictions/s, p99 ${f(c32.p99Ms, 2)} ms | (comparison) |`,
      );
    } finally {
      await unbatched.stop();
    }
    const input = join(tmp, 'batch.csv');
    await writeThreeInputCsv(input, 1_000_000);
    const b = await batch(modelDir, input, join(tmp, 'batch.jsonl'), 1_000_000);
    lines.push(
      `| batch predict, 1,000,000-row CSV → JSON Lines | **${f(b.rowsPerSec)} rows/s** (${f(b.seconds, 2)} s), peak RSS ${f(b.peakMb)} MB | ≥ 500,000 rows/s, bounded memory |`,
    );
    // --workers 1 and 2 back to back on the same file, so the ratio is measured under one load.
    const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
    const w1 = await batch(modelDir, input, join(tmp, 'w1.jsonl'), 1_000_000, 1);
    const w2 = await batch(modelDir, input, join(tmp, 'w2.jsonl'), 1_000_000, 2);
    const loadAfter = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
    const same = (await readFile(join(tmp, 'w1.jsonl'))).equals(await readFile(join(tmp, 'w2.jsonl')));
    const scoring = (r: typeof w1): number => 1_000_000 / (r.seconds - r.startupSeconds);
    lines.push(
      `| batch predict --workers 1, same file | ${f(w1.rowsPerSec)} rows/s (${f(w1.seconds, 2)} s; whole command ${f(w1.wallSeconds, 2)} s) | (comparison) |`,
      `| batch predict --workers 2, same file | **${f(w2.rowsPerSec)} rows/s** (${f(w2.seconds, 2)} s, of which ${f(w2.startupSeconds, 2)} s starting the workers; ${f(scoring(w2))} rows/s after that; whole command ${f(w2.wallSeconds, 2)} s); **${f(w2.rowsPerSec / w1.rowsPerSec, 2)}×** the 1-worker rate (${f(scoring(w2) / w1.rowsPerSec, 2)}× once started); output identical: ${same ? 'yes' : '**NO**'}; load average ${loadBefore} before, ${loadAfter} after | faster than 1 worker on 2 free cores |`,
    );
    return [
      '## Models',
      '',
      `Machine: ${machineLine()}. Load average at the end: ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}.`,
      '',
      `Calibration loop (2·10⁷ \`Math.sqrt\` adds, one thread): ${f(calBefore)} ms before the runs, ${f(calibrationMs())} ms after. It measures how much of the cores this process got: compare it across runs; a figure several times another run's means the cores were shared with other work and every result below is slowed accordingly.`,
      '',
      'Small ONNX model (3 float inputs `x1..x3`, 1 float output), column signature. `cairn models serve` runs in',
      'its own process (defaults: 1 worker, micro-batching up to 256 rows with 0 ms delay); the load generator',
      '(`bench/_models-load.ts`) is a second Node process on keep-alive connections with pre-serialised',
      '`dataframe_split` bodies, run twice: with `http.Agent` + `http.request`, and with plain sockets',
      'carrying pre-encoded HTTP/1.1 requests (much less client CPU, so more of the 2 cores is left to the',
      'server). Latencies are measured by the client, after 300 warm-up requests; "server CPU" is the',
      "server process's user+system time (from /proc) divided by the requests it answered. Batch predict runs `cairn models predict` as a child process; rows/s is its own timing",
      '(model loaded → output closed), peak RSS is the kernel VmHWM of that process.',
      '',
      '| measurement | result | target |',
      '|---|---|---|',
      ...lines,
      '',
    ].join('\n');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
