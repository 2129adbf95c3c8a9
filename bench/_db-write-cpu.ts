/**
 * Database CPU per metric write, without HTTP: the store's group-committed `logBatch` driven in
 * this process by concurrent clients (each owning a run and logging back to back, as
 * bench/_ingest-load.ts does through the server), on a fresh PostgreSQL or MariaDB/MySQL
 * database. Reports the database server's CPU (user + system from /proc) per call: on
 * PostgreSQL the backends connected to this database only, on MariaDB the whole `mariadbd`
 * (other clients count too). Complements bench/ingest.ts, whose "database CPU per call" column
 * this isolates from the request path; run two builds alternately to compare them. The clients
 * share one event loop and resubmit together, so groups fill (16 calls with 16 clients), unlike
 * through the server (about 6 calls per group with 16 clients, measured): a group's fixed cost
 * (one statement, one commit) weighs less here.
 * Usage: node --import tsx bench/_db-write-cpu.ts <postgresql|mysql> <metric|batch> [clients] [calls per client]
 * DB_WRITE_LONG_TRANSACTION=1: a transaction stays open elsewhere on the server meanwhile.
 * DB_WRITE_EXTRA_SQL: statements run after the migrations, to measure a schema variant.
 * Prints one JSON line: {kind, mode, clients, calls, seconds, dbUsPerCall, dbUsPerPoint, userUsPerCall,
 * systemUsPerCall, callsPerGroup, load}.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Metric } from '../src/entities/tracking.js';
import { storeMetrics } from '../src/observability/metrics.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import '../src/store/sql/builtin-stores.js';
import { databaseCpuTimes } from './database-cpu.js';
import { cpuBetween } from './machine.js';
import { MYSQL_ADMIN, PG_ADMIN_URI, type BackendKind } from '../test/helpers/backends.js';

const kind = process.argv[2] as BackendKind;
const mode = process.argv[3] === 'batch' ? 'batch' : 'metric';
const clients = Number(process.argv[4] ?? (mode === 'batch' ? 8 : 16));
const callsPerClient = Number(process.argv[5] ?? (mode === 'batch' ? 40 : 400));
const POINTS = 1000;

/** One call's metrics: a single point, or 1,000 points over 10 keys and 100 steps. */
function metrics(call: number): Metric[] {
  const timestamp = Date.now();
  if (mode === 'metric') return [{ key: 'loss', value: call * 0.001, timestamp, step: call }];
  return Array.from({ length: POINTS }, (_, i) => ({
    key: `m${i % 10}`,
    value: (i * 0.37) % 1,
    timestamp,
    step: call * 100 + Math.floor(i / 10),
  }));
}

/** A fresh database of its own (`cairn_dbwrite_<random>`), dropped at the end. */
async function createDatabase(): Promise<{ uri: string; drop(): Promise<void> }> {
  const name = `cairn_dbwrite_${randomBytes(5).toString('hex')}`;
  if (kind === 'postgresql') {
    const admin = async (sql: string): Promise<void> => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URI });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    };
    await admin(`CREATE DATABASE ${name}`);
    const uri = new URL(PG_ADMIN_URI);
    uri.pathname = `/${name}`;
    return { uri: uri.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  const admin = async (sql: string): Promise<void> => {
    const c = await mysql.createConnection(MYSQL_ADMIN);
    await c.query(sql).finally(() => c.end());
  };
  await admin(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  return { uri: `mysql://root@127.0.0.1:3306/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS ${name}`) };
}

let releaseLongTransaction = async (): Promise<void> => {};

async function holdLongTransaction(): Promise<void> {
  if (kind === 'postgresql') {
    const c = new pg.Client({ connectionString: PG_ADMIN_URI });
    await c.connect();
    await c.query('BEGIN');
    await c.query('SELECT txid_current()');
    releaseLongTransaction = async () => {
      await c.query('ROLLBACK');
      await c.end();
    };
    return;
  }
  const c = await mysql.createConnection(MYSQL_ADMIN);
  await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
  await c.query('SELECT COUNT(*) FROM mysql.user');
  releaseLongTransaction = async () => {
    await c.query('ROLLBACK');
    await c.end();
  };
}

const tmp = await mkdtemp(join(tmpdir(), 'cairn-db-write-'));
const test = await createDatabase();
const db = openDatabase(test.uri);
try {
  await upgradeSchema(db);
  // A schema variant to measure against the migrated schema (statements separated by `;`).
  for (const sql of (process.env.DB_WRITE_EXTRA_SQL ?? '').split(';').filter((x) => x.trim()))
    await db.run(sql, []);
  const store = new SqlTrackingStore(db, { defaultArtifactRoot: join(tmp, 'artifacts') });
  await store.init();
  const runs: string[] = [];
  for (let c = 0; c < clients; c++) {
    const run = await store.createRun({
      experimentId: '0',
      startTime: Date.now(),
      userId: 'b',
      tags: [],
      runName: `c${c}`,
    });
    runs.push(run.info.run_id);
  }
  const loop = async (runId: string, from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) await store.logBatch(runId, metrics(i), [], []);
  };
  // A long transaction elsewhere on the server (another database on PostgreSQL, whose running
  // transaction id still holds back every snapshot's horizon; a consistent snapshot on MariaDB,
  // which holds back purge), as a backup or a long report would: old row versions cannot be
  // cleaned up while it runs.
  if (process.env.DB_WRITE_LONG_TRANSACTION === '1') await holdLongTransaction();
  // Warm-up: connections open, statements prepared.
  await Promise.all(runs.map((r) => loop(r, 0, 20)));
  const groupCount = async (): Promise<number> =>
    (await storeMetrics.groupCommitSize.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ??
    0;
  const groups0 = await groupCount();
  const db0 = await databaseCpuTimes(kind, test.uri);
  const t0 = performance.now();
  await Promise.all(runs.map((r) => loop(r, 20, 20 + callsPerClient)));
  const seconds = (performance.now() - t0) / 1000;
  const { user: dbUser, system: dbSystem } = cpuBetween(db0, await databaseCpuTimes(kind, test.uri));
  const dbCpu = dbUser + dbSystem;
  const calls = clients * callsPerClient;
  const groups = (await groupCount()) - groups0;
  const points = mode === 'batch' ? calls * POINTS : calls;
  process.stdout.write(
    `${JSON.stringify({
      kind,
      mode,
      clients,
      calls,
      seconds: Number(seconds.toFixed(2)),
      dbUsPerCall: Math.round((dbCpu * 1e6) / calls),
      dbUsPerPoint: Number(((dbCpu * 1e6) / points).toFixed(2)),
      userUsPerCall: Math.round((dbUser * 1e6) / calls),
      systemUsPerCall: Math.round((dbSystem * 1e6) / calls),
      callsPerGroup: Number((calls / groups).toFixed(1)),
      load: Number(loadavg()[0]!.toFixed(1)),
    })}\n`,
  );
  await store.close();
} finally {
  await releaseLongTransaction();
  await db.close();
  await test.drop();
  await rm(tmp, { recursive: true, force: true });
}
