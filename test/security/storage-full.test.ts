/**
 * Issue 11 item 10 on a real full disk: the artifacts destination is a 1 MiB tmpfs. An upload that
 * does not fit answers a retryable 503 through the proxy and the UI route, is logged, and the
 * file it would have replaced is intact. Needs root (mount); skipped otherwise.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../server/helpers.js';
import { LogCapture } from './helpers.js';

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('a full artifact disk', () => {
  let mountDir: string;
  let mounted = false;
  let server: TestServer | undefined;
  const logs = new LogCapture();
  before(async () => {
    mountDir = await mkdtemp(join(tmpdir(), 'cairn-full-'));
    mounted = tryMount(mountDir);
    if (!mounted) return;
    await mkdir(join(mountDir, 'dest'));
    server = await startTestServer(
      'sqlite',
      { artifactsDestination: join(mountDir, 'dest'), log: { level: 'info', format: 'json' } },
      { logDestination: logs },
    );
  });
  after(async () => {
    await server?.stop();
    if (mounted) {
      // Lazily if something still holds a file there: the mount must never outlive the test.
      try {
        execFileSync('umount', [mountDir]);
      } catch {
        execFileSync('umount', ['-l', mountDir]);
      }
    }
    await rm(mountDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After on both upload paths, logs it and keeps the old file', async (t) => {
    if (!server) return t.skip('mounting a tmpfs needs root');
    const put = (path: string, body: Buffer) =>
      fetch(`${server!.url}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
        method: 'PUT',
        body,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
    const first = await put('model/weights.bin', Buffer.alloc(300 * 1024, 1));
    assert.equal(first.status, 200, await first.text());

    const full = await put('model/weights.bin', Buffer.alloc(2 * 1024 * 1024, 2));
    const text = await full.text();
    assert.equal(full.status, 503, text);
    assert.equal(full.headers.get('retry-after'), '60');
    assert.match(text, /"error_code":"TEMPORARILY_UNAVAILABLE"/);
    assert.match(text, /storage is full/);
    const kept = await readFile(join(mountDir, 'dest', 'model', 'weights.bin'));
    assert.equal(kept.length, 300 * 1024);
    assert.equal(kept[0], 1);
    assert.deepEqual(
      (await readdir(join(mountDir, 'dest', 'model'))).sort(),
      ['weights.bin'],
      'no partial file left',
    );

    const exp = (await api(server.url, 'POST', 'experiments/create', { name: 'full' })).json.experiment_id;
    const runId = (
      (await api(server.url, 'POST', 'runs/create', { experiment_id: exp })).json.run as {
        info: { run_id: string };
      }
    ).info.run_id;
    const ui = await rawRequest(
      server.url,
      'POST',
      `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=big.bin`,
      Buffer.alloc(2 * 1024 * 1024, 3),
      { 'Content-Type': 'application/octet-stream' },
    );
    assert.equal(ui.status, 503, ui.text);

    const errors = logs.lines.filter(
      (l) => l.msg === 'The artifact storage is full; nothing was changed. Retry once space has been freed.',
    );
    assert.equal(errors.length, 2, JSON.stringify(logs.lines.slice(-6)));
    assert.ok(errors.every((l) => typeof l.req_id === 'string'));
    // The server still works once space is freed.
    const small = await put('model/weights.bin', Buffer.alloc(100, 4));
    assert.equal(small.status, 200);
  });
});
