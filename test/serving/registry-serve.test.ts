import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/client/registry.js';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { isDataFrame } from '../../src/models/data.js';
import { loadModel, logModel } from '../../src/client/models.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { threeInputModel, threeInputScore } from '../models/helpers/onnx-builder.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');

/** Starts `cairn models serve` and waits for the line announcing its URL. */
async function startServe(
  args: string[],
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'models', 'serve', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = / at (http:\/\/[^\s]+) \(/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
  return { child, url, stderr: () => stderr };
}

for (const backend of BACKENDS) {
  describe(`a model logged, registered and served by alias (${backend})`, () => {
    let server: TestServer;
    let client: TrackingClient;
    let tmp: string;
    before(async () => {
      server = await startTestServer(backend);
      client = new TrackingClient(server.url);
      tmp = await mkdtemp(join(tmpdir(), 'cairn-serve-e2e-'));
    });
    after(async () => {
      client.close();
      await server.stop();
      await rm(tmp, { recursive: true, force: true });
    });

    it('logs, registers, aliases, loads and serves models:/fraud@champion', async () => {
      const exp = await client.createExperiment(`models-e2e-${backend}`);
      const experimentId = typeof exp === 'string' ? exp : (exp as { experiment_id: string }).experiment_id;
      const run = await client.createRun({ experiment_id: experimentId });
      const info = await logModel({ client, runId: run.info.run_id }, 'model', {
        flavor: 'onnx',
        onnxBytes: threeInputModel(),
        inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
        registeredModelName: 'fraud',
      });
      assert.equal(info.modelUri, `runs:/${run.info.run_id}/model`);
      assert.equal(info.registeredModelVersion?.version, '1');

      // The run records the model in mlflow.log-model.history and holds its files.
      const fetched = await client.getRun(run.info.run_id);
      const tag = fetched.data.tags?.find((t) => t.key === 'mlflow.log-model.history');
      assert.ok(tag, 'log-model history tag is set');
      const history = JSON.parse(tag.value) as {
        artifact_path: string;
        flavors: Record<string, unknown>;
        run_id: string;
      }[];
      assert.equal(history[0]!.artifact_path, 'model');
      assert.equal(history[0]!.run_id, run.info.run_id);
      assert.ok('onnx' in history[0]!.flavors);
      const files = (await client.listArtifacts(run.info.run_id, 'model')).files?.map((f) => f.path) ?? [];
      for (const f of ['model/MLmodel', 'model/model.onnx', 'model/input_example.json'])
        assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);

      // The same model by runs:/ and by its mlflow-artifacts: location.
      for (const uri of [info.modelUri, `${fetched.info.artifact_uri}/model`]) {
        const m = await loadModel(uri, { client });
        const o = await m.predict([{ x1: 1, x2: 1, x3: 1 }]);
        assert.ok(isDataFrame(o), uri);
        assert.deepEqual(Array.from(o.column('score') as Float32Array), [threeInputScore(1, 1, 1)], uri);
        await m.close();
      }

      const registry = new RegistryClient(client);
      await registry.setAlias('fraud', 'champion', '1');

      const sdkModel = await loadModel('models:/fraud@champion', { client });
      const out = await sdkModel.predict([{ x1: 0.5, x2: 1, x3: 2 }]);
      assert.ok(isDataFrame(out));
      assert.deepEqual(Array.from(out.column('score') as Float32Array), [threeInputScore(0.5, 1, 2)]);
      await sdkModel.close();

      // Batch prediction from the CLI by alias.
      const csv = join(tmp, 'in.csv');
      await writeFile(csv, 'x1,x2,x3\n1,2,3\n4,5,6\n');
      const outPath = join(tmp, 'out.jsonl');
      const predict = spawn(
        process.execPath,
        [
          CLI,
          'models',
          'predict',
          '-m',
          'models:/fraud@champion',
          '-i',
          csv,
          '-o',
          outPath,
          '--tracking-uri',
          server.url,
        ],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let predictErr = '';
      predict.stderr.on('data', (d: Buffer) => (predictErr += d.toString()));
      const [code] = (await once(predict, 'exit')) as [number];
      assert.equal(code, 0, predictErr);
      const scores = (await readFile(outPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { score: number }).score);
      assert.deepEqual(scores, [threeInputScore(1, 2, 3), threeInputScore(4, 5, 6)]);

      // The scoring server, with two worker processes, by alias.
      const serve = await startServe([
        '-m',
        'models:/fraud@champion',
        '-p',
        '0',
        '--workers',
        '2',
        '--tracking-uri',
        server.url,
      ]);
      try {
        const answers = await Promise.all(
          [1, 2, 3, 4].map(async (i) => {
            const res = await fetch(`${serve.url}/invocations`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ dataframe_records: [{ x1: i, x2: 0, x3: 1 }] }),
            });
            assert.equal(res.status, 200);
            return (await res.json()) as { predictions: { score: number }[] };
          }),
        );
        answers.forEach((a, i) => assert.deepEqual(a.predictions, [{ score: threeInputScore(i + 1, 0, 1) }]));
        const metrics = await (await fetch(`${serve.url}/metrics`)).text();
        // Any worker answers the scrape for all of them, one HELP/TYPE header per family.
        assert.match(metrics, /cairn_scoring_predicted_rows_total\{worker="0"\} \d+/);
        assert.match(metrics, /cairn_scoring_predicted_rows_total\{worker="1"\} \d+/);
        assert.equal(metrics.match(/# HELP cairn_scoring_predicted_rows_total /g)?.length, 1);
        const ok = [
          ...metrics.matchAll(/cairn_scoring_requests_total\{worker="\d",status="200"\} (\d+)/g),
        ].reduce((n, m) => n + Number(m[1]), 0);
        assert.equal(ok, 4);
      } finally {
        serve.child.kill('SIGTERM');
        const [exitCode] = (await once(serve.child, 'exit')) as [number | null];
        assert.equal(exitCode, 0, `graceful shutdown should exit 0: ${serve.stderr()}`);
      }
    });

    it('fails clearly for an unknown alias', async () => {
      await assert.rejects(loadModel('models:/fraud@nope', { client }), /alias 'nope'/);
    });
  });
}
