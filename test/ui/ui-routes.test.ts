/** The server side of the UI: static files, deep links, caching, and what is never the UI. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { defaultUiDir } from '../../src/server/routes/ui.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UI_DIR, ensureUiBuilt } from './helpers.js';
import { rawRequest } from '../server/helpers.js';

describe('UI routes', () => {
  let server: TestServer;
  let bare: TestServer;
  let emptyDir: string;

  before(async () => {
    server = await startTestServer('sqlite', { uiDir: ensureUiBuilt() });
    emptyDir = await mkdtemp(join(tmpdir(), 'cairn-no-ui-'));
    bare = await startTestServer('sqlite', { uiDir: emptyDir });
  });
  after(async () => {
    await server?.stop();
    await bare?.stop();
    await rm(emptyDir, { recursive: true, force: true });
  });

  test('the package default is ui/dist next to src/', () => {
    assert.equal(defaultUiDir(), UI_DIR);
  });

  test('/ and deep links answer index.html, revalidated on every load', async () => {
    const index = await readFile(join(UI_DIR, 'index.html'), 'utf8');
    for (const path of [
      '/',
      '/experiments',
      '/experiments/1,2?filter=metrics.a%20%3E%201',
      '/runs/abc?tab=artifacts&path=a/b.txt',
      '/compare?runs=a,b',
    ]) {
      const res = await fetch(new URL(path, server.url));
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.equal(await res.text(), index, path);
    }
  });

  test('hashed assets are served with a long immutable cache', async () => {
    const index = await readFile(join(UI_DIR, 'index.html'), 'utf8');
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(index)![1]!;
    const res = await fetch(new URL(js, server.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await res.text(), await readFile(join(UI_DIR, js), 'utf8'));
    const cssRes = await fetch(new URL(css, server.url));
    assert.match(cssRes.headers.get('content-type') ?? '', /^text\/css/);
    const icon = await fetch(new URL('/favicon.svg', server.url));
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
    const missing = await fetch(new URL('/assets/index-missing.js', server.url));
    assert.equal(missing.status, 404);
  });

  test('hashed assets are answered from memory once read (files up to 4 MiB)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-ui-cache-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'assets', 'small-abc123.js'), 'export const small = 1;');
    await writeFile(join(dir, 'assets', 'big-abc123.js'), `// ${'x'.repeat(4 * 1024 * 1024)}`);
    await writeFile(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const ui = await startTestServer('sqlite', { uiDir: dir });
    try {
      const get = (path: string) => fetch(new URL(path, ui.url));
      for (const path of ['/assets/small-abc123.js', '/assets/big-abc123.js', '/logo.svg'])
        assert.equal((await get(path)).status, 200, path);
      await rm(join(dir, 'assets', 'small-abc123.js'));
      await rm(join(dir, 'assets', 'big-abc123.js'));
      await rm(join(dir, 'logo.svg'));
      const small = await get('/assets/small-abc123.js');
      assert.equal(small.status, 200, 'a small hashed asset is kept');
      assert.equal(await small.text(), 'export const small = 1;');
      assert.equal(small.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(small.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.equal((await get('/assets/big-abc123.js')).status, 404, 'a file over 4 MiB is not kept');
      const logo = await get('/logo.svg');
      assert.match(
        logo.headers.get('content-type') ?? '',
        /^text\/html/,
        'an unhashed file is read each time',
      );
    } finally {
      await ui.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('hashed assets are compressed for browsers that accept it (brotli, else gzip)', async () => {
    const index = await readFile(join(UI_DIR, 'index.html'), 'utf8');
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
    const file = await readFile(join(UI_DIR, js));
    const cases: [string | undefined, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip;q=0.5', 'gzip'],
      ['*', 'br'],
      ['identity', undefined],
      ['gzip;q=0, br;q=0', undefined],
      [undefined, undefined],
    ];
    for (const [accept, expected] of cases) {
      const res = await rawRequest(
        server.url,
        'GET',
        js,
        undefined,
        accept ? { 'accept-encoding': accept } : {},
      );
      assert.equal(res.status, 200, String(accept));
      assert.equal(res.headers['content-encoding'], expected, `Accept-Encoding: ${accept}`);
      assert.equal(res.headers.vary, 'Origin, Accept-Encoding', 'CORS keeps its Vary: Origin');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(Number(res.headers['content-length']), res.body.length);
      const decoded =
        expected === 'br'
          ? brotliDecompressSync(res.body)
          : expected === 'gzip'
            ? gunzipSync(res.body)
            : res.body;
      assert.ok(decoded.equals(file), `the file itself after decoding (${accept})`);
      if (expected)
        assert.ok(
          res.body.length < file.length / 2,
          `${expected}: ${res.body.length} of ${file.length} bytes`,
        );
    }
    // Tiny files and images are sent as they are.
    const dir = await mkdtemp(join(tmpdir(), 'cairn-ui-enc-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'assets', 'tiny-abc123.js'), 'export const tiny = 1;');
    await writeFile(join(dir, 'assets', 'pic-abc123.png'), Buffer.alloc(5000, 7));
    const ui = await startTestServer('sqlite', { uiDir: dir });
    try {
      for (const path of ['/assets/tiny-abc123.js', '/assets/pic-abc123.png']) {
        const res = await rawRequest(ui.url, 'GET', path, undefined, { 'accept-encoding': 'gzip, br' });
        assert.equal(res.status, 200, path);
        assert.equal(res.headers['content-encoding'], undefined, path);
      }
    } finally {
      await ui.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('API paths are never answered with the UI', async () => {
    const unknown = await fetch(new URL('/api/2.0/mlflow/no-such-endpoint', server.url));
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error_code: string }).error_code, 'ENDPOINT_NOT_FOUND');
    const ajax = await fetch(new URL('/ajax-api/2.0/mlflow/nothing/here', server.url));
    assert.equal(ajax.status, 404);
    assert.match(ajax.headers.get('content-type') ?? '', /application\/json/);
    const wrongMethod = await fetch(new URL('/ajax-api/2.0/mlflow/runs/create', server.url));
    assert.equal(wrongMethod.status, 405);
    const search = await fetch(new URL('/ajax-api/2.0/mlflow/experiments/search?max_results=10', server.url));
    assert.equal(search.status, 200);
    assert.ok(Array.isArray(((await search.json()) as { experiments: unknown[] }).experiments));
    assert.equal(await (await fetch(new URL('/health', server.url))).text(), 'OK');
  });

  test('paths cannot escape the UI folder', async () => {
    const pkg = await readFile(join(UI_DIR, '..', '..', 'package.json'), 'utf8');
    for (const path of [
      '/..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2f..%2fpackage.json',
    ]) {
      const res = await fetch(new URL(path, server.url));
      const body = await res.text();
      assert.notEqual(body, pkg, path);
      assert.ok(!body.includes('"devDependencies"'), path);
    }
  });

  test('without a built UI, / explains how to build it', async () => {
    for (const path of ['/', '/experiments/3']) {
      const res = await fetch(new URL(path, bare.url));
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /npm run build:ui/);
      assert.ok(body.includes(emptyDir));
    }
    // The API still works.
    const search = await fetch(new URL('/api/2.0/mlflow/experiments/search?max_results=5', bare.url));
    assert.equal(search.status, 200);
  });
});
