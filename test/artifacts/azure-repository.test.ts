/**
 * Azure Blob Storage artifacts against Azurite: the repository contract, large streamed files,
 * and a server whose --artifacts-destination is wasbs:// (proxy mode).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  AzureBlobArtifactRepository,
  azureClientFromEnv,
  parseWasbsUri,
} from '../../src/artifacts/azure-repository.js';
import { artifactRepositoryFor } from '../../src/artifacts/repository-registry.js';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { startAzurite, type AzuriteServer } from './azurite.js';
import { rawRequest } from './http.js';
import {
  breakingAfter,
  describeRepositoryContract,
  failingStream,
  patternStream,
  readAll,
  sha256Of,
} from './repository-contract.js';

const ROOT = 'wasbs://artifacts@devstoreaccount1.blob.core.windows.net';
const MB = 1024 * 1024;
const P = '/api/2.0/mlflow-artifacts/artifacts';

let azurite: AzuriteServer;
let counter = 0;
const savedEnv = process.env.AZURE_STORAGE_CONNECTION_STRING;

before(async () => {
  azurite = await startAzurite();
  process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  await azurite.createContainer('artifacts');
});
after(async () => {
  if (savedEnv === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  else process.env.AZURE_STORAGE_CONNECTION_STRING = savedEnv;
  await azurite?.stop();
});

describeRepositoryContract('azure blob (Azurite)', async () =>
  artifactRepositoryFor(`${ROOT}/contract-${++counter}`),
);

describe('azure blob repository specifics', () => {
  it('parses wasbs URIs as MLflow names them and refuses others', () => {
    assert.deepEqual(parseWasbsUri('wasbs://c@acct.blob.core.windows.net/a/b/'), {
      container: 'c',
      account: 'acct',
      suffix: 'blob.core.windows.net',
      prefix: 'a/b',
    });
    assert.equal(parseWasbsUri('wasbs://c@acct.blob.core.chinacloudapi.cn').prefix, '');
    assert.throws(
      () => parseWasbsUri('wasbs://acct.blob.core.windows.net/x'),
      /wasbs:\/\/<container>@<account>/,
    );
    assert.throws(() => parseWasbsUri('wasbs://c@acct.example.com/x'), /Not an Azure Blob Storage URI/);
    assert.throws(() => parseWasbsUri('wasbs://c@acct.blob.core.windows.net/../x'), /Invalid path/);
  });

  it('reads credentials as MLflow does and says which variables to set when there are none', () => {
    const uri = parseWasbsUri(`${ROOT}/x`);
    assert.throws(
      () => azureClientFromEnv(uri, {}),
      (err: Error) => {
        assert.match(err.message, /AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCESS_KEY/);
        assert.match(err.message, /devstoreaccount1/);
        return true;
      },
    );
    const withKey = azureClientFromEnv(uri, { AZURE_STORAGE_ACCESS_KEY: 'a2V5' });
    assert.equal(withKey.url, 'https://devstoreaccount1.blob.core.windows.net/');
    const fromConnection = azureClientFromEnv(uri, {
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    });
    assert.match(fromConnection.url, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
  });

  it('streams a file of several blocks in and out intact', async () => {
    const repo = new AzureBlobArtifactRepository(`${ROOT}/large`, { blockSize: MB });
    const seed = randomBytes(MB);
    const size = 24 * MB + 77;
    const expected = await sha256Of(patternStream(size, seed));
    await repo.write('big/model.bin', patternStream(size, seed));
    assert.deepEqual(await repo.stat('big/model.bin'), { isDir: false, size });
    assert.equal(await sha256Of(await repo.openRead('big/model.bin')), expected);
    // Staged as blocks and committed as one list.
    const blocks = await azurite.client
      .getContainerClient('artifacts')
      .getBlockBlobClient('large/big/model.bin')
      .getBlockList('committed');
    assert.equal(blocks.committedBlocks?.length, 25);
  });

  it('keeps the previous file when a multi-block upload fails midway', async () => {
    const repo = new AzureBlobArtifactRepository(`${ROOT}/failing`, { blockSize: MB });
    await repo.write('f.bin', Readable.from([Buffer.from('old')]));
    const seed = randomBytes(MB);
    const source = patternStream(6 * MB, seed);
    const broken = breakingAfter(source, 3 * MB);
    await assert.rejects(repo.write('f.bin', broken), /client went away/);
    assert.equal((await readAll(await repo.openRead('f.bin'))).toString(), 'old');
    await assert.rejects(repo.write('g.bin', failingStream(100)));
    assert.equal(await repo.stat('g.bin'), undefined);
  });
});

for (const backend of BACKENDS) {
  describe(`a server with --artifacts-destination wasbs:// (${backend})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, { artifactsDestination: `${ROOT}/proxied` });
    });
    after(async () => server?.stop());

    it('proxies uploads, downloads, listings and deletes to Azure Blob Storage', async () => {
      const run = await api<{ run: { info: { run_id: string; experiment_id: string } } }>(
        server.url,
        'POST',
        'runs/create',
        { experiment_id: '0' },
      );
      const { run_id: runId, experiment_id: expId } = run.json.run.info;
      const root = `${expId}/${runId}/artifacts`;
      const put = await rawRequest(server.url, 'PUT', `${P}/${root}/model/weights.bin`, {
        body: 'w'.repeat(1000),
      });
      assert.equal(put.status, 200, put.text);
      await rawRequest(server.url, 'PUT', `${P}/${root}/metrics.json`, { body: '{"a": 1}' });

      const blob = azurite.client
        .getContainerClient('artifacts')
        .getBlobClient(`proxied/${root}/model/weights.bin`);
      assert.equal((await blob.getProperties()).contentLength, 1000);

      const get = await rawRequest(server.url, 'GET', `${P}/${root}/metrics.json`);
      assert.equal(get.status, 200);
      assert.equal(get.text, '{"a": 1}');
      assert.equal((await rawRequest(server.url, 'GET', `${P}/${root}/missing`)).status, 404);
      assert.equal((await rawRequest(server.url, 'GET', `${P}/${root}/model`)).status, 400);
      assert.deepEqual((await api(server.url, 'GET', 'artifacts/list', { run_id: runId })).json, {
        root_uri: `mlflow-artifacts:/${root}`,
        files: [
          { path: 'metrics.json', is_dir: false, file_size: 8 },
          { path: 'model', is_dir: true },
        ],
      });
      assert.equal((await rawRequest(server.url, 'DELETE', `${P}/${root}/model`)).status, 200);
      assert.equal(await blob.exists(), false);
      assert.deepEqual((await rawRequest(server.url, 'GET', `${P}?path=${root}`)).json, {
        files: [{ path: 'metrics.json', is_dir: false, file_size: 8 }],
      });
    });
  });
}
