/**
 * Issue 11 items 4 and 5 over real sockets: Host header checks (DNS rebinding), CORS and the refusal
 * of cross-origin and form-like state-changing requests, and the security headers on every answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NETWORK_DEFAULTS } from '../../src/config/network-config.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../server/helpers.js';
import { rawExchange } from './helpers.js';

const get = (url: string, path: string, headers: Record<string, string>) =>
  rawExchange(
    url,
    `GET ${path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}Connection: close\r\n\r\n`,
  );

describe('Host header, origins and security headers (defaults)', () => {
  let server: TestServer;
  let port: string;
  before(async () => {
    server = await startTestServer('sqlite');
    port = new URL(server.url).port;
  });
  after(() => server.stop());

  it('refuses an unknown Host (DNS rebinding) with 403 and answers the known ones', async () => {
    const refused = await get(server.url, '/api/2.0/mlflow/experiments/search?max_results=5', {
      Host: `attacker.example:${port}`,
    });
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /"error_code":"PERMISSION_DENIED"/);
    assert.match(refused.text, /DNS rebinding/);
    // A name that only starts like a private address is still a foreign name.
    assert.equal((await get(server.url, '/version', { Host: 'x' })).status, 200, 'probes are exempt');
    assert.equal(
      (
        await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
          Host: `10.evil.example:${port}`,
        })
      ).status,
      403,
    );
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `192.168.1.20:${port}`,
      `10.0.0.7`,
      `[::1]:${port}`,
      `172.16.5.4:${port}`,
    ]) {
      const ok = await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', { Host: host });
      assert.equal(ok.status, 200, `${host}: ${ok.text.slice(0, 200)}`);
    }
  });

  it('refuses a cross-origin write before any work and answers a same-origin one', async () => {
    const foreign = await rawRequest(
      server.url,
      'POST',
      '/api/2.0/mlflow/experiments/create',
      JSON.stringify({ name: 'from-evil' }),
      { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
    );
    assert.equal(foreign.status, 403, foreign.text);
    assert.equal(
      (await api(server.url, 'GET', 'experiments/get-by-name', { experiment_name: 'from-evil' })).status,
      404,
    );
    const own = await rawRequest(
      server.url,
      'POST',
      '/api/2.0/mlflow/experiments/create',
      JSON.stringify({ name: 'from-ui' }),
      { 'Content-Type': 'application/json', Origin: server.url },
    );
    assert.equal(own.status, 200, own.text);
  });

  it('answers CORS preflights: no allowance for other origins by default', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    await res.arrayBuffer();
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const noCors = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      headers: { Origin: 'http://evil.example' },
    });
    await noCors.arrayBuffer();
    assert.equal(noCors.headers.get('access-control-allow-origin'), null);
  });

  it('answers the CORS headers of each kind of origin, request after request', async () => {
    const cors = (res: { headers: Record<string, string | undefined> }) =>
      Object.fromEntries(
        Object.entries(res.headers).filter(([k]) => k === 'vary' || k.startsWith('access-control-')),
      );
    const host = `127.0.0.1:${port}`;
    // Interleaved on purpose: the verdict on one request's origin must not leak into the next.
    for (let round = 0; round < 3; round++) {
      const own = await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
        Host: host,
        Origin: `http://${host}`,
      });
      assert.deepEqual(cors(own), {
        vary: 'Origin',
        'access-control-allow-origin': `http://${host}`,
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'X-Request-Id',
      });
      const foreign = await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
        Host: host,
        Origin: 'http://evil.example',
      });
      assert.equal(foreign.status, 200);
      assert.deepEqual(cors(foreign), { vary: 'Origin' });
      // The same origin string sent to another name of this server is foreign there.
      const otherHost = await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
        Host: `localhost:${port}`,
        Origin: `http://${host}`,
      });
      assert.deepEqual(cors(otherHost), { vary: 'Origin' });
      const none = await get(server.url, '/health', { Host: host });
      assert.deepEqual(cors(none), { vary: 'Origin' });
      const preflight = await rawExchange(
        server.url,
        `OPTIONS /api/2.0/mlflow/runs/log-metric HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\n` +
          'Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n',
      );
      assert.equal(preflight.status, 204, preflight.text);
      assert.deepEqual(cors(preflight), {
        vary: 'Origin, Access-Control-Request-Headers',
        'access-control-allow-origin': `http://${host}`,
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'X-Request-Id',
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
    }
  });

  it('sends the security headers and a request id on every answer', async () => {
    for (const path of [
      '/',
      '/api/2.0/mlflow/experiments/get?experiment_id=0',
      '/api/2.0/mlflow/nope',
      '/health',
    ]) {
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', path);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/, path);
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, path);
    }
  });

  it('refuses a form-like upload (text/plain, no origin) and keeps the artifact', async () => {
    const exp = (await api(server.url, 'POST', 'experiments/create', { name: 'forms' })).json.experiment_id;
    const run = (await api(server.url, 'POST', 'runs/create', { experiment_id: exp })).json.run as {
      info: { run_id: string; artifact_uri: string };
    };
    const target = `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run.info.run_id}&path=model%2FMLmodel`;
    const good = await rawRequest(server.url, 'POST', target, 'flavors: {}\n', {
      'Content-Type': 'application/octet-stream',
    });
    assert.equal(good.status, 200, good.text);
    for (const headers of <Record<string, string>[]>[
      { 'Content-Type': 'text/plain' },
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      { 'Content-Type': 'multipart/form-data; boundary=x' },
      {},
    ]) {
      const res = await rawRequest(server.url, 'POST', target, 'overwritten', headers);
      assert.equal(res.status, 400, `${JSON.stringify(headers)}: ${res.text}`);
    }
    const crossSite = await rawRequest(server.url, 'POST', target, 'overwritten', {
      'Content-Type': 'text/plain',
      Origin: 'http://evil.example',
    });
    assert.equal(crossSite.status, 403);
    const file = join(server.tmpDir, 'artifacts', `${exp}`, run.info.run_id, 'artifacts', 'model', 'MLmodel');
    assert.equal(await readFile(file, 'utf8'), 'flavors: {}\n');
  });
});

describe('--allowed-hosts, --cors-allowed-origins and --disable-security-middleware', () => {
  it('opens exactly what is listed', async () => {
    const server = await startTestServer('sqlite', {
      network: {
        ...NETWORK_DEFAULTS,
        allowedHosts: ['mlflow.example.com', '*.corp.example'],
        corsAllowedOrigins: ['https://app.example.com'],
      },
    });
    try {
      const port = new URL(server.url).port;
      assert.equal(
        (
          await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
            Host: `mlflow.example.com:${port}`,
          })
        ).status,
        200,
      );
      assert.equal(
        (await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', { Host: 'a.corp.example' }))
          .status,
        200,
      );
      // Listing names replaces the default: localhost is no longer accepted.
      assert.equal(
        (
          await get(server.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
            Host: `localhost:${port}`,
          })
        ).status,
        403,
      );

      const preflight = await rawExchange(
        server.url,
        'OPTIONS /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: mlflow.example.com\r\n' +
          'Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n' +
          'Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n',
      );
      assert.equal(preflight.status, 204, preflight.text);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
      assert.match(preflight.headers['access-control-allow-methods'] ?? '', /POST/);
      assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
      const body = JSON.stringify({ name: 'from-app' });
      const write = await rawExchange(
        server.url,
        `POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: mlflow.example.com\r\nOrigin: https://app.example.com\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      assert.equal(write.status, 200, write.text);
      assert.equal(write.headers['access-control-allow-origin'], 'https://app.example.com');
    } finally {
      await server.stop();
    }

    const anySite = await startTestServer('sqlite', {
      network: { ...NETWORK_DEFAULTS, corsAllowedOrigins: ['*'] },
    });
    try {
      for (const origin of ['http://any.example', undefined]) {
        const res = await get(anySite.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
          Host: `127.0.0.1:${new URL(anySite.url).port}`,
          ...(origin ? { Origin: origin } : {}),
        });
        assert.equal(res.status, 200);
        // Any site may read answers, so never with the user's cookies.
        assert.equal(res.headers['access-control-allow-origin'], '*');
        assert.equal(res.headers['access-control-allow-credentials'], undefined);
        assert.equal(res.headers.vary, 'Origin');
      }
    } finally {
      await anySite.stop();
    }

    const open = await startTestServer('sqlite', {
      network: { ...NETWORK_DEFAULTS, disableSecurityMiddleware: true },
    });
    try {
      const res = await get(open.url, '/api/2.0/mlflow/experiments/get?experiment_id=0', {
        Host: 'anything.example',
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-frame-options'], undefined);
      assert.match(res.headers['x-request-id'] ?? '', /./, 'the request id stays');
    } finally {
      await open.stop();
    }
  });
});
