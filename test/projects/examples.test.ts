// Both example projects run end to end, as the README shows, against a real tracking server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, api, type TestServer } from '../helpers/server.js';
import * as projects from '../../src/client/projects.js';
import { loadModel } from '../../src/client/models.js';
import type { Metric, Run } from '../../src/entities/tracking.js';

let server: TestServer;

const quiet = (): NodeJS.WritableStream => ({ write: () => true }) as unknown as NodeJS.WritableStream;

async function getRun(runId: string): Promise<Run> {
  return (await api<{ run: Run }>(server.url, 'GET', 'runs/get', { run_id: runId })).json.run;
}

for (const backend of BACKENDS) {
  describe(`example projects (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => {
      await server.stop();
    });

    test(
      'examples/node-regression: node_env project trains, logs per-epoch metrics, params and artifacts',
      { timeout: 300_000 },
      async () => {
        const handle = await projects.run(join('examples', 'node-regression'), {
          trackingUri: server.url,
          entryPoint: 'train',
          parameters: { epochs: '30', lr: '0.1' },
          experimentName: 'demo',
          stdout: quiet(),
          stderr: quiet(),
        });
        assert.equal(await handle.wait(), 'FINISHED');
        const run = await getRun(handle.runId);
        const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
        assert.equal(tags['mlflow.project.env'], 'node');
        const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
        assert.equal(params.epochs, '30');
        assert.equal(params.lr, '0.1');
        assert.equal(params.model, 'linear-regression', 'logged by the training script through the SDK');
        const history = await api<{ metrics: Metric[] }>(server.url, 'GET', 'metrics/get-history', {
          run_id: handle.runId,
          metric_key: 'mse',
        });
        assert.equal(history.json.metrics.length, 30);
        const mse = history.json.metrics.map((m) => m.value);
        assert.ok(mse[29]! < mse[0]! / 10, `loss decreases: ${mse[0]} → ${mse[29]}`);
        const files = await api<{ files?: { path: string }[] }>(server.url, 'GET', 'artifacts/list', {
          run_id: handle.runId,
          path: 'plots',
        });
        assert.deepEqual(
          files.json.files?.map((f) => f.path),
          ['plots/loss.svg'],
        );
        // The logged js_function model loads from the run and predicts y ≈ 3·x1 − 2·x2 + 0.5.
        const model = await loadModel(`runs:/${handle.runId}/model`, { trackingUri: server.url });
        const [prediction] = (await model.predict([{ x1: 1, x2: 1 }])) as { y: number }[];
        assert.ok(Math.abs(prediction!.y - 1.5) < 0.2, `prediction ${prediction!.y}`);
      },
    );

    test(
      'examples/python-sklearn: python_env project trains with scikit-learn and logs through the REST API',
      { timeout: 600_000 },
      async () => {
        const handle = await projects.run(join('examples', 'python-sklearn'), {
          trackingUri: server.url,
          parameters: { alpha: '0.5' },
          stdout: quiet(),
          stderr: quiet(),
        });
        assert.equal(await handle.wait(), 'FINISHED');
        const run = await getRun(handle.runId);
        const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
        assert.equal(tags['mlflow.project.env'], 'virtualenv');
        assert.equal(tags.framework, 'scikit-learn');
        const r2 = run.data.metrics?.find((m) => m.key === 'test_r2');
        assert.ok(r2 && r2.value > 0.2 && r2.value < 1, `R2 ${r2?.value}`);
        const history = await api<{ metrics: Metric[] }>(server.url, 'GET', 'metrics/get-history', {
          run_id: handle.runId,
          metric_key: 'test_mse',
        });
        assert.equal(history.json.metrics.length, 5);
      },
    );
  });
}
