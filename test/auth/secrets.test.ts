/**
 * Passwords, tokens and session secrets never appear in responses (other than the one that
 * creates a token), in error messages, in the audit log or in anything the server writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, basic, call, startAuthServer, type Reply } from './helpers.js';
import type { TestServer } from '../helpers/server.js';

describe('secrets', () => {
  let server: TestServer;
  const written: string[] = [];
  const originals = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };

  before(async () => {
    // Everything the process prints while the server runs.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return originals.out(chunk, ...rest);
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return originals.err(chunk, ...rest);
    }) as typeof process.stderr.write;
    server = await startAuthServer('sqlite');
  });
  after(async () => {
    await server.stop();
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  });

  it('keeps them out of responses, errors, the audit log and output', async () => {
    const admin = basic(ADMIN.username, ADMIN.password);
    const password = 'Sup3r-secret-passw0rd';
    const wrong = 'Wr0ng-guess-passw0rd';
    const newPassword = 'An0ther-secret-passw0rd';
    const replies: Reply[] = [];
    const record = async (r: Promise<Reply>) => {
      const reply = await r;
      replies.push(reply);
      return reply;
    };
    await record(call(server.url, admin, 'POST', 'users/create', { username: 'sec', password }));
    await record(call(server.url, basic('sec', wrong), 'POST', 'experiments/create', { name: 'x' }));
    await record(call(server.url, basic('sec', wrong), 'GET', 'users/current'));
    // Malformed secrets in requests are reported without their value.
    await record(call(server.url, admin, 'POST', 'users/create', { username: 'sec2', password: [wrong] }));
    await record(
      call(server.url, admin, 'POST', 'users/create', { username: 'sec3', password: wrong.slice(0, 5) }),
    );
    const created = await call(server.url, basic('sec', password), 'POST', 'tokens/create', { name: 't' });
    const token = String(created.json.secret);
    assert.match(token, /^cairn_/);
    await record(call(server.url, { bearer: token }, 'GET', 'tokens/list'));
    await record(call(server.url, { bearer: `${token}x` }, 'GET', 'tokens/list'));
    const login = await record(call(server.url, null, 'POST', 'auth/login', { username: 'sec', password }));
    const session = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('cairn_session='))!
      .split(';', 1)[0]!
      .slice('cairn_session='.length);
    await record(
      call(server.url, basic('sec', password), 'PATCH', 'users/update-password', {
        username: 'sec',
        password: newPassword,
      }),
    );
    await record(call(server.url, basic('sec', newPassword), 'GET', 'users/get', { username: 'sec' }));
    await server.ctx.auth!.audit.flush();
    await record(call(server.url, admin, 'GET', 'audit/search', { max_results: 1000 }));
    await record(call(server.url, admin, 'GET', 'users/list'));

    const secrets = { password, wrong, newPassword, token, session, wrongPrefix: wrong.slice(0, 5) };
    const basicValue = Buffer.from(`sec:${password}`).toString('base64');
    for (const r of replies) {
      const visible = `${r.text}\n${[...r.headers.entries()].filter(([k]) => k !== 'set-cookie').join('\n')}`;
      for (const [what, secret] of Object.entries(secrets))
        assert.ok(!visible.includes(secret), `${what} in ${r.text}`);
      assert.ok(!visible.includes(basicValue));
    }
    const output = written.join('');
    for (const [what, secret] of Object.entries(secrets))
      assert.ok(!output.includes(secret), `${what} printed`);
    // The store keeps hashes only.
    const user = await server.ctx.auth!.store.getUser('sec');
    assert.match(user!.passwordHash!, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!user!.passwordHash!.includes(newPassword));
    const tokens = await server.ctx.auth!.store.listTokens(user!.id);
    assert.ok(!JSON.stringify(tokens).includes(token));
  });
});
