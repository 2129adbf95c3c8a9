/**
 * What compressing large API answers costs the server and a client (over loopback, so the time it
 * saves on a network is not in it):
 *   node --import tsx bench/_http-compression-pair.ts [sqlite|postgresql|mysql] [rounds]
 * Seeds a 1,000,000-point history (BENCH_HISTORY_POINTS) into a fresh database, starts the
 * compiled `cairn server` (run `npm run build` first), and reads the history over HTTP with
 * Node's fetch alternately as a client behind a proxy (X-Forwarded-For: answered gzip-compressed,
 * fetch's default encoding) and as a direct local client (answered as it is): a page of 25,000
 * points of get-history and the 1,000-bucket get-history-sampled answer. Prints p50 per side and
 * the bytes on the wire.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, percentile } from './machine.js';
import { seedLossHistory } from './seed-runs.js';
import { startServer, stopServer } from './server.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import '../src/store/sql/builtin-stores.js';

const kind = (process.argv[2] ?? 'sqlite') as BackendKind;
const ROUNDS = Number(process.argv[3] ?? 15);
const POINTS = Number(process.env.BENCH_HISTORY_POINTS ?? 1_000_000);
/** What a proxy adds: the client it forwards for. */
const PROXIED = { 'x-forwarded-for': '192.0.2.1' };

const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-zip-'));
const db = await createTestDatabase(kind, tmp);
try {
  const sql = openDatabase(db.uri);
  await upgradeSchema(sql);
  const store = new SqlTrackingStore(sql, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  await store.init();
  const run = await store.createRun({
    experimentId: '0',
    userId: 'bench',
    runName: 'h',
    startTime: 0,
    tags: [],
  });
  const runId = run.info.run_id;
  await seedLossHistory(store, runId, POINTS, Date.now());
  await store.close();
  await sql.close();
  const server = await startServer(db.uri, join(tmp, 'artifacts'));
  try {
    const page = `${server.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=25000`;
    const sampled = `${server.url}/api/2.0/mlflow/metrics/get-history-sampled?run_ids=${runId}&metric_key=loss&max_points=1000`;
    const time = async (url: string, proxied: boolean) => {
      const t0 = performance.now();
      const res = await fetch(url, { headers: proxied ? PROXIED : {} });
      const body = (await res.json()) as { metrics?: unknown[] };
      if (!res.ok || !body.metrics?.length)
        throw new Error(`${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
      return { ms: performance.now() - t0, wire: Number(res.headers.get('content-length')) };
    };
    const load0 = loadavg()[0]!;
    process.stdout.write(`${machineLine()}\n${kind}, history of ${POINTS} points, ${ROUNDS} rounds\n`);
    for (const [name, url] of [
      ['get-history page of 25,000', page],
      ['get-history-sampled, 1,000 buckets', sampled],
    ] as const) {
      await time(url, true);
      await time(url, false);
      const got: Record<'gzip' | 'none', { ms: number; wire: number }[]> = { gzip: [], none: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const side of r % 2 ? (['none', 'gzip'] as const) : (['gzip', 'none'] as const))
          got[side].push(await time(url, side === 'gzip'));
      }
      for (const side of ['none', 'gzip'] as const)
        process.stdout.write(
          `${name}, ${side}: p50 ${percentile(
            got[side].map((x) => x.ms),
            50,
          ).toFixed(1)} ms, ${got[side][0]!.wire} bytes on the wire\n`,
        );
    }
    process.stdout.write(`load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}\n`);
  } finally {
    await stopServer(server);
  }
} finally {
  await db.drop();
  await rm(tmp, { recursive: true, force: true });
}
