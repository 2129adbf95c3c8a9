/**
 * Load generator for bench/ingest.ts, run in its own process so the server is the bottleneck,
 * not a shared event loop. Usage:
 *   node --import tsx bench/_ingest-load.ts <url> <metric|batch> <clients> <seconds>
 * Each client owns a run and sends `runs/log-metric` (one point) or `runs/log-batch` (1,000
 * points) calls back to back over its own keep-alive socket (pre-encoded HTTP/1.1, little client
 * CPU). Every client counts its own acknowledged calls; the totals are summed once all clients
 * have stopped. Prints one JSON line: {calls, points, seconds, errors, cpuSeconds, idle}, where
 * cpuSeconds is this process's own CPU time (user + system) while the clock ran and idle the share
 * of the whole machine's CPU time left idle meanwhile (from /proc/stat).
 */
import { connectRaw, encodePost, type RawConnection, type RawResponse } from './_raw-http.js';
import { idleShare, machineTicks } from './machine.js';

const [url, mode, clientsArg, secondsArg] = process.argv.slice(2);
const target = new URL(url!);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const POINTS_PER_BATCH = 1000;
/** Set when the clock starts; the clients' loops read it. */
let deadline = Infinity;

function post(conn: RawConnection, path: string, body: string): Promise<RawResponse> {
  return conn.send(encodePost(target.host, `/api/2.0/mlflow/${path}`, Buffer.from(body)));
}

/**
 * The text of each batch point up to its timestamp: keys and values are the same in every call,
 * so they are formatted once (formatting 1,000 doubles per call was half of this process's CPU per
 * call); only the timestamp (one per call) and the steps change.
 */
const POINT_HEADS = Array.from(
  { length: POINTS_PER_BATCH },
  (_, i) => `${i ? ',' : ''}{"key":"m${i % 10}","value":${(i * 0.37) % 1},"timestamp":`,
);

function batchBody(runId: string, call: number): string {
  const tail = `${Date.now()},"step":`;
  const parts = [`{"run_id":"${runId}","metrics":[`];
  for (let i = 0; i < POINTS_PER_BATCH; i++) {
    parts.push(POINT_HEADS[i]!, tail, String(call * 100 + Math.floor(i / 10)), '}');
  }
  parts.push(']}');
  return parts.join('');
}

async function client(): Promise<{ calls: number; errors: number }> {
  const conn = await connectRaw(target.hostname, Number(target.port));
  const created = await post(
    conn,
    'runs/create',
    JSON.stringify({ experiment_id: '0', start_time: Date.now() }),
  );
  const runId = (JSON.parse(created.body) as { run: { info: { run_id: string } } }).run.info.run_id;
  await started;
  let calls = 0;
  let errors = 0;
  for (let i = 0; performance.now() < deadline; i++) {
    const res =
      mode === 'batch'
        ? await post(conn, 'runs/log-batch', batchBody(runId, i))
        : await post(
            conn,
            'runs/log-metric',
            `{"run_id":"${runId}","key":"loss","value":${i * 0.001},"timestamp":${Date.now()},"step":${i}}`,
          );
    if (res.status === 200) calls++;
    else errors++;
  }
  conn.close();
  return { calls, errors };
}

let start!: () => void;
const started = new Promise<void>((r) => (start = r));
const running = Array.from({ length: clients }, () => client().catch(() => ({ calls: 0, errors: 1 })));
// All runs exist before the clock starts.
await new Promise((r) => setTimeout(r, 300));
const ticks0 = await machineTicks();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
deadline = t0 + seconds * 1000;
start();
const results = await Promise.all(running);
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const idle = idleShare(ticks0, await machineTicks());
const calls = results.reduce((n, r) => n + r.calls, 0);
const errors = results.reduce((n, r) => n + r.errors, 0);
process.stdout.write(
  `${JSON.stringify({
    calls,
    points: mode === 'batch' ? calls * POINTS_PER_BATCH : calls,
    seconds: elapsed,
    errors,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    idle,
  })}\n`,
);
