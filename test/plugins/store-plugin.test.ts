/**
 * Tracking stores by URI scheme from a plugin: the in-memory store of
 * test/fixtures/memory-store-plugin passes the experiments part of the tracking-store contract,
 * serves a real server (with the registry on SQLite), and the extension point refuses other
 * interface versions and schemes that are taken.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerPlugin, PluginLoadError } from '../../src/plugins/plugin.js';
import { openTrackingStore } from '../../src/store/sql/builtin-stores.js';
import { EXTENSION_API_VERSIONS } from '../../src/version.js';
import { defaultAuthConfig } from '../../src/config/auth-config.js';
import type { RegistryStore } from '../../src/store/registry-store.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { experimentsContract } from '../store/contract/experiments.js';
import memoryStorePlugin, { memoryStores } from '../fixtures/memory-store-plugin/index.js';

registerPlugin('memory-store', memoryStorePlugin);

const freshUri = () => `memory://${randomBytes(6).toString('hex')}`;

experimentsContract('memory store plugin', async (artifactRoot = 'mlflow-artifacts:/') => {
  const uri = freshUri();
  const { store } = await openTrackingStore(uri, { defaultArtifactRoot: artifactRoot });
  await store.init();
  return {
    store,
    close: async () => {
      await store.close();
      memoryStores.delete(uri);
    },
  };
});

describe('trackingStores extension point', () => {
  const provider = (over: Record<string, unknown>) => ({
    trackingStores: [
      {
        apiVersion: EXTENSION_API_VERSIONS.trackingStore,
        name: 'other',
        schemes: ['other-memory'],
        open: () => Promise.reject(new Error('not opened in this test')),
        ...over,
      },
    ],
  });

  it('refuses another interface version, naming both', () => {
    assert.throws(
      () => registerPlugin('old-store', provider({ apiVersion: 0 })),
      (err: Error) =>
        err instanceof PluginLoadError &&
        /Plugin 'old-store': The trackingStore 'other' declares apiVersion 0.*implements trackingStore apiVersion 1/.test(
          err.message,
        ),
    );
  });

  it('refuses schemes already taken: by a store, by a database driver, or by the built-in SQL store', () => {
    for (const scheme of ['memory', 'sqlite', 'postgres', 'mariadb']) {
      assert.throws(
        () => registerPlugin('taker', provider({ schemes: [scheme] })),
        new RegExp(`'${scheme}:' store URIs already have a trackingStore`),
      );
    }
  });

  it('names the registered schemes for an unknown one', async () => {
    await assert.rejects(
      openTrackingStore('nosuch://x', { defaultArtifactRoot: '/tmp' }),
      /Unsupported backend store URI 'nosuch:\.\.\.'.*mariadb, memory, mysql, postgres, postgresql, sqlite/,
    );
  });
});

describe('a server on the memory store plugin', () => {
  let server: TestServer;
  const uri = freshUri();
  before(async () => {
    server = await startTestServer('sqlite', { backendStoreUri: uri });
  });
  after(async () => {
    await server?.stop();
    memoryStores.delete(uri);
  });

  it('keeps experiments and runs in the plugin store, which receives searches parsed', async () => {
    const created = await api<{ experiment_id: string }>(server.url, 'POST', 'experiments/create', {
      name: 'in-memory',
      tags: [{ key: 'team', value: 'ml' }],
    });
    assert.equal(created.status, 200, created.text);
    const store = memoryStores.get(uri)!;
    assert.equal((await store.getExperiment(created.json.experiment_id)).name, 'in-memory');

    const before = store.parsedFilters;
    const found = await api<{ experiments: { name: string }[] }>(server.url, 'POST', 'experiments/search', {
      filter: "tags.team = 'ml' AND name LIKE 'in-%'",
      order_by: ['name DESC'],
    });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(
      found.json.experiments.map((e) => e.name),
      ['in-memory'],
    );
    assert.equal(store.parsedFilters, before + 1);

    // A bad filter is refused by the service with MLflow's message; the store never sees it.
    const bad = await api<{ error_code: string; message: string }>(server.url, 'POST', 'experiments/search', {
      filter: "name = 'a' OR name = 'b'",
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(bad.json.message, /Invalid clause\(s\) in filter string: 'OR'/);
    assert.equal(store.parsedFilters, before + 1);

    const run = await api<{ run: { info: { run_id: string } } }>(server.url, 'POST', 'runs/create', {
      experiment_id: created.json.experiment_id,
      run_name: 'r1',
      start_time: 1,
    });
    assert.equal(run.status, 200, run.text);
    const logged = await api(server.url, 'POST', 'runs/log-batch', {
      run_id: run.json.run.info.run_id,
      params: [{ key: 'lr', value: '0.1' }],
    });
    assert.equal(logged.status, 200, logged.text);
    const got = await store.getRun(run.json.run.info.run_id);
    assert.deepEqual(got.data.params, [{ key: 'lr', value: '0.1' }]);
    assert.equal(got.info.run_name, 'r1');

    // What the plugin store does not implement is a clear answer, not a 500.
    const history = await api<{ error_code: string }>(server.url, 'GET', 'metrics/get-history', {
      run_id: run.json.run.info.run_id,
      metric_key: 'loss',
    });
    assert.equal(history.json.error_code, 'NOT_IMPLEMENTED');
    assert.equal(history.status, 501);
  });

  it('needs a registry store for the registry URI: memory: has only a tracking store', async () => {
    const memoryOnly = freshUri();
    await assert.rejects(
      startTestServer('sqlite', { backendStoreUri: memoryOnly, registryStoreUri: memoryOnly }),
      /Unsupported registry store URI 'memory:\.\.\.'/,
    );
    memoryStores.delete(memoryOnly);
  });

  it('refuses authentication when no store has a SQL database, before serving', async () => {
    // A registry store that is never used: the refusal comes before anything is read or written.
    const untouched = new Proxy({} as RegistryStore, {
      get: (_, name) => () => Promise.reject(new Error(`registry store used: ${String(name)}`)),
    });
    registerPlugin('unused-registry', {
      registryStores: [
        {
          apiVersion: EXTENSION_API_VERSIONS.registryStore,
          name: 'unused',
          schemes: ['unused-registry'],
          open: () => Promise.resolve({ store: untouched }),
        },
      ],
    });
    const memoryOnly = freshUri();
    await assert.rejects(
      startTestServer('sqlite', {
        backendStoreUri: memoryOnly,
        registryStoreUri: 'unused-registry://x',
        auth: defaultAuthConfig({ bootstrapAdmin: { username: 'admin', password: 'a-long-password-1' } }),
      }),
      /Authentication keeps users and tokens in a SQL database, and the 'memory:' stores have none/,
    );
    memoryStores.delete(memoryOnly);
  });
});
