/**
 * Model registry benchmark on SQLite: 10,000 registered models × 10 versions (each model with 2
 * tags and an alias, versions spread over the four stages), then `registered-models/search` with
 * name LIKE filters over real HTTP (first page of 100, each with latest versions, tags and
 * aliases), and the same through the service without HTTP. Also times version creation through
 * the API. BENCH_REGISTRY_MODELS overrides the model count for a quick try.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { machineLine, percentile } from './machine.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import type { SqlDatabase, SqlValue } from '../src/store/sql/database.js';
import { startServer } from '../src/server/server.js';
import { defaultServerConfig } from '../src/config/server-config.js';

const MODELS = Number(process.env.BENCH_REGISTRY_MODELS ?? 10_000);
const VERSIONS = 10;
const ITERATIONS = 200;
const STAGES = ['None', 'Staging', 'Production', 'Archived'];

async function insertRows(
  db: SqlDatabase,
  table: string,
  columns: string[],
  rows: SqlValue[][],
): Promise<void> {
  const q = db.dialect.id;
  const per = Math.floor(900 / columns.length);
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += per) {
      const part = rows.slice(i, i + per);
      await tx.run(
        `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
        part.flat(),
      );
    }
  });
}

const modelName = (i: number): string => `model-${String(i).padStart(5, '0')}`;

async function seed(db: SqlDatabase): Promise<number> {
  const t0 = performance.now();
  const now = Date.now();
  const models: SqlValue[][] = [];
  const tags: SqlValue[][] = [];
  const versions: SqlValue[][] = [];
  const aliases: SqlValue[][] = [];
  for (let i = 0; i < MODELS; i++) {
    const name = modelName(i);
    models.push([name, now - MODELS + i, now - MODELS + i, `model number ${i}`, VERSIONS + 1]);
    tags.push([name, 'team', `team-${i % 20}`], [name, 'domain', i % 2 ? 'fraud' : 'churn']);
    for (let v = 1; v <= VERSIONS; v++) {
      versions.push([
        name,
        v,
        now - MODELS + i,
        now - MODELS + i,
        '',
        STAGES[(i + v) % 4]!,
        `mlflow-artifacts:/1/${i.toString(16).padStart(32, '0')}/artifacts/model`,
        i.toString(16).padStart(32, '0'),
        'READY',
      ]);
    }
    aliases.push([name, 'champion', 1 + (i % VERSIONS)]);
  }
  await insertRows(
    db,
    'registered_models',
    ['name', 'creation_time', 'last_updated_time', 'description', 'next_version'],
    models,
  );
  await insertRows(db, 'registered_model_tags', ['name', 'key', 'value'], tags);
  await insertRows(
    db,
    'model_versions',
    [
      'name',
      'version',
      'creation_time',
      'last_updated_time',
      'description',
      'current_stage',
      'source',
      'run_id',
      'status',
    ],
    versions,
  );
  await insertRows(db, 'registered_model_aliases', ['name', 'alias', 'version'], aliases);
  return performance.now() - t0;
}

async function time(
  fn: () => Promise<unknown>,
  iterations = ITERATIONS,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up: statement cache, page cache
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-registry-'));
  const uri = `sqlite:///${join(dir, 'registry.db')}`;
  const db = openDatabase(uri);
  await upgradeSchema(db);
  const seedMs = await seed(db);
  await db.close();

  const server = await startServer(
    defaultServerConfig({
      port: 0,
      backendStoreUri: uri,
      artifactsDestination: join(dir, 'artifacts'),
      log: { level: 'warn', format: 'json' },
    }),
  );
  const rows: string[] = [];
  try {
    const search = async (filter: string): Promise<number> => {
      const url = new URL('/api/2.0/mlflow/registered-models/search', server.url);
      url.searchParams.set('filter', filter);
      const res = await fetch(url);
      const body = (await res.json()) as { registered_models?: unknown[] };
      if (res.status !== 200) throw new Error(`search failed: ${res.status}`);
      return body.registered_models?.length ?? 0;
    };
    const cases: [string, string][] = [
      ['prefix, 100 of 1,000 matches', "name LIKE 'model-01%'"],
      ['prefix, 10 matches', "name LIKE 'model-0042%'"],
      ['infix, 100 of ~3,400 matches', "name LIKE '%7%'"],
      ['ILIKE prefix + tag', "name ILIKE 'MODEL-0%' AND tags.domain = 'fraud'"],
    ];
    for (const [label, filter] of cases) {
      const found = await search(filter);
      const http = await time(() => search(filter));
      const direct = await time(() => server.ctx.registry.searchRegisteredModels({ filter }));
      rows.push(
        `| ${label} | \`${filter}\` | ${found} | ${ms(http.p50)} | ${ms(http.p95)} | ${ms(direct.p50)} | ${ms(direct.p95)} |`,
      );
    }
    // Version creation through the API (counter row lock + insert + read back).
    await server.ctx.registry.createRegisteredModel('bench-create');
    const create = await time(async () => {
      const res = await fetch(new URL('/api/2.0/mlflow/model-versions/create', server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'bench-create', source: 'mlflow-artifacts:/1/x/artifacts/model' }),
      });
      await res.arrayBuffer();
    });
    rows.push(
      `| create a version (POST model-versions/create) | — | — | ${ms(create.p50)} | ${ms(create.p95)} | — | — |`,
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return [
    '## Registry',
    '',
    `${machineLine()}`,
    '',
    `SQLite, ${MODELS.toLocaleString('en-US')} registered models × ${VERSIONS} versions (2 tags and an alias per model; seeded in ${(seedMs / 1000).toFixed(1)} s). ` +
      `\`registered-models/search\`, first page (default 100 models, each with latest versions per stage, tags and aliases), ${ITERATIONS} timed calls after 5 warm-up calls. ` +
      'HTTP = end-to-end through the server on 127.0.0.1; service = the same call without HTTP. Target: p50 ≤ 50 ms. ' +
      `Load average when the run ended (1/5/15 min): ${load} — other work on the machine inflates the times.`,
    '',
    '| search | filter | models returned | HTTP p50 | HTTP p95 | service p50 | service p95 |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
