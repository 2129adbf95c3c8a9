/** The SDK example runs end to end against a real server, as the README tells users to run it. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { TrackingClient } from '../../src/client/tracking-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let server: TestServer;
let spool: string;

for (const backend of BACKENDS) {
  describe(`SDK example (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      spool = await mkdtemp(join(tmpdir(), 'cairn-example-'));
    });

    after(async () => {
      await server.stop();
      await rm(spool, { recursive: true, force: true });
    });

    test('examples/sdk-regression/train.ts logs params, per-epoch metrics, a dataset and a PNG plot', async () => {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', 'examples/sdk-regression/train.ts', '--epochs', '30'],
          {
            cwd: root,
            env: { ...process.env, CAIRN_TRACKING_URI: server.url, CAIRN_SPOOL_DIR: spool },
            timeout: 120_000,
          },
          (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
        ),
      );
      const runId = /^run ([0-9a-f]{32}):/m.exec(stdout)?.[1];
      assert.ok(runId, stdout);
      const client = new TrackingClient(server.url);
      try {
        const run = await client.getRun(runId);
        assert.equal(run.info.status, 'FINISHED');
        assert.equal(run.data.params?.find((p) => p.key === 'epochs')?.value, '30');
        const history = await client.getMetricHistory(runId, 'val_mse');
        assert.deepEqual(
          history.map((m) => m.step),
          [...Array(30).keys()],
        );
        assert.ok(history.at(-1)!.value < history[0]!.value / 10, 'the model learned');
        assert.equal(run.inputs.dataset_inputs?.[0]?.dataset.name, 'synthetic-linear');
        const files = (await client.artifacts.listAll(runId)).map((f) => f.path).sort();
        assert.deepEqual(files, ['model/weights.json', 'plots/loss.png', 'summary.yaml']);
        const png = await client.http.raw(
          'GET',
          `${server.url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/plots/loss.png`,
        );
        const chunks: Buffer[] = [];
        for await (const c of png.body) chunks.push(c as Buffer);
        const bytes = Buffer.concat(chunks);
        assert.equal(bytes.subarray(1, 4).toString('ascii'), 'PNG');
        assert.equal(bytes.readUInt32BE(16), 480, 'PNG width from the IHDR chunk');
      } finally {
        client.close();
      }
    });
  });
}
