/** TensorFlow.js autologging on real training loops, checked metric by metric. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import * as cairn from '../../src/index.js';
import { schemaToJson } from '../../src/models/signature/types.js';
import { loadTf } from '../../src/models/flavors/tfjs.js';

type Tf = Awaited<ReturnType<typeof loadTf>>;
let server: TestServer;
let dir: string;
let client: cairn.TrackingClient;
let tf: Tf;

for (const backend of BACKENDS) {
  describe(`TensorFlow.js autologging (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      dir = await mkdtemp(join(tmpdir(), 'cairn-autolog-'));
      client = new cairn.TrackingClient(server.url);
      cairn.setTrackingUri(server.url);
      cairn.configureLogging({ spoolDir: join(dir, 'spool') });
      tf = await loadTf();
      await cairn.autolog({ tfjs: { tf } });
    });

    after(async () => {
      await cairn.autolog({ enabled: false });
      client.close();
      cairn.getClient().close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    function data(n = 64) {
      const x = tf.tensor2d(Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]));
      const y = tf.tensor2d(Array.from({ length: n }, (_, i) => [2 * Math.sin(i) - Math.cos(i * 0.7) + 0.5]));
      return { x, y };
    }

    function network() {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 8, inputShape: [2], activation: 'relu' }),
          tf.layers.dense({ units: 1 }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mse'] });
      return model;
    }

    async function runsOf(experimentName: string) {
      const exp = await client.getExperimentByName(experimentName);
      return (await client.searchRuns({ experiment_ids: [exp.experiment_id] })).items;
    }

    test('fit logs params, every epoch metric, a summary and the model, in a run of its own', async () => {
      await cairn.setExperiment('autolog-fit');
      const { x, y } = data();
      const model = network();
      const seen: Record<string, number>[] = [];
      await model.fit(x, y, {
        epochs: 4,
        batchSize: 16,
        validationSplit: 0.25,
        verbose: 0,
        callbacks: {
          onEpochEnd: async (_e, logs) => void seen.push({ ...(logs as Record<string, number>) }),
        },
      });
      const [run] = await runsOf('autolog-fit');
      assert.ok(run);
      assert.equal(run.info.status, 'FINISHED');
      const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
      assert.deepEqual(params, {
        epochs: '4',
        batch_size: '16',
        validation_split: '0.25',
        shuffle: 'true',
        initial_epoch: '0',
        opt_name: 'Adam',
        opt_learning_rate: '0.01',
        opt_beta1: '0.9',
        opt_beta2: '0.999',
        opt_epsilon: '1e-7',
        loss: 'meanSquaredError',
      });
      assert.equal(seen.length, 4);
      for (const key of ['loss', 'mse', 'val_loss', 'val_mse']) {
        const history = await client.getMetricHistory(run.info.run_id, key);
        assert.deepEqual(
          history.map((m) => [m.step, m.value]),
          seen.map((logs, epoch) => [epoch, logs[key]]),
          `${key} logged per epoch exactly as training reported it`,
        );
      }
      const files = (await client.artifacts.list(run.info.run_id, '')).map((f) => f.path).sort();
      assert.deepEqual(files, ['model', 'model_summary.txt']);
      const summary = await readArtifact(run.info.run_id, 'model_summary.txt');
      assert.match(summary, /Total params: 33/);

      const logged = await cairn.models.loadModel(`runs:/${run.info.run_id}/model`);
      try {
        assert.equal(logged.flavor, 'tfjs');
        const input = [
          [0.1, 0.2],
          [0.3, -0.4],
        ];
        const expected = (model.predict(tf.tensor2d(input)) as typeof x).arraySync() as number[][];
        const out = (await logged.predict(input)) as { toNested(): unknown };
        const got = out.toNested() as number[][];
        got.forEach((row, i) => assert.ok(Math.abs(row[0]! - expected[i]![0]!) < 1e-6));
        assert.deepEqual(
          schemaToJson(logged.signature!.inputs!),
          [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } }],
          'signature inferred from the first rows of the input',
        );
      } finally {
        await logged.close();
      }
    });

    async function readArtifact(runId: string, path: string): Promise<string> {
      const target = await mkdtemp(join(dir, 'dl-'));
      const local = await client.artifacts.download(runId, path, target);
      return (await import('node:fs/promises')).readFile(local, 'utf8');
    }

    test('early stopping details are logged, inside the active run, which stays open', async () => {
      await cairn.setExperiment('autolog-early');
      const { x, y } = data();
      const model = network();
      const run = await cairn.startRun({ runName: 'outer' });
      // A min_delta no improvement can meet stops training after the first non-improving epoch.
      const history = await model.fit(x, y, {
        epochs: 10,
        validationSplit: 0.25,
        verbose: 0,
        callbacks: [tf.callbacks.earlyStopping({ monitor: 'val_loss', minDelta: 1e9, patience: 1 })],
      });
      assert.equal(history.epoch.length, 2);
      await run.flush();
      const during = await client.getRun(run.runId);
      assert.equal(during.info.status, 'RUNNING', 'autologging does not end a run it did not start');
      const params = Object.fromEntries((during.data.params ?? []).map((p) => [p.key, p.value]));
      assert.equal(params.monitor, 'val_loss');
      assert.equal(params.patience, '1');
      assert.equal(params.min_delta, '1000000000');
      const metrics = Object.fromEntries((during.data.metrics ?? []).map((m) => [m.key, m.value]));
      assert.equal(metrics.stopped_epoch, 1);
      assert.equal((await client.getMetricHistory(run.runId, 'val_loss')).length, 2);
      await run.end();
      assert.equal((await runsOf('autolog-early')).length, 1);
    });

    test('per-batch metrics every N steps, fitDataset, and a failed fit marks its run FAILED', async () => {
      await cairn.setExperiment('autolog-batches');
      const { x, y } = data(64);
      await cairn.autolog({ tfjs: { tf, logEveryNSteps: 4, logModels: false } });
      try {
        await network().fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
        const ds = tf.data
          .zip({
            xs: tf.data.array(x.arraySync() as number[][]),
            ys: tf.data.array(y.arraySync() as number[][]),
          })
          .batch(16);
        await network().fitDataset(ds as never, { epochs: 3, verbose: 0 });
        await assert.rejects(network().fit(tf.ones([4, 3]), tf.ones([4, 1]), { epochs: 1, verbose: 0 }));
      } finally {
        await cairn.autolog({ tfjs: { tf } });
      }
      const runs = await runsOf('autolog-batches');
      assert.equal(runs.length, 3);
      const [failed, dataset, batched] = runs; // newest first
      assert.equal(failed!.info.status, 'FAILED');
      const batchSteps = (await client.getMetricHistory(batched!.info.run_id, 'batch/loss')).map(
        (m) => m.step,
      );
      assert.deepEqual(batchSteps, [4, 8, 12, 16], '16 batches over 2 epochs, every 4th logged');
      assert.equal((await client.getMetricHistory(batched!.info.run_id, 'loss')).length, 2);
      const dsParams = Object.fromEntries((dataset!.data.params ?? []).map((p) => [p.key, p.value]));
      assert.equal(dsParams.epochs, '3');
      assert.equal((await client.getMetricHistory(dataset!.info.run_id, 'loss')).length, 3);
      assert.deepEqual(
        (await client.artifacts.list(dataset!.info.run_id, '')).map((f) => f.path),
        ['model_summary.txt'],
        'logModels: false logs no model',
      );
    });

    test('autolog({ enabled: false }) leaves training alone', async () => {
      await cairn.setExperiment('autolog-off');
      await cairn.autolog({ enabled: false });
      try {
        const { x, y } = data(16);
        await network().fit(x, y, { epochs: 1, verbose: 0 });
      } finally {
        await cairn.autolog({ tfjs: { tf } });
      }
      assert.equal((await runsOf('autolog-off')).length, 0);
    });
  });
}
