/**
 * The SQL tracking store on every database of the matrix: the tracking-store contract, plus what
 * only a shared SQL database shows (several server processes on one database, rows written
 * directly, SQLite's single writer).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { describeTrackingStoreContract } from './contract/tracking-store-contract.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';
import { parseOrderByList, parseSearchFilter } from '../../src/search/index.js';

for (const backend of BACKENDS) {
  describeTrackingStoreContract(`sql, ${backend}`, (artifactRoot) => openStore(backend, artifactRoot));

  describe(`SqlTrackingStore on a shared database (${backend})`, () => {
    let f: SqlStoreFixture;
    before(async () => {
      f = await openStore(backend);
    });
    after(async () => {
      await f?.close();
    });

    it('a second store on the same database (another server process) starts without a second Default', async () => {
      const other = new SqlTrackingStore(f.db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
      await Promise.all([other.init(), f.store.init()]);
      const all = await f.store.searchExperiments({
        viewType: 'ALL',
        maxResults: 100,
        filter: parseSearchFilter('experiments', "name = 'Default'"),
      });
      assert.equal(all.items.length, 1);
    });

    it('breaks ties of equal creation times by experiment_id', async () => {
      const ids = [];
      for (const name of ['tie-a', 'tie-b', 'tie-c'])
        ids.push(await f.store.createExperiment(name, undefined, []));
      await f.db.run('UPDATE experiments SET creation_time = 1700000000000');
      const search = async (orderBy?: string[]) =>
        (
          await f.store.searchExperiments({
            viewType: 'ACTIVE_ONLY',
            maxResults: 100,
            filter: parseSearchFilter('experiments', "name LIKE 'tie-%'"),
            orderBy: parseOrderByList('experiments', orderBy),
          })
        ).items.map((e) => e.experiment_id);
      assert.deepEqual(await search(['creation_time ASC']), [...ids].reverse());
      assert.deepEqual(await search(), ids);
    });

    // SQLite has one writer; PostgreSQL and MySQL commit concurrent calls on parallel connections.
    if (backend === 'sqlite') {
      it('with one writer (SQLite), concurrent logBatch calls apply in call order', async () => {
        const exp = await f.store.createExperiment('order', undefined, []);
        const newRun = async () =>
          (
            await f.store.createRun({
              experimentId: exp,
              userId: 'alice',
              runName: 'r',
              startTime: 0,
              tags: [],
            })
          ).info.run_id;
        const a = await newRun();
        const b = await newRun();
        await Promise.all([
          f.store.logBatch(a, [], [], [{ key: 't', value: '1' }]),
          f.store.logBatch(a, [], [{ key: 'p', value: 'x' }], [{ key: 't', value: '2' }]),
          f.store.logBatch(b, [], [], [{ key: 't', value: '1' }]),
          f.store.logBatch(b, [], [{ key: 'p', value: 'x' }], [{ key: 't', value: '2' }]),
          f.store.logBatch(
            b,
            [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
            [],
            [{ key: 't', value: '3' }],
          ),
        ]);
        const tag = async (runId: string) =>
          (await f.store.getRun(runId)).data.tags?.find((t) => t.key === 't')?.value;
        assert.equal(await tag(a), '2');
        assert.equal(await tag(b), '3');
      });
    }
  });
}
