/**
 * What the SDK must do with a run whose artifacts live in object storage it reaches itself
 * (no artifact proxy): upload, list, download and model downloads, each checked against the
 * storage directly. Run by one test file per storage backend.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/client/registry.js';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { NETWORK_DEFAULTS } from '../../src/config/network-config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export interface ClientSideStorage {
  /** The experiment artifact location, e.g. `s3://bucket/prefix`. */
  location: string;
  /** Reads an object straight from the storage; `key` is relative to `location`. */
  readObject(key: string): Promise<Buffer | undefined>;
}

export function describeClientSideStorage(name: string, setup: () => Promise<ClientSideStorage>): void {
  describe(`SDK artifacts stored directly in ${name}`, () => {
    let server: TestServer;
    let client: TrackingClient;
    let storage: ClientSideStorage;
    let dir: string;

    before(async () => {
      storage = await setup();
      // The proxy is off: whatever the SDK stores, it stores itself.
      server = await startTestServer('sqlite', {
        serveArtifacts: false,
        network: { ...NETWORK_DEFAULTS, allowedArtifactRoots: [storage.location] },
      });
      client = new TrackingClient(server.url);
      dir = await mkdtemp(join(tmpdir(), 'cairn-client-storage-'));
    });
    after(async () => {
      client?.close();
      await server?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('uploads files, folders and bytes, lists and downloads them', async () => {
      const exp = await client.createExperiment(`direct-${name}`, { artifact_location: storage.location });
      const run = await client.createRun({ experiment_id: exp });
      const runId = run.info.run_id;
      assert.ok(run.info.artifact_uri.startsWith(storage.location), run.info.artifact_uri);
      const src = join(dir, 'src');
      await mkdir(join(src, 'sub'), { recursive: true });
      await writeFile(join(src, 'a.txt'), 'alpha');
      await writeFile(join(src, 'sub', 'b.bin'), Buffer.alloc(70_000, 3));
      const progress = new Map<string, number>();
      await client.artifacts.upload(runId, src, 'data', { onProgress: (p) => progress.set(p.path, p.bytes) });
      await client.artifacts.uploadBytes(runId, 'meta/info.json', '{"k":1}');
      assert.equal(progress.get('data/sub/b.bin'), 70_000);

      const key = run.info.artifact_uri.slice(storage.location.length + 1);
      assert.equal((await storage.readObject(`${key}/data/a.txt`))?.toString(), 'alpha');
      assert.equal((await storage.readObject(`${key}/meta/info.json`))?.toString(), '{"k":1}');

      assert.deepEqual(await client.artifacts.list(runId), [
        { path: 'data', is_dir: true },
        { path: 'meta', is_dir: true },
      ]);
      assert.deepEqual(
        (await client.artifacts.listAll(runId)).map((f) => [f.path, f.file_size]),
        [
          ['data/a.txt', 5],
          ['data/sub/b.bin', 70_000],
          ['meta/info.json', 7],
        ],
      );
      const local = await client.artifacts.download(runId, 'data', join(dir, 'dl'));
      assert.equal(local, join(dir, 'dl', 'data'));
      assert.equal(await readFile(join(local, 'a.txt'), 'utf8'), 'alpha');
      assert.deepEqual(await readFile(join(local, 'sub', 'b.bin')), Buffer.alloc(70_000, 3));
      await assert.rejects(client.artifacts.download(runId, 'data/none.txt', join(dir, 'dl')), {
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
      });
    });

    it('downloads a registered model whose files are in the storage (models:/ and runs:/)', async () => {
      const exp = await client.createExperiment(`direct-model-${name}`, {
        artifact_location: storage.location,
      });
      const runId = (await client.createRun({ experiment_id: exp })).info.run_id;
      await client.artifacts.uploadBytes(runId, 'model/MLmodel', 'flavors: {}\n');
      await client.artifacts.uploadBytes(runId, 'model/data/w.bin', Buffer.alloc(1024, 9));
      const registry = new RegistryClient(client);
      const v = await registry.registerModel(`runs:/${runId}/model`, `direct-${name}`);
      const viaModels = await registry.downloadModel(`models:/direct-${name}/${v.version}`, join(dir, 'm1'));
      assert.equal(viaModels, join(dir, 'm1', 'model'));
      assert.equal(await readFile(join(viaModels, 'MLmodel'), 'utf8'), 'flavors: {}\n');
      assert.deepEqual(await readFile(join(viaModels, 'data', 'w.bin')), Buffer.alloc(1024, 9));
      const viaStorage = await registry.downloadModel(
        (await client.getRun(runId)).info.artifact_uri + '/model',
        join(dir, 'm2'),
      );
      assert.equal(await readFile(join(viaStorage, 'MLmodel'), 'utf8'), 'flavors: {}\n');
    });
  });
}
