/** `models:/` URI parsing and resolution (through the service and through the SDK client). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelUri } from '../../src/registry/model-uri.js';
import { RegistryClient } from '../../src/client/registry.js';
import { MlflowError } from '../../src/errors.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeRun } from './helpers.js';

describe('parseModelUri', () => {
  it('parses every form', () => {
    assert.deepEqual(parseModelUri('models:/fraud/3'), {
      kind: 'version',
      name: 'fraud',
      version: '3',
      subpath: '',
    });
    assert.deepEqual(parseModelUri('models:/fraud/production'), {
      kind: 'stage',
      name: 'fraud',
      stage: 'Production',
      subpath: '',
    });
    assert.deepEqual(parseModelUri('models:/fraud/Latest'), { kind: 'latest', name: 'fraud', subpath: '' });
    assert.deepEqual(parseModelUri('models:/fraud@champion'), {
      kind: 'alias',
      name: 'fraud',
      alias: 'champion',
      subpath: '',
    });
    assert.deepEqual(parseModelUri('models:/fraud@champion/MLmodel'), {
      kind: 'alias',
      name: 'fraud',
      alias: 'champion',
      subpath: 'MLmodel',
    });
    assert.deepEqual(parseModelUri('models:/my model.v2/7/data/x.bin'), {
      kind: 'version',
      name: 'my model.v2',
      version: '7',
      subpath: 'data/x.bin',
    });
    const id = `m-${'a1'.repeat(16)}`;
    assert.deepEqual(parseModelUri(`models:/${id}`), { kind: 'logged-model', modelId: id, subpath: '' });
    assert.deepEqual(parseModelUri('models://profile@host/fraud/2'), {
      kind: 'version',
      name: 'fraud',
      version: '2',
      subpath: '',
    });
  });

  it('rejects malformed URIs with a clear message', () => {
    for (const bad of [
      'runs:/abc/model',
      'models:/',
      'models:/fraud',
      'models:/fraud/Canary',
      'models:/fraud@bad alias',
    ]) {
      assert.throws(
        () => parseModelUri(bad),
        (err: unknown) =>
          err instanceof MlflowError &&
          err.errorCode === 'INVALID_PARAMETER_VALUE' &&
          err.message.includes(bad),
      );
    }
  });
});

describe('resolving models:/ URIs', () => {
  let s: TestServer;
  let client: RegistryClient;
  before(async () => {
    s = await startTestServer('sqlite');
    client = new RegistryClient(s.url);
    const { runId } = await makeRun(s.url);
    await client.createRegisteredModel('fraud');
    for (let i = 0; i < 4; i++) await client.createModelVersion('fraud', `runs:/${runId}/model`);
    await client.transitionModelVersionStage('fraud', 2, 'Production');
    await client.transitionModelVersionStage('fraud', 3, 'Staging');
    await client.setAlias('fraud', 'champion', 1);
    await client.createRegisteredModel('empty');
  });
  after(async () => {
    client?.close();
    await s?.stop();
  });

  for (const via of ['service', 'client'] as const) {
    it(`resolves every form (${via})`, async () => {
      const resolve = (uri: string) =>
        via === 'service' ? s.ctx.registry.resolveModelUri(uri) : client.resolveModelUri(uri);
      assert.equal((await resolve('models:/fraud/3')).version, '3');
      assert.equal((await resolve('models:/fraud/PRODUCTION')).version, '2');
      assert.equal((await resolve('models:/fraud/staging')).version, '3');
      assert.equal((await resolve('models:/fraud/latest')).version, '4');
      assert.equal((await resolve('models:/fraud@champion')).version, '1');
      const missing = async (uri: string, ...words: string[]) => {
        await assert.rejects(resolve(uri), (err: unknown) => {
          assert.ok(err instanceof MlflowError, String(err));
          assert.equal(err.errorCode, 'RESOURCE_DOES_NOT_EXIST');
          for (const w of words) assert.ok(err.message.includes(w), `${err.message} mentions ${w}`);
          return true;
        });
      };
      await missing('models:/fraud/9', "'fraud'", 'version 9');
      await missing('models:/fraud/Archived', "'fraud'", "'Archived'");
      await missing('models:/fraud@ghost', "'fraud'", "'ghost'");
      await missing('models:/nope/1', "'nope'");
      await missing('models:/nope/Production', "'nope'");
      await missing('models:/empty/latest', "'empty'", 'no versions');
    });
  }

  it('resolves a models:/ URI to the files of the version', async () => {
    const { runId, artifactUri } = await makeRun(s.url);
    await client.createModelVersion('fraud', `runs:/${runId}/model`);
    await client.setAlias('fraud', 'fresh', 5);
    assert.equal(
      await s.ctx.registry.resolveModelUriToArtifactUri('models:/fraud@fresh'),
      `${artifactUri}/model`,
    );
    assert.equal(
      await s.ctx.registry.resolveModelUriToArtifactUri('models:/fraud@fresh/MLmodel'),
      `${artifactUri}/model/MLmodel`,
    );
    assert.equal(await client.resolveModelArtifactUri('models:/fraud/5'), `runs:/${runId}/model`);
  });
});
