/**
 * Issue 11 items 11 to 13 on a real server: symbolic links that leave the artifact root are
 * refused for GET, list, PUT and DELETE; experiments and model versions cannot point the server
 * outside the allowed artifact roots; stale partial uploads are removed at start-up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { assertError } from '../server/helpers.js';

describe('symbolic links and artifact roots', () => {
  let server: TestServer;
  let outside: string;
  before(async () => {
    outside = await mkdtemp(join(tmpdir(), 'cairn-outside-'));
    await writeFile(join(outside, 'secret.txt'), 'outside the root');
    server = await startTestServer('sqlite');
    const dest = join(server.tmpDir, 'artifacts');
    await mkdir(join(dest, 'inner'), { recursive: true });
    await writeFile(join(dest, 'inner', 'ok.txt'), 'inside');
    await symlink(outside, join(dest, 'out'));
    await symlink(join(outside, 'secret.txt'), join(dest, 'secret-link.txt'));
    await symlink(join(dest, 'inner'), join(dest, 'inner-link'));
  });
  after(async () => {
    await server.stop();
    await rm(outside, { recursive: true, force: true });
  });

  const proxy = (path: string) => `${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}`;

  it('refuses GET, list, PUT and DELETE through a link that leaves the root', async () => {
    for (const path of ['out/secret.txt', 'secret-link.txt']) {
      const res = await fetch(proxy(path));
      assert.equal(res.status, 400, `${path}: ${await res.text()}`);
    }
    const list = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=out`);
    assert.equal(list.status, 400);
    const put = await fetch(proxy('out/planted.txt'), {
      method: 'PUT',
      body: 'x',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(put.status, 400);
    assert.equal(existsSync(join(outside, 'planted.txt')), false);
    const del = await fetch(proxy('out/secret.txt'), { method: 'DELETE' });
    assert.equal(del.status, 400);
    assert.equal(await readFile(join(outside, 'secret.txt'), 'utf8'), 'outside the root');
  });

  it('hides links that leave the root from listings and keeps links that stay inside', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts`);
    const files = ((await res.json()) as { files: { path: string }[] }).files.map((f) => f.path).sort();
    assert.deepEqual(files, ['inner', 'inner-link']);
    const inside = await fetch(proxy('inner-link/ok.txt'));
    assert.equal(await inside.text(), 'inside');
  });

  it('refuses experiment locations and model version sources outside the allowed roots', async () => {
    for (const location of [
      '/etc',
      'file:///',
      '/tmp',
      's3://someone-elses-bucket/x',
      'http://169.254.169.254/latest',
    ]) {
      assertError(
        await api(server.url, 'POST', 'experiments/create', {
          name: `bad ${location}`,
          artifact_location: location,
        }),
        400,
        'INVALID_PARAMETER_VALUE',
        /outside the allowed artifact roots/,
      );
    }
    const inside = await api(server.url, 'POST', 'experiments/create', {
      name: 'inside',
      artifact_location: join(server.tmpDir, 'artifacts', 'exp-inside'),
    });
    assert.equal(inside.status, 200, inside.text);

    await api(server.url, 'POST', 'registered-models/create', { name: 'etc-model' });
    const mv = await api(server.url, 'POST', 'model-versions/create', { name: 'etc-model', source: '/etc' });
    if (mv.status === 200) {
      const read = await fetch(
        `${server.url}/model-versions/get-artifact?name=etc-model&version=1&path=hostname`,
      );
      assert.equal(read.status, 400, await read.text());
    } else {
      assert.equal(mv.status, 400, mv.text);
    }
  });
});

describe('stale partial uploads', () => {
  it('are removed at start-up; recent ones stay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-parts-'));
    try {
      const dest = join(dir, 'dest');
      await mkdir(join(dest, 'a', 'b'), { recursive: true });
      const stale = join(dest, 'a', 'b', 'model.bin.cairn-upload-0123456789abcdef.part');
      const fresh = join(dest, 'a', 'weights.bin.cairn-upload-fedcba9876543210.part');
      const unrelated = join(dest, 'a', 'notes.part');
      for (const f of [stale, fresh, unrelated]) await writeFile(f, Buffer.alloc(1024));
      const hourAgo = new Date(Date.now() - 3600_000);
      await utimes(stale, hourAgo, hourAgo);
      await utimes(unrelated, hourAgo, hourAgo);
      const server = await startTestServer('sqlite', { artifactsDestination: dest });
      try {
        for (let i = 0; i < 50 && existsSync(stale); i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(existsSync(stale), false, 'stale part file removed');
        assert.equal(existsSync(fresh), true, 'a recent part file (a live upload) stays');
        assert.equal(existsSync(unrelated), true, 'only our own part files are touched');
      } finally {
        await server.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
