/**
 * Behaviour every model-registry store must show, whatever keeps its data: one line runs it
 * against a store (`describeRegistryStoreContract('my store', () => openMyStore())`), as
 * test/store/sql-registry-store.test.ts does for the SQL store on each database. Validation of
 * requests belongs to the registry service and is tested through the API (test/registry/).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RegistryStore } from '../../../src/store/registry-store.js';
import { parseSearchFilter } from '../../../src/search/parse-filter.js';
import { parseOrderByList } from '../../../src/search/parse-order-by.js';
import { rejectsWith } from './fixture.js';

export interface RegistryStoreFixture {
  store: RegistryStore;
  /** Releases the store and removes its data. */
  close(): Promise<void>;
}

/** Opens a fresh, empty registry store. */
export type OpenRegistryStore = () => Promise<RegistryStoreFixture>;

const T = 1_700_000_000_000;

export function describeRegistryStoreContract(label: string, open: OpenRegistryStore): void {
  describe(`registry store contract (${label})`, () => {
    let f: RegistryStoreFixture;
    let store: RegistryStore;
    before(async () => {
      f = await open();
      store = f.store;
    });
    after(async () => {
      await f?.close();
    });

    const newModel = (name: string, tags: { key: string; value: string }[] = []) =>
      store.createRegisteredModel({ name, description: `about ${name}`, tags, userId: 'alice', time: T });
    const newVersion = (name: string, time = T + 1) =>
      store.createModelVersion({ name, source: `s3://bucket/${name}`, runId: null, userId: 'bob', time });

    it('creates a model with its tags; a second model of the same name is refused', async () => {
      const m = await newModel('fraud', [{ key: 'team', value: 'risk' }]);
      assert.equal(m.name, 'fraud');
      assert.equal(m.description, 'about fraud');
      assert.equal(m.userId, 'alice');
      assert.equal(m.creationTime, T);
      assert.deepEqual(m.tags, [{ key: 'team', value: 'risk' }]);
      assert.deepEqual(m.aliases, []);
      assert.deepEqual(m.latestVersions, []);
      assert.deepEqual(await store.getRegisteredModel('fraud'), m);
      await rejectsWith(newModel('fraud'), 'RESOURCE_ALREADY_EXISTS');
      await rejectsWith(store.getRegisteredModel('nope'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('numbers versions 1, 2, 3 and never reuses the number of a deleted version', async () => {
      await newModel('numbers');
      const versions = [];
      for (let i = 0; i < 3; i++) versions.push((await newVersion('numbers')).version);
      assert.deepEqual(versions, [1, 2, 3]);
      await store.deleteModelVersion('numbers', 3, T + 2);
      await rejectsWith(store.getModelVersion('numbers', 3), 'RESOURCE_DOES_NOT_EXIST');
      assert.equal((await newVersion('numbers')).version, 4);
      await rejectsWith(newVersion('no-such-model'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('gives concurrent creators distinct, gap-free numbers', async () => {
      await newModel('parallel');
      const made = await Promise.all(Array.from({ length: 12 }, () => newVersion('parallel')));
      assert.deepEqual(
        made.map((v) => v.version).sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    });

    it('moves versions between stages, archiving the others of the target stage on request', async () => {
      await newModel('stages');
      for (let i = 0; i < 3; i++) await newVersion('stages');
      assert.equal((await store.getModelVersion('stages', 1)).stage, 'None');
      await store.transitionStage('stages', 1, 'Production', false, T + 5);
      await store.transitionStage('stages', 2, 'Production', false, T + 6);
      assert.equal((await store.getModelVersion('stages', 1)).stage, 'Production', 'kept without archiving');
      const moved = await store.transitionStage('stages', 3, 'Production', true, T + 7);
      assert.equal(moved.stage, 'Production');
      assert.equal(moved.lastUpdatedTime, T + 7);
      assert.equal((await store.getModelVersion('stages', 1)).stage, 'Archived');
      assert.equal((await store.getModelVersion('stages', 2)).stage, 'Archived');
      const latest = await store.getLatestVersions('stages', []);
      assert.deepEqual(latest.map((v) => [v.stage, v.version]).sort(), [
        ['Archived', 2],
        ['Production', 3],
      ]);
      assert.deepEqual(
        (await store.getLatestVersions('stages', ['Production'])).map((v) => v.version),
        [3],
      );
    });

    it('resolves aliases, moves them, and drops them with their version', async () => {
      await newModel('aliased');
      await newVersion('aliased');
      await newVersion('aliased');
      await store.setAlias('aliased', 'champion', 1);
      await store.setAlias('aliased', 'challenger', 2);
      assert.equal((await store.getVersionByAlias('aliased', 'champion')).version, 1);
      await store.setAlias('aliased', 'champion', 2);
      const v2 = await store.getVersionByAlias('aliased', 'champion');
      assert.equal(v2.version, 2);
      assert.deepEqual(v2.aliases, ['challenger', 'champion']);
      assert.deepEqual((await store.getRegisteredModel('aliased')).aliases, [
        { alias: 'challenger', version: 2 },
        { alias: 'champion', version: 2 },
      ]);
      await store.deleteAlias('aliased', 'challenger');
      await rejectsWith(store.getVersionByAlias('aliased', 'challenger'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.setAlias('aliased', 'ghost', 9), 'RESOURCE_DOES_NOT_EXIST');
      await store.deleteModelVersion('aliased', 2, T + 3);
      await rejectsWith(store.getVersionByAlias('aliased', 'champion'), 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual((await store.getRegisteredModel('aliased')).aliases, []);
    });

    it('sets, overwrites and deletes tags of models and versions', async () => {
      await newModel('tagged');
      await newVersion('tagged');
      await store.setRegisteredModelTag('tagged', { key: 'k', value: 'v1' });
      await store.setRegisteredModelTag('tagged', { key: 'k', value: 'v2' });
      await store.setModelVersionTag('tagged', 1, { key: 'checked', value: 'yes' });
      assert.deepEqual((await store.getRegisteredModel('tagged')).tags, [{ key: 'k', value: 'v2' }]);
      assert.deepEqual((await store.getModelVersion('tagged', 1)).tags, [{ key: 'checked', value: 'yes' }]);
      await store.deleteRegisteredModelTag('tagged', 'k');
      await store.deleteModelVersionTag('tagged', 1, 'checked');
      assert.deepEqual((await store.getRegisteredModel('tagged')).tags, []);
      assert.deepEqual((await store.getModelVersion('tagged', 1)).tags, []);
      await rejectsWith(
        store.setModelVersionTag('tagged', 7, { key: 'a', value: 'b' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('renames a model with its versions, tags and aliases; the old name is free again', async () => {
      await newModel('before', [{ key: 'k', value: 'v' }]);
      await newVersion('before');
      await store.setModelVersionTag('before', 1, { key: 'vk', value: 'vv' });
      await store.setAlias('before', 'prod', 1);
      const renamed = await store.renameRegisteredModel('before', 'after', T + 9);
      assert.equal(renamed.name, 'after');
      assert.deepEqual(renamed.tags, [{ key: 'k', value: 'v' }]);
      assert.deepEqual(renamed.aliases, [{ alias: 'prod', version: 1 }]);
      const v1 = await store.getModelVersion('after', 1);
      assert.deepEqual(v1.tags, [{ key: 'vk', value: 'vv' }]);
      assert.equal((await store.getVersionByAlias('after', 'prod')).version, 1);
      await rejectsWith(store.getRegisteredModel('before'), 'RESOURCE_DOES_NOT_EXIST');
      await newModel('taken');
      await rejectsWith(store.renameRegisteredModel('after', 'taken', T + 10), 'RESOURCE_ALREADY_EXISTS');
      await newModel('before');
    });

    it('deletes a model with everything under it', async () => {
      await newModel('doomed', [{ key: 'k', value: 'v' }]);
      await newVersion('doomed');
      await store.setAlias('doomed', 'a', 1);
      await store.deleteRegisteredModel('doomed');
      await rejectsWith(store.getRegisteredModel('doomed'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.getModelVersion('doomed', 1), 'RESOURCE_DOES_NOT_EXIST');
      await newModel('doomed');
      const fresh = await store.getRegisteredModel('doomed');
      assert.deepEqual([fresh.tags, fresh.aliases], [[], []]);
      assert.equal((await newVersion('doomed')).version, 1, 'a new model of the same name starts again');
      await rejectsWith(store.deleteRegisteredModel('never-was'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('searches models and versions by filter, in order, page by page', async () => {
      for (const name of ['search-b', 'search-a', 'search-c']) {
        await newModel(name, [{ key: 'kind', value: name === 'search-c' ? 'other' : 'tree' }]);
        await newVersion(name);
      }
      const models = (filter: string, orderBy: string[], maxResults = 10, offset = 0) =>
        store.searchRegisteredModels({
          filter: parseSearchFilter('registered_models', filter),
          orderBy: parseOrderByList('registered_models', orderBy),
          maxResults,
          offset,
        });
      const names = (page: { items: { name: string }[] }) => page.items.map((m) => m.name);
      assert.deepEqual(names(await models("name LIKE 'search-%'", ['name ASC'])), [
        'search-a',
        'search-b',
        'search-c',
      ]);
      assert.deepEqual(names(await models("name LIKE 'search-%' AND tags.kind = 'tree'", ['name DESC'])), [
        'search-b',
        'search-a',
      ]);
      const first = await models("name LIKE 'search-%'", ['name ASC'], 2);
      assert.deepEqual([names(first), first.hasMore], [['search-a', 'search-b'], true]);
      const second = await models("name LIKE 'search-%'", ['name ASC'], 2, 2);
      assert.deepEqual([names(second), second.hasMore], [['search-c'], false]);

      const versions = await store.searchModelVersions({
        filter: parseSearchFilter('model_versions', "name = 'search-a'"),
        orderBy: [],
        maxResults: 10,
        offset: 0,
      });
      assert.deepEqual(
        versions.items.map((v) => [v.name, v.version, v.source]),
        [['search-a', 1, 's3://bucket/search-a']],
      );
    });
  });
}
