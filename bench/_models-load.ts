/**
 * Load generator for bench/models.ts, run in its own process so it does not share the scoring
 * server's event loop. Usage: node --import tsx bench/_models-load.ts <url> <mode> <concurrency> <rows> <seconds|count>
 * Prints one JSON line: {requests, rows, seconds, p50Ms, p99Ms, errors}.
 */
import http from 'node:http';
import { connectRaw, encodePost, type RawConnection } from './_raw-http.js';

const [url, mode, concArg, rowsArg, amountArg] = process.argv.slice(2);
const concurrency = Number(concArg);
const rowsPerRequest = Number(rowsArg);
const amount = Number(amountArg);
const target = new URL('/invocations', url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function body(seed: number): Buffer {
  const data: number[][] = [];
  for (let i = 0; i < rowsPerRequest; i++)
    data.push([(seed + i) % 100, ((seed + i) * 7) % 13, ((seed + i) % 10) / 4]);
  return Buffer.from(JSON.stringify({ dataframe_split: { columns: ['x1', 'x2', 'x3'], data } }));
}
// Pre-built bodies: the generator must not spend its time serialising.
const bodies = Array.from({ length: 16 }, (_, i) => body(i * 31));

/**
 * With `RAW=1` requests go over plain keep-alive sockets (pre-encoded HTTP/1.1, responses framed
 * by Content-Length), which costs the generator far less CPU than http.request.
 */
const raw = process.env.RAW === '1';
const rawRequests = bodies.map((b) => encodePost(target.host, target.pathname, b));
const free: RawConnection[] = [];

async function sendRaw(index: number): Promise<number> {
  const conn = free.pop() ?? (await connectRaw(target.hostname, Number(target.port)));
  const { status } = await conn.send(rawRequests[index % rawRequests.length]!);
  free.push(conn);
  return status;
}

function send(payload: Buffer): Promise<number> {
  if (raw) return sendRaw(bodies.indexOf(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const latencies: number[] = [];
let requests = 0;
let errors = 0;
let deadline = Infinity;
let remaining = mode === 'count' ? amount : Infinity;

async function loop(worker: number): Promise<void> {
  let i = worker;
  while (Date.now() < deadline && remaining-- > 0) {
    const t = process.hrtime.bigint();
    const status = await send(bodies[i++ % bodies.length]!);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    requests++;
    if (status !== 200) errors++;
  }
}

// Warm up connections and JIT on both sides.
for (let i = 0; i < 300; i++) await send(bodies[i % bodies.length]!);
const warmEnd = process.hrtime.bigint();
latencies.length = 0;
if (mode !== 'count') deadline = Date.now() + amount * 1000;
await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
const seconds = Number(process.hrtime.bigint() - warmEnd) / 1e9;
latencies.sort((a, b) => a - b);
const pct = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
process.stdout.write(
  `${JSON.stringify({ requests, rows: requests * rowsPerRequest, seconds, p50Ms: pct(50), p99Ms: pct(99), errors })}\n`,
);
agent.destroy();
for (const c of free) c.close();
