/**
 * Large API answers are compressed for clients that accept it: a long metric history and a page
 * of runs come brotli- or gzip-encoded and decode to exactly the uncompressed answer; small
 * answers, the logging calls and clients on this machine talking to the server directly are
 * answered as they are. Requests here come from 127.0.0.1, so those that stand for a remote
 * client name one the way a proxy does (X-Forwarded-For). HTTP behaviour, the same on every
 * store: run on SQLite only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Agent, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { COMPRESS_ANSWERS_FROM_BYTES } from '../../src/server/http-compression.js';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { NETWORK_DEFAULTS } from '../../src/config/network-config.js';
import { rawRequest, type RawResponse } from './helpers.js';

const API = '/api/2.0/mlflow';
/** What a proxy in front of the server adds: the client it forwards for. */
const REMOTE = { 'x-forwarded-for': '192.0.2.7' };

function decoded(res: RawResponse): string {
  const enc = res.headers['content-encoding'];
  const body =
    enc === 'br' ? brotliDecompressSync(res.body) : enc === 'gzip' ? gunzipSync(res.body) : res.body;
  return body.toString('utf8');
}

describe('compressed API answers', () => {
  let server: TestServer;
  let runId: string;
  let experimentId: string;

  before(async () => {
    server = await startTestServer('sqlite');
    experimentId = String(
      (await api(server.url, 'POST', 'experiments/create', { name: 'zip' })).json.experiment_id,
    );
    const created = await api<{ run: { info: { run_id: string } } }>(server.url, 'POST', 'runs/create', {
      experiment_id: experimentId,
    });
    runId = created.json.run.info.run_id;
    const t0 = 1_700_000_000_000;
    for (let b = 0; b < 5; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: 1 / (b * 1000 + i + 1),
        timestamp: t0 + b * 1000 + i,
        step: b * 1000 + i,
      }));
      assert.equal((await api(server.url, 'POST', 'runs/log-batch', { run_id: runId, metrics })).status, 200);
    }
    for (let i = 0; i < 60; i++)
      await api(server.url, 'POST', 'runs/create', { experiment_id: experimentId, run_name: `run-${i}` });
  });
  after(() => server?.stop());

  test('a long history is compressed as the client asks, and decodes to the same answer', async () => {
    const path = `${API}/metrics/get-history?run_id=${runId}&metric_key=loss`;
    const plain = await rawRequest(server.url, 'GET', path);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined, 'not compressed when not asked');
    assert.ok(plain.body.length >= COMPRESS_ANSWERS_FROM_BYTES, `large enough: ${plain.body.length} bytes`);
    assert.equal((JSON.parse(plain.text) as { metrics: unknown[] }).metrics.length, 5000);
    for (const [accept, expected] of [
      ['gzip, deflate, br', 'br'],
      ['gzip, deflate', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const res = await rawRequest(server.url, 'GET', path, undefined, {
        ...REMOTE,
        'accept-encoding': accept,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], expected, accept);
      assert.equal(res.headers.vary, 'Origin, Accept-Encoding', 'CORS keeps its Vary: Origin');
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.equal(decoded(res), plain.text, `the same answer (${accept})`);
      if (expected)
        assert.ok(res.body.length * 3 < plain.body.length, `${expected}: ${res.body.length} bytes`);
    }
  });

  test('a page of runs from POST runs/search is compressed too', async () => {
    const body = JSON.stringify({ experiment_ids: [experimentId], max_results: 100 });
    const headers = { 'content-type': 'application/json' };
    const plain = await rawRequest(server.url, 'POST', `${API}/runs/search`, body, headers);
    const res = await rawRequest(server.url, 'POST', `${API}/runs/search`, body, {
      ...headers,
      ...REMOTE,
      'accept-encoding': 'gzip',
    });
    assert.equal(res.status, 200);
    assert.ok(plain.body.length >= COMPRESS_ANSWERS_FROM_BYTES, `large enough: ${plain.body.length} bytes`);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(decoded(res)), JSON.parse(plain.text));
  });

  test('the SDK asks for compressed answers and reads them', async () => {
    const plain = await rawRequest(
      server.url,
      'GET',
      `${API}/metrics/get-history?run_id=${runId}&metric_key=loss`,
    );
    // The bytes the client's sockets received tell whether the answer came compressed.
    const sockets: Socket[] = [];
    const agent = new Agent({ keepAlive: true });
    const connect = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof connect>) => {
      const socket = connect(...args) as Socket;
      sockets.push(socket);
      return socket;
    }) as typeof agent.createConnection;
    const client = new TrackingClient(server.url, { agent, headers: REMOTE });
    try {
      const history = await client.getMetricHistory(runId, 'loss');
      assert.equal(history.length, 5000);
      assert.deepEqual(
        history.map((m) => m.step),
        Array.from({ length: 5000 }, (_, i) => i),
      );
      const received = sockets.reduce((n, s) => n + s.bytesRead, 0);
      assert.ok(
        received * 3 < plain.body.length,
        `received ${received} bytes for a ${plain.body.length}-byte answer`,
      );
    } finally {
      client.close();
    }
  });

  test('the SDK says so when an answer cannot be decoded', async () => {
    const bad = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('{"this is": "not gzip"}');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const client = new TrackingClient(`http://127.0.0.1:${(bad.address() as AddressInfo).port}`);
    try {
      await assert.rejects(client.getExperiment('1'), (err: Error) => {
        assert.match(err.message, /could not be decoded as gzip/);
        return true;
      });
    } finally {
      client.close();
      await new Promise<void>((r) => bad.close(() => r()));
    }
  });

  test('a client on this machine talking to the server directly gets the answer as it is', async () => {
    const path = `${API}/metrics/get-history?run_id=${runId}&metric_key=loss`;
    const res = await rawRequest(server.url, 'GET', path, undefined, { 'accept-encoding': 'gzip, br' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal((JSON.parse(res.text) as { metrics: unknown[] }).metrics.length, 5000);
    for (const proxied of [{ forwarded: 'for=192.0.2.7' }, { via: '1.1 lb' }] as Record<string, string>[]) {
      const through = await rawRequest(server.url, 'GET', path, undefined, {
        ...proxied,
        'accept-encoding': 'br',
      });
      assert.equal(through.headers['content-encoding'], 'br', JSON.stringify(proxied));
    }
  });

  test('small answers and logging calls are sent as they are', async () => {
    const small = await rawRequest(server.url, 'GET', `${API}/runs/get?run_id=${runId}`, undefined, {
      ...REMOTE,
      'accept-encoding': 'gzip, br',
    });
    assert.equal(small.status, 200);
    assert.equal(small.headers['content-encoding'], undefined);
    const logged = await rawRequest(
      server.url,
      'POST',
      `${API}/runs/log-metric`,
      JSON.stringify({ run_id: runId, key: 'acc', value: 0.5, timestamp: 1, step: 0 }),
      { 'content-type': 'application/json', ...REMOTE, 'accept-encoding': 'gzip, br' },
    );
    assert.equal(logged.status, 200);
    assert.equal(logged.headers['content-encoding'], undefined);
    assert.equal(logged.text, '{}');
  });

  test('Vary keeps what CORS put there and adds Accept-Encoding', async () => {
    const cors = await startTestServer('sqlite', {
      network: { ...NETWORK_DEFAULTS, corsAllowedOrigins: ['https://app.example.com'] },
    });
    try {
      const exp = String(
        (await api(cors.url, 'POST', 'experiments/create', { name: 'v' })).json.experiment_id,
      );
      for (let i = 0; i < 80; i++) await api(cors.url, 'POST', 'runs/create', { experiment_id: exp });
      const res = await rawRequest(
        cors.url,
        'POST',
        `${API}/runs/search`,
        JSON.stringify({ experiment_ids: [exp], max_results: 100 }),
        {
          'content-type': 'application/json',
          origin: 'https://app.example.com',
          ...REMOTE,
          'accept-encoding': 'gzip',
        },
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
      const vary = String(res.headers.vary)
        .split(',')
        .map((v) => v.trim().toLowerCase());
      assert.ok(vary.includes('origin') && vary.includes('accept-encoding'), `Vary: ${res.headers.vary}`);
    } finally {
      await cors.stop();
    }
  });

  test('errors of a compressible route stay readable', async () => {
    const res = await rawRequest(
      server.url,
      'GET',
      `${API}/metrics/get-history?run_id=nope&metric_key=loss`,
      undefined,
      { ...REMOTE, 'accept-encoding': 'gzip' },
    );
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal((JSON.parse(res.text) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
  });
});
