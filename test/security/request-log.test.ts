/**
 * The request log: one line per request with method, route, status, duration and request id (also
 * sent as X-Request-Id), errors with their request id, text format, and no credentials or
 * secrets in any line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../helpers/server.js';
import { rawRequest } from '../server/helpers.js';
import { LogCapture } from './helpers.js';
import { defaultAuthConfig } from '../../src/config/auth-config.js';
import { ADMIN } from '../auth/helpers.js';

describe('request log', () => {
  it('writes one line per request with its id, and never a credential', async () => {
    const logs = new LogCapture();
    const server = await startTestServer(
      'sqlite',
      { log: { level: 'info', format: 'json' } },
      { logDestination: logs },
    );
    try {
      const res = await fetch(
        `${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0&token=query-secret`,
        {
          headers: { Authorization: 'Bearer sk-live-abcdef', Cookie: 'session=cookie-secret' },
        },
      );
      await res.text();
      const id = res.headers.get('x-request-id');
      assert.match(id ?? '', /^[0-9a-f-]{36}$/);
      const created = await rawRequest(
        server.url,
        'POST',
        '/api/2.0/mlflow/experiments/create',
        JSON.stringify({ name: 'logged', password: 'body-secret' }),
        { 'Content-Type': 'application/json', 'X-Request-Id': 'proxy-req-0001' },
      );
      assert.equal(created.status, 200);
      await api(server.url, 'GET', 'runs/get', { run_id: 'missing' });
      await new Promise((r) => setTimeout(r, 50));

      const lines = logs.requestLines();
      assert.equal(lines.length, 3, JSON.stringify(lines));
      const [first, second, third] = lines;
      assert.deepEqual(
        {
          method: first!.method,
          route: first!.route,
          path: first!.path,
          status: first!.status,
          req_id: first!.req_id,
        },
        {
          method: 'GET',
          route: '/api/2.0/mlflow/experiments/get',
          path: '/api/2.0/mlflow/experiments/get',
          status: 200,
          req_id: id,
        },
      );
      assert.equal(typeof first!.duration_ms, 'number');
      assert.equal(first!.user, null);
      assert.equal(second!.req_id, 'proxy-req-0001', 'a well-formed incoming request id is kept');
      assert.equal(third!.status, 404);
      const all = logs.raw.join('\n');
      for (const secret of ['sk-live-abcdef', 'cookie-secret', 'query-secret', 'body-secret']) {
        assert.ok(!all.includes(secret), `${secret} must not be logged`);
      }
    } finally {
      await server.stop();
    }
  });

  it('names the authenticated user', async () => {
    const logs = new LogCapture();
    const server = await startTestServer(
      'sqlite',
      { log: { level: 'info', format: 'json' }, auth: defaultAuthConfig({ bootstrapAdmin: ADMIN }) },
      { logDestination: logs },
    );
    try {
      const credentials = Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64');
      const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
        headers: { Authorization: `Basic ${credentials}` },
      });
      assert.equal(res.status, 200, await res.text());
      const anonymous = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
      assert.equal(anonymous.status, 401, 'without credentials the call is refused');
      await new Promise((r) => setTimeout(r, 50));
      const lines = logs.requestLines().filter((l) => l.route === '/api/2.0/mlflow/experiments/get');
      assert.deepEqual(
        lines.map((l) => [l.status, l.user]),
        [
          [200, ADMIN.username],
          [401, null],
        ],
        'the user is logged once authenticated, null otherwise',
      );
    } finally {
      await server.stop();
    }
  });

  it('writes readable text lines with --log-format text and honours --log-level', async () => {
    const logs = new LogCapture();
    const server = await startTestServer(
      'sqlite',
      { log: { level: 'info', format: 'text' } },
      { logDestination: logs },
    );
    try {
      await (await fetch(`${server.url}/health`)).text();
      await new Promise((r) => setTimeout(r, 50));
      const line = logs.raw.find((l) => l.includes(' request '));
      assert.match(
        line ?? '',
        /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}request req_id=[0-9a-f-]{36} method=GET route=\/health .*status=200 duration_ms=[\d.]+ /,
      );
    } finally {
      await server.stop();
    }
    const quiet = new LogCapture();
    const warnOnly = await startTestServer(
      'sqlite',
      { log: { level: 'warn', format: 'json' } },
      { logDestination: quiet },
    );
    try {
      await (await fetch(`${warnOnly.url}/health`)).text();
      await rawRequest(warnOnly.url, 'GET', '/version', undefined, { Host: 'evil.example' });
      const refused = await rawRequest(
        warnOnly.url,
        'GET',
        '/api/2.0/mlflow/experiments/get?experiment_id=0',
        undefined,
        {
          Host: 'evil.example',
        },
      );
      assert.equal(refused.status, 403);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        quiet.lines.map((l) => l.msg),
        ['refused a request with an unknown Host header'],
      );
    } finally {
      await warnOnly.stop();
    }
  });
});
