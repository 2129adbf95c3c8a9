import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rejectsWith, type StoreFixture, type OpenTrackingStore } from './fixture.js';
import { parseOrderByList, parseSearchFilter } from '../../../src/search/index.js';

export function experimentsContract(label: string, open: OpenTrackingStore): void {
  describe(`experiments store (${label})`, () => {
    let f: StoreFixture;
    before(async () => {
      f = await open();
    });
    after(async () => {
      await f?.close();
    });

    it('has the default experiment "0" and init is idempotent', async () => {
      const exp = await f.store.getExperiment('0');
      assert.equal(exp.name, 'Default');
      assert.equal(exp.artifact_location, 'mlflow-artifacts:/0');
      assert.equal(exp.lifecycle_stage, 'active');
      await Promise.all([f.store.init(), f.store.init()]);
      const all = await f.store.searchExperiments({
        viewType: 'ALL',
        maxResults: 100,
        filter: parseSearchFilter('experiments', "name = 'Default'"),
      });
      assert.equal(all.items.length, 1);
    });

    it('creates experiments with sequential ids, default locations and tags', async () => {
      const a = await f.store.createExperiment('exp-a', undefined, [
        { key: 'k1', value: 'v1' },
        { key: 'k0', value: 'v0' },
      ]);
      const b = await f.store.createExperiment('exp-b', 's3://bucket/custom', []);
      assert.equal(a, '1');
      assert.equal(b, '2');
      const ea = await f.store.getExperiment(a);
      assert.equal(ea.artifact_location, 'mlflow-artifacts:/1');
      assert.deepEqual(ea.tags, [
        { key: 'k1', value: 'v1' },
        { key: 'k0', value: 'v0' },
      ]);
      assert.ok(ea.creation_time > 0 && ea.last_update_time >= ea.creation_time);
      const eb = await f.store.getExperiment(b);
      assert.equal(eb.artifact_location, 's3://bucket/custom');
      assert.equal(eb.tags, undefined);
    });

    it('rejects duplicate names, also of deleted experiments', async () => {
      await rejectsWith(
        f.store.createExperiment('exp-a', undefined, []),
        'RESOURCE_ALREADY_EXISTS',
        /^Experiment\(name=exp-a\) already exists\.$/,
      );
      const id = await f.store.createExperiment('to-delete', undefined, []);
      await f.store.deleteExperiment(id);
      await rejectsWith(f.store.createExperiment('to-delete', undefined, []), 'RESOURCE_ALREADY_EXISTS');
    });

    it('names unknown and malformed ids as missing', async () => {
      await rejectsWith(
        f.store.getExperiment('987654321'),
        'RESOURCE_DOES_NOT_EXIST',
        /No Experiment with id=987654321/,
      );
      await rejectsWith(f.store.getExperiment('not-a-number'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.deleteExperiment('987654321'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.restoreExperiment('987654321'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(f.store.renameExperiment('987654321', 'x'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(
        f.store.setExperimentTag('987654321', { key: 'k', value: 'v' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('gets by name, preferring what exists', async () => {
      const e = await f.store.getExperimentByName('exp-b');
      assert.equal(e?.experiment_id, '2');
      assert.equal(await f.store.getExperimentByName('no-such'), null);
      const deleted = await f.store.getExperimentByName('to-delete');
      assert.equal(deleted?.lifecycle_stage, 'deleted');
    });

    it('renames, refusing taken names and deleted experiments', async () => {
      const id = await f.store.createExperiment('rename-me', undefined, []);
      await f.store.renameExperiment(id, 'renamed');
      assert.equal((await f.store.getExperiment(id)).name, 'renamed');
      const err = await rejectsWith(f.store.renameExperiment(id, 'exp-a'), 'RESOURCE_ALREADY_EXISTS');
      assert.doesNotMatch(err.message, /INSERT|UPDATE|constraint/i);
      await f.store.renameExperiment(id, 'renamed'); // same name: no-op
      await f.store.deleteExperiment(id);
      await rejectsWith(f.store.renameExperiment(id, 'other'), 'INVALID_PARAMETER_VALUE');
    });

    it('sets, overwrites and deletes tags; not on deleted experiments', async () => {
      const id = await f.store.createExperiment('tagged', undefined, []);
      await f.store.setExperimentTag(id, { key: 'a', value: '1' });
      await f.store.setExperimentTag(id, { key: 'b', value: '2' });
      await f.store.setExperimentTag(id, { key: 'a', value: '3' });
      assert.deepEqual((await f.store.getExperiment(id)).tags, [
        { key: 'a', value: '3' },
        { key: 'b', value: '2' },
      ]);
      await f.store.deleteExperimentTag(id, 'a');
      assert.deepEqual((await f.store.getExperiment(id)).tags, [{ key: 'b', value: '2' }]);
      await rejectsWith(
        f.store.deleteExperimentTag(id, 'a'),
        'RESOURCE_DOES_NOT_EXIST',
        /No tag with name: a/,
      );
      await f.store.deleteExperiment(id);
      await rejectsWith(
        f.store.setExperimentTag(id, { key: 'c', value: '1' }),
        'INVALID_PARAMETER_VALUE',
        /active/,
      );
      await rejectsWith(f.store.deleteExperimentTag(id, 'b'), 'INVALID_PARAMETER_VALUE');
    });

    it('soft-deletes with its runs and restores the runs deleted with it', async () => {
      const id = await f.store.createExperiment('cascade', undefined, []);
      const r1 = await f.store.createRun({
        experimentId: id,
        userId: '',
        runName: 'r1',
        startTime: 1,
        tags: [],
      });
      const r2 = await f.store.createRun({
        experimentId: id,
        userId: '',
        runName: 'r2',
        startTime: 2,
        tags: [],
      });
      await f.store.deleteRun(r2.info.run_id);
      await f.store.deleteExperiment(id);
      assert.equal((await f.store.getExperiment(id)).lifecycle_stage, 'deleted');
      assert.equal((await f.store.getRun(r1.info.run_id)).info.lifecycle_stage, 'deleted');
      await rejectsWith(f.store.deleteExperiment(id), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(
        f.store.createRun({ experimentId: id, userId: '', runName: 'x', startTime: 0, tags: [] }),
        'INVALID_PARAMETER_VALUE',
      );
      await f.store.restoreExperiment(id);
      await rejectsWith(f.store.restoreExperiment(id), 'RESOURCE_DOES_NOT_EXIST');
      assert.equal((await f.store.getRun(r1.info.run_id)).info.lifecycle_stage, 'active');
      assert.equal((await f.store.getRun(r2.info.run_id)).info.lifecycle_stage, 'deleted');
    });
  });

  describe(`searchExperiments (${label})`, () => {
    let f: StoreFixture;
    const ids: Record<string, string> = {};
    before(async () => {
      f = await open('file:///tmp/artifacts/');
      for (const [name, tags] of [
        ['alpha', [{ key: 'team', value: 'ml' }]],
        ['beta', [{ key: 'team', value: 'data' }]],
        [
          'gamma',
          [
            { key: 'team', value: 'ml' },
            { key: 'stage', value: 'dev' },
          ],
        ],
        ['delta', []],
      ] as const) {
        ids[name] = await f.store.createExperiment(name, undefined, [...tags]);
      }
      await f.store.deleteExperiment(ids.delta!);
    });
    after(async () => {
      await f?.close();
    });
    const names = (items: { name: string }[]): string[] => items.map((e) => e.name);
    const search = (
      filter?: string,
      orderBy?: string[],
      viewType: 'ACTIVE_ONLY' | 'ALL' | 'DELETED_ONLY' = 'ACTIVE_ONLY',
    ) =>
      f.store.searchExperiments({
        viewType,
        maxResults: 100,
        filter: parseSearchFilter('experiments', filter),
        orderBy: parseOrderByList('experiments', orderBy),
      });

    it('uses the artifact root without doubling slashes', async () => {
      assert.equal((await f.store.getExperiment(ids.alpha!)).artifact_location, 'file:///tmp/artifacts/1');
    });

    it('orders by creation_time DESC, experiment_id ASC by default', async () => {
      const page = await search();
      const got = page.items.map((e) => e.experiment_id);
      const expected = [...page.items]
        .sort(
          (a, b) => b.creation_time - a.creation_time || Number(a.experiment_id) - Number(b.experiment_id),
        )
        .map((e) => e.experiment_id);
      assert.deepEqual(got, expected);
      assert.deepEqual(new Set(names(page.items)), new Set(['Default', 'alpha', 'beta', 'gamma']));
    });

    it('filters by name, times and tags', async () => {
      assert.deepEqual(names((await search("name = 'beta'")).items), ['beta']);
      assert.deepEqual(names((await search("name != 'beta'", ['name ASC'])).items), [
        'Default',
        'alpha',
        'gamma',
      ]);
      assert.deepEqual(names((await search("name LIKE '%a'", ['name ASC'])).items), [
        'alpha',
        'beta',
        'gamma',
      ]);
      assert.deepEqual(names((await search("name LIKE 'A%'")).items), []);
      assert.deepEqual(names((await search("name ILIKE 'A%'")).items), ['alpha']);
      assert.deepEqual(names((await search("attribute.name = 'gamma'")).items), ['gamma']);
      assert.deepEqual(names((await search("tags.team = 'ml'", ['name ASC'])).items), ['alpha', 'gamma']);
      assert.deepEqual(names((await search("tags.team = 'ml' AND tags.stage LIKE 'd%'")).items), ['gamma']);
      assert.deepEqual(names((await search("tags.team != 'ml'")).items), ['beta']);
      assert.equal((await search('creation_time > 1600000000000')).items.length, 4);
      assert.equal((await search('creation_time < 1600000000000')).items.length, 0);
      assert.equal((await search('last_update_time >= 1600000000000')).items.length, 4);
    });

    it('applies view types', async () => {
      assert.deepEqual(names((await search(undefined, undefined, 'DELETED_ONLY')).items), ['delta']);
      assert.equal((await search(undefined, undefined, 'ALL')).items.length, 5);
    });

    it('orders by name and breaks ties by experiment_id DESC', async () => {
      assert.deepEqual(names((await search(undefined, ['name DESC'])).items), [
        'gamma',
        'beta',
        'alpha',
        'Default',
      ]);
      assert.deepEqual(
        (await search(undefined, ['experiment_id DESC'])).items.map((e) => e.experiment_id),
        [ids.gamma, ids.beta, ids.alpha, '0'],
      );
    });

    it('pages with a token', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await f.store.searchExperiments({
          viewType: 'ALL',
          maxResults: 2,
          orderBy: parseOrderByList('experiments', ['name ASC']),
          pageToken: token,
        });
        assert.ok(page.items.length <= 2);
        seen.push(...names(page.items));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(seen, ['Default', 'alpha', 'beta', 'delta', 'gamma']);
      await rejectsWith(
        f.store.searchExperiments({ viewType: 'ALL', maxResults: 2, pageToken: 'not-a-valid-token!' }),
        'INVALID_PARAMETER_VALUE',
        /page token/,
      );
    });
  });
}
