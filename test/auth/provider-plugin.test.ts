/**
 * A request authentication provider registered the way plugins register theirs: its own
 * `Authorization` scheme on a real server with --auth, identities kept as password-less users whose
 * grants and groups then apply like anyone else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, basic, call, startAuthServer } from './helpers.js';
import type { TestServer } from '../helpers/server.js';
import { registerPlugin } from '../../src/plugins/plugin.js';
import { EXTENSION_API_VERSIONS } from '../../src/version.js';

const KEYS: Record<string, { username: string; groups: string[] }> = {
  'key-dana': { username: 'dana', groups: ['data-science'] },
  'key-erin': { username: 'erin', groups: [] },
};
const seen: string[] = [];

describe('authentication provider plugins', () => {
  let server: TestServer;
  const admin = basic(ADMIN.username, ADMIN.password);
  const apiKey = (key: string) => ({ headers: { Authorization: `ApiKey ${key}` } });

  before(async () => {
    registerPlugin('cairn-plugin-api-keys', {
      authenticationProviders: [
        {
          apiVersion: EXTENSION_API_VERSIONS.authenticationProvider,
          name: 'api-keys',
          schemes: ['ApiKey'],
          authenticate: async (credential: string, context: { clientAddress: string }) => {
            seen.push(context.clientAddress);
            return KEYS[credential] ?? null;
          },
        },
      ],
    });
    server = await startAuthServer('sqlite', { defaultPermission: 'NO_PERMISSIONS' });
  });
  after(async () => server?.stop());

  it('answers for its scheme: known keys become users, unknown keys get 401', async () => {
    const ok = await call(server.url, apiKey('key-dana'), 'POST', 'experiments/create', { name: 'dana-exp' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.ok(seen.length > 0 && seen.every((a) => a.length > 0), 'the provider is told the client address');
    const bad = await call(server.url, apiKey('key-nobody'), 'GET', 'experiments/search');
    assert.equal(bad.status, 401);
    assert.equal((bad.json as { error_code?: string }).error_code, 'UNAUTHENTICATED');
    const empty = await call(
      server.url,
      { headers: { Authorization: 'ApiKey' } },
      'GET',
      'experiments/search',
    );
    assert.equal(empty.status, 401);
    const user = await call(server.url, admin, 'GET', 'users/get', { username: 'dana' });
    assert.equal(user.status, 200, 'the identity is a local user, so grants can name it');
  });

  it('the provider identity is subject to permissions like any user, and other schemes still fail', async () => {
    const created = await call(server.url, apiKey('key-dana'), 'POST', 'experiments/create', {
      name: 'private',
    });
    const experimentId = (created.json as { experiment_id: string }).experiment_id;
    const erinReads = await call(server.url, apiKey('key-erin'), 'GET', 'experiments/get', {
      experiment_id: experimentId,
    });
    assert.equal(erinReads.status, 403, 'no grant for erin on dana’s experiment');
    const grant = await call(server.url, apiKey('key-dana'), 'POST', 'experiments/permissions/create', {
      experiment_id: experimentId,
      username: 'erin',
      permission: 'READ',
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.json));
    const afterGrant = await call(server.url, apiKey('key-erin'), 'GET', 'experiments/get', {
      experiment_id: experimentId,
    });
    assert.equal(afterGrant.status, 200);
    const digest = await call(
      server.url,
      { headers: { Authorization: 'Digest abc' } },
      'GET',
      'experiments/search',
    );
    assert.equal(digest.status, 401);
    assert.match(String((digest.json as { message?: string }).message), /use Basic, Bearer, apikey/);
  });

  it('Basic and Bearer stay Cairn’s, and a provider for another interface version is refused', () => {
    const provider = (schemes: string[], apiVersion = 1) => ({
      authenticationProviders: [{ apiVersion, name: 'x', schemes, authenticate: async () => null }],
    });
    assert.throws(() => registerPlugin('p1', provider(['Basic'])), /already has an authentication provider/);
    assert.throws(() => registerPlugin('p2', provider(['apikey'])), /already has an authentication provider/);
    assert.throws(() => registerPlugin('p3', provider(['token2'], 2)), /declares apiVersion 2/);
  });
});
