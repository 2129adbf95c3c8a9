/** ml.js autologging on real estimators: hyperparameters, training metrics, a model that predicts. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolynomialRegression, SimpleLinearRegression } from 'ml-regression';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import * as cairn from '../../src/index.js';

let server: TestServer;
let dir: string;
let client: cairn.TrackingClient;

for (const backend of BACKENDS) {
  describe(`ml.js autologging (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      dir = await mkdtemp(join(tmpdir(), 'cairn-autolog-mljs-'));
      client = new cairn.TrackingClient(server.url);
      cairn.setTrackingUri(server.url);
      cairn.configureLogging({ spoolDir: join(dir, 'spool') });
    });

    after(async () => {
      client.close();
      cairn.getClient().close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    async function onlyRun(experiment: string) {
      const exp = await client.getExperimentByName(experiment);
      const runs = (await client.searchRuns({ experiment_ids: [exp.experiment_id] })).items;
      assert.equal(runs.length, 1);
      return runs[0]!;
    }

    const params = (run: cairn.Run) =>
      Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    const metrics = (run: cairn.Run) =>
      Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));

    const X: number[][] = [];
    const yReg: number[] = [];
    for (let i = 0; i < 80; i++) {
      X.push([i % 7, i % 5, i % 3]);
      yReg.push((i % 7) * 2 + (i % 5) - (i % 3));
    }

    test('a random forest trained with train() logs its options, training metrics and a predicting model', async () => {
      await cairn.setExperiment('mljs-forest');
      const { RandomForestRegression: Forest } = cairn.autologMljs({ RandomForestRegression });
      const forest = new Forest({ nEstimators: 15, seed: 7, noOOB: true, treeOptions: { maxDepth: 6 } });
      forest.train(X, yReg);
      await cairn.flush();
      const run = await onlyRun('mljs-forest');
      assert.equal(run.info.status, 'FINISHED');
      const p = params(run);
      assert.equal(p.estimator_name, 'RandomForestRegression');
      assert.equal(p.n_estimators, '15');
      assert.equal(p.seed, '7');
      assert.equal(p.tree_options, '{"maxDepth":6}');
      const predicted = forest.predict(X) as number[];
      const mse = predicted.reduce((s, v, i) => s + (v - yReg[i]!) ** 2, 0) / X.length;
      const m = metrics(run);
      assert.ok(
        Math.abs(m.training_mean_squared_error! - mse) < 1e-9,
        `${m.training_mean_squared_error} vs ${mse}`,
      );
      assert.ok(Math.abs(m.training_root_mean_squared_error! - Math.sqrt(mse)) < 1e-9);
      assert.ok(m.training_r2_score! > 0.5 && m.training_r2_score! <= 1);

      const model = await cairn.models.loadModel(`runs:/${run.info.run_id}/model`);
      try {
        assert.equal(model.flavor, 'js_function');
        const out = (await model.predict(X.slice(0, 4))) as unknown;
        const values = (Array.isArray(out) ? out : (out as { toNested(): unknown }).toNested()) as number[];
        assert.deepEqual(values, predicted.slice(0, 4));
      } finally {
        await model.close();
      }
    });

    test('constructor-trained regressions and classifiers log into the active run', async () => {
      await cairn.setExperiment('mljs-active');
      const logged = cairn.autologMljs({
        PolynomialRegression,
        SimpleLinearRegression,
        RandomForestClassifier,
      });
      const run = await cairn.startRun({ runName: 'sweep' });
      const x = [0, 1, 2, 3, 4, 5, 6];
      const y = x.map((v) => 1 + 2 * v + 0.5 * v * v);
      const poly = new logged.PolynomialRegression(x, y, 2);
      assert.ok(Math.abs((poly.predict(7) as number) - (1 + 14 + 24.5)) < 1e-6, 'behaves as the original');
      await run.flush();
      const during = await client.getRun(run.runId);
      assert.equal(during.info.status, 'RUNNING');
      assert.equal(params(during).degree, '2');
      assert.equal(params(during).estimator_name, 'PolynomialRegression');
      assert.ok(metrics(during).training_mean_squared_error! < 1e-12);
      await run.end();

      await cairn.setExperiment('mljs-classifier');
      const labels = X.map((r) => (r[0]! > 3 ? 1 : 0));
      const clf = new logged.RandomForestClassifier({ nEstimators: 5, seed: 3, noOOB: true });
      clf.train(X, labels);
      await cairn.flush();
      const clfRun = await onlyRun('mljs-classifier');
      const accuracy = (clf.predict(X) as number[]).filter((v, i) => v === labels[i]).length / X.length;
      assert.equal(metrics(clfRun).training_accuracy_score, accuracy);

      // A model restored from JSON trains nothing and logs nothing.
      SimpleLinearRegression.load(new logged.SimpleLinearRegression(x, y).toJSON());
      await cairn.flush();
    });
  });
}

test('an estimator it does not know is refused with the supported list', () => {
  class MyModel {
    predict() {
      return 0;
    }
    toJSON() {
      return {};
    }
  }
  assert.throws(
    () => cairn.autologMljs({ MyModel }),
    /does not know the estimator 'MyModel'. Supported: SimpleLinearRegression/,
  );
});
