/** `--no-serve-artifacts` and `--artifacts-only`, and a server whose destination is S3 (moto). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from './http.js';
import { startMoto, useMotoEnvironment, type MotoServer } from './moto.js';
import { readAll } from './repository-contract.js';
import type { Readable } from 'node:stream';

const P = '/api/2.0/mlflow-artifacts/artifacts';

for (const backend of BACKENDS) {
  describe(`--no-serve-artifacts (${backend})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, { serveArtifacts: false });
    });
    after(async () => server?.stop());

    it('answers 503 plain text on every proxy route', async () => {
      for (const [method, path] of [
        ['GET', `${P}/a/b.txt`],
        ['PUT', `${P}/a/b.txt`],
        ['DELETE', `${P}/a/b.txt`],
        ['GET', `${P}?path=a`],
        ['GET', P],
        ['POST', '/api/2.0/mlflow-artifacts/mpu/create/a/b.bin'],
        ['GET', '/ajax-api/2.0/mlflow-artifacts/artifacts/a/b.txt'],
      ] as const) {
        const res = await rawRequest(server.url, method, path, method === 'PUT' ? { body: 'x' } : {});
        assert.equal(res.status, 503, `${method} ${path}`);
        assert.equal(res.contentType, 'text/plain');
        assert.match(res.text, /--no-serve-artifacts/);
      }
    });

    it('still lists and serves run artifacts stored in the local artifact root', async () => {
      const run = await api<{ run: { info: { run_id: string; artifact_uri: string } } }>(
        server.url,
        'POST',
        'runs/create',
        { experiment_id: '0' },
      );
      const { run_id: runId, artifact_uri: uri } = run.json.run.info;
      assert.ok(!uri.startsWith('mlflow-artifacts:'), uri);
      const up = await rawRequest(
        server.url,
        'POST',
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=n.txt`,
        { body: 'note', headers: { 'Content-Type': 'application/octet-stream' } },
      );
      assert.equal(up.status, 200, up.text);
      const list = await api(server.url, 'GET', 'artifacts/list', { run_id: runId });
      assert.deepEqual(list.json, { root_uri: uri, files: [{ path: 'n.txt', is_dir: false, file_size: 4 }] });
      const get = await rawRequest(server.url, 'GET', `/get-artifact?run_id=${runId}&path=n.txt`);
      assert.equal(get.text, 'note');
    });
  });
}

// An artifacts-only server serves no tracking routes: one database (SQLite).
describe('--artifacts-only', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { artifactsOnly: true });
  });
  after(async () => server?.stop());

  it('refuses tracking routes with 503 but serves the proxy', async () => {
    const tracking = await rawRequest(server.url, 'GET', '/api/2.0/mlflow/experiments/get?experiment_id=0');
    assert.equal(tracking.status, 503);
    assert.equal(tracking.contentType, 'text/plain');
    const ui = await rawRequest(server.url, 'GET', '/get-artifact?run_id=x&path=y');
    assert.equal(ui.status, 503);
    const ajax = await rawRequest(server.url, 'GET', '/ajax-api/2.0/mlflow/get-artifact?run_id=x&path=y');
    assert.equal(ajax.status, 503);
    assert.equal(
      (await rawRequest(server.url, 'PUT', `${P}/x/y.txt`, { body: 'only artifacts' })).status,
      200,
    );
    const get = await rawRequest(server.url, 'GET', `${P}/x/y.txt`);
    assert.equal(get.status, 200);
    assert.equal(get.text, 'only artifacts');
    assert.deepEqual((await rawRequest(server.url, 'GET', `${P}?path=x`)).json, {
      files: [{ path: 'y.txt', is_dir: false, file_size: 14 }],
    });
    assert.equal((await rawRequest(server.url, 'DELETE', `${P}/x/y.txt`)).status, 200);
    assert.equal((await rawRequest(server.url, 'GET', `${P}/x/y.txt`)).status, 404);
  });
});

for (const backend of BACKENDS) {
  describe(`S3 artifacts (moto) (${backend})`, () => {
    let moto: MotoServer;
    let proxied: TestServer;
    let direct: TestServer;

    before(async () => {
      moto = await startMoto();
      useMotoEnvironment(moto.endpoint);
      await moto.createBucket('bucket');
      proxied = await startTestServer(backend, { artifactsDestination: 's3://bucket/root' });
      direct = await startTestServer(backend, {
        serveArtifacts: false,
        defaultArtifactRoot: 's3://bucket/direct',
      });
    });
    after(async () => {
      await proxied?.stop();
      await direct?.stop();
      await moto?.stop();
    });

    it('proxies uploads, downloads, listings and deletes to an s3:// destination', async () => {
      const run = await api<{ run: { info: { run_id: string; experiment_id: string } } }>(
        proxied.url,
        'POST',
        'runs/create',
        { experiment_id: '0' },
      );
      const { run_id: runId, experiment_id: expId } = run.json.run.info;
      const root = `${expId}/${runId}/artifacts`;
      const put = await rawRequest(proxied.url, 'PUT', `${P}/${root}/model/weights.bin`, {
        body: 'w'.repeat(1000),
      });
      assert.equal(put.status, 200, put.text);
      await rawRequest(proxied.url, 'PUT', `${P}/${root}/metrics.json`, { body: '{"a": 1}' });
      await rawRequest(proxied.url, 'PUT', `${P}/${root}/empty.txt`, { body: '' });

      const obj = await moto.client.send(
        new GetObjectCommand({ Bucket: 'bucket', Key: `root/${root}/model/weights.bin` }),
      );
      assert.equal((await readAll(obj.Body as Readable)).length, 1000);

      const get = await rawRequest(proxied.url, 'GET', `${P}/${root}/metrics.json`);
      assert.equal(get.status, 200);
      assert.equal(get.text, '{"a": 1}');
      assert.equal(get.contentType, 'text/plain');
      assert.equal((await rawRequest(proxied.url, 'GET', `${P}/${root}/missing`)).status, 404);
      assert.equal((await rawRequest(proxied.url, 'GET', `${P}/${root}/model`)).status, 400);

      assert.deepEqual((await api(proxied.url, 'GET', 'artifacts/list', { run_id: runId })).json, {
        root_uri: `mlflow-artifacts:/${root}`,
        files: [
          { path: 'empty.txt', is_dir: false },
          { path: 'metrics.json', is_dir: false, file_size: 8 },
          { path: 'model', is_dir: true },
        ],
      });
      assert.deepEqual((await rawRequest(proxied.url, 'GET', `${P}?path=${root}/model`)).json, {
        files: [{ path: 'weights.bin', is_dir: false, file_size: 1000 }],
      });
      assert.equal((await rawRequest(proxied.url, 'DELETE', `${P}/${root}/model`)).status, 200);
      const left = await moto.client.send(
        new ListObjectsV2Command({ Bucket: 'bucket', Prefix: `root/${root}/model` }),
      );
      assert.equal(left.KeyCount ?? 0, 0);
    });

    it('reads runs whose artifact root is s3:// directly', async () => {
      const run = await api<{ run: { info: { run_id: string; artifact_uri: string } } }>(
        direct.url,
        'POST',
        'runs/create',
        { experiment_id: '0' },
      );
      const { run_id: runId, artifact_uri: uri } = run.json.run.info;
      assert.ok(uri.startsWith('s3://bucket/direct/'), uri);
      const up = await rawRequest(
        direct.url,
        'POST',
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=a%2Fb.txt`,
        { body: 'direct', headers: { 'Content-Type': 'application/octet-stream' } },
      );
      assert.equal(up.status, 200, up.text);
      assert.deepEqual((await api(direct.url, 'GET', 'artifacts/list', { run_id: runId, path: 'a' })).json, {
        root_uri: uri,
        files: [{ path: 'a/b.txt', is_dir: false, file_size: 6 }],
      });
      assert.equal(
        (await rawRequest(direct.url, 'GET', `/get-artifact?run_id=${runId}&path=a/b.txt`)).text,
        'direct',
      );
    });

    it('runs the multipart upload routes against an S3 destination', async () => {
      const mpuPost = (action: string, path: string, body: Record<string, unknown>) =>
        rawRequest(proxied.url, 'POST', `/api/2.0/mlflow-artifacts/mpu/${action}/${path}`, {
          body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' },
        });
      const path = 'mpu-run/artifacts/big.bin';
      const created = await mpuPost('create', path, { path: 'big.bin', num_parts: 2 });
      assert.equal(created.status, 200, created.text);
      const { upload_id: uploadId, credentials } = created.json as {
        upload_id: string;
        credentials: { url: string; part_number: number; headers: Record<string, string> }[];
      };
      assert.equal(credentials.length, 2);
      const bodies = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('end')];
      const parts = [];
      for (const [i, cred] of credentials.entries()) {
        assert.ok(cred.url.startsWith(`${moto.endpoint}/bucket/root/${path}?`), cred.url);
        const res = await fetch(cred.url, { method: 'PUT', body: bodies[i], headers: cred.headers });
        assert.equal(res.status, 200);
        parts.push({ part_number: cred.part_number, etag: res.headers.get('etag'), url: cred.url });
      }
      const done = await mpuPost('complete', path, { path: 'big.bin', upload_id: uploadId, parts });
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(done.json, {});
      const get = await rawRequest(proxied.url, 'GET', `${P}/${path}`);
      assert.equal(get.body.length, 5 * 1024 * 1024 + 3);
      assert.equal(get.body.subarray(-3).toString(), 'end');

      const second = await mpuPost('create', path, { path: 'big.bin', num_parts: 1 });
      const abort = await mpuPost('abort', path, {
        path: 'big.bin',
        upload_id: (second.json as { upload_id: string }).upload_id,
      });
      assert.equal(abort.status, 200);
      const bad = await mpuPost('complete', path, {
        path: 'big.bin',
        upload_id: uploadId,
        parts: [{ etag: 1 }],
      });
      assert.equal(bad.status, 400);
      assert.equal((await mpuPost('create', path, { path: 'big.bin' })).status, 400);
      const unknown = await mpuPost('abort', path, { path: 'big.bin', upload_id: 'no-such-upload' });
      assert.equal(unknown.status, 404, unknown.text);
    });
  });
}
