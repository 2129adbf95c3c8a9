/**
 * A database written by an older Cairn is upgraded by the server on start, and everything in it
 * stays readable, searchable and writable. The data is written with plain SQL into the schema as
 * it was at OLD_VERSION (migrations never change once released, so these statements stay valid);
 * the upgrade then runs every later migration, including ones added after this test was written.
 */
import type { Json } from '../registry/helpers.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { api, startTestServer } from '../helpers/server.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import type { SqlDatabase, SqlExecutor } from '../../src/store/sql/database.js';
import { currentSchemaVersion, upgradeSchema } from '../../src/store/sql/migrations.js';
import { MIGRATIONS } from '../../src/store/sql/migrations/index.js';

/** The first schema version holding both the tracking and the registry tables. */
const OLD_VERSION = 2;
const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));
const T0 = 1_650_000_000_000;
const RUN = 'aaaaaaaabbbbbbbbccccccccdddddddd';
const RUN2 = '11111111222222223333333344444444';
/** RUN2's 'acc' history as (step, timestamp, value): out of step order in time. */
const ACC = [
  [0, T0 + 10, 0.1],
  [1, T0 + 5, 0.2],
  [2, T0 + 20, 0.3],
] as const;

/** One experiment with a tag, two runs with params, tags and metric histories, a registered model
 * with two versions, tags and an alias: written the way version 2 of the schema stores them. */
async function seedOldDatabase(db: SqlDatabase): Promise<void> {
  const q = db.dialect.id;
  await db.transaction(async (tx: SqlExecutor) => {
    if (db.dialect.name === 'mysql') {
      // An explicit 0 in an AUTO_INCREMENT column is otherwise replaced by the next id.
      await tx.run("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')");
    }
    await tx.run(
      `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)`,
      [T0, T0],
    );
    await tx.run(
      `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ('legacy', NULL, 'active', ?, ?)`,
      [T0, T0],
    );
  });
  const exp = Number(
    (await db.query(`SELECT experiment_id FROM experiments WHERE name = 'legacy'`))[0]!.experiment_id,
  );
  await db.run(`UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?`, [
    `mlflow-artifacts:/${exp}`,
    exp,
  ]);
  let pos = T0 * 1000;
  await db.run(
    `INSERT INTO experiment_tags (experiment_id, tag_key, tag_value, pos) VALUES (?, 'team', 'risk', ?)`,
    [exp, pos++],
  );
  for (const [runId, name, lr, losses] of [
    [RUN, 'old-run', '0.01', [0.9, 0.5, 0.2]],
    [RUN2, 'other-run', '0.1', [0.8, 0.7]],
  ] as const) {
    await db.run(
      `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, 'alice', 'FINISHED', ?, ?, 'active', ?)`,
      [runId, exp, name, T0, T0 + 60_000, `mlflow-artifacts:/${exp}/${runId}/artifacts`],
    );
    const runPk = Number((await db.query(`SELECT run_pk FROM runs WHERE run_uuid = ?`, [runId]))[0]!.run_pk);
    await db.run(`INSERT INTO params (run_uuid, param_key, param_value, pos) VALUES (?, 'lr', ?, ?)`, [
      runId,
      lr,
      pos++,
    ]);
    for (const [key, value] of [
      ['mlflow.runName', name],
      ['stage', 'old'],
    ]) {
      await db.run(`INSERT INTO tags (run_uuid, tag_key, tag_value, pos) VALUES (?, ?, ?, ?)`, [
        runId,
        key,
        value,
        pos++,
      ]);
    }
    for (const [step, value] of losses.entries()) {
      await db.run(
        `INSERT INTO metrics (run_pk, metric_key, ts, step, metric_value, is_nan) VALUES (?, 'loss', ?, ?, ?, 0)`,
        [runPk, T0 + step, step, value],
      );
    }
    const last = losses.length - 1;
    await db.run(
      `INSERT INTO latest_metrics (run_uuid, metric_key, experiment_id, metric_value, ts, step, is_nan, pos) VALUES (?, 'loss', ?, ?, ?, ?, 0, ?)`,
      [runId, exp, losses[last]!, T0 + last, last, pos++],
    );
  }
  // A history whose timestamps do not follow its steps (step 1 was logged before step 0).
  const run2Pk = Number((await db.query(`SELECT run_pk FROM runs WHERE run_uuid = ?`, [RUN2]))[0]!.run_pk);
  for (const [step, ts, value] of ACC) {
    await db.run(
      `INSERT INTO metrics (run_pk, metric_key, ts, step, metric_value, is_nan) VALUES (?, 'acc', ?, ?, ?, 0)`,
      [run2Pk, ts, step, value],
    );
  }
  await db.run(
    `INSERT INTO latest_metrics (run_uuid, metric_key, experiment_id, metric_value, ts, step, is_nan, pos) VALUES (?, 'acc', ?, 0.3, ?, 2, 0, ?)`,
    [RUN2, exp, T0 + 20, pos++],
  );

  await db.run(
    `INSERT INTO registered_models (name, creation_time, last_updated_time, description, user_id, next_version) VALUES ('legacy-model', ?, ?, 'from before the upgrade', 'alice', 3)`,
    [T0, T0],
  );
  for (const [version, stage] of [
    [1, 'Archived'],
    [2, 'Production'],
  ] as const) {
    await db.run(
      `INSERT INTO model_versions (name, version, creation_time, last_updated_time, user_id, current_stage, source, run_id, status) VALUES ('legacy-model', ?, ?, ?, 'alice', ?, ?, ?, 'READY')`,
      [version, T0 + version, T0 + version, stage, `runs:/${RUN}/model`, RUN],
    );
  }
  await db.run(
    `INSERT INTO registered_model_tags (name, ${q('key')}, value) VALUES ('legacy-model', 'domain', 'fraud')`,
  );
  await db.run(
    `INSERT INTO model_version_tags (name, version, ${q('key')}, value) VALUES ('legacy-model', 2, 'validated', 'yes')`,
  );
  await db.run(
    `INSERT INTO registered_model_aliases (name, alias, version) VALUES ('legacy-model', 'champion', 2)`,
  );
}

for (const backend of BACKENDS) {
  describe(`schema upgrade from version ${OLD_VERSION} with data (${backend})`, () => {
    it('upgrades on server start; old data reads, searches and takes new writes', async () => {
      const tmp = await mkdtemp(join(tmpdir(), 'cairn-upgrade-'));
      const testDb = await createTestDatabase(backend, tmp);
      try {
        const db = openDatabase(testDb.uri);
        try {
          const applied = await upgradeSchema(
            db,
            MIGRATIONS.filter((m) => m.version <= OLD_VERSION),
          );
          assert.deepEqual(
            applied.map((m) => m.version),
            [1, 2],
          );
          assert.equal(await currentSchemaVersion(db), OLD_VERSION);
          await seedOldDatabase(db);
        } finally {
          await db.close();
        }

        // What a user does: start the new server on the old database.
        const server = await startTestServer(backend, {
          backendStoreUri: testDb.uri,
          registryStoreUri: testDb.uri,
        });
        try {
          const call = async (method: string, path: string, payload?: Json): Promise<Json> => {
            const res = await api<Json>(server.url, method, path, payload);
            assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
            return res.json;
          };
          const check = openDatabase(testDb.uri);
          try {
            assert.equal(await currentSchemaVersion(check), LATEST, 'upgraded to the newest version');
            const flags = await check.query(
              'SELECT run_uuid, metric_key, in_step_order FROM latest_metrics ORDER BY run_uuid, metric_key',
            );
            assert.deepEqual(
              flags.map((r) => [r.run_uuid, r.metric_key, Number(r.in_step_order)]),
              [
                [RUN2, 'acc', 0],
                [RUN2, 'loss', 1],
                [RUN, 'loss', 1],
              ],
              'histories checked for step order',
            );
          } finally {
            await check.close();
          }

          // Reads.
          const { experiment } = await call('GET', 'experiments/get-by-name', { experiment_name: 'legacy' });
          assert.deepEqual(experiment.tags, [{ key: 'team', value: 'risk' }]);
          const { run } = await call('GET', 'runs/get', { run_id: RUN });
          assert.equal(run.info.run_name, 'old-run');
          assert.equal(run.info.status, 'FINISHED');
          assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.01' }]);
          assert.deepEqual(run.data.metrics, [{ key: 'loss', value: 0.2, timestamp: T0 + 2, step: 2 }]);
          const history = await call('GET', 'metrics/get-history', { run_id: RUN, metric_key: 'loss' });
          assert.deepEqual(
            history.metrics.map((m: Json) => [m.step, m.value]),
            [
              [0, 0.9],
              [1, 0.5],
              [2, 0.2],
            ],
          );
          // Paged one point at a time, in time order although the history is keyed by step.
          const acc: [number, number][] = [];
          let token: string | undefined;
          do {
            const page = await call('GET', 'metrics/get-history', {
              run_id: RUN2,
              metric_key: 'acc',
              max_results: '1',
              ...(token ? { page_token: token } : {}),
            });
            acc.push(...page.metrics.map((m: Json) => [m.step, m.timestamp] as [number, number]));
            token = page.next_page_token;
          } while (token);
          assert.deepEqual(
            acc,
            [...ACC].sort((a, b) => a[1] - b[1]).map(([step, ts]) => [step, ts]),
          );
          const { registered_model: model } = await call('GET', 'registered-models/get', {
            name: 'legacy-model',
          });
          assert.equal(model.description, 'from before the upgrade');
          assert.deepEqual(model.tags, [{ key: 'domain', value: 'fraud' }]);
          assert.deepEqual(model.aliases, [{ alias: 'champion', version: '2' }]);
          const byAlias = await call('GET', 'registered-models/alias', {
            name: 'legacy-model',
            alias: 'champion',
          });
          assert.equal(byAlias.model_version.current_stage, 'Production');
          assert.deepEqual(byAlias.model_version.tags, [{ key: 'validated', value: 'yes' }]);

          // Searches.
          const searched = await call('POST', 'runs/search', {
            experiment_ids: [experiment.experiment_id],
            filter: "metrics.loss < 0.5 and params.lr = '0.01' and tags.stage = 'old'",
          });
          assert.deepEqual(
            searched.runs.map((r: Json) => r.info.run_id),
            [RUN],
          );
          const ordered = await call('POST', 'runs/search', {
            experiment_ids: [experiment.experiment_id],
            order_by: ['metrics.loss DESC'],
          });
          assert.deepEqual(
            ordered.runs.map((r: Json) => r.info.run_id),
            [RUN2, RUN],
          );
          const models = await call('GET', 'registered-models/search', { filter: "name LIKE 'legacy%'" });
          assert.deepEqual(
            models.registered_models.map((m: Json) => m.name),
            ['legacy-model'],
          );
          const versions = await call('GET', 'model-versions/search', { filter: `run_id = '${RUN}'` });
          assert.deepEqual(versions.model_versions.map((v: Json) => v.version).sort(), ['1', '2']);

          // New writes next to the old data.
          await call('POST', 'runs/log-batch', {
            run_id: RUN,
            metrics: [{ key: 'loss', value: 0.05, timestamp: T0 + 10, step: 3 }],
            params: [{ key: 'epochs', value: '4' }],
          });
          // Points stored as rows before the upgrade and as chunks after it make one history;
          // a point sent again (identical to a row) is there once.
          await call('POST', 'runs/log-batch', {
            run_id: RUN,
            metrics: [
              { key: 'loss', value: 0.5, timestamp: T0 + 1, step: 1 },
              { key: 'loss', value: 0.04, timestamp: T0 + 11, step: 4 },
            ],
          });
          const merged = await call('GET', 'metrics/get-history', { run_id: RUN, metric_key: 'loss' });
          assert.deepEqual(
            merged.metrics.map((m: Json) => [m.step, m.value]),
            [
              [0, 0.9],
              [1, 0.5],
              [2, 0.2],
              [3, 0.05],
              [4, 0.04],
            ],
          );
          const after = await call('POST', 'runs/search', {
            experiment_ids: [experiment.experiment_id],
            filter: 'metrics.loss < 0.1',
          });
          assert.deepEqual(
            after.runs.map((r: Json) => r.info.run_id),
            [RUN],
          );
          const created = await call('POST', 'experiments/create', { name: 'after-upgrade' });
          assert.notEqual(created.experiment_id, experiment.experiment_id);
          assert.notEqual(created.experiment_id, '0');
          const newRun = await call('POST', 'runs/create', {
            experiment_id: experiment.experiment_id,
            start_time: T0 + 100,
          });
          assert.equal(newRun.run.info.experiment_id, experiment.experiment_id);
          const v3 = await call('POST', 'model-versions/create', {
            name: 'legacy-model',
            source: `runs:/${RUN}/model`,
            run_id: RUN,
          });
          assert.equal(v3.model_version.version, '3', 'numbering continues after the old versions');
          await call('POST', 'registered-models/alias', {
            name: 'legacy-model',
            alias: 'champion',
            version: '3',
          });
          const moved = await call('GET', 'registered-models/alias', {
            name: 'legacy-model',
            alias: 'champion',
          });
          assert.equal(moved.model_version.version, '3');
        } finally {
          await server.stop();
        }
      } finally {
        await testDb.drop();
        await rm(tmp, { recursive: true, force: true });
      }
    });
  });
}
