/**
 * Server database ingestion (issue 12 item 3): one `cairn server` process per database, driven by
 * a load generator in a second process (bench/_ingest-load.ts, raw keep-alive sockets):
 * log-metric with 1 and 16 clients, log-batch of 1,000 points with 1 and 8 clients. Reports
 * throughput, the server process's CPU time per call (user + system from /proc, so the figures
 * mean something on a shared machine), the database server's CPU time per call (the PostgreSQL
 * backends of the benchmark's database, or the whole MariaDB/MySQL process), the load
 * generator's own CPU time per call, the share of the machine's CPU left idle (so a reader can tell
 * whether the cores or the round trips were the limit) and each database's ratio to SQLite in the
 * same run.
 * BENCH_SECONDS sets each phase's length (default 10); BENCH_BACKENDS narrows the databases.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cpuBetween, cpuSeconds, machineLine } from './machine.js';
import { databaseCpuTimes } from './database-cpu.js';
import { startServer, stopServer } from './server.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

export interface Phase {
  label: string;
  mode: 'metric' | 'batch';
  clients: number;
  unit: 'calls/s' | 'points/s';
  target?: number;
}

const PHASES: Phase[] = [
  { label: 'log-metric, 1 client', mode: 'metric', clients: 1, unit: 'calls/s' },
  { label: 'log-metric, 16 clients', mode: 'metric', clients: 16, unit: 'calls/s', target: 8000 },
  { label: 'log-batch 1,000 points/call, 1 client', mode: 'batch', clients: 1, unit: 'points/s' },
  {
    label: 'log-batch 1,000 points/call, 8 clients',
    mode: 'batch',
    clients: 8,
    unit: 'points/s',
    target: 250_000,
  },
];

export interface Measured {
  rate: number;
  calls: number;
  errors: number;
  cpuUsPerCall: number;
  /** CPU of the database server's processes per call (NaN for SQLite, which runs in the server). */
  dbCpuUsPerCall: number;
  /** CPU of the load generator per call. */
  loadCpuUsPerCall: number;
  /** Share of the whole machine's CPU time left idle during the phase (0..1). */
  idle: number;
}

/** One phase against the server `pid` at `url`: bench/_ingest-load.ts in its own process. */
export async function measure(
  url: string,
  pid: number,
  phase: Phase,
  kind: BackendKind,
  storeUri: string,
  seconds = SECONDS,
): Promise<Measured> {
  const db0 = await databaseCpuTimes(kind, storeUri);
  const cpu0 = await cpuSeconds(pid);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, '_ingest-load.ts'),
      url,
      phase.mode,
      String(phase.clients),
      String(seconds),
    ],
    { cwd: join(here, '..') },
  );
  const cpu = (await cpuSeconds(pid)) - cpu0;
  const db = cpuBetween(db0, await databaseCpuTimes(kind, storeUri));
  const dbCpu = kind === 'sqlite' ? NaN : db.user + db.system;
  const r = JSON.parse(stdout) as {
    calls: number;
    points: number;
    seconds: number;
    errors: number;
    cpuSeconds: number;
    idle: number;
  };
  const amount = phase.mode === 'batch' ? r.points : r.calls;
  return {
    rate: amount / r.seconds,
    calls: r.calls,
    errors: r.errors,
    cpuUsPerCall: r.calls ? (cpu * 1e6) / r.calls : NaN,
    dbCpuUsPerCall: r.calls ? (dbCpu * 1e6) / r.calls : NaN,
    loadCpuUsPerCall: r.calls ? (r.cpuSeconds * 1e6) / r.calls : NaN,
    idle: r.idle,
  };
}

async function benchBackend(kind: BackendKind): Promise<Measured[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-ingest-'));
  const db = await createTestDatabase(kind, tmp);
  try {
    const server = await startServer(db.uri, join(tmp, 'artifacts'));
    try {
      const out: Measured[] = [];
      for (const phase of PHASES) {
        process.stderr.write(`  ${kind}: ${phase.label}\n`);
        out.push(await measure(server.url, server.proc.pid!, phase, kind, db.uri));
      }
      return out;
    } finally {
      await stopServer(server);
    }
  } finally {
    await db.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export async function run(): Promise<string> {
  const kinds = (process.env.BENCH_BACKENDS ?? 'sqlite,postgresql,mysql').split(',') as BackendKind[];
  const load0 = loadavg();
  const results = new Map<BackendKind, Measured[]>();
  for (const kind of kinds) results.set(kind, await benchBackend(kind));
  const load1 = loadavg();
  const sqlite = results.get('sqlite');
  const rows: string[] = [];
  for (const [kind, measured] of results) {
    measured.forEach((m, i) => {
      const phase = PHASES[i]!;
      const ratio = sqlite && kind !== 'sqlite' ? `${(m.rate / sqlite[i]!.rate).toFixed(2)}×` : '—';
      const dbCpu = Number.isNaN(m.dbCpuUsPerCall) ? '—' : `${fmt(m.dbCpuUsPerCall)} µs`;
      const target = phase.target ? `≥ ${fmt(phase.target)} ${phase.unit}` : '';
      rows.push(
        `| ${kind} | ${phase.label} | ${fmt(m.rate)} ${phase.unit} | ${fmt(m.cpuUsPerCall)} µs | ${dbCpu} | ${fmt(m.loadCpuUsPerCall)} µs | ${Math.round(m.idle * 100)} % | ${ratio} | ${m.errors} | ${target} |`,
      );
    });
  }
  return [
    '## Server database ingestion',
    '',
    `Machine: ${machineLine()}. Load average (1/5/15 min) before: ${load0.map((l) => l.toFixed(1)).join(' / ')}, after: ${load1.map((l) => l.toFixed(1)).join(' / ')}.`,
    `One \`cairn server\` process per database (the compiled package, \`dist/\`; fresh database, default settings); the load comes from a second Node process over raw keep-alive sockets, each client counting its own acknowledged calls, ${SECONDS} s per phase. "server CPU" is the server process's user + system time divided by the calls it acknowledged in that phase; "database CPU" is the same for the database server: on PostgreSQL its backends serving the benchmark's database (background writers not included), on MariaDB the whole server process (other clients of it count too); "load CPU" is the load generator's own; "idle" is the share of the whole machine's CPU time (all cores, /proc/stat) left idle during the phase; the ratio compares with SQLite in the same run.`,
    '',
    '| store | workload | throughput | server CPU per call | database CPU per call | load CPU per call | idle | ratio to SQLite | errors | target |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}
