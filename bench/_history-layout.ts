/**
 * Metric history layouts compared in the database alone (issue 12, item 3): the row per point the
 * store uses (`metrics`: a primary key over run, key, step, timestamp, value) against one row per
 * history and call holding that call's points ("chunks"), encoded as packed binary (8-byte step,
 * timestamp and value and a NaN byte per point) or as JSON text. Per database and layout: writing
 * calls of 1,000 points (10 keys × 100 steps, 8 runs, one statement per call as the store sends
 * it: unnest arrays on PostgreSQL, multi-row VALUES elsewhere), with the database's CPU per point
 * (PostgreSQL: this database's backends; MariaDB: the whole server) and this process's; reading a
 * 100,000-point history whole in step order (decoded into typed arrays); and the tables' size.
 * Layouts alternate round by round. Nothing here is the product's code: it measures what a chunked
 * history would cost before one is built.
 * Usage: node --import tsx bench/_history-layout.ts [sqlite,postgresql,mysql] [calls per round] [rounds]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import type { SqlDatabase, SqlValue } from '../src/store/sql/database.js';
import '../src/store/sql/builtin-stores.js';
import { databaseCpuTimes } from './database-cpu.js';
import { cpuBetween, machineLine, percentile } from './machine.js';

const kinds = (process.argv[2] ?? 'sqlite,postgresql,mysql').split(',') as BackendKind[];
const CALLS = Number(process.argv[3] ?? 200);
const ROUNDS = Number(process.argv[4] ?? 3);
const RUNS = 8;
const KEYS = 10;
const STEPS_PER_KEY = 100;
const READ_POINTS = 100_000;
const POINT_BYTES = 25;

type Layout = 'rows' | 'binary' | 'json';
const LAYOUTS: Layout[] = ['rows', 'binary', 'json'];

interface Chunk {
  runPk: number;
  key: string;
  steps: number[];
  ts: number[];
  values: number[];
  nans: number[];
}

/** The 10 histories of one call: run `runPk`, keys m0..m9, 100 steps from `firstStep`. */
function callChunks(runPk: number, firstStep: number, ts: number, keyPrefix = 'm'): Chunk[] {
  return Array.from({ length: KEYS }, (_, k) => {
    const steps = Array.from({ length: STEPS_PER_KEY }, (_, j) => firstStep + j);
    return {
      runPk,
      key: `${keyPrefix}${k}`,
      steps,
      ts: steps.map(() => ts),
      values: steps.map((s) => Math.sin(s * 0.37 + k)),
      nans: steps.map(() => 0),
    };
  });
}

function packBinary(c: Chunk): Buffer {
  const n = c.steps.length;
  const b = Buffer.allocUnsafe(n * POINT_BYTES);
  for (let i = 0; i < n; i++) {
    b.writeBigInt64LE(BigInt(c.steps[i]!), i * 8);
    b.writeBigInt64LE(BigInt(c.ts[i]!), (n + i) * 8);
    b.writeDoubleLE(c.values[i]!, (2 * n + i) * 8);
    b[24 * n + i] = c.nans[i]!;
  }
  return b;
}

/** The values of a packed chunk (the steps and timestamps before them are read the same way). */
function unpackValues(b: Buffer): Float64Array {
  const n = b.length / POINT_BYTES;
  const aligned = b.byteOffset % 8 === 0 ? b : Buffer.from(b);
  return new Float64Array(aligned.buffer, aligned.byteOffset + 16 * n, n);
}

function tables(db: SqlDatabase): string[] {
  const d = db.dialect;
  const t = d.types;
  const blob = d.pick({ sqlite: 'BLOB', postgresql: 'BYTEA', mysql: 'LONGBLOB' });
  const clustered = d.pick({ sqlite: ' WITHOUT ROWID', postgresql: '', mysql: '' });
  const chunk = (name: string, pts: string): string =>
    `CREATE TABLE ${name} (run_pk ${t.bigint} NOT NULL, metric_key ${t.varchar(250)} NOT NULL,
      first_step ${t.bigint} NOT NULL, last_step ${t.bigint} NOT NULL, n ${t.int} NOT NULL, pts ${pts} NOT NULL,
      PRIMARY KEY (run_pk, metric_key, first_step, last_step, n))${clustered}${d.tableOptions}`;
  return [
    `CREATE TABLE h_rows (run_pk ${t.bigint} NOT NULL, metric_key ${t.varchar(250)} NOT NULL,
      ts ${t.bigint} NOT NULL, step ${t.bigint} NOT NULL, metric_value ${t.double} NOT NULL, is_nan ${t.int} NOT NULL,
      PRIMARY KEY (run_pk, metric_key, step, ts, metric_value, is_nan))${clustered}${d.tableOptions}`,
    chunk('h_binary', blob),
    chunk('h_json', t.longText),
  ];
}

async function write(db: SqlDatabase, layout: Layout, chunks: Chunk[]): Promise<void> {
  if (layout === 'rows') {
    const arr = db.dialect.arrayParam;
    const cols: SqlValue[][] = [[], [], [], [], [], []];
    for (const c of chunks)
      for (let i = 0; i < c.steps.length; i++) {
        cols[0]!.push(c.runPk);
        cols[1]!.push(c.key);
        cols[2]!.push(c.ts[i]!);
        cols[3]!.push(c.steps[i]!);
        cols[4]!.push(c.values[i]!);
        cols[5]!.push(c.nans[i]!);
      }
    if (arr) {
      const types = ['bigint', 'text', 'bigint', 'bigint', 'double', 'int'] as const;
      await db.run(
        `INSERT INTO h_rows SELECT * FROM unnest(${types.map((x) => arr(x)).join(', ')})`,
        cols as unknown as SqlValue[],
      );
    } else {
      const n = cols[0]!.length;
      const params: SqlValue[] = [];
      for (let i = 0; i < n; i++) for (const col of cols) params.push(col[i]!);
      const values = Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
      await db.run(
        `INSERT INTO h_rows (run_pk, metric_key, ts, step, metric_value, is_nan) VALUES ${values}`,
        params,
      );
    }
    return;
  }
  const params: SqlValue[] = [];
  for (const c of chunks) {
    const pts = layout === 'binary' ? packBinary(c) : JSON.stringify([c.steps, c.ts, c.values, c.nans]);
    params.push(c.runPk, c.key, c.steps[0]!, c.steps[c.steps.length - 1]!, c.steps.length, pts);
  }
  const values = chunks.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
  await db.run(
    `INSERT INTO h_${layout} (run_pk, metric_key, first_step, last_step, n, pts) VALUES ${values}`,
    params,
  );
}

/** Reads the 100,000-point history (run 99, key h0) whole, in step order, into typed arrays. */
async function read(db: SqlDatabase, layout: Layout): Promise<number> {
  if (layout === 'rows') {
    const rows = await db.query(
      'SELECT step, ts, metric_value, is_nan FROM h_rows WHERE run_pk = ? AND metric_key = ? ORDER BY step, ts, metric_value',
      [99, 'h0'],
    );
    const values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = Number(rows[i]!.metric_value);
    return values.length;
  }
  const rows = await db.query(
    `SELECT pts FROM h_${layout} WHERE run_pk = ? AND metric_key = ? ORDER BY first_step`,
    [99, 'h0'],
  );
  let n = 0;
  for (const r of rows) {
    if (layout === 'binary') n += unpackValues(r.pts as Buffer).length;
    else n += Float64Array.from((JSON.parse(String(r.pts)) as number[][])[2]!).length;
  }
  return n;
}

async function tableBytes(db: SqlDatabase, kind: BackendKind, table: string): Promise<number | undefined> {
  if (kind === 'postgresql') {
    const [r] = await db.query(`SELECT pg_total_relation_size('${table}') AS b`);
    return Number(r!.b);
  }
  if (kind === 'mysql') {
    await db.run(`ANALYZE TABLE ${table}`);
    const [r] = await db.query(
      'SELECT data_length + index_length AS b FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
      [table],
    );
    return Number(r!.b);
  }
  return undefined;
}

const f = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const tmp = await mkdtemp(join(tmpdir(), 'cairn-history-layout-'));
process.stdout.write(
  `${machineLine()}; load ${loadavg()[0]!.toFixed(1)}; ${CALLS} calls × 1,000 points per round, ${ROUNDS} rounds\n`,
);
process.stdout.write(
  '| database | layout | database CPU per point (rounds) | this process per point | wall per call | read 100,000 points p50 | size per point |\n|---|---|---|---|---|---|---|\n',
);
try {
  for (const kind of kinds) {
    const handle = await createTestDatabase(kind, tmp);
    const db = openDatabase(handle.uri);
    try {
      for (const sql of tables(db)) await db.run(sql);
      const perPoint = new Map<Layout, number[]>(LAYOUTS.map((l) => [l, []]));
      const nodePerPoint = new Map<Layout, number[]>(LAYOUTS.map((l) => [l, []]));
      const wallPerCall = new Map<Layout, number[]>(LAYOUTS.map((l) => [l, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const layout of round % 2 ? [...LAYOUTS].reverse() : LAYOUTS) {
          const before = await databaseCpuTimes(kind, handle.uri);
          const node0 = process.cpuUsage();
          const t0 = performance.now();
          for (let c = 0; c < CALLS; c++) {
            const call = round * CALLS + c;
            await write(
              db,
              layout,
              callChunks(
                (call % RUNS) + 1,
                Math.floor(call / RUNS) * STEPS_PER_KEY,
                1_700_000_000_000 + call,
              ),
            );
          }
          const wall = performance.now() - t0;
          const node = process.cpuUsage(node0);
          const dbCpu = cpuBetween(before, await databaseCpuTimes(kind, handle.uri));
          const points = CALLS * KEYS * STEPS_PER_KEY;
          perPoint.get(layout)!.push(((dbCpu.user + dbCpu.system) * 1e6) / points);
          nodePerPoint.get(layout)!.push((node.user + node.system) / points);
          wallPerCall.get(layout)!.push(wall / CALLS);
        }
      }
      // The history read back: run 99, key h0 alone, 100,000 points in calls of 100.
      for (const layout of LAYOUTS)
        for (let c = 0; c < READ_POINTS / STEPS_PER_KEY; c++)
          await write(db, layout, callChunks(99, c * STEPS_PER_KEY, 1_700_000_000_000 + c, 'h').slice(0, 1));
      const reads = new Map<Layout, number[]>(LAYOUTS.map((l) => [l, []]));
      for (let r = 0; r < 7; r++)
        for (const layout of LAYOUTS) {
          const t0 = performance.now();
          const n = await read(db, layout);
          if (n !== READ_POINTS) throw new Error(`${layout}: read ${n} points`);
          reads.get(layout)!.push(performance.now() - t0);
        }
      const totalPoints = ROUNDS * CALLS * KEYS * STEPS_PER_KEY + READ_POINTS;
      for (const layout of LAYOUTS) {
        const db1 = perPoint.get(layout)!;
        const bytes = await tableBytes(db, kind, `h_${layout}`);
        process.stdout.write(
          `| ${kind} | ${layout} | ${kind === 'sqlite' ? '— (in process)' : db1.map((x) => `${f(x, 2)} µs`).join(', ')} | ${nodePerPoint
            .get(layout)!
            .map((x) => `${f(x, 2)} µs`)
            .join(', ')} | ${wallPerCall
            .get(layout)!
            .map((x) => `${f(x, 2)} ms`)
            .join(
              ', ',
            )} | ${f(percentile(reads.get(layout)!, 50), 1)} ms | ${bytes === undefined ? '—' : `${f(bytes / totalPoints, 1)} B`} |\n`,
        );
      }
    } finally {
      await db.close();
      await handle.drop();
    }
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
