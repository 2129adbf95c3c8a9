/**
 * The registry SDK and the `cairn models register|list|versions|alias|transition|download`
 * commands against a real server, including downloading a registered model's files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import * as cairnRegistry from '../../src/client/registry-api.js';
import { RegistryClient } from '../../src/client/registry.js';
import { setTrackingUri } from '../../src/client/fluent.js';
import { MlflowError } from '../../src/errors.js';
import { makeRun } from './helpers.js';

const run = promisify(execFile);
const HARNESS = new URL('./cli-harness.ts', import.meta.url).pathname;

async function cli(
  url: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', HARNESS, ...args, '--tracking-uri', url], {
      cwd: process.cwd(),
    });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

for (const backend of BACKENDS) {
  describe(`registry SDK and CLI (${backend})`, () => {
    let s: TestServer;
    let registry: RegistryClient;
    let runId: string;
    let artifactUri: string;
    let dir: string;
    before(async () => {
      s = await startTestServer(backend);
      registry = new RegistryClient(s.url);
      ({ runId, artifactUri } = await makeRun(s.url));
      await registry.tracking.artifacts.uploadBytes(runId, 'model/MLmodel', 'flavors:\n  onnx: {}\n');
      await registry.tracking.artifacts.uploadBytes(runId, 'model/data/weights.bin', Buffer.alloc(4096, 7));
      dir = await mkdtemp(join(tmpdir(), 'cairn-registry-dl-'));
    });
    after(async () => {
      registry?.close();
      await s?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('covers the registry through the SDK', async () => {
      const v1 = await registry.registerModel(`runs:/${runId}/model`, 'sdk-model', { tags: { data: 'v1' } });
      assert.equal(v1.version, '1');
      assert.equal(v1.run_id, runId);
      const v2 = await registry.registerModel(`${artifactUri}/model`, 'sdk-model');
      assert.equal(v2.version, '2');
      await registry.setAlias('sdk-model', 'champion', 1);
      await registry.setRegisteredModelTag('sdk-model', 'team', 'risk');
      await registry.setModelVersionTag('sdk-model', 2, 'ok', 'yes');
      // Registry searches page like the tracking searches: {items, next_page_token}.
      const firstPage = await registry.searchModelVersions({ filter: "name = 'sdk-model'", max_results: 1 });
      assert.equal(firstPage.items.length, 1);
      const secondPage = await registry.searchModelVersions({
        filter: "name = 'sdk-model'",
        max_results: 1,
        page_token: firstPage.next_page_token,
      });
      assert.deepEqual(
        [...firstPage.items, ...secondPage.items].map((v) => Number(v.version)).sort(),
        [1, 2],
      );
      const listed: string[] = [];
      for await (const m of registry.iterRegisteredModels({ filter: "name LIKE 'sdk-%'" }))
        listed.push(m.name);
      assert.deepEqual(listed, ['sdk-model']);
      await registry.updateRegisteredModel('sdk-model', 'card fraud');
      await registry.updateModelVersion('sdk-model', 2, 'second');
      const staged = await registry.transitionModelVersionStage('sdk-model', 2, 'production', true);
      assert.equal(staged.current_stage, 'Production');
      const model = await registry.getRegisteredModel('sdk-model');
      assert.equal(model.description, 'card fraud');
      assert.deepEqual(model.aliases, [{ alias: 'champion', version: '1' }]);
      assert.deepEqual(model.tags, [{ key: 'team', value: 'risk' }]);
      assert.deepEqual(
        (await registry.getLatestVersions('sdk-model', ['Production'])).map((v) => v.version),
        ['2'],
      );
      assert.equal((await registry.getModelVersionByAlias('sdk-model', 'champion')).version, '1');
      const names: string[] = [];
      for await (const m of registry.iterRegisteredModels({ filter: "name LIKE 'sdk-%'", max_results: 1 }))
        names.push(m.name);
      assert.deepEqual(names, ['sdk-model']);
      const versions: string[] = [];
      for await (const v of registry.iterModelVersions({
        filter: "name = 'sdk-model'",
        order_by: ['version_number'],
        max_results: 1,
      })) {
        versions.push(v.version);
      }
      assert.deepEqual(versions, ['1', '2']);
      assert.equal(await registry.getModelVersionDownloadUri('sdk-model', 1), `runs:/${runId}/model`);
      await registry.deleteModelVersionTag('sdk-model', 2, 'ok');
      await registry.deleteRegisteredModelTag('sdk-model', 'team');

      // Downloads through runs:/ and through the artifact proxy.
      const viaAlias = await registry.downloadModel('models:/sdk-model@champion', join(dir, 'a'));
      assert.equal(await readFile(join(viaAlias, 'MLmodel'), 'utf8'), 'flavors:\n  onnx: {}\n');
      assert.equal((await readFile(join(viaAlias, 'data', 'weights.bin'))).length, 4096);
      const viaStage = await registry.downloadModel('models:/sdk-model/Production', join(dir, 'b'));
      assert.equal(await readFile(join(viaStage, 'MLmodel'), 'utf8'), 'flavors:\n  onnx: {}\n');
      assert.equal((await readFile(join(viaStage, 'data', 'weights.bin'))).length, 4096);

      // The server serves a version's files (UI route), also for proxied storage sources.
      const mlmodel = await fetch(
        `${s.url}/model-versions/get-artifact?name=sdk-model&version=1&path=MLmodel`,
      );
      assert.equal(mlmodel.status, 200);
      assert.equal(await mlmodel.text(), 'flavors:\n  onnx: {}\n');
      const weights = await fetch(
        `${s.url}/ajax-api/2.0/mlflow/model-versions/get-artifact?name=sdk-model&version=2&path=data/weights.bin`,
      );
      assert.equal(weights.status, 200);
      assert.equal((await weights.arrayBuffer()).byteLength, 4096);

      // Module-level functions use the tracking URI set for the fluent API.
      setTrackingUri(s.url);
      assert.equal((await cairnRegistry.getRegisteredModel('sdk-model')).description, 'card fraud');
      assert.equal((await cairnRegistry.resolveModelUri('models:/sdk-model/Production')).version, '2');
      setTrackingUri(undefined);

      await assert.rejects(
        registry.getModelVersion('sdk-model', 9),
        (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST',
      );
      await assert.rejects(registry.downloadModel('models:/sdk-model@ghost', dir), /ghost/);

      await registry.deleteAlias('sdk-model', 'champion');
      await registry.deleteModelVersion('sdk-model', 1);
      await registry.renameRegisteredModel('sdk-model', 'sdk-model-2');
      await registry.deleteRegisteredModel('sdk-model-2');
      assert.deepEqual((await registry.searchRegisteredModels({ filter: "name LIKE 'sdk-%'" })).items, []);

      const hook = await registry.webhooks.create({
        name: 'h',
        url: 'http://127.0.0.1:9/none',
        events: ['model_version.created'],
      });
      assert.deepEqual(
        (await registry.webhooks.list()).map((w) => w.webhook_id),
        [hook.webhook_id],
      );
      assert.equal(
        (await registry.webhooks.update(hook.webhook_id, { status: 'DISABLED' })).status,
        'DISABLED',
      );
      assert.equal((await registry.webhooks.test(hook.webhook_id)).success, false);
      assert.equal((await registry.webhooks.deliveries(hook.webhook_id)).length, 1);
      await registry.webhooks.delete(hook.webhook_id);
    });

    it('covers the registry through the CLI', async () => {
      let r = await cli(
        s.url,
        'register',
        `runs:/${runId}/model`,
        '--name',
        'cli-model',
        '--tag',
        'data=v1',
        '--alias',
        'champion',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Registered cli-model version 1/);
      r = await cli(s.url, 'register', `runs:/${runId}/model`, '--name', 'cli-model', '--json');
      assert.equal(JSON.parse(r.stdout).version, '2');

      r = await cli(s.url, 'list', '--filter', "name LIKE 'cli-%'");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /NAME\s+LATEST\s+ALIASES/);
      assert.match(r.stdout, /cli-model\s+2\s+champion→v1/);
      r = await cli(s.url, 'list', '--json');
      assert.deepEqual(
        JSON.parse(r.stdout).map((m: { name: string }) => m.name),
        ['cli-model'],
      );

      r = await cli(s.url, 'transition', 'cli-model', '2', 'staging');
      assert.match(r.stdout, /version 2 is now in stage Staging/);
      r = await cli(s.url, 'versions', 'cli-model');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[2]!, /cli-model\s+2\s+Staging/);
      assert.match(lines[3]!, /cli-model\s+1\s+None\s+champion/);
      r = await cli(s.url, 'versions', 'cli-model', '--json', '--filter', 'version_number = 1');
      assert.deepEqual(
        JSON.parse(r.stdout).map((v: { version: string; aliases: string[] }) => [v.version, v.aliases]),
        [['1', ['champion']]],
      );

      r = await cli(s.url, 'alias', 'cli-model', 'challenger', '2');
      assert.match(r.stdout, /cli-model@challenger now points at version 2/);
      r = await cli(s.url, 'alias', 'cli-model', 'challenger', '--json');
      assert.equal(JSON.parse(r.stdout).version, '2');
      r = await cli(s.url, 'alias', 'cli-model', 'challenger', '--delete');
      assert.match(r.stdout, /Deleted alias 'challenger'/);
      r = await cli(s.url, 'alias', 'cli-model', 'challenger');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /RESOURCE_DOES_NOT_EXIST: .*challenger/);

      r = await cli(s.url, 'download', 'models:/cli-model@champion', '-d', join(dir, 'cli'));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Downloaded models:\/cli-model@champion to /);
      assert.equal((await readFile(join(dir, 'cli', 'model', 'data', 'weights.bin'))).length, 4096);

      r = await cli(s.url, 'transition', 'cli-model', '2', 'Canary');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Invalid Model Version stage: Canary/);
      r = await cli(s.url, 'register', '--help');
      assert.match(r.stdout, /Example/);
      assert.match(r.stdout, /cairn models register runs:\//);
    });
  });
}
