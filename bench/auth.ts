/**
 * Access-control overhead (issue 10): two `cairn server` processes on SQLite, one without and one
 * with `--auth`, measured in the same run with the rounds interleaved so that load from other
 * work on the machine hits both alike.
 *   - log-batch ingestion: 8 concurrent clients, 1000 metrics per call, for a fixed time
 *   - log-metric latency: one client, sequential calls, p50 / p95
 * With auth the caller is a user with MANAGE on the experiment (its creator), sending HTTP Basic
 * (what MLflow clients send) and, for log-metric, also a bearer token.
 * Targets: batch throughput with auth ≥ 90% of without; log-metric p50 within 0.1 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:http';
import { machineLine, percentile } from './machine.js';
import { freePort } from './server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 3);
const BATCH_SECONDS = Number(process.env.BENCH_AUTH_BATCH_SECONDS ?? 4);
const METRIC_CALLS = Number(process.env.BENCH_AUTH_METRIC_CALLS ?? 1500);
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
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/health`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
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

async function batchThroughput(s: Server): Promise<number> {
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
  return points / ((Date.now() - started) / 1000);
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
    const lat = { open: [] as number[], basic: [] as number[], token: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first so neither always gets the quieter moment.
      const order = r % 2 === 0 ? ([open, secured] as const) : ([secured, open] as const);
      for (const s of order) (s === open ? batch.open : batch.auth).push(await batchThroughput(s));
      for (const s of order) {
        if (s === open) lat.open.push(...(await metricLatency(open, undefined)));
        else {
          lat.basic.push(...(await metricLatency(secured, secured.auth)));
          lat.token.push(...(await metricLatency(secured, secured.token)));
        }
      }
    }
    const bOpen = median(batch.open);
    const bAuth = median(batch.auth);
    const p = (xs: number[], q: number) => fmt(percentile(xs, q), 3);
    const d = (xs: number[]) => percentile(xs, 50) - percentile(lat.open, 50);
    return [
      '## Access control overhead',
      '',
      machineLine(),
      '',
      `Two \`cairn server\` processes on SQLite (one with \`--auth\`), driven from this process over keep-alive HTTP, ${ROUNDS} interleaved rounds. log-batch: 8 concurrent clients × 1000 metrics per call for ${BATCH_SECONDS} s per round (median of rounds). log-metric: one client, ${fmt(METRIC_CALLS)} sequential calls per round (first 50 dropped). With auth the caller is the experiment's creator (MANAGE). Load average at the end (1/5/15 min): ${loadavg()
        .map((x) => x.toFixed(1))
        .join(
          ' / ',
        )} — the machine was shared with other work while this ran, so absolute figures are noisy; the ratios compare runs taken side by side.`,
      '',
      '| measurement | without auth | with auth | ratio / difference | target |',
      '|---|---:|---:|---:|---|',
      `| log-batch metric points/s (rounds: ${batch.open.map((x) => fmt(x)).join(', ')} vs ${batch.auth.map((x) => fmt(x)).join(', ')}) | ${fmt(bOpen)} | ${fmt(bAuth)} | ${fmt((100 * bAuth) / bOpen, 1)}% | ≥ 90% |`,
      `| log-batch, with/without auth in each round | | | ${batch.auth.map((x, i) => `${fmt((100 * x) / batch.open[i]!, 0)}%`).join(', ')} | |`,
      `| log-metric p50, HTTP Basic | ${p(lat.open, 50)} ms | ${p(lat.basic, 50)} ms | ${d(lat.basic) >= 0 ? '+' : ''}${fmt(d(lat.basic), 3)} ms | ≤ +0.1 ms |`,
      `| log-metric p50, bearer token | ${p(lat.open, 50)} ms | ${p(lat.token, 50)} ms | ${d(lat.token) >= 0 ? '+' : ''}${fmt(d(lat.token), 3)} ms | ≤ +0.1 ms |`,
      `| log-metric p95 (open / Basic / token) | ${p(lat.open, 95)} ms | ${p(lat.basic, 95)} / ${p(lat.token, 95)} ms | | |`,
      '',
      'The per-round ratios show how much other work on the machine moves one 4-second window against the next: when they fall on both sides of 100%, the difference between the medians is within that noise, not a cost of access control (which adds a hash lookup of the cached credential, a cached grant lookup and a buffered audit record per request). A quiet machine is needed to check the 10% target more tightly.',
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
