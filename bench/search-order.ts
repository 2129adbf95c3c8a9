/**
 * Run search ordered by a param or tag in one large experiment (10 params, 10 tags, 10 metrics
 * per run; seed-runs.ts), the store called directly (no HTTP): first page of 100 and the page
 * after it (by its token), p50 of 15 calls each and the Node CPU per call, beside metric order,
 * beside a param order that names the default tie-break, and orders of two keys (a param or metric,
 * then another key: a page sorts the runs sharing its last first-key value, so the size of those tie
 * groups is in the labels), after one untimed warm-up call. The runs are written in bulk at the
 * current schema.
 *   BENCH_BACKENDS         sqlite,postgresql,mysql (default all three)
 *   BENCH_SORT_RUNS        runs on SQLite (default 1,000,000)
 *   BENCH_SORT_SERVER_RUNS runs on PostgreSQL and MySQL (default 1,000,000)
 *   BENCH_SORT_ONLY        run only the cases whose label contains this text (e.g. `metrics.m1`)
 *   BENCH_SORT_SQLITE_FILE, BENCH_SORT_PG_URI, BENCH_SORT_MYSQL_URI: a database to use and keep
 *     instead of a fresh one; seeded only when it has no `order-bench` runs yet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, percentile } from './machine.js';
import { seedSearchRunsBulk } from './seed-runs.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import type { SqlDatabase } from '../src/store/sql/database.js';
import { parseOrderByList, parseSearchFilter } from '../src/search/index.js';

const SQLITE_RUNS = Number(process.env.BENCH_SORT_RUNS ?? 1_000_000);
const SERVER_RUNS = Number(process.env.BENCH_SORT_SERVER_RUNS ?? 1_000_000);

interface Case {
  label: string;
  orderBy: string[];
  filter?: string;
  calls: number;
}

const CASES: Case[] = [
  { label: '`params.p1 ASC` (text, 2 values)', orderBy: ['params.p1 ASC'], calls: 15 },
  { label: '`params.p1 DESC`', orderBy: ['params.p1 DESC'], calls: 15 },
  { label: '`params.p2 ASC` (numeric, 100,000 values)', orderBy: ['params.p2 ASC'], calls: 15 },
  { label: '`params.p2 DESC`', orderBy: ['params.p2 DESC'], calls: 15 },
  { label: '`tags.t1 ASC` (text, 20 values)', orderBy: ['tags.t1 ASC'], calls: 15 },
  { label: '`tags.t1 DESC`', orderBy: ['tags.t1 DESC'], calls: 15 },
  {
    label: "`params.p3 DESC`, filter `params.p1 = 'x'`",
    orderBy: ['params.p3 DESC'],
    filter: "params.p1 = 'x'",
    calls: 15,
  },
  { label: '`metrics.m1 DESC` (for comparison)', orderBy: ['metrics.m1 DESC'], calls: 15 },
  {
    label: '`params.p3 ASC, start_time DESC` (the default tie-break named)',
    orderBy: ['params.p3 ASC', 'attributes.start_time DESC'],
    calls: 15,
  },
  {
    label: '`params.p3 ASC, metrics.m1 DESC` (two keys; 20,000 runs share each `p3` value)',
    orderBy: ['params.p3 ASC', 'metrics.m1 DESC'],
    calls: 5,
  },
  {
    label: '`params.p2 DESC, metrics.m1 DESC` (two keys; 10 runs share each `p2` value)',
    orderBy: ['params.p2 DESC', 'metrics.m1 DESC'],
    calls: 15,
  },
  {
    label: '`metrics.m1 DESC, params.p3 ASC` (two keys, a metric first)',
    orderBy: ['metrics.m1 DESC', 'params.p3 ASC'],
    calls: 15,
  },
  {
    label: '`params.p1 ASC, metrics.m1 DESC` (two keys; 333,334 runs share `p1` = `x`)',
    orderBy: ['params.p1 ASC', 'metrics.m1 DESC'],
    calls: 1,
  },
];

interface Timing {
  first: number;
  second: number;
  /** Node CPU (user + system) per call, p50 over first and second pages. */
  cpu: number;
  returned: number;
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

async function timeCase(store: SqlTrackingStore, experimentId: string, c: Case): Promise<Timing> {
  const firsts: number[] = [];
  const seconds: number[] = [];
  const cpus: number[] = [];
  let returned = 0;
  for (let i = 0; i < c.calls; i++) {
    const q = {
      experimentIds: [experimentId],
      filter: parseSearchFilter('runs', c.filter),
      orderBy: parseOrderByList('runs', c.orderBy),
      viewType: 'ACTIVE_ONLY' as const,
      maxResults: 100,
    };
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    const page = await store.searchRuns(q);
    firsts.push(performance.now() - t0);
    cpus.push(cpuMs(process.cpuUsage(c0)));
    t0 = performance.now();
    c0 = process.cpuUsage();
    const next = await store.searchRuns({ ...q, pageToken: page.next_page_token });
    seconds.push(performance.now() - t0);
    cpus.push(cpuMs(process.cpuUsage(c0)));
    returned = page.items.length + next.items.length;
  }
  return {
    first: percentile(firsts, 50),
    second: percentile(seconds, 50),
    cpu: percentile(cpus, 50),
    returned,
  };
}

async function analyze(db: SqlDatabase): Promise<void> {
  if (db.dialect.name === 'mysql') await db.run('ANALYZE TABLE runs, params, tags, latest_metrics');
  // VACUUM sets PostgreSQL's visibility map, which autovacuum would set on a store in use:
  // without it every index-only read of freshly loaded rows also visits the table.
  else if (db.dialect.name === 'postgresql') await db.run('VACUUM ANALYZE');
  else await db.run('ANALYZE');
}

/** An existing database to reuse (seeded by an earlier run, kept afterwards), per backend. */
function reuseUri(kind: BackendKind): string | undefined {
  if (kind === 'sqlite')
    return process.env.BENCH_SORT_SQLITE_FILE ? `sqlite:///${process.env.BENCH_SORT_SQLITE_FILE}` : undefined;
  return kind === 'postgresql' ? process.env.BENCH_SORT_PG_URI : process.env.BENCH_SORT_MYSQL_URI;
}

async function benchBackend(kind: BackendKind, wanted: number): Promise<string[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-order-'));
  const reuse = reuseUri(kind);
  const target = reuse ? { uri: reuse, drop: async () => {} } : await createTestDatabase(kind, tmp);
  const db = openDatabase(target.uri);
  try {
    await upgradeSchema(db);
    const store = new SqlTrackingStore(db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
    await store.init();
    const [found] = await db.query(`SELECT experiment_id FROM experiments WHERE name = 'order-bench'`);
    const experimentId = found
      ? String(found.experiment_id)
      : await store.createExperiment('order-bench', undefined, []);
    const [counted] = await db.query('SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ?', [
      Number(experimentId),
    ]);
    const seeded = Number(counted?.n);
    const runs = seeded > 0 ? seeded : wanted;
    const t0 = performance.now();
    let reported = 0;
    if (seeded === 0) {
      await seedSearchRunsBulk(db, experimentId, runs, Date.now(), (done, phase) => {
        if (done - reported >= 100_000 || phase === 'indexes') {
          reported = done;
          process.stderr.write(
            `  ${kind}: ${phase === 'rows' ? `${done} runs written` : 'indexes built'} (${((performance.now() - t0) / 1000).toFixed(0)} s, load ${os.loadavg()[0]!.toFixed(1)})\n`,
          );
        }
      });
      await analyze(db);
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    if (reuse) process.stderr.write(`  ${kind}: kept at ${target.uri}\n`);
    process.stderr.write(`  ${kind}: ${runs} runs, seeded in ${seedSeconds.toFixed(0)} s\n`);
    const lines = [
      `| ${kind} | ${runs.toLocaleString('en-US')} | ${seeded > 0 ? 'seeded by an earlier run' : `seeding (bulk SQL, with ANALYZE) ${seedSeconds.toFixed(0)} s`} | — | — | — |`,
    ];
    const only = process.env.BENCH_SORT_ONLY;
    // One untimed case first: otherwise the first case timed alone pays for opening the pool's
    // connections, the new database backends' catalog caches and the optimizing compiler.
    await timeCase(store, experimentId, { ...CASES[0]!, calls: 1 });
    for (const c of CASES.filter((x) => !only || x.label.includes(only))) {
      const t = await timeCase(store, experimentId, c);
      process.stderr.write(
        `  ${kind}: ${c.label}: p50 ${t.first.toFixed(1)} ms / ${t.second.toFixed(1)} ms, CPU ${t.cpu.toFixed(1)} ms\n`,
      );
      lines.push(
        `| ${kind} | ${runs.toLocaleString('en-US')} | ${c.label} | ${t.first.toFixed(1)} ms | ${t.second.toFixed(1)} ms (${t.returned} runs over both) | ${t.cpu.toFixed(1)} ms |`,
      );
    }
    lines.push(
      `| ${kind} | | load average after: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} | | | |`,
    );
    await store.close();
    return lines;
  } finally {
    await db.close();
    await target.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const kinds = (process.env.BENCH_BACKENDS ?? 'sqlite,postgresql,mysql').split(',') as BackendKind[];
  const rows: string[] = [];
  for (const kind of kinds)
    rows.push(...(await benchBackend(kind, kind === 'sqlite' ? SQLITE_RUNS : SERVER_RUNS)));
  return [
    '## Search ordered by a param or tag',
    '',
    `SqlTrackingStore called directly (no HTTP). ${machineLine()}. One experiment of N runs, each with 10 params, 10 tags and 10 latest metric values (bench/seed-runs.ts, generated in SQL at the current schema). Page of 100 runs, after one untimed call (first and second page of the first order), p50 of 15 calls (5 for the order with tie groups of 20,000 runs, 1 for the one whose tie group is a third of the experiment); the second page is read with the first page's token; CPU is the Node process's per call (p50 over both pages; the database's own CPU is not in it on PostgreSQL and MySQL). Target: first page p50 ≤ 100 ms at 1,000,000 runs.`,
    '',
    '| database | runs | order | first page p50 | second page p50 | Node CPU per call |',
    '| -------- | ---- | ----- | -------------- | --------------- | ----------------- |',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await run()}\n`);
}
