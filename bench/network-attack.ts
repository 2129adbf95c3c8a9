/**
 * A mixed attack on one tracking server process (real `cairn server`, own process): 200 stalled
 * connections, JSON depth and key-count bombs, slow headers, slow bodies and oversized bodies, while
 * `/health` is polled from another address. Reports `/health` latency during the attack, the
 * answers' status classes, whether every attack connection was closed, and the server's RSS before,
 * at its peak and after (before and after read once the server has collected its garbage). The
 * test in test/security/robustness-attack.test.ts runs the same attack and asserts the correctness
 * half; the latency figure is recorded here.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { machineLine, percentile } from './machine.js';
import { type ServerProcess, startServerProcess } from '../test/server/cli-process.js';

/** Where attack connections come from: another loopback address than the health probe's. */
const ATTACKER = '127.0.0.2';

export interface AttackReport {
  /** /health round trips during the attack, timed by a prober process of their own. */
  healthMs: number[];
  /** The server's longest event-loop delay during the attack (its own /metrics), in ms. */
  serverLoopMaxMs: number;
  statuses: Record<string, number>;
  stalledOpened: number;
  stalledClosed: number;
  rssBaselineMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  /** JS heap in use plus buffer memory, after a collection, before and after the attack. */
  heldBaselineMb: number;
  heldAfterMb: number;
  attackMs: number;
}

/**
 * A full garbage collection in the server process, run twice through its inspector, and the
 * server's `process.memoryUsage()` after it: SIGUSR1 opens the inspector (on a port of its own
 * choosing: the attack target starts with --inspect-port=0, on 127.0.0.1), and a client in a
 * process of its own (Node 20 has its WebSocket behind a flag) asks for
 * `HeapProfiler.collectGarbage`. An idle server may not collect for a long while, keeping the
 * buffers of refused bodies counted in its RSS: RSS is compared after a collection, so what it
 * measures is memory the server still holds, not the collector's timing.
 */
const GC_CLIENT = `
const ws = new WebSocket(process.argv[1]);
let id = 0;
const send = (method, params) => ws.send(JSON.stringify({ id: ++id, method, params }));
const next = () =>
  id < 2
    ? send('HeapProfiler.collectGarbage')
    : send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
ws.onopen = next;
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.id !== id) return;
  if (id < 3) return next();
  process.stdout.write(m.result.result.value);
  ws.close();
  process.exit(0);
};
ws.onerror = () => process.exit(1);
`;

export async function collectGarbage(server: ServerProcess): Promise<NodeJS.MemoryUsage> {
  const listening = () => /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(server.stderr())?.[1];
  if (!listening()) server.child.kill('SIGUSR1');
  for (let i = 0; i < 100 && !listening(); i++) await new Promise((r) => setTimeout(r, 50));
  const url = listening();
  if (!url) throw new Error(`the server's inspector did not open: ${server.stderr()}`);
  // Node 22 has WebSocket by default; 20.10 and later behind this flag.
  const flags = typeof WebSocket === 'undefined' ? ['--experimental-websocket'] : [];
  const client = spawn(process.execPath, [...flags, '-e', GC_CLIENT, url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  client.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => client.once('exit', resolve));
  if (code !== 0) throw new Error(`the garbage collection request failed (${code})`);
  return JSON.parse(out) as NodeJS.MemoryUsage;
}

/** Memory the server's objects hold: its JS heap in use and the memory of its buffers, in MB. */
const heldMb = (m: NodeJS.MemoryUsage): number => (m.heapUsed + m.external) / 1024 / 1024;

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), localAddress: ATTACKER }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends head + body on a fresh connection and resolves with the answer's status (0: none). */
async function send(url: string, head: string, body?: Buffer | string, trickleMs = 0): Promise<number> {
  const socket = await open(url);
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.write(head);
    if (body === undefined) return;
    if (!trickleMs) {
      socket.end(body);
      return;
    }
    const bytes = Buffer.from(body);
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
      socket.write(bytes.subarray(i, i + 16));
      i += 16;
    }, trickleMs);
  });
}

/**
 * Polls `/health` every 20 ms from a process of its own until told to stop, then sends back the
 * round-trip times: the attacking process builds and sends buffers of tens of MB, and its own
 * pauses (garbage collection of the 2.5M-key bomb) must not be counted as the server's.
 */
const PROBER = `
const url = process.argv[1];
const ms = [];
let stop = false;
process.on('message', () => { stop = true; });
while (!stop) {
  const t = performance.now();
  await (await fetch(url)).text();
  ms.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 20));
}
process.send(ms, () => process.exit(0));
`;

function startProber(url: string): { stop(): Promise<number[]> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', PROBER, url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const result = new Promise<number[]>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number[]));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the /health prober exited (${code}) without results`)));
  });
  return {
    stop: async () => {
      child.send('stop');
      return result;
    },
  };
}

/** The server's `cairn_nodejs_eventloop_lag_max_seconds` since the previous scrape, in ms. */
async function serverLoopMaxMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('cairn_nodejs_eventloop_lag_max_seconds '));
  return line ? Number(line.split(' ')[1]) * 1000 : Number.NaN;
}

const jsonHead = (path: string, length: number) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

/** Runs the attack against a server started by `startAttackTarget` and measures it. */
export async function attack(server: ServerProcess): Promise<AttackReport> {
  const { url } = server;
  const pid = server.child.pid!;
  // One request of each refused kind first: the baseline then includes the code paths the attack
  // exercises (compiled code, pools), so that what is compared is memory the attack leaves behind.
  const warmDepth = '['.repeat(1000) + ']'.repeat(1000);
  await send(url, jsonHead('/api/2.0/mlflow/runs/log-batch', warmDepth.length), warmDepth);
  await send(
    url,
    jsonHead('/api/2.0/mlflow/experiments/create', 4 * 1024 * 1024),
    Buffer.alloc(4 * 1024 * 1024, 0x20),
  );
  const heldBaselineMb = heldMb(await collectGarbage(server));
  const rssBaselineMb = await rssMb(pid);
  let rssPeakMb = rssBaselineMb;
  const statuses: Record<string, number> = {};
  const count = (status: number) => {
    const key = status === 0 ? 'closed without answer' : `${Math.floor(status / 100)}xx`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  };

  // 200 stalled connections: half never finish their headers, half stop mid-body.
  const stalled = await Promise.all(Array.from({ length: 200 }, () => open(url)));
  let stalledClosed = 0;
  stalled.forEach((s, i) => {
    s.on('error', () => undefined);
    s.on('close', () => (stalledClosed += 1));
    s.resume();
    if (i % 2) s.write('GET /api/2.0/mlflow/experiments/search HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    else {
      s.write(
        `PUT /api/2.0/mlflow-artifacts/artifacts/stalled/${i}.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n',
      );
      s.write(Buffer.alloc(1000, 1));
    }
  });

  const depth = '['.repeat(100_000) + ']'.repeat(100_000);
  const keys: string[] = [];
  for (let i = 0; i < 2_500_000; i++) keys.push(`"k${i}":1`);
  const keyBomb = Buffer.from(`{${keys.join(',')}}`);
  const oversized = Buffer.alloc(40 * 1024 * 1024, 0x20);
  const { hostname, port } = new URL(url);
  const prober = startProber(`http://${hostname}:${port}/health`);
  await serverLoopMaxMs(url); // the reading starts afresh with the attack
  const started = performance.now();
  const work: Promise<void>[] = [];
  for (let i = 0; i < 10; i++)
    work.push(send(url, jsonHead('/api/2.0/mlflow/runs/log-batch', depth.length), depth).then(count));
  for (let i = 0; i < 2; i++)
    work.push(send(url, jsonHead('/api/2.0/mlflow/runs/log-batch', keyBomb.length), keyBomb).then(count));
  for (let i = 0; i < 3; i++)
    work.push(
      send(url, jsonHead('/api/2.0/mlflow/experiments/create', oversized.length), oversized).then(count),
    );
  // Slow headers: one byte every 100 ms, never finished within the headers timeout.
  for (let i = 0; i < 20; i++)
    work.push(
      send(url, '', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ' + 'a'.repeat(200), 100).then(count),
    );
  // Slow bodies: 16 bytes every 200 ms of a 400-byte JSON body (5 s, never idle for long).
  const slowBody = JSON.stringify({ filter: `name = 'slow-${'x'.repeat(360)}'` });
  for (let i = 0; i < 20; i++)
    work.push(
      send(url, jsonHead('/api/2.0/mlflow/experiments/search', slowBody.length), slowBody, 200).then(count),
    );

  let done = false;
  const all = Promise.all(work).then(() => (done = true));
  while (!done) {
    rssPeakMb = Math.max(rssPeakMb, await rssMb(pid));
    await new Promise((r) => setTimeout(r, 50));
  }
  await all;
  const healthMs = await prober.stop();
  const loopMaxMs = await serverLoopMaxMs(url);
  const attackMs = performance.now() - started;
  // Stalled connections end by the server's timeouts.
  for (let i = 0; i < 100 && stalledClosed < stalled.length; i++)
    await new Promise((r) => setTimeout(r, 100));
  stalled.forEach((s) => s.destroy());
  // The server may still be closing the last connections when the client has seen them end:
  // collect again for a few seconds while RSS is well above its baseline.
  let heldAfterMb = heldMb(await collectGarbage(server));
  let rssAfterMb = await rssMb(pid);
  for (let i = 0; i < 10 && rssAfterMb > rssBaselineMb + 25; i++) {
    await new Promise((r) => setTimeout(r, 500));
    heldAfterMb = heldMb(await collectGarbage(server));
    rssAfterMb = await rssMb(pid);
  }
  return {
    healthMs,
    serverLoopMaxMs: loopMaxMs,
    statuses,
    stalledOpened: stalled.length,
    stalledClosed,
    rssBaselineMb,
    rssPeakMb,
    rssAfterMb,
    heldBaselineMb,
    heldAfterMb,
    attackMs,
  };
}

/** Starts a server process tuned for a short run (2 s header and idle timeouts) in `dir`. */
export function startAttackTarget(dir: string): Promise<ServerProcess> {
  return startServerProcess(
    [
      '--headers-timeout',
      '2',
      '--idle-timeout',
      '2',
      '--log-level',
      'warn',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'db.sqlite')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
    ],
    dir,
    // The inspector stays closed until collectGarbage opens it (SIGUSR1), then on a free port.
    { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect-port=0`.trim() },
  );
}

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-attack-'));
  const server = await startAttackTarget(dir);
  try {
    // Warm up so the baseline includes a server that has answered requests.
    for (let i = 0; i < 50; i++)
      await (await fetch(`${server.url}/api/2.0/mlflow/experiments/search`)).text();
    const r = await attack(server);
    const p = (q: number) => percentile(r.healthMs, q).toFixed(1);
    return [
      '## Network attack',
      '',
      machineLine(),
      '',
      'One `cairn server` process (SQLite; 2 s header and idle timeouts) under 200 stalled connections (headers or body never finished), 10 JSON depth bombs ' +
        '(100,000 levels), 2 key-count bombs (31 MB, 2.5M keys), 3 oversized 40 MB bodies, 20 slow-header and 20 slow-body ' +
        'clients, all from 127.0.0.2, while `/health` is polled every 20 ms from 127.0.0.1 by a separate process. The machine is shared: latencies are noisy.',
      '',
      '| measure | value |',
      '|---|---:|',
      `| attack duration | ${(r.attackMs / 1000).toFixed(1)} s |`,
      `| /health probes during the attack | ${r.healthMs.length} |`,
      `| /health p50 / p99 / max (prober process of its own) | ${p(50)} / ${p(99)} / ${Math.max(...r.healthMs).toFixed(1)} ms |`,
      `| server's longest event-loop delay during the attack | ${r.serverLoopMaxMs.toFixed(1)} ms |`,
      `| answers by class | ${Object.entries(r.statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} |`,
      `| stalled connections closed by the server | ${r.stalledClosed} of ${r.stalledOpened} |`,
      `| RSS baseline / peak / after (baseline and after: after a full garbage collection) | ${r.rssBaselineMb.toFixed(0)} / ${r.rssPeakMb.toFixed(0)} / ${r.rssAfterMb.toFixed(0)} MB |`,
      `| JS heap in use + buffers, after a collection: baseline / after | ${r.heldBaselineMb.toFixed(0)} / ${r.heldAfterMb.toFixed(0)} MB |`,
    ].join('\n');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  }
}
