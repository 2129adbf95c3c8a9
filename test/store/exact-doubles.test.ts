/**
 * Metric values come back exactly as logged on every database. MariaDB's text protocol sends
 * some doubles one digit short (92521.40547667921 arrives as 92521.4054766792); the store reads
 * DOUBLE columns through `Dialect.readDouble`. The values below are ones MariaDB 10.11 sends
 * short. Checked: latest values of runs, history rows stored before migration 11 (a point sent
 * again reads once; points of one step and time page in the order of their values), logged-model
 * metrics, run search ordered by a metric
 * or a numeric param page by page (a walk continuing from a value read a unit off skips or
 * repeats runs), and reading an MLflow database on MySQL for `cairn import`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';
import { parseOrderByList, parseSearchFilter } from '../../src/search/index.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { MlflowSqlSource } from '../../src/migrate/mlflow-sql-source.js';
import type { MetricPoint, RunRecord } from '../../src/entities/migration.js';
import { sortNumber } from '../../src/store/sql/tracking/sort-keys.js';
import { readHistory } from '../../src/store/sql/tracking/history-read.js';
import type { HistoryPoint } from '../../src/store/sql/tracking/history-chunks.js';

/** Sent a digit short by MariaDB's text protocol (found among random values; checked there). */
const SHORT = [90824.36655061785, 94307.49519575783, 92204.23426578299, 92521.40547667921];
/** Ordinary and extreme values beside them. */
const VALUES = [...SHORT, 0.1 + 0.2, 1 / 3, -2.5, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324];

for (const backend of BACKENDS) {
  describe(`doubles read back exactly (${backend})`, () => {
    let f: SqlStoreFixture;
    /** The runs that search lists; the other tests' runs go to `elsewhere`. */
    let exp: string;
    let elsewhere: string;
    /** Run id → its metric value, and its start time. */
    const logged = new Map<string, number>();
    const started = new Map<string, number>();

    before(async () => {
      f = await openStore(backend);
      exp = await f.store.createExperiment('exact-doubles', undefined, []);
      elsewhere = await f.store.createExperiment('exact-doubles-other', undefined, []);
      for (const [i, value] of VALUES.entries()) {
        const run = await f.store.createRun({
          experimentId: exp,
          userId: 'u',
          runName: `r${i}`,
          startTime: 1000 + i,
          tags: [],
        });
        // The param `p` is the same number as text, where it is one a numeric order takes.
        const text = String(value);
        await f.store.logBatch(
          run.info.run_id,
          [{ key: 'm', value, timestamp: 5, step: 0 }],
          sortNumber(text) === null ? [] : [{ key: 'p', value: text }],
          [],
        );
        logged.set(run.info.run_id, value);
        started.set(run.info.run_id, 1000 + i);
      }
    });
    after(async () => {
      await f?.close();
    });

    it('gives each run its latest value as logged', async () => {
      for (const [runId, value] of logged) {
        const run = await f.store.getRun(runId);
        assert.equal(run.data.metrics?.find((m) => m.key === 'm')?.value, value);
      }
    });

    const search = (orderBy: string[], maxResults: number, pageToken?: string) =>
      f.store.searchRuns({
        experimentIds: [exp],
        filter: parseSearchFilter('runs', undefined),
        orderBy: parseOrderByList('runs', orderBy),
        viewType: 'ACTIVE_ONLY',
        maxResults,
        pageToken,
      });

    for (const orderBy of [
      ['metrics.m ASC'],
      ['metrics.m DESC'],
      ['params.p ASC'],
      ['params.p DESC'],
      ['metrics.m ASC', 'params.p DESC'],
      ['params.p DESC', 'attributes.start_time ASC'],
    ]) {
      // A walk continuing from an inexact value never ended on MariaDB: fail instead of waiting.
      it(
        `lists every run once, in order, page by page: ${orderBy.join(', ')}`,
        { timeout: 30_000 },
        async () => {
          const desc = orderBy[0]!.endsWith('DESC');
          const byParam = orderBy[0]!.startsWith('params.');
          const has = (value: number): boolean => !byParam || sortNumber(String(value)) !== null;
          const sorted = [...logged].filter(([, v]) => has(v)).sort(([, a], [, b]) => (desc ? b - a : a - b));
          // Runs without the param last: by start time, newest first unless the order names it.
          const startAsc = orderBy.includes('attributes.start_time ASC');
          const missing = [...logged]
            .filter(([, v]) => !has(v))
            .sort(([a], [b]) => (startAsc ? 1 : -1) * (started.get(a)! - started.get(b)!));
          const expected = [...sorted, ...missing].map(([runId]) => runId);
          for (const size of [1, 2, 3]) {
            const seen: string[] = [];
            let token: string | undefined;
            let pages = 0;
            do {
              const page = await search(orderBy, size, token);
              seen.push(...page.items.map((r) => r.info.run_id));
              token = page.next_page_token;
              assert.ok(++pages <= 2 * VALUES.length, 'paging terminates');
            } while (token);
            assert.deepEqual(seen, expected, `pages of ${size}`);
          }
        },
      );
    }

    it('reads history rows stored before migration 11 exactly and in order, a point sent again once', async () => {
      const run = await f.store.createRun({
        experimentId: elsewhere,
        userId: 'u',
        runName: 'old',
        startTime: 1,
        tags: [],
      });
      const runId = run.info.run_id;
      const [{ run_pk: runPk }] = await f.db.query('SELECT run_pk FROM runs WHERE run_uuid = ?', [runId]);
      // Rows as a server older than migration 11 wrote them.
      for (const [step, value] of VALUES.entries()) {
        await f.db.run(
          'INSERT INTO metrics (run_pk, metric_key, ts, step, metric_value, is_nan) VALUES (?, ?, ?, ?, ?, 0)',
          [Number(runPk), 'h', 7, step, value],
        );
      }
      const read = async (): Promise<number[]> =>
        (await f.store.getMetricHistory(runId, 'h', undefined)).items.map((m) => m.value);
      assert.deepEqual(await read(), VALUES);
      // The same points sent again (a client retrying a batch): chunks now, read once with the rows.
      await f.store.logBatch(
        runId,
        VALUES.map((value, step) => ({ key: 'h', value, timestamp: 7, step })),
        [],
        [],
      );
      assert.deepEqual(await read(), VALUES);

      // Points of one step and time, paged by the store's reader: in the order of their values as
      // numbers (text would put 10 before 9), each page after the last point of the one before.
      const ties = [10, 9, -2, 100, -10, ...SHORT];
      for (const value of ties) {
        await f.db.run(
          'INSERT INTO metrics (run_pk, metric_key, ts, step, metric_value, is_nan) VALUES (?, ?, ?, ?, ?, 0)',
          [Number(runPk), 'ties', 3, 1, value],
        );
      }
      const paged: number[] = [];
      let last: HistoryPoint | undefined;
      for (let pages = 0; pages < ties.length; pages++) {
        const page = await readHistory(f.db, f.db.dialect, Number(runPk), 'ties', { after: last, limit: 2 });
        if (!page.length) break;
        paged.push(...page.map((p) => p.value));
        last = page[page.length - 1];
      }
      assert.deepEqual(
        paged,
        [...ties].sort((a, b) => a - b),
      );
    });

    it('gives logged-model metrics as logged', async () => {
      const run = await f.store.createRun({
        experimentId: elsewhere,
        userId: 'u',
        runName: 'lm',
        startTime: 1,
        tags: [],
      });
      const model = await f.store.createLoggedModel({
        experimentId: elsewhere,
        name: 'model',
        params: [],
        tags: [],
      });
      await f.store.logBatch(
        run.info.run_id,
        VALUES.map((value, step) => ({
          key: 'acc',
          value,
          timestamp: 9,
          step,
          model_id: model.info.model_id,
        })),
        [],
        [],
      );
      const got = await f.store.getLoggedModel(model.info.model_id);
      assert.deepEqual(
        got.data.metrics?.map((m) => m.value),
        VALUES,
      );
    });
  });
}

if (BACKENDS.includes('mysql')) {
  describe('an MLflow database on MySQL, read for import', () => {
    let dir: string;
    let database: TestDatabase;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cairn-exact-'));
      database = await createTestDatabase('mysql', dir);
      const db = openDatabase(database.uri);
      // The columns MLflow's models give these tables on MySQL (value: DOUBLE).
      await db.run(`CREATE TABLE experiments (experiment_id INT PRIMARY KEY, name VARCHAR(256) NOT NULL,
        artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT)`);
      await db.run(`CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, experiment_id INT)`);
      await db.run(`CREATE TABLE metrics (\`key\` VARCHAR(250) NOT NULL, value DOUBLE NOT NULL,
        \`timestamp\` BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL, step BIGINT NOT NULL DEFAULT 0,
        is_nan BOOLEAN NOT NULL DEFAULT 0)`);
      for (const [step, value] of VALUES.entries()) {
        await db.run('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)', [
          'loss',
          value,
          100 + step,
          'r1',
          step,
        ]);
      }
      await db.close();
    });
    after(async () => {
      await database?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('hands over every metric value exactly', async () => {
      const source = await MlflowSqlSource.open(database.uri);
      try {
        const points: MetricPoint[] = [];
        for await (const batch of source.metrics({ runId: 'r1' } as RunRecord)) points.push(...batch);
        assert.deepEqual(
          points.map((p) => p.value),
          VALUES,
        );
      } finally {
        await source.close();
      }
    });
  });
}
