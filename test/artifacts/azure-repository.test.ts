/**
 * Azure Blob Storage artifacts against Azurite: the repository contract, large streamed files,
 * client-driven multipart uploads (Put Block SAS URLs), and a server whose --artifacts-destination
 * is wasbs:// (proxy mode).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { AzureBlobArtifactRepository, azureClientFromEnv } from '../../src/artifacts/azure-repository.js';
import { parseWasbsUri } from '../../src/artifacts/azure-uri.js';
import type { MultipartUploads } from '../../src/artifacts/artifact-repository.js';
import { MlflowError } from '../../src/errors.js';
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

  it('runs client-driven multipart uploads through Put Block SAS URLs', async () => {
    const repo = new AzureBlobArtifactRepository(`${ROOT}/mpu`);
    const parts = [randomBytes(300_000), randomBytes(1000), Buffer.from('the tail')];
    const first = await repo.multipart.create('dir/file.bin', parts.length);
    assert.deepEqual(
      first.credentials.map((c) => c.part_number),
      [1, 2, 3],
    );
    // A second upload to the same blob at the same time stages its own blocks: they never mix
    // into the first one's blob, and Azure discards them when the first commits.
    const second = await repo.multipart.create('dir/file.bin', 1);
    assert.notEqual(second.upload_id, first.upload_id);
    assert.equal((await putParts(second, [Buffer.from('other')]))[0], 201);
    assert.deepEqual(await putParts(first, parts), [201, 201, 201]);
    await repo.multipart.complete('dir/file.bin', first.upload_id, [
      { part_number: 3, etag: '' },
      { part_number: 1, etag: '' },
      { part_number: 2, etag: '' },
    ]);
    assert.ok((await readAll(await repo.openRead('dir/file.bin'))).equals(Buffer.concat(parts)));

    // The part URLs only write that one blob.
    const otherBlob = first.credentials[0]!.url.replace('/mpu/dir/file.bin?', '/mpu/dir/else.bin?');
    assert.equal((await fetch(otherBlob, { method: 'PUT', body: 'x' })).status, 403);

    // A part that was never uploaded, a repeated part, an unknown upload: 4xx, blob unchanged.
    const third = await repo.multipart.create('dir/file.bin', 2);
    await putParts(third, [Buffer.from('only part one')]);
    await assert.rejects(
      repo.multipart.complete('dir/file.bin', third.upload_id, [
        { part_number: 1, etag: '' },
        { part_number: 2, etag: '' },
      ]),
      (err: MlflowError) => {
        assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
        assert.match(err.message, /a listed part was not uploaded/);
        return true;
      },
    );
    await assert.rejects(
      repo.multipart.complete('dir/file.bin', third.upload_id, [
        { part_number: 1, etag: '' },
        { part_number: 1, etag: '' },
      ]),
      /Part 1 is listed more than once/,
    );
    await assert.rejects(
      repo.multipart.complete('dir/file.bin', 'nope', [{ part_number: 1, etag: '' }]),
      /No such multipart upload/,
    );
    assert.ok((await readAll(await repo.openRead('dir/file.bin'))).equals(Buffer.concat(parts)));

    await assert.rejects(
      repo.multipart.complete('dir/file.bin', second.upload_id, [{ part_number: 1, etag: '' }]),
      /a listed part was not uploaded/,
    );
    // Abort leaves the committed blob alone.
    await repo.multipart.abort('dir/file.bin', third.upload_id);
    assert.ok((await readAll(await repo.openRead('dir/file.bin'))).equals(Buffer.concat(parts)));

    await assert.rejects(repo.multipart.create('x.bin', 0), /num_parts/);
    await assert.rejects(repo.multipart.create('../x.bin', 1), /Invalid path/);
  });

  it('refuses multipart uploads clearly when it holds no account key to sign with', async () => {
    const anonymous = new BlobServiceClient(azurite.client.url);
    const repo = new AzureBlobArtifactRepository(`${ROOT}/mpu`, { azureClient: anonymous });
    await assert.rejects(repo.multipart.create('f.bin', 1), (err: MlflowError) => {
      assert.equal(err.errorCode, 'NOT_IMPLEMENTED');
      assert.match(err.message, /needs the account key/);
      return true;
    });
  });
});

for (const backend of BACKENDS) {
  describe(`a server with --artifacts-destination wasbs:// (${backend})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, { artifactsDestination: `${ROOT}/proxied` });
    });
    after(async () => server?.stop());
    const newRun = async () => {
      const run = await api<{ run: { info: { run_id: string; experiment_id: string } } }>(
        server.url,
        'POST',
        'runs/create',
        { experiment_id: '0' },
      );
      const { run_id: runId, experiment_id: expId } = run.json.run.info;
      return { runId, root: `${expId}/${runId}/artifacts` };
    };

    it('proxies uploads, downloads, listings and deletes to Azure Blob Storage', async () => {
      const { runId, root } = await newRun();
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

    it('runs multipart uploads through the mpu routes: create, PUT parts, complete, abort', async () => {
      const file = `${(await newRun()).root}/big.bin`;
      const M = '/api/2.0/mlflow-artifacts/mpu';
      const post = (op: string, body: unknown) =>
        rawRequest(server.url, 'POST', `${M}/${op}/${file}`, {
          body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' },
        });
      const parts = [randomBytes(200_000), randomBytes(5000)];
      const created = await post('create', { path: 'big.bin', num_parts: 2 });
      assert.equal(created.status, 200, created.text);
      const upload = created.json as Awaited<ReturnType<MultipartUploads['create']>>;
      assert.deepEqual(await putParts(upload, parts), [201, 201]);

      const missing = await post('complete', {
        path: 'big.bin',
        upload_id: upload.upload_id,
        parts: [1, 2, 3].map((n) => ({ part_number: n, etag: '', url: '' })),
      });
      assert.equal(missing.status, 400, missing.text);
      assert.equal((missing.json as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(missing.text, /a listed part was not uploaded/);

      const done = await post('complete', {
        path: 'big.bin',
        upload_id: upload.upload_id,
        parts: upload.credentials.map((c) => ({ part_number: c.part_number, etag: '', url: c.url })),
      });
      assert.equal(done.status, 200, done.text);
      const get = await rawRequest(server.url, 'GET', `${P}/${file}`);
      assert.equal(get.status, 200);
      assert.ok(Buffer.from(get.body).equals(Buffer.concat(parts)));

      const toAbort = await post('create', { path: 'big.bin', num_parts: 1 });
      const aborted = await post('abort', {
        path: 'big.bin',
        upload_id: (toAbort.json as { upload_id: string }).upload_id,
      });
      assert.equal(aborted.status, 200, aborted.text);
      assert.equal((await post('abort', { path: 'big.bin', upload_id: 'x' })).status, 404);
      assert.equal((await post('create', { path: 'big.bin', num_parts: 0 })).status, 400);
    });
  });
}

/** PUTs each body to its part URL with plain HTTP, as an MLflow client does; the statuses. */
async function putParts(
  created: Awaited<ReturnType<MultipartUploads['create']>>,
  bodies: Buffer[],
): Promise<number[]> {
  const statuses: number[] = [];
  for (const [i, body] of bodies.entries()) {
    const cred = created.credentials[i]!;
    const res = await fetch(cred.url, { method: 'PUT', body, headers: cred.headers });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}
