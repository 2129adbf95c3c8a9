/**
 * Every route the server registers has an entry in the permission table, and every entry of the
 * table belongs to a route (no stale rules). Checked on the three shapes of the server: default,
 * --no-serve-artifacts and --artifacts-only.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PREFIXES, allEndpoints, buildApp } from '../../src/server/app.js';
import { createContext } from '../../src/server/server.js';
import { defaultServerConfig, type ServerConfig } from '../../src/config/server-config.js';
import { defaultAuthConfig } from '../../src/config/auth-config.js';
import { registeredRoutes } from '../../src/server/auth/auth-hooks.js';
import { authEndpoints } from '../../src/server/routes/auth.js';
import { ROUTE_PERMISSIONS, ruleFor, tablePath } from '../../src/auth/route-permissions.js';

async function routesOf(overrides: Partial<ServerConfig>, dir: string) {
  const config = defaultServerConfig({
    backendStoreUri: `sqlite:///${join(dir, `${Object.keys(overrides).join('-') || 'default'}.db`)}`,
    artifactsDestination: join(dir, 'artifacts'),
    auth: defaultAuthConfig(),
    ...overrides,
  });
  const { ctx, close } = await createContext(config);
  const app = await buildApp(ctx);
  await app.ready();
  const routes = registeredRoutes(app);
  await app.close();
  await close();
  return routes;
}

describe('permission table', () => {
  let dir: string;
  after(async () => rm(dir, { recursive: true, force: true }));

  it('has a rule for every registered route and no rule without a route', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-routes-'));
    const shapes = [
      await routesOf({}, dir),
      await routesOf({ serveArtifacts: false }, dir),
      await routesOf({ artifactsOnly: true }, dir),
    ];
    const all = shapes.flat();
    // The enumeration really sees the API: every endpoint under every mount.
    for (const ep of [...allEndpoints(), ...authEndpoints])
      for (const prefix of API_PREFIXES)
        for (const method of ep.methods)
          assert.ok(
            all.some((r) => r.method === method && r.url === prefix + ep.path),
            `not registered: ${method} ${prefix}${ep.path}`,
          );
    for (const path of ['/get-artifact', '/model-versions/get-artifact', '/health', '/version', '/'])
      assert.ok(
        all.some((r) => r.url === path),
        `not registered: ${path}`,
      );
    assert.ok(all.some((r) => r.url === '/api/2.0/mlflow-artifacts/artifacts/*' && r.method === 'PUT'));

    const missing = all.filter((r) => !ruleFor(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual([...new Set(missing)], [], 'routes without a permission rule');

    const used = new Set<string>();
    for (const r of all) {
      const m = r.method === 'HEAD' ? 'GET' : r.method;
      const path = tablePath(r.url);
      used.add(ROUTE_PERMISSIONS[`${m} ${path}`] ? `${m} ${path}` : `ALL ${path}`);
    }
    const stale = Object.keys(ROUTE_PERMISSIONS).filter((k) => !used.has(k));
    assert.deepEqual(stale, [], 'rules without a route');
  });

  it('refuses a route the table does not know (deny by default)', () => {
    assert.equal(ruleFor('POST', '/api/2.0/mlflow/experiments/not-a-route'), undefined);
    assert.equal(ruleFor('GET', '/api/2.0/mlflow/runs/log-metric'), undefined);
  });
});
