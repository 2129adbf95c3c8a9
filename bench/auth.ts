/**
 * Access-control overhead (issue 10): two `cairn server` processes on SQLite, one without and one
 * with `--auth`, measured in the same run with the rounds interleaved so that load from other
 * work on the machine hits both alike.
 *   - log-batch ingestion: 8 concurrent clients, 1000 metrics per call, for a fixed time
 *   - log-metric latency: one client, sequential calls, p50 / p95
 * With auth the caller is a user with MANAGE on the experiment (its creator), sending HTTP Basic
 * (what MLflow clients send) and, for log-metric, also a bearer token.
 * Targets: batch throughput with auth ≥ 90% of without; log-metric p50 within 0.1 ms.
 * Many short rounds, each measuring both servers back to back, give paired ratios; the server
 * processes' CPU time per call (from /proc) is reported too, as it depends far less than
 * throughput on what else the machine is doing. BENCH_AUTH_ROUNDS, BENCH_AUTH_BATCH_SECONDS
 * and BENCH_AUTH_METRIC_CALLS change the defaults (12 rounds, 2 s, 400 calls).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:http';
import { cpuSeconds, machineLine, percentile } from './machine.js';
import { freePort } from '../test/helpers/ports.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 12);
const BATCH_SECONDS = Number(process.env.BENCH_AUTH_BATCH_SECONDS ?? 2);
const METRIC_CALLS = Number(process.env.BENCH_AUTH_METRIC_CALLS ?? 400);
const ADMIN = { user: 'bench-admin', password: 'bench-admin-password' };

interface Server {
  url: string;
  proc: ChildProcess;
  /** Authorization header for calls (absent without auth). */
  auth?: string;
  token?: string;
  runId: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function post(
  url: string,
  path: string,
  body: unknown,
  authorization?: string,
): Promise<Record<string, unknown>> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/api/2.0/mlflow/${path}`, url),
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(data),
          ...(authorization ? { Authorization: authorization } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function start(dir: string, withAuth: boolean): Promise<Server> {
  const port = await freePort();
  const args = [join(root, 'bin', 'cairn.js'), 'server', '--port', String(port)];
  args.push('--backend-store-uri', `sqlite:///${join(dir, withAuth ? 'auth.db' : 'open.db')}`);
  args.push('--artifacts-destination', join(dir, 'artifacts'));
  if (withAuth) args.push('--auth');
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, CAIRN_ADMIN_USERNAME: ADMIN.user, CAIRN_ADMIN_PASSWORD: ADMIN.password },
  });
  const url = `http://127.0.0.1:${port}`;
  // A loaded machine can take tens of seconds to start a server from the sources.
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/health`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
    if (i >= 1200 || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`the ${withAuth ? '--auth ' : ''}server did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let auth: string | undefined;
  let token: string | undefined;
  if (withAuth) {
    const admin = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
    await post(url, 'users/create', { username: 'trainer', password: 'trainer-password' }, admin);
    auth = `Basic ${Buffer.from('trainer:trainer-password').toString('base64')}`;
    token = `Bearer ${String((await post(url, 'tokens/create', { name: 'bench' }, auth)).secret)}`;
  }
  const exp = await post(url, 'experiments/create', { name: 'bench' }, auth);
  const run = (await post(url, 'runs/create', { experiment_id: exp.experiment_id }, auth)) as {
    run: { info: { run_id: string } };
  };
  return { url, proc, auth, token, runId: run.run.info.run_id };
}

/** Server CPU time and acknowledged calls, summed over rounds. */
class CpuTally {
  seconds = 0;
  calls = 0;
  /** Runs `work` (which resolves to the calls it completed) and adds the server's CPU time. */
  async measure<T>(s: Server, work: () => Promise<T>, calls: (result: T) => number): Promise<T> {
    const before = await cpuSeconds(s.proc.pid!);
    const result = await work();
    this.seconds += (await cpuSeconds(s.proc.pid!)) - before;
    this.calls += calls(result);
    return result;
  }
  get microsPerCall(): number {
    return (this.seconds * 1e6) / this.calls;
  }
}

async function batchThroughput(s: Server): Promise<{ pointsPerSecond: number; calls: number }> {
  const deadline = Date.now() + BATCH_SECONDS * 1000;
  let points = 0;
  let step = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const base = step;
      step += 1000;
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: i,
        timestamp: 1,
        step: base + i,
      }));
      await post(s.url, 'runs/log-batch', { run_id: s.runId, metrics }, s.auth);
      points += 1000; // counted after the call completes, never read before an await
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 8 }, worker));
  return { pointsPerSecond: points / ((Date.now() - started) / 1000), calls: points / 1000 };
}

async function metricLatency(s: Server, authorization: string | undefined): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < METRIC_CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await post(
      s.url,
      'runs/log-metric',
      { run_id: s.runId, key: 'lat', value: i, timestamp: 1, step: i },
      authorization,
    );
    if (i >= 50) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

const median = (xs: number[]) => percentile(xs, 50);
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-auth-'));
  const open = await start(dir, false);
  const secured = await start(dir, true);
  try {
    const batch = { open: [] as number[], auth: [] as number[] };
    const batchCpu = { open: new CpuTally(), auth: new CpuTally() };
    const lat = { open: [] as number[], basic: [] as number[], token: [] as number[] };
    const metricCpu = { open: new CpuTally(), basic: new CpuTally(), token: new CpuTally() };
    const load0 = loadavg();
    const count = () => METRIC_CALLS; // the dropped warm-up calls used CPU too
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first so neither always gets the quieter moment.
      const order = r % 2 === 0 ? ([open, secured] as const) : ([secured, open] as const);
      for (const s of order) {
        const side = s === open ? 'open' : 'auth';
        const b = await batchCpu[side].measure(
          s,
          () => batchThroughput(s),
          (x) => x.calls,
        );
        batch[side].push(b.pointsPerSecond);
      }
      for (const s of order) {
        if (s === open) {
          lat.open.push(...(await metricCpu.open.measure(s, () => metricLatency(s, undefined), count)));
        } else {
          lat.basic.push(...(await metricCpu.basic.measure(s, () => metricLatency(s, s.auth), count)));
          lat.token.push(...(await metricCpu.token.measure(s, () => metricLatency(s, s.token), count)));
        }
      }
    }
    const load1 = loadavg();
    const perRound = batch.auth.map((x, i) => (100 * x) / batch.open[i]!);
    const bOpen = median(batch.open);
    const bAuth = median(batch.auth);
    const p = (xs: number[], q: number) => fmt(percentile(xs, q), 3);
    const d = (xs: number[]) => percentile(xs, 50) - percentile(lat.open, 50);
    const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${fmt(x, digits)}`;
    const cpu = (t: CpuTally) => `${fmt(t.microsPerCall)} µs`;
    const cpuRatio = (t: CpuTally, base: CpuTally) =>
      `${fmt((100 * t.microsPerCall) / base.microsPerCall, 1)}%`;
    const loads = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
    return [
      '## Access control overhead',
      '',
      machineLine(),
      '',
      `Two \`cairn server\` processes on SQLite (one with \`--auth\`), driven from this process over keep-alive HTTP, ${ROUNDS} rounds; in each round both servers are measured back to back (which goes first alternates), so every round gives a paired ratio. log-batch: 8 concurrent clients × 1000 metrics per call for ${BATCH_SECONDS} s per server and round. log-metric: one client, ${fmt(METRIC_CALLS)} sequential calls per server and round (first 50 dropped). Server CPU = user + system time of the server process over the calls it answered in those phases. With auth the caller is the experiment's creator (MANAGE). Load average (1/5/15 min) before: ${loads(load0)}, after: ${loads(load1)} — the machine was shared with other work, so absolute figures are noisy; the paired ratios and the CPU per call are the figures to read.`,
      '',
      '| measurement | without auth | with auth | ratio / difference | target |',
      '|---|---:|---:|---:|---|',
      `| log-batch points/s, median of rounds | ${fmt(bOpen)} | ${fmt(bAuth)} | ${fmt((100 * bAuth) / bOpen, 1)}% | ≥ 90% |`,
      `| log-batch, with/without auth per round: median (min–max) | | | ${fmt(median(perRound), 1)}% (${fmt(Math.min(...perRound), 0)}–${fmt(Math.max(...perRound), 0)}%) | ≥ 90% |`,
      `| log-batch server CPU per call (1,000 points) | ${cpu(batchCpu.open)} | ${cpu(batchCpu.auth)} | ${cpuRatio(batchCpu.auth, batchCpu.open)} | |`,
      `| log-metric p50, HTTP Basic | ${p(lat.open, 50)} ms | ${p(lat.basic, 50)} ms | ${signed(d(lat.basic), 3)} ms | ≤ +0.1 ms |`,
      `| log-metric p50, bearer token | ${p(lat.open, 50)} ms | ${p(lat.token, 50)} ms | ${signed(d(lat.token), 3)} ms | ≤ +0.1 ms |`,
      `| log-metric p95 (open / Basic / token) | ${p(lat.open, 95)} ms | ${p(lat.basic, 95)} / ${p(lat.token, 95)} ms | | |`,
      `| log-metric server CPU per call, HTTP Basic | ${cpu(metricCpu.open)} | ${cpu(metricCpu.basic)} | ${signed(metricCpu.basic.microsPerCall - metricCpu.open.microsPerCall, 0)} µs | |`,
      `| log-metric server CPU per call, bearer token | ${cpu(metricCpu.open)} | ${cpu(metricCpu.token)} | ${signed(metricCpu.token.microsPerCall - metricCpu.open.microsPerCall, 0)} µs | |`,
      '',
    ].join('\n');
  } finally {
    for (const s of [open, secured]) {
      s.proc.kill('SIGTERM');
      await new Promise((r) => s.proc.once('exit', r));
    }
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
