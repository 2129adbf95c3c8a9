/**
 * Single sign-on: JWTs from an OpenID Connect issuer whose keys the test serves as a JWKS on
 * 127.0.0.1. Name and groups come from the configured claims; bad tokens are 401.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { ADMIN, basic, call, startAuthServer } from './helpers.js';
import type { TestServer } from '../helpers/server.js';

const ISSUER = 'https://login.example.test/';
const AUDIENCE = 'cairn';

async function keyPair(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function sign(
  key: CryptoKey,
  kid: string,
  claims: Record<string, unknown>,
  opts: { aud?: string; exp?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(key);
}

describe('OIDC bearer tokens', () => {
  let jwks: Server;
  let server: TestServer;
  let fileServer: TestServer;
  let good: { privateKey: CryptoKey; jwk: JWK };
  let other: { privateKey: CryptoKey; jwk: JWK };
  let experimentId: string;

  before(async () => {
    good = await keyPair('k1');
    other = await keyPair('k2');
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [good.jwk] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const oidc = {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri,
      usernameClaim: 'email',
      groupsClaim: 'roles',
    };
    server = await startAuthServer('sqlite', { defaultPermission: 'NO_PERMISSIONS', oidc });
    const admin = basic(ADMIN.username, ADMIN.password);
    experimentId = String(
      (await call(server.url, admin, 'POST', 'experiments/create', { name: 'sso' })).json.experiment_id,
    );
    await call(server.url, admin, 'POST', 'groups/create', { name: 'ml-team' });
    await call(server.url, admin, 'POST', 'experiments/permissions/create', {
      experiment_id: experimentId,
      group_name: 'ml-team',
      permission: 'EDIT',
    });
    // The same keys from a file instead of a URL.
    const file = join(server.tmpDir, 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [good.jwk] }));
    fileServer = await startAuthServer('sqlite', {
      oidc: {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksFile: file,
        usernameClaim: 'email',
        groupsClaim: 'roles',
      },
    });
  });
  after(async () => {
    await server.stop();
    await fileServer.stop();
    jwks.close();
  });

  it('takes the user name and groups from the configured claims', async () => {
    const jwt = await sign(good.privateKey, 'k1', { email: 'sam@example.test', roles: ['ml-team'] });
    const me = await call(server.url, { bearer: jwt }, 'GET', 'users/current');
    assert.equal(me.status, 200);
    assert.deepEqual(me.json.user, {
      username: 'sam@example.test',
      is_admin: false,
      groups: ['ml-team'],
      auth_type: 'oidc',
    });
    // EDIT through the group claim: may log to the experiment, may not delete it.
    assert.equal(
      (await call(server.url, { bearer: jwt }, 'GET', 'experiments/get', { experiment_id: experimentId }))
        .status,
      200,
    );
    assert.equal(
      (await call(server.url, { bearer: jwt }, 'POST', 'runs/create', { experiment_id: experimentId }))
        .status,
      200,
    );
    assert.equal(
      (await call(server.url, { bearer: jwt }, 'POST', 'experiments/delete', { experiment_id: experimentId }))
        .status,
      403,
    );
    // Without the group: no grant, default NO_PERMISSIONS.
    const loner = await sign(good.privateKey, 'k1', { email: 'lee@example.test' });
    assert.equal(
      (await call(server.url, { bearer: loner }, 'GET', 'experiments/get', { experiment_id: experimentId }))
        .status,
      403,
    );
    // An SSO user who creates an experiment manages it.
    const mine = await call(server.url, { bearer: loner }, 'POST', 'experiments/create', { name: 'lee-exp' });
    assert.equal(mine.status, 200);
    assert.equal(
      (
        await call(server.url, { bearer: loner }, 'POST', 'experiments/delete', {
          experiment_id: mine.json.experiment_id,
        })
      ).status,
      200,
    );
  });

  it('refuses tokens with the wrong audience, expired, or signed by another key', async () => {
    const bad = [
      await sign(good.privateKey, 'k1', { email: 'a@example.test' }, { aud: 'someone-else' }),
      await sign(good.privateKey, 'k1', { email: 'a@example.test' }, { exp: '-1m' }),
      await sign(other.privateKey, 'k2', { email: 'a@example.test' }),
      await sign(other.privateKey, 'k1', { email: 'a@example.test' }),
      'eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImEifQ.',
    ];
    for (const jwt of bad) {
      const r = await call(server.url, { bearer: jwt }, 'GET', 'users/current');
      assert.equal(r.status, 401, r.text);
      assert.ok(!r.text.includes(jwt));
    }
  });

  it('reads the keys from a JWKS file', async () => {
    const jwt = await sign(good.privateKey, 'k1', { email: 'file@example.test' });
    assert.equal((await call(fileServer.url, { bearer: jwt }, 'GET', 'users/current')).status, 200);
  });
});
