/** The fluent API and artifacts against a real server (proxied and direct `file:` artifacts). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { NETWORK_DEFAULTS } from '../../src/config/network-config.js';
import * as cairn from '../../src/index.js';

let server: TestServer;
let dir: string;
let client: cairn.TrackingClient;

for (const backend of BACKENDS) {
  describe(`fluent API (${backend})`, () => {
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cairn-fluent-'));
      // The experiment with a file: location below keeps its artifacts in `dir`, which the server
      // must be allowed to read.
      server = await startTestServer(backend, {
        network: { ...NETWORK_DEFAULTS, allowedArtifactRoots: ['mlflow-artifacts:/', dir] },
      });
      client = new cairn.TrackingClient(server.url);
      cairn.configureLogging({ spoolDir: join(dir, 'spool') });
    });

    after(async () => {
      client.close();
      cairn.getClient().close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    const tagMap = async (runId: string): Promise<Map<string, string>> =>
      new Map(((await client.getRun(runId)).data.tags ?? []).map((t) => [t.key, t.value]));

    test('the tracking URI comes from setTrackingUri, else CAIRN_TRACKING_URI, else MLFLOW_TRACKING_URI', () => {
      const saved = { ...process.env };
      try {
        process.env.MLFLOW_TRACKING_URI = 'http://mlflow-env:1';
        delete process.env.CAIRN_TRACKING_URI;
        cairn.setTrackingUri(undefined);
        assert.equal(cairn.getTrackingUri(), 'http://mlflow-env:1');
        process.env.CAIRN_TRACKING_URI = 'http://cairn-env:2';
        assert.equal(cairn.getTrackingUri(), 'http://cairn-env:2');
        cairn.setTrackingUri(server.url);
        assert.equal(cairn.getTrackingUri(), server.url);
      } finally {
        process.env = saved;
      }
    });

    test('withRun: params, metrics, tags, system tags; FINISHED', async () => {
      const exp = await cairn.setExperiment('fluent');
      assert.equal(
        (await cairn.setExperiment('fluent')).experiment_id,
        exp.experiment_id,
        'reused, not recreated',
      );
      const runId = await cairn.withRun(
        { runName: 'lr-0.01', tags: { team: 'fraud' }, description: 'first try' },
        async (run) => {
          assert.equal(cairn.activeRun(), run);
          cairn.logParams({ lr: 0.01, epochs: 3, bn: true });
          for (let epoch = 0; epoch < 3; epoch++) cairn.logMetric('loss', 1 / (epoch + 1), { step: epoch });
          cairn.logMetrics({ acc: 0.9, f1: 0.8 }, { step: 2 });
          cairn.setTags({ phase: 'done' });
          return run.runId;
        },
      );
      assert.equal(cairn.activeRun(), undefined);
      const run = await client.getRun(runId);
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.info.experiment_id, exp.experiment_id);
      assert.equal(run.info.run_name, 'lr-0.01');
      assert.ok(run.info.end_time! >= run.info.start_time);
      assert.deepEqual(Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])), {
        lr: '0.01',
        epochs: '3',
        bn: 'true',
      });
      assert.deepEqual(
        (await client.getMetricHistory(runId, 'loss')).map((m) => [m.step, m.value]),
        [
          [0, 1],
          [1, 0.5],
          [2, 1 / 3],
        ],
      );
      const tags = await tagMap(runId);
      assert.equal(tags.get('team'), 'fraud');
      assert.equal(tags.get('phase'), 'done');
      assert.equal(tags.get('mlflow.note.content'), 'first try');
      assert.equal(tags.get('mlflow.source.type'), 'LOCAL');
      assert.ok(tags.get('mlflow.user'));
      assert.equal(tags.get('mlflow.source.name'), process.argv[1]);
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: process.cwd() }).toString().trim();
      assert.equal(tags.get('mlflow.source.git.commit'), head);
    });

    test('withRun marks the run FAILED and rethrows when the callback throws', async () => {
      let id = '';
      await assert.rejects(
        cairn.withRun({}, async (run) => {
          id = run.runId;
          run.logMetric('x', 1);
          throw new Error('diverged');
        }),
        /diverged/,
      );
      const run = await client.getRun(id);
      assert.equal(run.info.status, 'FAILED');
      assert.equal(run.data.metrics?.[0]?.value, 1, 'records logged before the failure are delivered');
    });

    test('nested runs carry mlflow.parentRunId; a second top-level run is refused', async () => {
      const parent = await cairn.startRun({ runName: 'parent' });
      await assert.rejects(cairn.startRun(), { errorCode: 'INVALID_STATE' });
      const child = await cairn.startRun({ runName: 'child', nested: true });
      assert.equal(cairn.activeRun(), child);
      await cairn.endRun();
      assert.equal(cairn.activeRun(), parent);
      await cairn.endRun('KILLED');
      assert.equal((await tagMap(child.runId)).get('mlflow.parentRunId'), parent.runId);
      assert.equal((await client.getRun(parent.runId)).info.status, 'KILLED');
      assert.throws(() => cairn.logMetric('x', 1), /No active run/);
    });

    test('attaches to the run named by MLFLOW_RUN_ID (as set by `cairn run`)', async () => {
      const exp = await client.createExperiment('attach');
      const existing = await client.createRun({ experiment_id: exp });
      process.env.MLFLOW_RUN_ID = existing.info.run_id;
      try {
        const run = await cairn.startRun();
        assert.equal(run.runId, existing.info.run_id);
        run.logMetric('m', 2);
        await cairn.endRun();
      } finally {
        delete process.env.MLFLOW_RUN_ID;
      }
      const got = await client.getRun(existing.info.run_id);
      assert.equal(got.info.status, 'FINISHED');
      assert.equal(got.data.metrics?.[0]?.value, 2);
    });

    test('artifacts through the proxy: files, dirs, text, dict (JSON/YAML), image, download, progress', async () => {
      const src = join(dir, 'src');
      await mkdir(join(src, 'sub'), { recursive: true });
      await writeFile(join(src, 'a.txt'), 'alpha');
      await writeFile(join(src, 'sub', 'b.bin'), Buffer.alloc(300_000, 7));
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.alloc(16),
      ]);
      const progress: number[] = [];
      const runId = await cairn.withRun({ runName: 'artifacts' }, async (run) => {
        await cairn.logArtifact(join(src, 'a.txt'));
        await run.logArtifacts(src, 'data', {
          onProgress: (p) => p.path.endsWith('b.bin') && progress.push(p.bytes),
        });
        await cairn.logText('# hello', 'notes/readme.md');
        await cairn.logDict({ classes: ['a', 'b'] }, 'meta/classes.json');
        await cairn.logDict({ lr: 0.1 }, 'meta/config.yaml');
        await cairn.logImage(png, 'plots/loss.png');
        await assert.rejects(cairn.logImage(Buffer.from('not an image'), 'x.png'), /PNG or JPEG/);
        await assert.rejects(cairn.logImage(png, 'x.jpg'), /is PNG/);
        return run.runId;
      });
      assert.equal(progress.at(-1), 300_000);
      const top = await client.artifacts.list(runId);
      assert.deepEqual(
        top.map((f) => [f.path, f.is_dir]),
        [
          ['a.txt', false],
          ['data', true],
          ['meta', true],
          ['notes', true],
          ['plots', true],
        ],
      );
      const dst = join(dir, 'dl');
      const local = await cairn.downloadArtifacts(runId, 'data', dst);
      assert.equal(local, join(dst, 'data'));
      assert.equal(await readFile(join(local, 'a.txt'), 'utf8'), 'alpha');
      assert.equal((await readFile(join(local, 'sub', 'b.bin'))).length, 300_000);
      const meta = await client.artifacts.download(runId, 'meta/classes.json', dst);
      assert.deepEqual(JSON.parse(await readFile(meta, 'utf8')), { classes: ['a', 'b'] });
      const yamlFile = await client.artifacts.download(runId, 'meta/config.yaml', dst);
      assert.deepEqual(parseYaml(await readFile(yamlFile, 'utf8')), { lr: 0.1 });
      const everything = await client.artifacts.download(runId, '', join(dir, 'all'));
      assert.ok(existsSync(join(everything, 'plots', 'loss.png')));
      assert.deepEqual(await readFile(join(everything, 'plots', 'loss.png')), png);
      await assert.rejects(client.artifacts.download(runId, 'nope.txt', dst), {
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
      });
      await assert.rejects(client.artifacts.download(runId, '../etc/passwd', dst), /Invalid artifact path/);
    });

    test('artifacts of an experiment with a file: location are written and read directly', async () => {
      const root = join(dir, 'local-artifacts');
      const exp = await client.createExperiment('file-artifacts', {
        artifact_location: pathToFileURL(root).href,
      });
      const run = await cairn.startRun({ experimentId: exp });
      assert.ok(run.info.artifact_uri.startsWith('file:'));
      await run.logText('direct', 'x/y.txt');
      await run.end();
      const onDisk = join(root, run.runId, 'artifacts', 'x', 'y.txt');
      assert.equal(await readFile(onDisk, 'utf8'), 'direct');
      assert.deepEqual(
        (await client.artifacts.list(run.runId, 'x')).map((f) => f.path),
        ['x/y.txt'],
      );
      const local = await client.artifacts.download(run.runId, 'x', join(dir, 'dl-file'));
      assert.equal(await readFile(join(local, 'y.txt'), 'utf8'), 'direct');
    });

    test('logInput records a dataset with its context; pendingRecords and flush', async () => {
      const run = await cairn.startRun();
      const ds = await cairn.logInput(
        { name: 'iris', source: '/data/iris.csv', schema: { cols: ['a'] } },
        'training',
      );
      assert.match(ds.digest, /^[0-9a-f]{8}$/);
      for (let i = 0; i < 500; i++) cairn.logMetric('m', i, { step: i });
      assert.ok(cairn.pendingRecords() > 0);
      await cairn.flush();
      assert.equal(cairn.pendingRecords(), 0);
      assert.equal(cairn.loggingStatus()?.mode, 'online');
      await cairn.endRun();
      const got = await client.getRun(run.runId);
      const input = got.inputs.dataset_inputs?.[0];
      assert.equal(input?.dataset.name, 'iris');
      assert.equal(input?.dataset.schema, '{"cols":["a"]}');
      assert.deepEqual(input?.tags, [{ key: 'mlflow.data.context', value: 'training' }]);
    });
  });
}
