/**
 * Builds compared through the server, before/after: one `cairn server` per build (each on its own
 * fresh database), the same ingestion phases as bench/ingest.ts (its `measure`)
 * alternated between them round by round, so that a shared machine's load falls on both. Per
 * phase and build: throughput, the server's, the database's and the load generator's CPU per
 * call, the machine's idle share, and calls per group commit (from /metrics). Usage:
 *   node --import tsx bench/_ingest-pair.ts <sqlite|postgresql|mysql> <label=checkout>... [--rounds N] [--seconds S]
 * where each checkout has been built (`npm run build`); `.` is this one.
 * INGEST_PHASES=metric:2,batch:8 narrows the phases (default: log-metric with 1, 2, 4 and 16
 * clients, log-batch of 1,000 points with 8). After each phase's rounds, a line gives each build's
 * p50 and, for two builds, in how many rounds the second was higher than the first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measure, type Phase } from './ingest.js';
import { percentile } from './machine.js';
import { startServer, stopServer, type Server } from './server.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '4' } },
});
const kind = positionals[0] as BackendKind;
const builds = positionals.slice(1).map((b) => {
  const [label, dir] = b.split('=');
  return {
    label: label!,
    cli: dir === '.' ? undefined : join(resolve(dir!), 'dist', 'src', 'cli', 'main.js'),
  };
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const phases: [string, number][] = (
  process.env.INGEST_PHASES ?? 'metric:1,metric:2,metric:4,metric:16,batch:8'
)
  .split(',')
  .map((p) => [p.split(':')[0]!, Number(p.split(':')[1])]);

async function groups(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    sum: read('cairn_store_group_commit_size_sum'),
    count: read('cairn_store_group_commit_size_count'),
  };
}

/**
 * Per build, the p50 of its rounds; with two builds, in how many rounds the second listed was
 * higher than the first (rounds are paired: both builds ran in each, one after the other).
 */
function summary(rates: Map<string, number[]>, unit: string): string {
  const entries = [...rates];
  const p50s = entries.map(([label, r]) => `${label} ${Math.round(percentile(r, 50))} ${unit}`);
  if (entries.length !== 2) return `p50: ${p50s.join(', ')}`;
  const [[a, ra], [b, rb]] = entries as [[string, number[]], [string, number[]]];
  const higher = rb.filter((x, i) => x > ra[i]!).length;
  return `p50: ${p50s.join(', ')}; ${b} higher than ${a} in ${higher} of ${rb.length} rounds`;
}

const tmp = await mkdtemp(join(tmpdir(), 'cairn-ingest-pair-'));
const servers: { label: string; server: Server; uri: string; drop(): Promise<void> }[] = [];
try {
  for (const { label, cli } of builds) {
    const db = await createTestDatabase(kind, tmp);
    const server = await startServer(db.uri, join(tmp, label, 'artifacts'), cli);
    servers.push({ label, server, uri: db.uri, drop: db.drop });
  }
  process.stdout.write(`# ${kind} load ${loadavg()[0]!.toFixed(1)} ${new Date().toISOString()}\n`);
  for (const [mode, clients] of phases) {
    const phase: Phase = {
      label: `${mode} ${clients}c`,
      mode: mode as Phase['mode'],
      clients,
      unit: mode === 'batch' ? 'points/s' : 'calls/s',
    };
    const rates = new Map<string, number[]>(servers.map((s) => [s.label, []]));
    for (let round = 0; round < rounds; round++) {
      const line: string[] = [];
      const order = round % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        const g0 = await groups(s.server.url);
        const m = await measure(s.server.url, s.server.proc.pid!, phase, kind, s.uri, seconds);
        const g1 = await groups(s.server.url);
        rates.get(s.label)!.push(m.rate);
        const db = kind === 'sqlite' ? '—' : Math.round(m.dbCpuUsPerCall);
        line.push(
          `${s.label}: ${Math.round(m.rate)} ${phase.unit} srv ${Math.round(m.cpuUsPerCall)} db ${db} load ${Math.round(m.loadCpuUsPerCall)} µs idle ${Math.round(m.idle * 100)}% grp ${((g1.sum - g0.sum) / (g1.count - g0.count)).toFixed(1)}${m.errors ? ` ERR ${m.errors}` : ''}`,
        );
      }
      process.stdout.write(`${mode} ${clients}c  ${line.sort().join('  |  ')}\n`);
    }
    process.stdout.write(`${mode} ${clients}c  ${summary(rates, phase.unit)}\n`);
  }
  process.stdout.write(`# load ${loadavg()[0]!.toFixed(1)} ${new Date().toISOString()}\n`);
} finally {
  for (const s of servers) {
    await stopServer(s.server);
    await s.drop();
  }
  await rm(tmp, { recursive: true, force: true });
}
