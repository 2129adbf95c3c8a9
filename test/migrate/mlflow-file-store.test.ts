/**
 * `cairn import --from ./mlruns`: an MLflow file store written by hand from the format (meta.yaml
 * files, one file per param/tag, metric files with `timestamp value step` lines, nested keys,
 * `.trash/` for deleted experiments, datasets and run inputs/outputs, MLflow 3 logged models with
 * params, tags, metrics and files, `models/` of the registry), imported and checked entity by
 * entity through the REST API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MlflowFileSource } from '../../src/migrate/mlflow-file-source.js';
import { runImport } from '../../src/migrate/importer.js';
import { BACKENDS } from '../helpers/backends.js';
import { newInstallation, ok, type Installation, type Json } from './fixtures.js';

const RUN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const DELETED_RUN = 'ffeeddccbbaa99887766554433221100';
const TRASHED_RUN = '0123456789abcdef0123456789abcdef';
const MODEL = 'm-5c0ffee5c0ffee5c0ffee5c0ffee5c0f';
const USED_MODEL = 'm-0000000000000000000000000000beef';
const FAILED_MODEL = 'm-00000000000000000000000000000bad';
const DATASET_ID = '9f2d3c4b5a69788796a5b4c3d2e1f0a1';

async function put(root: string, path: string, text: string): Promise<void> {
  const file = join(root, ...path.split('/'));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** The layout MLflow's FileStore writes (values as MLflow writes them). */
async function writeFileStore(root: string): Promise<void> {
  await put(
    root,
    '0/meta.yaml',
    `artifact_location: file://${root}/0\ncreation_time: 1690000000000\nexperiment_id: '0'\nlast_update_time: 1690000000000\nlifecycle_stage: active\nname: Default\n`,
  );
  await put(
    root,
    '5/meta.yaml',
    `artifact_location: file://${root}/5\ncreation_time: 1690000001000\nexperiment_id: '5'\nlast_update_time: 1690000002000\nlifecycle_stage: active\nname: churn\n`,
  );
  await put(root, '5/tags/team', 'growth');
  await put(root, '5/tags/mlflow.note.content', 'Churn models');
  await put(
    root,
    `5/${RUN}/meta.yaml`,
    [
      `artifact_uri: file://${root}/5/${RUN}/artifacts`,
      'end_time: 1690000009000',
      'entry_point_name: ""',
      "experiment_id: '5'",
      'lifecycle_stage: active',
      `run_id: ${RUN}`,
      'run_name: gentle-owl-42',
      `run_uuid: ${RUN}`,
      'source_name: ""',
      'source_type: 4',
      'source_version: ""',
      'start_time: 1690000003000',
      'status: 3',
      'tags: []',
      'user_id: ana',
      '',
    ].join('\n'),
  );
  await put(root, `5/${RUN}/params/alpha`, '0.5');
  await put(root, `5/${RUN}/params/model/depth`, '6');
  await put(root, `5/${RUN}/tags/mlflow.runName`, 'gentle-owl-42');
  await put(root, `5/${RUN}/tags/mlflow.user`, 'ana');
  await put(
    root,
    `5/${RUN}/metrics/loss`,
    '1690000004000 0.9 0\n1690000005000 0.5 1\n1690000006000 0.25 2\n',
  );
  await put(
    root,
    `5/${RUN}/metrics/eval/auc`,
    '1690000007000 nan 0\n1690000008000 inf 1\n1690000008500 -inf 2\n',
  );
  await put(root, `5/${RUN}/artifacts/model/MLmodel`, 'flavors:\n  python_function: {}\n');
  // A dataset of the experiment and the run's inputs/outputs, as MLflow's log_inputs/log_outputs write them.
  await put(
    root,
    `5/datasets/${DATASET_ID}/meta.yaml`,
    [
      'digest: 7a1b2c3d',
      'name: churn-train',
      'profile: \'{"num_rows": 1200}\'',
      'schema: \'{"mlflow_colspec": []}\'',
      'source: \'{"uri": "s3://bucket/churn.parquet"}\'',
      'source_type: s3',
      '',
    ].join('\n'),
  );
  await put(
    root,
    `5/${RUN}/inputs/1a2b3c4d5e6f70819293a4b5c6d7e8f9/meta.yaml`,
    `destination_id: ${DATASET_ID}\ndestination_type: RUN\nsource_id: ${DATASET_ID}\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n`,
  );
  await put(
    root,
    `5/${RUN}/inputs/ffff3c4d5e6f70819293a4b5c6d7e8f9/meta.yaml`,
    `destination_id: ${RUN}\ndestination_type: RUN\nsource_id: ${USED_MODEL}\nsource_type: MODEL\ntags: {}\n`,
  );
  await put(
    root,
    `5/${RUN}/outputs/${MODEL}/meta.yaml`,
    `destination_id: ${MODEL}\ndestination_type: MODEL_OUTPUT\nsource_id: ${RUN}\nsource_type: RUN_OUTPUT\nstep: 2\ntags: {}\n`,
  );
  // An MLflow 3 logged model of experiment 5, its files at its artifact location.
  await put(
    root,
    `5/models/${MODEL}/meta.yaml`,
    [
      `artifact_location: file://${root}/5/models/${MODEL}/artifacts`,
      'creation_timestamp: 1690000012000',
      "experiment_id: '5'",
      'last_updated_timestamp: 1690000013000',
      'lifecycle_stage: active',
      `model_id: ${MODEL}`,
      'model_type: classifier',
      'name: churn-clf',
      `source_run_id: ${RUN}`,
      'status: READY',
      'status_message: null',
      '',
    ].join('\n'),
  );
  // A model whose upload failed: MLflow writes its Python status name, FAILED, and no files.
  await put(
    root,
    `5/models/${FAILED_MODEL}/meta.yaml`,
    [
      `artifact_location: file://${root}/5/models/${FAILED_MODEL}/artifacts`,
      'creation_timestamp: 1690000016000',
      "experiment_id: '5'",
      'last_updated_timestamp: 1690000017000',
      'lifecycle_stage: active',
      `model_id: ${FAILED_MODEL}`,
      'model_type: null',
      'name: broken-clf',
      `source_run_id: ${RUN}`,
      'status: FAILED',
      'status_message: null',
      '',
    ].join('\n'),
  );
  await put(root, `5/models/${MODEL}/params/max_depth`, '6');
  await put(root, `5/models/${MODEL}/tags/mlflow.user`, 'ana');
  await put(
    root,
    `5/models/${MODEL}/metrics/accuracy`,
    `1690000014000 0.91 2 ${RUN} churn-eval 7a1b2c3d\n1690000015000 0.93 3 ${RUN}\n`,
  );
  await put(root, `5/models/${MODEL}/artifacts/MLmodel`, 'flavors:\n  sklearn: {}\n');
  await put(root, `5/models/${MODEL}/artifacts/data/model.bin`, 'weights');
  await put(root, `5/${RUN}/artifacts/plots/roc.txt`, 'roc data');
  await put(
    root,
    `5/${DELETED_RUN}/meta.yaml`,
    `artifact_uri: file://${root}/5/${DELETED_RUN}/artifacts\nend_time: null\nexperiment_id: '5'\nlifecycle_stage: deleted\nrun_id: ${DELETED_RUN}\nrun_name: discarded\nstart_time: 1690000010000\nstatus: 4\nuser_id: bo\ndeleted_time: 1690000011000\n`,
  );
  await put(
    root,
    '.trash/7/meta.yaml',
    `artifact_location: file://${root}/7\ncreation_time: 1690000020000\nexperiment_id: '7'\nlast_update_time: 1690000021000\nlifecycle_stage: deleted\nname: old-ideas\n`,
  );
  await put(
    root,
    `.trash/7/${TRASHED_RUN}/meta.yaml`,
    `artifact_uri: file://${root}/7/${TRASHED_RUN}/artifacts\nexperiment_id: '7'\nlifecycle_stage: deleted\nrun_id: ${TRASHED_RUN}\nrun_name: idea\nstart_time: 1690000022000\nstatus: 5\nuser_id: ana\n`,
  );
  await put(
    root,
    'models/churn-model/meta.yaml',
    'creation_timestamp: 1690000030000\ndescription: Predicts churn\nlast_updated_timestamp: 1690000032000\nname: churn-model\n',
  );
  await put(root, 'models/churn-model/tags/owner', 'growth');
  await put(root, 'models/churn-model/aliases/champion', '1');
  await put(
    root,
    'models/churn-model/version-1/meta.yaml',
    [
      'creation_timestamp: 1690000031000',
      'current_stage: Production',
      'description: first',
      'last_updated_timestamp: 1690000031500',
      'name: churn-model',
      `run_id: ${RUN}`,
      'run_link: ""',
      `source: runs:/${RUN}/model`,
      'status: READY',
      'status_message: null',
      'user_id: ana',
      'version: 1',
      '',
    ].join('\n'),
  );
  await put(root, 'models/churn-model/version-1/tags/validated', 'yes');
  await put(
    root,
    'models/churn-model/version-2/meta.yaml',
    'creation_timestamp: 1690000033000\ncurrent_stage: Deleted_Internal\nname: churn-model\nsource: x\nversion: 2\n',
  );
}

describe(`import an MLflow file store (${BACKENDS[0]})`, () => {
  let dst: Installation;
  let root: string;
  let base: string;

  before(async () => {
    dst = await newInstallation(BACKENDS[0]!);
    root = join(dst.tmpDir, 'mlruns');
    await writeFileStore(root);
    const stores = await dst.stores();
    try {
      const source = await MlflowFileSource.open(root);
      const dry = await runImport(source, stores.target, { dryRun: true });
      assert.equal(dry.count('runs'), 3);
      assert.equal(dry.count('metric points'), 6);
      const report = await runImport(source, stores.target);
      assert.deepEqual(report.failures, []);
      assert.equal(report.count('experiments'), 2);
      assert.equal(report.skipped('experiments'), 1);
      assert.equal(report.count('runs'), 3);
      assert.equal(report.count('metric points'), 6);
      assert.equal(report.count('artifact files'), 4);
      assert.equal(report.count('logged models'), 2);
      assert.equal(report.count('logged model metric points'), 2);
      assert.equal(report.count('registered models'), 1);
      assert.equal(report.count('model versions'), 1);
    } finally {
      await stores.close();
    }
    base = await dst.start();
  });
  after(async () => dst?.destroy());

  test('experiments keep ids, names, lifecycle, timestamps and tags', async () => {
    const e = (await ok(base, 'GET', 'experiments/get', { experiment_id: '5' })).experiment as Json;
    assert.equal(e.name, 'churn');
    assert.equal(e.creation_time, 1690000001000);
    assert.equal(e.last_update_time, 1690000002000);
    assert.equal(e.artifact_location, 'mlflow-artifacts:/5');
    assert.deepEqual(
      [...e.tags].sort((a: Json, b: Json) => a.key.localeCompare(b.key)),
      [
        { key: 'mlflow.note.content', value: 'Churn models' },
        { key: 'team', value: 'growth' },
      ],
    );
    const trashed = (await ok(base, 'GET', 'experiments/get', { experiment_id: '7' })).experiment as Json;
    assert.equal(trashed.lifecycle_stage, 'deleted');
    assert.equal(trashed.name, 'old-ideas');
  });

  test('runs keep info, params, tags, nested keys and every metric point (NaN and ±Infinity too)', async () => {
    const run = (await ok(base, 'GET', 'runs/get', { run_id: RUN })).run as Json;
    assert.deepEqual(
      { ...run.info, artifact_uri: undefined },
      {
        run_id: RUN,
        run_uuid: RUN,
        run_name: 'gentle-owl-42',
        experiment_id: '5',
        user_id: 'ana',
        status: 'FINISHED',
        start_time: 1690000003000,
        end_time: 1690000009000,
        lifecycle_stage: 'active',
        artifact_uri: undefined,
      },
    );
    assert.equal(run.info.artifact_uri, `mlflow-artifacts:/5/${RUN}/artifacts`);
    const params = Object.fromEntries(run.data.params.map((p: Json) => [p.key, p.value]));
    assert.deepEqual(params, { alpha: '0.5', 'model/depth': '6' });
    const loss = (await ok(base, 'GET', 'metrics/get-history', { run_id: RUN, metric_key: 'loss' })).metrics;
    assert.deepEqual(
      loss.map((m: Json) => [m.timestamp, m.value, m.step]),
      [
        [1690000004000, 0.9, 0],
        [1690000005000, 0.5, 1],
        [1690000006000, 0.25, 2],
      ],
    );
    const auc = (await ok(base, 'GET', 'metrics/get-history', { run_id: RUN, metric_key: 'eval/auc' }))
      .metrics;
    assert.equal(auc.length, 3);
    assert.equal(auc[0].value, 'NaN');
    const deleted = (await ok(base, 'GET', 'runs/get', { run_id: DELETED_RUN })).run as Json;
    assert.equal(deleted.info.lifecycle_stage, 'deleted');
    assert.equal(deleted.info.status, 'FAILED');
    const trashed = (await ok(base, 'GET', 'runs/get', { run_id: TRASHED_RUN })).run as Json;
    assert.equal(trashed.info.status, 'KILLED');
    assert.equal(trashed.info.experiment_id, '7');
  });

  test('datasets with their input tags, model inputs and outputs of a run arrive', async () => {
    const run = (await ok(base, 'GET', 'runs/get', { run_id: RUN })).run as Json;
    assert.deepEqual(run.inputs.dataset_inputs, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'churn-train',
          digest: '7a1b2c3d',
          source_type: 's3',
          source: '{"uri": "s3://bucket/churn.parquet"}',
          schema: '{"mlflow_colspec": []}',
          profile: '{"num_rows": 1200}',
        },
      },
    ]);
    assert.deepEqual(run.inputs.model_inputs, [{ model_id: USED_MODEL }]);
    assert.deepEqual(run.outputs.model_outputs, [{ model_id: MODEL, step: 2 }]);
  });

  test('logged models keep info, params, tags, every metric point and their files', async () => {
    const model = (await ok(base, 'GET', `logged-models/${MODEL}`)).model as Json;
    assert.equal(model.info.name, 'churn-clf');
    assert.equal(model.info.experiment_id, '5');
    assert.equal(model.info.status, 'LOGGED_MODEL_READY');
    assert.equal(model.info.model_type, 'classifier');
    assert.equal(model.info.source_run_id, RUN);
    assert.equal(model.info.creation_timestamp_ms, 1690000012000);
    assert.equal(model.info.artifact_uri, `mlflow-artifacts:/5/models/${MODEL}/artifacts`);
    assert.deepEqual(model.data.params, [{ key: 'max_depth', value: '6' }]);
    assert.ok(model.info.tags.some((t: Json) => t.key === 'mlflow.user' && t.value === 'ana'));
    assert.deepEqual(
      model.data.metrics.map((m: Json) => [
        m.key,
        m.value,
        m.step,
        m.timestamp,
        m.run_id,
        m.dataset_name ?? '',
      ]),
      [
        ['accuracy', 0.91, 2, 1690000014000, RUN, 'churn-eval'],
        ['accuracy', 0.93, 3, 1690000015000, RUN, ''],
      ],
    );
    const files = await ok(base, 'GET', `logged-models/${MODEL}/artifacts/directories`);
    assert.deepEqual(files.files.map((f: Json) => f.path).sort(), ['MLmodel', 'data']);
    const res = await fetch(
      `${base}/ajax-api/2.0/mlflow/logged-models/${MODEL}/artifacts/files?artifact_file_path=data/model.bin`,
    );
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'weights');
  });

  test('a logged model MLflow marked FAILED arrives as LOGGED_MODEL_UPLOAD_FAILED', async () => {
    const model = (await ok(base, 'GET', `logged-models/${FAILED_MODEL}`)).model as Json;
    assert.equal(model.info.name, 'broken-clf');
    assert.equal(model.info.status, 'LOGGED_MODEL_UPLOAD_FAILED');
    assert.equal(model.info.last_updated_timestamp_ms, 1690000017000);
  });

  test('artifacts are copied and served from the new location', async () => {
    const res = await fetch(`${base}/get-artifact?run_id=${RUN}&path=plots/roc.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'roc data');
  });

  test('the registry keeps versions (not deleted ones), stages, tags and aliases', async () => {
    const model = (await ok(base, 'GET', 'registered-models/get', { name: 'churn-model' }))
      .registered_model as Json;
    assert.equal(model.description, 'Predicts churn');
    assert.equal(model.creation_timestamp, 1690000030000);
    assert.deepEqual(model.tags, [{ key: 'owner', value: 'growth' }]);
    assert.deepEqual(model.aliases, [{ alias: 'champion', version: '1' }]);
    const v = (await ok(base, 'GET', 'model-versions/get', { name: 'churn-model', version: '1' }))
      .model_version as Json;
    assert.equal(v.current_stage, 'Production');
    assert.equal(v.source, `runs:/${RUN}/model`);
    assert.equal(v.run_id, RUN);
    assert.deepEqual(v.tags, [{ key: 'validated', value: 'yes' }]);
    const missing = await fetch(`${base}/api/2.0/mlflow/model-versions/get?name=churn-model&version=2`);
    assert.equal(missing.status, 404);
  });
});
