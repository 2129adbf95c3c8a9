/**
 * Issue 11 items 7 and 16 over real sockets: header and idle timeouts (an upload that keeps
 * sending is not cut), cleanup of a stalled upload, the per-client connection cap, and a client
 * that disconnects mid-body logged as a normal abort.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NETWORK_DEFAULTS } from '../../src/config/network-config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { LogCapture, closedWithin, openSocket, rawExchange } from './helpers.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function openFds(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

describe('connection limits', () => {
  let server: TestServer;
  const logs = new LogCapture();
  before(async () => {
    server = await startTestServer(
      'sqlite',
      {
        network: {
          ...NETWORK_DEFAULTS,
          headersTimeoutMs: 1000,
          idleTimeoutMs: 1500,
          maxConnectionsPerClient: 20,
        },
        log: { level: 'info', format: 'json' },
      },
      { logDestination: logs },
    );
  });
  after(() => server.stop());

  it('closes a connection that never finishes its headers', async () => {
    const socket = await openSocket(server.url);
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    assert.ok(await closedWithin(socket, 5000), 'closed after the headers timeout');
  });

  it('closes a stalled upload, removes its partial file and releases its descriptors', async () => {
    const before = await openFds();
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openSocket(server.url)));
    sockets.forEach((s, i) => {
      s.write(
        `PUT /api/2.0/mlflow-artifacts/artifacts/stall/f${i}.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n',
      );
      s.write(Buffer.alloc(1000, 1));
    });
    await new Promise((r) => setTimeout(r, 300));
    const parts = (await filesUnder(join(server.tmpDir, 'artifacts'))).filter((f) => f.endsWith('.part'));
    assert.equal(parts.length, 10, 'uploads in progress');
    const closed = await Promise.all(sockets.map((s) => closedWithin(s, 6000)));
    assert.deepEqual(closed, new Array(10).fill(true));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await filesUnder(join(server.tmpDir, 'artifacts', 'stall')), []);
    assert.ok((await openFds()) <= before + 2, `descriptors: ${before} before, ${await openFds()} after`);
  });

  it('does not cut an upload that keeps sending, slower than the idle timeout in total', async () => {
    const socket = await openSocket(server.url);
    const size = 8 * 1024;
    socket.write(
      'PUT /api/2.0/mlflow-artifacts/artifacts/slow/ok.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
    );
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // 8 pieces, 500 ms apart: 4 s in all, each gap well below the 1.5 s idle timeout.
    for (let i = 0; i < 8; i++) {
      socket.write(Buffer.alloc(size / 8, 7));
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(await closedWithin(socket, 5000));
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1.1 200/);
  });

  it('caps connections per client address and keeps serving other addresses', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => openSocket(server.url, '127.0.0.2')));
    const extra = await openSocket(server.url, '127.0.0.2');
    assert.ok(await closedWithin(extra, 2000), 'the 21st connection from 127.0.0.2 is closed');
    const other = await rawExchange(
      server.url,
      'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    assert.equal(other.status, 200);
    held.forEach((s) => s.destroy());
    await new Promise((r) => setTimeout(r, 200));
    const again = await rawExchange(
      server.url,
      'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      undefined,
      { localAddress: '127.0.0.2' },
    );
    assert.equal(again.status, 200, 'served again once connections are released');
    assert.ok(logs.lines.some((l) => l.msg === 'connection cap reached for a client address'));
  });

  it('logs a client that disconnects mid-body as an abort, without an error or stack', async () => {
    const mark = logs.lines.length;
    for (const path of [
      '/api/2.0/mlflow-artifacts/artifacts/abort/x.bin',
      '/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r&path=x',
    ]) {
      const socket = await openSocket(server.url);
      socket.write(
        `${path.includes('upload-artifact') ? 'POST' : 'PUT'} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          'Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n',
      );
      socket.write(Buffer.alloc(5000, 1));
      await new Promise((r) => setTimeout(r, 200));
      socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 300));
    const fresh = logs.lines.slice(mark);
    assert.equal(fresh.filter((l) => Number(l.level) >= 50).length, 0, JSON.stringify(fresh));
    assert.ok(!JSON.stringify(fresh).includes('    at '), 'no stack trace');
    assert.equal(fresh.filter((l) => l.msg === 'the client closed the connection mid-request').length, 2);
    assert.deepEqual(await filesUnder(join(server.tmpDir, 'artifacts', 'abort')), []);
  });
});

describe('closing the server', () => {
  it('ends a keep-alive connection as soon as its in-flight request is answered', async () => {
    const server = await startTestServer('sqlite');
    const socket = await openSocket(server.url);
    const size = 4000;
    socket.write(
      'PUT /api/2.0/mlflow-artifacts/artifacts/closing/f.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(size / 2, 1));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => setTimeout(r, 200));
    // The upload is in flight when the server starts closing; it still completes.
    const started = Date.now();
    const stopped = server.stop();
    await new Promise((r) => setTimeout(r, 200));
    socket.write(Buffer.alloc(size / 2, 1));
    // Without the fix the answered connection stays open for the 65 s keep-alive timeout.
    assert.ok(await closedWithin(socket, 5000), 'the connection is ended once the upload is answered');
    await stopped;
    assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`);
    const response = Buffer.concat(chunks).toString();
    assert.match(response, /^HTTP\/1.1 200/, response.slice(0, 200));
  });
});
