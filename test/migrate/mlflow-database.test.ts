/**
 * `cairn import --from sqlite:///mlflow.db --artifacts-from DIR`: an MLflow-schema SQLite database
 * built by hand (the DDL below follows the tables of MLflow's SQLAlchemy models: the reader only
 * relies on these names and columns), imported read-only and checked through the REST API. The
 * database file is byte-for-byte unchanged afterwards. A database of MLflow before 3 (no `step`
 * column in `inputs`, no logged-model tables) is read too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startMoto, useMotoEnvironment } from '../artifacts/moto.js';
import { MlflowSqlSource } from '../../src/migrate/mlflow-sql-source.js';
import { runImport } from '../../src/migrate/importer.js';
import { BACKENDS } from '../helpers/backends.js';
import { newInstallation, ok, type Installation, type Json } from './fixtures.js';

const RUN = '11112222333344445555666677778888';
const RUN2 = '99990000aaaabbbbccccddddeeeeffff';
const MODEL = 'm-1234567890abcdef1234567890abcdef';
const USED_MODEL = 'm-ffffeeeeddddccccbbbbaaaa99998888';

const DDL = `
CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(256) NOT NULL UNIQUE,
  artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
CREATE TABLE experiment_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), experiment_id INTEGER NOT NULL,
  PRIMARY KEY (key, experiment_id));
CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
  source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
  start_time BIGINT, end_time BIGINT, deleted_time BIGINT, source_version VARCHAR(50),
  lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER);
CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL,
  PRIMARY KEY (key, run_uuid));
CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
  PRIMARY KEY (key, run_uuid));
CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
  run_uuid VARCHAR(32) NOT NULL, step BIGINT NOT NULL DEFAULT 0, is_nan BOOLEAN NOT NULL DEFAULT 0,
  PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));
CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,
  is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));
CREATE TABLE datasets (dataset_uuid VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL, name VARCHAR(500) NOT NULL,
  digest VARCHAR(36) NOT NULL, dataset_source_type VARCHAR(36) NOT NULL, dataset_source TEXT NOT NULL,
  dataset_schema TEXT, dataset_profile TEXT, PRIMARY KEY (experiment_id, name, digest));
CREATE TABLE inputs (input_uuid VARCHAR(36) NOT NULL, source_type VARCHAR(36) NOT NULL, source_id VARCHAR(36) NOT NULL,
  destination_type VARCHAR(36) NOT NULL, destination_id VARCHAR(36) NOT NULL, step BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (source_type, source_id, destination_type, destination_id));
CREATE TABLE input_tags (input_uuid VARCHAR(36) NOT NULL, name VARCHAR(255) NOT NULL, value VARCHAR(500) NOT NULL,
  PRIMARY KEY (input_uuid, name));
CREATE TABLE registered_models (name VARCHAR(256) NOT NULL PRIMARY KEY, creation_time BIGINT,
  last_updated_time BIGINT, description VARCHAR(5000));
CREATE TABLE registered_model_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), name VARCHAR(256) NOT NULL,
  PRIMARY KEY (key, name));
CREATE TABLE model_versions (name VARCHAR(256) NOT NULL, version INTEGER NOT NULL, creation_time BIGINT,
  last_updated_time BIGINT, description VARCHAR(5000), user_id VARCHAR(256), current_stage VARCHAR(20),
  source VARCHAR(500), run_id VARCHAR(32), status VARCHAR(20), status_message VARCHAR(500),
  run_link VARCHAR(500), storage_location VARCHAR(500), PRIMARY KEY (name, version));
CREATE TABLE model_version_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), name VARCHAR(256) NOT NULL,
  version INTEGER NOT NULL, PRIMARY KEY (key, name, version));
CREATE TABLE registered_model_aliases (alias VARCHAR(256) NOT NULL, version INTEGER NOT NULL,
  name VARCHAR(256) NOT NULL, PRIMARY KEY (name, alias));
CREATE TABLE logged_models (model_id VARCHAR(36) NOT NULL PRIMARY KEY, experiment_id INTEGER NOT NULL,
  name VARCHAR(500) NOT NULL, artifact_location VARCHAR(1000) NOT NULL, creation_timestamp_ms BIGINT NOT NULL,
  last_updated_timestamp_ms BIGINT NOT NULL, status INTEGER NOT NULL, lifecycle_stage VARCHAR(32),
  model_type VARCHAR(500), source_run_id VARCHAR(32), status_message VARCHAR(1000));
CREATE TABLE logged_model_params (model_id VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL,
  param_key VARCHAR(255) NOT NULL, param_value TEXT NOT NULL, PRIMARY KEY (model_id, param_key));
CREATE TABLE logged_model_tags (model_id VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL,
  tag_key VARCHAR(255) NOT NULL, tag_value TEXT NOT NULL, PRIMARY KEY (model_id, tag_key));
CREATE TABLE logged_model_metrics (model_id VARCHAR(36) NOT NULL, metric_name VARCHAR(500) NOT NULL,
  metric_timestamp_ms BIGINT NOT NULL, metric_step BIGINT NOT NULL, metric_value FLOAT,
  experiment_id INTEGER NOT NULL, run_id VARCHAR(32) NOT NULL, dataset_uuid VARCHAR(36),
  dataset_name VARCHAR(500), dataset_digest VARCHAR(36),
  PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, run_id));
`;

function buildDatabase(file: string, artifactRoot: string): void {
  const db = new Database(file);
  db.exec(DDL);
  const ins = (sql: string, ...rows: unknown[][]) => {
    const stmt = db.prepare(sql);
    for (const r of rows) stmt.run(...r);
  };
  ins(
    'INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)',
    [0, 'Default', `${artifactRoot}/0`, 'active', 1680000000000, 1680000000000],
    [3, 'forecast', 'mlflow-artifacts:/3', 'active', 1680000001000, 1680000002000],
    [4, 'retired', 'mlflow-artifacts:/4', 'deleted', 1680000003000, 1680000004000],
  );
  ins('INSERT INTO experiment_tags VALUES (?, ?, ?)', ['owner', 'kim', 3]);
  ins(
    'INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      RUN,
      'brave-fox',
      'LOCAL',
      '',
      '',
      'kim',
      'FINISHED',
      1680000005000,
      1680000009000,
      null,
      '',
      'active',
      `mlflow-artifacts:/3/${RUN}/artifacts`,
      3,
    ],
    [
      RUN2,
      'old',
      'LOCAL',
      '',
      '',
      'lee',
      'KILLED',
      1680000006000,
      null,
      1680000007000,
      '',
      'deleted',
      `mlflow-artifacts:/4/${RUN2}/artifacts`,
      4,
    ],
  );
  ins('INSERT INTO params VALUES (?, ?, ?)', ['horizon', '14', RUN], ['model', 'arima', RUN]);
  ins('INSERT INTO tags VALUES (?, ?, ?)', ['mlflow.runName', 'brave-fox', RUN], ['mlflow.user', 'kim', RUN]);
  const points: unknown[][] = [];
  for (let step = 0; step < 12_000; step++)
    points.push(['rmse', 100 / (step + 1), 1680000005000 + step, RUN, step, 0]);
  points.push(['odd', 0, 1680000005000, RUN, 0, 1]);
  points.push(['odd', 1.7976931348623157e308, 1680000005001, RUN, 1, 0]);
  points.push(['old', 3, 1680000006500, RUN2, 0, 0]);
  db.transaction(() => ins('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)', ...points))();
  ins('INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    'd-1',
    3,
    'sales',
    'f00d',
    'local',
    '{"uri":"sales.csv"}',
    '{"mlflow_colspec":[]}',
    null,
  ]);
  // MLflow 3 keeps the logged models a run used and produced in \`inputs\` too, the run as source.
  ins(
    'INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, ?, ?, ?, ?, ?)',
    ['i-1', 'DATASET', 'd-1', 'RUN', RUN, 0],
    ['i-2', 'RUN_INPUT', RUN, 'MODEL_INPUT', USED_MODEL, 0],
    ['i-3', 'RUN_OUTPUT', RUN, 'MODEL_OUTPUT', MODEL, 3],
    ['i-4', 'RUN_OUTPUT', RUN2, 'MODEL_OUTPUT', MODEL, 0],
  );
  ins('INSERT INTO input_tags VALUES (?, ?, ?)', ['i-1', 'mlflow.data.context', 'training']);
  ins('INSERT INTO registered_models VALUES (?, ?, ?, ?)', [
    'forecaster',
    1680000010000,
    1680000012000,
    'Sales forecast',
  ]);
  ins('INSERT INTO registered_model_tags VALUES (?, ?, ?)', ['tier', 'gold', 'forecaster']);
  ins(
    'INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      'forecaster',
      1,
      1680000011000,
      1680000011000,
      null,
      'kim',
      'Archived',
      `runs:/${RUN}/model`,
      RUN,
      'READY',
      null,
      '',
      null,
    ],
    [
      'forecaster',
      2,
      1680000012000,
      1680000012000,
      'better',
      'kim',
      'Staging',
      `runs:/${RUN}/model`,
      RUN,
      'READY',
      null,
      '',
      null,
    ],
    [
      'forecaster',
      3,
      1680000013000,
      1680000013000,
      null,
      'kim',
      'Deleted_Internal',
      'x',
      null,
      'READY',
      null,
      '',
      null,
    ],
  );
  ins('INSERT INTO model_version_tags VALUES (?, ?, ?, ?)', ['approved', 'true', 'forecaster', 2]);
  ins('INSERT INTO registered_model_aliases VALUES (?, ?, ?)', ['prod', 2, 'forecaster']);
  ins('INSERT INTO logged_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    MODEL,
    3,
    'arima-model',
    `mlflow-artifacts:/3/models/${MODEL}/artifacts`,
    1680000008000,
    1680000008500,
    2,
    'active',
    'forecaster',
    RUN,
    null,
  ]);
  ins('INSERT INTO logged_model_params VALUES (?, ?, ?, ?)', [MODEL, 3, 'order', '(2,1,2)']);
  ins('INSERT INTO logged_model_tags VALUES (?, ?, ?, ?)', [MODEL, 3, 'stage', 'candidate']);
  ins(
    'INSERT INTO logged_model_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [MODEL, 'mape', 1680000008100, 0, 0.12, 3, RUN, 'ds-1', 'sales', 'f00d'],
    [MODEL, 'mape', 1680000008200, 1, null, 3, RUN, null, null, null],
  );
  db.close();
}

describe(`import an MLflow database (sqlite → ${BACKENDS[BACKENDS.length - 1]})`, () => {
  let dst: Installation;
  let base: string;
  let file: string;
  let digest: string;
  const hashFile = async (f: string) =>
    createHash('sha256')
      .update(await readFile(f))
      .digest('hex');

  before(async () => {
    dst = await newInstallation(BACKENDS[BACKENDS.length - 1]!);
    file = join(dst.tmpDir, 'mlflow.db');
    const artifactRoot = join(dst.tmpDir, 'mlartifacts');
    buildDatabase(file, artifactRoot);
    await mkdir(join(artifactRoot, '3', RUN, 'artifacts', 'model'), { recursive: true });
    await writeFile(join(artifactRoot, '3', RUN, 'artifacts', 'model', 'MLmodel'), 'flavors: {}\n');
    await mkdir(join(artifactRoot, '3', 'models', MODEL, 'artifacts'), { recursive: true });
    await writeFile(
      join(artifactRoot, '3', 'models', MODEL, 'artifacts', 'MLmodel'),
      'flavors: {arima: {}}\n',
    );
    digest = await hashFile(file);
    const stores = await dst.stores();
    try {
      const source = await MlflowSqlSource.open(`sqlite:///${file}`, artifactRoot);
      const report = await runImport(source, stores.target).finally(() => source.close());
      assert.deepEqual(report.failures, []);
      assert.equal(report.count('experiments'), 2);
      assert.equal(report.count('runs'), 2);
      assert.equal(report.count('metric points'), 12_003);
      assert.equal(report.count('artifact files'), 2);
      assert.equal(report.count('logged models'), 1);
      assert.equal(report.count('logged model metric points'), 2);
      assert.equal(report.count('model versions'), 2);
    } finally {
      await stores.close();
    }
    base = await dst.start();
  });
  after(async () => dst?.destroy());

  test('the MLflow database is read-only: unchanged after the import', async () => {
    assert.equal(await hashFile(file), digest);
  });

  test('experiments, runs, params, tags, datasets and every metric point arrive', async () => {
    const e = (await ok(base, 'GET', 'experiments/get', { experiment_id: '3' })).experiment as Json;
    assert.deepEqual(
      [e.name, e.creation_time, e.last_update_time, e.tags],
      ['forecast', 1680000001000, 1680000002000, [{ key: 'owner', value: 'kim' }]],
    );
    const retired = (await ok(base, 'GET', 'experiments/get', { experiment_id: '4' })).experiment as Json;
    assert.equal(retired.lifecycle_stage, 'deleted');
    const run = (await ok(base, 'GET', 'runs/get', { run_id: RUN })).run as Json;
    assert.equal(run.info.run_name, 'brave-fox');
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.end_time, 1680000009000);
    assert.deepEqual(Object.fromEntries(run.data.params.map((p: Json) => [p.key, p.value])), {
      horizon: '14',
      model: 'arima',
    });
    assert.deepEqual(run.inputs.model_inputs, [{ model_id: USED_MODEL }]);
    assert.deepEqual(run.outputs.model_outputs, [{ model_id: MODEL, step: 3 }]);
    const ds = run.inputs.dataset_inputs[0];
    assert.equal(ds.dataset.name, 'sales');
    assert.equal(ds.dataset.digest, 'f00d');
    assert.deepEqual(ds.tags, [{ key: 'mlflow.data.context', value: 'training' }]);
    const history = (await ok(base, 'GET', 'metrics/get-history', { run_id: RUN, metric_key: 'rmse' }))
      .metrics as Json[];
    assert.equal(history.length, 12_000);
    assert.deepEqual(history[11_999], {
      key: 'rmse',
      value: 100 / 12_000,
      timestamp: 1680000005000 + 11_999,
      step: 11_999,
    });
    const odd = (await ok(base, 'GET', 'metrics/get-history', { run_id: RUN, metric_key: 'odd' }))
      .metrics as Json[];
    assert.equal(odd[0].value, 'NaN');
    assert.equal(odd.length, 2);
    const old = (await ok(base, 'GET', 'runs/get', { run_id: RUN2 })).run as Json;
    assert.equal(old.info.lifecycle_stage, 'deleted');
    assert.equal(old.info.status, 'KILLED');
    assert.deepEqual(old.outputs.model_outputs, [{ model_id: MODEL, step: 0 }]);
  });

  test('artifacts come from --artifacts-from; the registry keeps versions, stages, tags, aliases', async () => {
    const res = await fetch(`${base}/get-artifact?run_id=${RUN}&path=model/MLmodel`);
    assert.equal(await res.text(), 'flavors: {}\n');
    const model = (await ok(base, 'GET', 'registered-models/get', { name: 'forecaster' }))
      .registered_model as Json;
    assert.deepEqual(model.aliases, [{ alias: 'prod', version: '2' }]);
    assert.deepEqual(model.tags, [{ key: 'tier', value: 'gold' }]);
    const v2 = (await ok(base, 'GET', 'model-versions/get', { name: 'forecaster', version: '2' }))
      .model_version as Json;
    assert.equal(v2.current_stage, 'Staging');
    assert.equal(v2.description, 'better');
    assert.deepEqual(v2.tags, [{ key: 'approved', value: 'true' }]);
    const v1 = (await ok(base, 'GET', 'model-versions/get', { name: 'forecaster', version: '1' }))
      .model_version as Json;
    assert.equal(v1.current_stage, 'Archived');
  });

  test('logged models keep info, params, tags, metric points (NaN too) and their files', async () => {
    const model = (await ok(base, 'GET', `logged-models/${MODEL}`)).model as Json;
    assert.equal(model.info.name, 'arima-model');
    assert.equal(model.info.status, 'LOGGED_MODEL_READY');
    assert.equal(model.info.source_run_id, RUN);
    assert.equal(model.info.model_type, 'forecaster');
    assert.deepEqual(model.data.params, [{ key: 'order', value: '(2,1,2)' }]);
    assert.ok(model.info.tags.some((t: Json) => t.key === 'stage' && t.value === 'candidate'));
    assert.deepEqual(
      model.data.metrics.map((m: Json) => [m.key, m.value, m.step, m.run_id, m.dataset_digest ?? '']),
      [
        ['mape', 0.12, 0, RUN, 'f00d'],
        ['mape', 'NaN', 1, RUN, ''],
      ],
    );
    const res = await fetch(
      `${base}/ajax-api/2.0/mlflow/logged-models/${MODEL}/artifacts/files?artifact_file_path=MLmodel`,
    );
    assert.equal(await res.text(), 'flavors: {arima: {}}\n');
  });

  test('without --artifacts-from, proxied artifact locations fail the run with advice, nothing half-written', async () => {
    const other = await newInstallation('sqlite');
    const stores = await other.stores();
    try {
      const source = await MlflowSqlSource.open(`sqlite:///${file}`);
      const report = await runImport(source, stores.target).finally(() => source.close());
      assert.deepEqual(
        report.failures.map((f) => f.kind),
        ['runs', 'logged models', 'runs'],
      );
      for (const f of report.failures) assert.match(f.message, /--artifacts-from/);
      assert.equal(await stores.target.store.runExperiment(RUN), null);
      assert.equal(await stores.target.store.loggedModelExists(MODEL), false);
    } finally {
      await stores.close();
      await other.destroy();
    }
  });

  test('a database of MLflow 2 (no step column in inputs, no logged-model tables) imports its datasets', async () => {
    const other = await newInstallation('sqlite');
    try {
      const oldFile = join(other.tmpDir, 'mlflow2.db');
      const db = new Database(oldFile);
      // MLflow 2's tables: the MLflow 3 DDL above without inputs.step and the logged_model* tables.
      const ddl2 = DDL.replace(
        'destination_id VARCHAR(36) NOT NULL, step BIGINT NOT NULL DEFAULT 0,',
        'destination_id VARCHAR(36) NOT NULL,',
      ).replace(/CREATE TABLE logged_model[\s\S]*$/, '');
      assert.doesNotMatch(ddl2, /logged_model|destination_id VARCHAR\(36\) NOT NULL, step/);
      db.exec(ddl2);
      db.prepare('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)').run(
        1,
        'legacy',
        join(other.tmpDir, 'art', '1'),
        'active',
        1600000000000,
        1600000000000,
      );
      db.prepare(
        'INSERT INTO runs (run_uuid, name, user_id, status, start_time, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(RUN, 'legacy-run', 'kim', 'FINISHED', 1600000001000, 'active', join(other.tmpDir, 'none'), 1);
      db.prepare('INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        'd-9',
        1,
        'old-data',
        'beef',
        'local',
        '{"uri":"old.csv"}',
        null,
        null,
      );
      db.prepare('INSERT INTO inputs VALUES (?, ?, ?, ?, ?)').run('i-9', 'DATASET', 'd-9', 'RUN', RUN);
      db.close();
      const stores = await other.stores();
      try {
        const source = await MlflowSqlSource.open(`sqlite:///${oldFile}`);
        const report = await runImport(source, stores.target).finally(() => source.close());
        assert.deepEqual(report.failures, []);
        assert.equal(report.count('runs'), 1);
        assert.equal(report.count('logged models'), 0);
      } finally {
        await stores.close();
      }
      const url = await other.start();
      const run = (await ok(url, 'GET', 'runs/get', { run_id: RUN })).run as Json;
      assert.deepEqual(
        run.inputs.dataset_inputs.map((d: Json) => d.dataset.name),
        ['old-data'],
      );
      assert.deepEqual(run.inputs.model_inputs ?? [], []);
      assert.deepEqual(run.outputs?.model_outputs ?? [], []);
    } finally {
      await other.destroy();
    }
  });

  test('--artifacts-from s3://… reads the artifact files from an S3-compatible store', async () => {
    const moto = await startMoto();
    const other = await newInstallation('sqlite');
    try {
      useMotoEnvironment(moto.endpoint);
      await moto.createBucket('mlflow-art');
      await moto.client.send(
        new PutObjectCommand({
          Bucket: 'mlflow-art',
          Key: `root/3/${RUN}/artifacts/data/table.csv`,
          Body: 'a,b\n1,2\n',
        }),
      );
      const stores = await other.stores();
      try {
        const source = await MlflowSqlSource.open(`sqlite:///${file}`, 's3://mlflow-art/root');
        const report = await runImport(source, stores.target).finally(() => source.close());
        assert.deepEqual(report.failures, []);
        assert.equal(report.count('artifact files'), 1);
      } finally {
        await stores.close();
      }
      const url = await other.start();
      const res = await fetch(`${url}/get-artifact?run_id=${RUN}&path=data/table.csv`);
      assert.equal(await res.text(), 'a,b\n1,2\n');
    } finally {
      await other.destroy();
      await moto.stop();
    }
  });
});
