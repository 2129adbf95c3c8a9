/**
 * Authentication on a real server: Basic credentials, tokens, throttled failed logins per user
 * and client address, web sessions with CSRF, cache invalidation, and a server without --auth.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ADMIN, basic, call, startAuthServer } from './helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A POST from a chosen local source address (the server sees it as another client). */
function fromAddress(url: string, localAddress: string, auth: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/api/2.0/mlflow/${path}`, url),
      { method: 'GET', localAddress, headers: { Authorization: auth } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('authentication', () => {
  let server: TestServer;
  const admin = basic(ADMIN.username, ADMIN.password);
  before(async () => {
    server = await startAuthServer('sqlite', {
      loginLimit: { maxFailures: 3, windowMs: 60_000, maxEntries: 100 },
    });
    for (const username of ['alice', 'bob', 'carol'])
      await call(server.url, admin, 'POST', 'users/create', { username, password: `${username}-password` });
  });
  after(async () => server.stop());

  it('refuses missing, malformed and wrong credentials with 401 and a Basic challenge', async () => {
    for (const cred of [
      null,
      basic('alice', 'wrong-password'),
      basic('nobody', 'whatever-pass'),
      { headers: { Authorization: 'Basic !!!' } },
      { headers: { Authorization: 'Digest abc' } },
      { bearer: 'cairn_not-a-real-token' },
    ]) {
      const r = await call(server.url, cred, 'GET', 'experiments/search');
      assert.equal(r.status, 401, JSON.stringify(cred));
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="mlflow"');
      assert.equal((r.json as { error_code?: string }).error_code, 'UNAUTHENTICATED');
    }
    // The web UI's mount gets no browser password dialog.
    const ui = await call(server.url, null, 'GET', '/ajax-api/2.0/mlflow/experiments/search');
    assert.equal(ui.status, 401);
    assert.equal(ui.headers.get('www-authenticate'), null);
  });

  it('throttles failed logins per user and client address only', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await call(server.url, basic('bob', `bad-${i}-password`), 'GET', 'users/current')).status,
        401,
      );
    const limited = await call(server.url, basic('bob', 'bob-password'), 'GET', 'users/current');
    assert.equal(limited.status, 429);
    const wait = Number(limited.headers.get('retry-after'));
    assert.ok(wait > 0 && wait <= 60, `Retry-After ${wait}`);
    // Another user from the same address, and the same user from another address, still sign in.
    assert.equal(
      (await call(server.url, basic('carol', 'carol-password'), 'GET', 'users/current')).status,
      200,
    );
    const bobElsewhere = `Basic ${Buffer.from('bob:bob-password').toString('base64')}`;
    assert.equal(await fromAddress(server.url, '127.0.0.2', bobElsewhere, 'users/current'), 200);
  });

  it('accepts tokens until they are revoked, and shows the secret only once', async () => {
    const alice = basic('alice', 'alice-password');
    const created = await call(server.url, alice, 'POST', 'tokens/create', {
      name: 'laptop',
      scope: 'write',
    });
    assert.equal(created.status, 200);
    const secret = String(created.json.secret);
    assert.match(secret, /^cairn_[A-Za-z0-9_-]{43}$/);
    const who = await call(server.url, { bearer: secret }, 'GET', 'users/current');
    assert.deepEqual((who.json.user as { username: string; auth_type: string }).username, 'alice');
    const listed = await call(server.url, alice, 'GET', 'tokens/list');
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(secret));
    const id = (created.json.token as { token_id: string }).token_id;
    // Bob cannot see or revoke Alice's token; an admin can list it.
    assert.equal(
      (await call(server.url, basic('carol', 'carol-password'), 'POST', 'tokens/revoke', { token_id: id }))
        .status,
      404,
    );
    assert.ok((await call(server.url, admin, 'GET', 'tokens/list', { all: 'true' })).text.includes(id));
    assert.equal((await call(server.url, alice, 'POST', 'tokens/revoke', { token_id: id })).status, 200);
    assert.equal((await call(server.url, { bearer: secret }, 'GET', 'users/current')).status, 401);
    // A read-only token cannot mint a stronger one.
    const ro = String(
      (await call(server.url, alice, 'POST', 'tokens/create', { name: 'ro', scope: 'read' })).json.secret,
    );
    assert.equal(
      (await call(server.url, { bearer: ro }, 'POST', 'tokens/create', { name: 'x', scope: 'admin' })).status,
      403,
    );
  });

  it('forgets cached credentials when a password changes', async () => {
    await call(server.url, admin, 'POST', 'users/create', { username: 'dave', password: 'dave-password' });
    assert.equal(
      (await call(server.url, basic('dave', 'dave-password'), 'GET', 'users/current')).status,
      200,
    );
    const changed = await call(server.url, basic('dave', 'dave-password'), 'PATCH', 'users/update-password', {
      username: 'dave',
      password: 'dave-new-password',
    });
    assert.equal(changed.status, 200);
    assert.equal(
      (await call(server.url, basic('dave', 'dave-password'), 'GET', 'users/current')).status,
      401,
    );
    assert.equal(
      (await call(server.url, basic('dave', 'dave-new-password'), 'GET', 'users/current')).status,
      200,
    );
    // A user reads their own record but not another's.
    assert.equal(
      (await call(server.url, basic('dave', 'dave-new-password'), 'GET', 'users/get', { username: 'dave' }))
        .status,
      200,
    );
    assert.equal(
      (await call(server.url, basic('dave', 'dave-new-password'), 'GET', 'users/get', { username: 'alice' }))
        .status,
      403,
    );
    // Short passwords are refused without echoing them.
    const weak = await call(server.url, admin, 'POST', 'users/create', {
      username: 'erin',
      password: 'short',
    });
    assert.equal(weak.status, 400);
    assert.ok(!weak.text.includes('short"'));
  });

  it('keeps the last administrator', async () => {
    const r = await call(server.url, admin, 'DELETE', 'users/delete', { username: ADMIN.username });
    assert.equal(r.status, 400);
    assert.match(String(r.json.message), /last administrator/);
  });

  it('runs web sessions on an HttpOnly cookie and requires the CSRF token on writes', async () => {
    const login = await call(server.url, null, 'POST', 'auth/login', {
      username: 'carol',
      password: 'carol-password',
    });
    assert.equal(login.status, 200);
    const cookies = login.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('cairn_session='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
    assert.doesNotMatch(session, /Secure/);
    const cookie = cookies.map((c) => c.split(';', 1)[0]).join('; ');
    const csrf = String(login.json.csrf_token);
    const asSession = (extra: Record<string, string> = {}) => ({ headers: { Cookie: cookie, ...extra } });
    assert.equal((await call(server.url, asSession(), 'GET', 'users/current')).status, 200);
    const noCsrf = await call(server.url, asSession(), 'POST', 'experiments/create', { name: 'by-cookie' });
    assert.equal(noCsrf.status, 403);
    const wrongCsrf = await call(
      server.url,
      asSession({ 'X-CSRF-Token': 'nope' }),
      'POST',
      'experiments/create',
      {
        name: 'by-cookie',
      },
    );
    assert.equal(wrongCsrf.status, 403);
    const ok = await call(server.url, asSession({ 'X-CSRF-Token': csrf }), 'POST', 'experiments/create', {
      name: 'by-cookie',
    });
    assert.equal(ok.status, 200);
    const out = await call(server.url, asSession({ 'X-CSRF-Token': csrf }), 'POST', 'auth/logout');
    assert.equal(out.status, 200);
    assert.equal((await call(server.url, asSession(), 'GET', 'users/current')).status, 401);
    // Behind an https proxy the cookie is Secure.
    const secure = await call(
      server.url,
      { headers: { 'X-Forwarded-Proto': 'https' } },
      'POST',
      'auth/login',
      { username: 'carol', password: 'carol-password' },
    );
    assert.match(secure.headers.getSetCookie()[0]!, /; Secure/);
  });
});

describe('audit log', () => {
  let server: TestServer;
  const admin = basic(ADMIN.username, ADMIN.password);
  before(async () => {
    server = await startAuthServer('sqlite', { defaultPermission: 'READ' });
    await call(server.url, admin, 'POST', 'users/create', { username: 'vic', password: 'vic-password' });
  });
  after(async () => server.stop());

  it('records who did what to which resource, refusals included, and answers admins by user and time', async () => {
    const t0 = Date.now();
    const id = String(
      (await call(server.url, admin, 'POST', 'experiments/create', { name: 'audited' })).json.experiment_id,
    );
    const vic = basic('vic', 'vic-password');
    assert.equal(
      (await call(server.url, vic, 'POST', 'experiments/delete', { experiment_id: id })).status,
      403,
    );
    assert.equal((await call(server.url, vic, 'GET', 'experiments/get', { experiment_id: id })).status, 200);
    await server.ctx.auth!.audit.flush();
    const byVic = await call(server.url, admin, 'GET', 'audit/search', { username: 'vic', start_time: t0 });
    const records = byVic.json.records as Record<string, unknown>[];
    // Reads are not audited; the refused delete is, with its experiment.
    assert.equal(records.length, 1);
    assert.deepEqual(
      [records[0]!.route, records[0]!.resource_kind, records[0]!.resource_id, records[0]!.status],
      ['experiments/delete', 'experiment', id, 403],
    );
    const onExperiment = await call(server.url, admin, 'GET', 'audit/search', {
      resource_kind: 'experiment',
      resource_id: id,
    });
    assert.deepEqual(
      (onExperiment.json.records as { username: string }[]).map((r) => r.username),
      ['vic', ADMIN.username],
    );
    assert.equal((await call(server.url, vic, 'GET', 'audit/search')).status, 403);
  });
});

describe('without --auth', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(async () => server.stop());

  it('serves everyone as before and mounts no access-control API', async () => {
    assert.equal((await call(server.url, null, 'POST', 'experiments/create', { name: 'open' })).status, 200);
    assert.equal((await call(server.url, null, 'GET', 'experiments/search')).status, 200);
    assert.equal(
      (await call(server.url, null, 'POST', 'users/create', { username: 'x', password: 'y' })).status,
      404,
    );
  });
});
