/**
 * The artifact proxy and the tracking-side artifact routes over real HTTP, following the recorded
 * MLflow exchanges (`artifacts-list-*`, `proxy-*`), with the sensible answers where MLflow has bugs
 * (missing file 404, folder 400, never a server path in a message).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from './http.js';

const P = '/api/2.0/mlflow-artifacts/artifacts';

for (const backend of BACKENDS) {
  describe(`artifact proxy and artifact routes (${backend})`, () => {
    let server: TestServer;
    let expId: string;
    let runId: string;
    let root: string; // `<exp>/<run>/artifacts`, the run's folder under the destination

    const put = (path: string, body: string, contentType?: string) =>
      rawRequest(server.url, 'PUT', `${P}/${path}`, {
        body,
        headers: contentType ? { 'Content-Type': contentType } : {},
      });

    before(async () => {
      server = await startTestServer(backend);
      const exp = await api(server.url, 'POST', 'experiments/create', { name: 'artifacts' });
      expId = exp.json.experiment_id as string;
      const run = await api<{ run: { info: { run_id: string; artifact_uri: string } } }>(
        server.url,
        'POST',
        'runs/create',
        { experiment_id: expId },
      );
      runId = run.json.run.info.run_id;
      assert.equal(run.json.run.info.artifact_uri, `mlflow-artifacts:/${expId}/${runId}/artifacts`);
      root = `${expId}/${runId}/artifacts`;
    });
    after(async () => {
      await server?.stop();
    });

    it('lists an empty run as root_uri only', async () => {
      const res = await api(server.url, 'GET', 'artifacts/list', { run_id: runId });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { root_uri: `mlflow-artifacts:/${root}` });
    });

    it('accepts uploads with any content type, or none, and answers {}', async () => {
      for (const [path, body, type] of [
        ['hello.txt', 'hello golden\n', 'text/plain'],
        ['dir/sub/data.json', '{"k": 1}', 'application/json'],
        ['dir/notes.md', '# notes\n', 'text/markdown'],
        ['raw.bin', 'raw-bytes', undefined],
        ['empty.txt', '', 'text/plain'],
      ] as const) {
        const res = await put(`${root}/${path}`, body, type);
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        assert.equal(res.contentType, 'application/json');
        assert.deepEqual(res.json, {});
      }
      assert.ok(
        existsSync(join(server.tmpDir, 'artifacts', expId, runId, 'artifacts', 'dir', 'sub', 'data.json')),
      );
    });

    it('artifacts/list: shapes of root, nested, file, missing folder and run_uuid', async () => {
      const rootUri = `mlflow-artifacts:/${root}`;
      const list = async (q: Record<string, string>) =>
        (await api(server.url, 'GET', 'artifacts/list', q)).json;
      assert.deepEqual(await list({ run_id: runId }), {
        root_uri: rootUri,
        files: [
          { path: 'dir', is_dir: true },
          { path: 'empty.txt', is_dir: false },
          { path: 'hello.txt', is_dir: false, file_size: 13 },
          { path: 'raw.bin', is_dir: false, file_size: 9 },
        ],
      });
      const nested = {
        root_uri: rootUri,
        files: [
          { path: 'dir/notes.md', is_dir: false, file_size: 8 },
          { path: 'dir/sub', is_dir: true },
        ],
      };
      assert.deepEqual(await list({ run_id: runId, path: 'dir' }), nested);
      assert.deepEqual(await list({ run_uuid: runId, path: 'dir' }), nested);
      assert.deepEqual(await list({ run_id: runId, path: 'dir/sub' }), {
        root_uri: rootUri,
        files: [{ path: 'dir/sub/data.json', is_dir: false, file_size: 8 }],
      });
      assert.deepEqual(await list({ run_id: runId, path: 'hello.txt' }), { root_uri: rootUri });
      assert.deepEqual(await list({ run_id: runId, path: 'nope' }), { root_uri: rootUri });
      // Also on the UI mount.
      const ajax = await rawRequest(
        server.url,
        'GET',
        `/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}&path=dir`,
      );
      assert.deepEqual(ajax.json, nested);
    });

    it('artifacts/list: errors', async () => {
      for (const path of ['../..', 'dir/../../x', '/etc', '%2e%2e/x', 'a\\b']) {
        const res = await api(server.url, 'GET', 'artifacts/list', { run_id: runId, path });
        assert.equal(res.status, 400, path);
        assert.deepEqual(res.json, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
      }
      const unknown = await api(server.url, 'GET', 'artifacts/list', {
        run_id: '0123456789abcdef0123456789abcdef',
      });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
      const missing = await api(server.url, 'GET', 'artifacts/list');
      assert.equal(missing.status, 400);
      assert.equal(missing.json.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(String(missing.json.message), /run_id/);
    });

    it('downloads files as sandboxed attachments with a guessed type', async () => {
      const hello = await rawRequest(server.url, 'GET', `${P}/${root}/hello.txt`);
      assert.equal(hello.status, 200);
      assert.equal(hello.text, 'hello golden\n');
      assert.equal(hello.contentType, 'text/plain');
      assert.equal(hello.headers['content-length'], '13');
      assert.match(String(hello.headers['content-disposition']), /^attachment; filename="hello.txt"/);
      assert.equal(hello.headers['x-content-type-options'], 'nosniff');
      assert.equal(hello.headers['content-security-policy'], 'sandbox');
      const json = await rawRequest(server.url, 'GET', `${P}/${root}/dir/sub/data.json`);
      assert.equal(json.contentType, 'text/plain');
      assert.equal(json.text, '{"k": 1}');
      const head = await rawRequest(server.url, 'HEAD', `${P}/${root}/hello.txt`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], '13');
      assert.equal(head.body.length, 0);
      const empty = await rawRequest(server.url, 'GET', `${P}/${root}/empty.txt`);
      assert.equal(empty.status, 200);
      assert.equal(empty.text, '');
      const raw = await rawRequest(
        server.url,
        'GET',
        `/ajax-api/2.0/mlflow-artifacts/artifacts/${root}/raw.bin`,
      );
      assert.equal(raw.contentType, 'application/octet-stream');
      assert.equal(raw.text, 'raw-bytes');
    });

    it('serves uploaded HTML and SVG without letting them run in the server origin', async () => {
      await put(`${root}/page.html`, '<script>alert(1)</script>', 'text/html');
      await put(
        `${root}/pic.svg`,
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        'image/svg+xml',
      );
      for (const name of ['page.html', 'pic.svg']) {
        const res = await rawRequest(server.url, 'GET', `${P}/${root}/${name}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-security-policy'], 'sandbox');
        assert.match(String(res.headers['content-disposition']), /^attachment;/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
      }
      await rawRequest(server.url, 'DELETE', `${P}/${root}/page.html`);
      await rawRequest(server.url, 'DELETE', `${P}/${root}/pic.svg`);
    });

    it('answers 404 for a missing file and 400 for a folder, without server paths', async () => {
      const missing = await rawRequest(server.url, 'GET', `${P}/${root}/nope.txt`);
      assert.equal(missing.status, 404);
      assert.equal(missing.json?.error_code, 'RESOURCE_DOES_NOT_EXIST');
      assert.ok(!missing.text.includes(server.tmpDir), missing.text);
      const dir = await rawRequest(server.url, 'GET', `${P}/${root}/dir`);
      assert.equal(dir.status, 400);
      assert.equal(dir.json?.error_code, 'INVALID_PARAMETER_VALUE');
      assert.ok(!dir.text.includes(server.tmpDir), dir.text);
    });

    it('lists the destination with base names only', async () => {
      const list = async (path: string) =>
        rawRequest(server.url, 'GET', `${P}?path=${encodeURIComponent(path)}`).then((r) => [
          r.status,
          r.json,
        ]);
      assert.deepEqual(await list(root), [
        200,
        {
          files: [
            { path: 'dir', is_dir: true },
            { path: 'empty.txt', is_dir: false },
            { path: 'hello.txt', is_dir: false, file_size: 13 },
            { path: 'raw.bin', is_dir: false, file_size: 9 },
          ],
        },
      ]);
      assert.deepEqual(await list(`${root}/dir`), [
        200,
        {
          files: [
            { path: 'notes.md', is_dir: false, file_size: 8 },
            { path: 'sub', is_dir: true },
          ],
        },
      ]);
      assert.deepEqual(await list(expId), [200, { files: [{ path: runId, is_dir: true }] }]);
      assert.deepEqual(await list('no/such/dir'), [200, {}]);
      const invalid = [400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }];
      assert.deepEqual(await list('../'), invalid);
      assert.deepEqual(await list('/etc'), invalid);
      assert.deepEqual(await list('%2e%2e'), invalid);
      assert.deepEqual(await list('a/..%2F..%2F'), invalid);
    });

    it('deletes files; deleting a missing file is fine', async () => {
      const del = await rawRequest(server.url, 'DELETE', `${P}/${root}/raw.bin`);
      assert.equal(del.status, 200);
      assert.deepEqual(del.json, {});
      assert.equal((await rawRequest(server.url, 'GET', `${P}/${root}/raw.bin`)).status, 404);
      const again = await rawRequest(server.url, 'DELETE', `${P}/${root}/never-existed.txt`);
      assert.equal(again.status, 200);
      const listing = await api(server.url, 'GET', 'artifacts/list', { run_id: runId });
      assert.deepEqual(
        (listing.json.files as { path: string }[]).map((f) => f.path),
        ['dir', 'empty.txt', 'hello.txt'],
      );
    });

    it('rejects traversal in the path with 400 and writes nothing outside the destination', async () => {
      const attempts: [string, string][] = [
        ['GET', `${P}/../../etc/passwd`],
        ['GET', `${P}/%2e%2e/%2e%2e/etc/passwd`],
        ['GET', `${P}/${root}/dir/../../../../../etc/passwd`],
        ['GET', `${P}/..%2F..%2Fetc%2Fpasswd`],
        ['GET', `${P}/%252e%252e/etc/passwd`],
        ['GET', `${P}//etc/passwd`],
        ['GET', `${P}/%2Fetc%2Fpasswd`],
        ['GET', `${P}/a%5C..%5C..%5Cx`],
        ['GET', `${P}/a%00b`],
        ['PUT', `${P}/%2e%2e/escape.txt`],
        ['PUT', `${P}/a/..%2F..%2Fescape.txt`],
        ['PUT', `${P}/../escape.txt`],
        ['DELETE', `${P}/%2e%2e/x`],
        ['DELETE', `${P}/..%2F`],
        ['GET', `/ajax-api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e/etc/passwd`],
        ['POST', `/api/2.0/mlflow-artifacts/mpu/create/%2e%2e/big.bin`],
      ];
      for (const [method, path] of attempts) {
        const res = await rawRequest(server.url, method, path, method === 'PUT' ? { body: 'x' } : {});
        assert.equal(res.status, 400, `${method} ${path}: ${res.status} ${res.text}`);
        assert.deepEqual(res.json, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }, path);
      }
      assert.ok(!existsSync(join(server.tmpDir, 'escape.txt')));
      assert.ok(!existsSync(join(server.tmpDir, '..', 'escape.txt')));
    });

    it('answers 501 for multipart uploads on a local destination, and 404 for presigned URLs', async () => {
      const res = await rawRequest(
        server.url,
        'POST',
        `/api/2.0/mlflow-artifacts/mpu/create/${root}/big.bin`,
        {
          body: JSON.stringify({ path: 'big.bin', num_parts: 2 }),
          headers: { 'Content-Type': 'application/json' },
        },
      );
      assert.equal(res.status, 501);
      assert.deepEqual(res.json, {
        error_code: 'NOT_IMPLEMENTED',
        message: 'Multipart upload is not supported for the current artifact repository',
      });
      const presigned = await rawRequest(
        server.url,
        'GET',
        `/api/2.0/mlflow-artifacts/presigned/${root}/hello.txt`,
      );
      assert.equal(presigned.status, 404);
    });

    it('UI routes: get-artifact and upload-artifact', async () => {
      const get = await rawRequest(server.url, 'GET', `/get-artifact?run_id=${runId}&path=hello.txt`);
      assert.equal(get.status, 200);
      assert.equal(get.text, 'hello golden\n');
      assert.equal(get.headers['content-security-policy'], 'sandbox');
      assert.match(String(get.headers['content-disposition']), /^attachment/);
      const ajax = await rawRequest(
        server.url,
        'GET',
        `/ajax-api/2.0/mlflow/get-artifact?run_uuid=${runId}&path=dir%2Fnotes.md`,
      );
      assert.equal(ajax.text, '# notes\n');
      assert.equal(
        (await rawRequest(server.url, 'GET', `/get-artifact?run_id=${runId}&path=nope`)).status,
        404,
      );
      assert.equal(
        (await rawRequest(server.url, 'GET', `/get-artifact?run_id=${runId}&path=..%2Fx`)).status,
        400,
      );
      assert.equal((await rawRequest(server.url, 'GET', `/get-artifact?path=hello.txt`)).status, 400);

      const upload = (query: string, body: Buffer | string) =>
        rawRequest(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?${query}`, {
          body,
          headers: { 'Content-Type': 'application/octet-stream' },
        });
      const ok = await upload(`run_uuid=${runId}&path=ui%2Fnote.txt`, 'from the UI');
      assert.equal(ok.status, 200, ok.text);
      const listed = await api(server.url, 'GET', 'artifacts/list', { run_id: runId, path: 'ui' });
      assert.deepEqual(listed.json.files, [{ path: 'ui/note.txt', is_dir: false, file_size: 11 }]);
      const tooBig = await upload(`run_uuid=${runId}&path=big.bin`, Buffer.alloc(10 * 1024 * 1024 + 1));
      assert.equal(tooBig.status, 413);
      assert.match(String(tooBig.json?.message), /too large/);
      assert.equal((await upload(`run_uuid=${runId}&path=e.txt`, '')).status, 400);
      assert.equal((await upload(`path=e.txt`, 'x')).status, 400);
      assert.equal((await upload(`run_uuid=${runId}&path=..%2Fe.txt`, 'x')).status, 400);
      const unknownRun = await upload(`run_uuid=0123456789abcdef0123456789abcdef&path=e.txt`, 'x');
      assert.equal(unknownRun.status, 404);
    });

    it('UI route: model-versions/get-artifact reads through the version source', async () => {
      await api(server.url, 'POST', 'registered-models/create', { name: 'artifact-model' });
      const mv = await api(server.url, 'POST', 'model-versions/create', {
        name: 'artifact-model',
        source: `mlflow-artifacts:/${root}/dir`,
        run_id: runId,
      });
      assert.equal(mv.status, 200, mv.text);
      const res = await rawRequest(
        server.url,
        'GET',
        '/model-versions/get-artifact?name=artifact-model&version=1&path=notes.md',
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, '# notes\n');
      assert.equal(res.headers['content-security-policy'], 'sandbox');
      const traversal = await rawRequest(
        server.url,
        'GET',
        '/model-versions/get-artifact?name=artifact-model&version=1&path=..%2F..%2Fhello.txt',
      );
      assert.equal(traversal.status, 400);
      const unknown = await rawRequest(
        server.url,
        'GET',
        '/model-versions/get-artifact?name=nope&version=1&path=x',
      );
      assert.equal(unknown.status, 404);
    });
  });
}
