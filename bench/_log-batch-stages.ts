/**
 * Node-side cost of one `runs/log-batch` call of 1,000 metrics, stage by stage, in one process
 * (no HTTP, no other load): the JSON shape guard over the body bytes, JSON decoding, the
 * endpoint's decoding and validation (with a store that writes nothing), and the SQLite store's
 * write (its JavaScript and SQLite's own work, the two told apart by timing the database calls).
 * Complements bench/ingest.ts, whose "server CPU per call" is the sum of these and the HTTP path.
 * Usage: node --import tsx bench/_log-batch-stages.ts [calls]   (default 400)
 * Prints one line per stage: CPU (user + system) and wall time per call, in µs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../src/entities/tracking.js';
import type { SqlDatabase, SqlExecutor } from '../src/store/sql/database.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import type { TrackingStore } from '../src/store/tracking-store.js';
import { TrackingService } from '../src/tracking/tracking-service.js';
import { JSON_SHAPE_LIMITS } from '../src/security/body-limits.js';
import { JsonShapeGuard } from '../src/security/request-body.js';
import { parseJsonBody } from '../src/server/body.js';
import type { ApiCall } from '../src/server/endpoint.js';
import { trackingEndpoints } from '../src/server/routes/tracking.js';

const CALLS = Number(process.argv[2] ?? 400);
const POINTS = 1000;

/** The body bench/_ingest-load.ts sends: 10 keys, 100 steps per call. */
function body(runId: string, call: number): Buffer {
  const ts = Date.now();
  const metrics: string[] = [];
  for (let i = 0; i < POINTS; i++) {
    metrics.push(
      `{"key":"m${i % 10}","value":${(i * 0.37) % 1},"timestamp":${ts},"step":${call * 100 + Math.floor(i / 10)}}`,
    );
  }
  return Buffer.from(`{"run_id":"${runId}","metrics":[${metrics.join(',')}]}`);
}

async function stage(name: string, fn: (i: number) => unknown, afterWarmUp?: () => void): Promise<void> {
  for (let i = 0; i < 20; i++) await fn(i);
  afterWarmUp?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await fn(20 + i);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const us = (n: number) => Math.round(n / CALLS).toLocaleString('en-US');
  process.stdout.write(
    `${name.padEnd(34)} CPU ${us(cpu.user + cpu.system).padStart(6)} µs/call   wall ${us(wall * 1000).padStart(6)} µs/call\n`,
  );
}

const cpuUs = (since?: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return c.user + c.system;
};

/**
 * Adds the CPU time spent inside the database's calls (SQLite runs in this process) to `total`:
 * statements, and of a transaction what is not its callback (BEGIN, COMMIT). Calls run one after
 * another here, so process CPU time between two points is theirs.
 */
function timed(db: SqlDatabase, total: { us: number }): SqlDatabase {
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const c0 = process.cpuUsage();
      try {
        return await f(...a);
      } finally {
        total.us += cpuUs(c0);
      }
    };
  const exec = (ex: SqlExecutor): SqlExecutor => ({
    query: wrap(ex.query.bind(ex)) as SqlExecutor['query'],
    run: wrap(ex.run.bind(ex)),
  });
  const transaction = async <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const c0 = process.cpuUsage();
    let inCallback = 0;
    try {
      return await db.transaction(async (tx) => {
        const c1 = process.cpuUsage();
        try {
          return await fn(exec(tx));
        } finally {
          inCallback += cpuUs(c1);
        }
      });
    } finally {
      total.us += cpuUs(c0) - inCallback;
    }
  };
  return Object.assign(Object.create(db) as SqlDatabase, { ...exec(db), transaction });
}

const dir = await mkdtemp(join(tmpdir(), 'cairn-log-batch-'));
const db = openDatabase(`sqlite:///${join(dir, 'mlflow.db')}`);
try {
  await upgradeSchema(db);
  const inDb = { us: 0 };
  const store = new SqlTrackingStore(timed(db, inDb), { defaultArtifactRoot: join(dir, 'artifacts') });
  await store.init();
  const run = await store.createRun({
    experimentId: '0',
    startTime: Date.now(),
    userId: 'bench',
    tags: [],
    runName: 'stages',
  });
  const runId = run.info.run_id;
  const bodies = Array.from({ length: 50 }, (_, i) => body(runId, i));
  const parsed = bodies.map((b) => parseJsonBody(b));
  process.stdout.write(
    `log-batch of ${POINTS} metrics, ${CALLS} calls per stage; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}\n`,
  );

  await stage('JSON shape guard', (i) => new JsonShapeGuard(JSON_SHAPE_LIMITS).feed(bodies[i % 50]!));
  await stage('JSON decoding', (i) => parseJsonBody(bodies[i % 50]!));

  const logBatch = trackingEndpoints.find((e) => e.path === 'runs/log-batch')!;
  const nothing = { logBatch: async () => {} } as unknown as TrackingStore;
  const call = (tracking: TrackingService, i: number) =>
    logBatch.handler({
      fields: parsed[i % 50]!,
      params: {},
      ctx: { tracking },
      request: {},
    } as unknown as ApiCall);
  const validating = new TrackingService(nothing);
  await stage('endpoint: decode + validate', (i) => call(validating, i));

  // Fresh steps for every call, as a training loop logs them.
  const batches: Metric[][] = Array.from({ length: CALLS + 20 }, (_, c) =>
    Array.from({ length: POINTS }, (_, i) => ({
      key: `m${i % 10}`,
      value: (i * 0.37) % 1,
      timestamp: Date.now(),
      step: c * 100 + Math.floor(i / 10),
    })),
  );
  await stage(
    'SQLite store logBatch (all)',
    (i) => store.logBatch(runId, batches[i]!, [], []),
    () => (inDb.us = 0),
  );
  process.stdout.write(
    `${'  of which inside SQLite calls'.padEnd(34)} CPU ${Math.round(inDb.us / CALLS)
      .toLocaleString('en-US')
      .padStart(6)} µs/call\n`,
  );
  await store.close();
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
