/**
 * Names and values that differ only by trailing spaces stay apart on every database. MySQL and
 * MariaDB compared them equal under the `utf8mb4_bin` collation (PAD SPACE) until migration 12:
 * a metric `loss ` went into the history of `loss`, a param `lr ` was dropped, a tag `env `
 * replaced `env`, a filter on 'a' matched 'a ', and a model `m ` could not be registered beside
 * `m`. Also the upgrade itself on MySQL: rows and the registry's foreign keys kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { openStore, type SqlStoreFixture } from './store-fixture.js';
import { parseOrderByList, parseSearchFilter } from '../../src/search/index.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import { MIGRATIONS } from '../../src/store/sql/migrations/index.js';
import { SqlRegistryStore } from '../../src/store/sql/sql-registry-store.js';

const pairs = (list: { key: string; value: string | number }[] | undefined): string[] =>
  (list ?? [])
    .filter((e) => !e.key.startsWith('mlflow.'))
    .map((e) => `${JSON.stringify(e.key)}=${JSON.stringify(e.value)}`)
    .sort();

for (const backend of BACKENDS) {
  describe(`trailing spaces are significant (${backend})`, () => {
    let f: SqlStoreFixture;
    let registry: SqlRegistryStore;

    before(async () => {
      f = await openStore(backend);
      registry = new SqlRegistryStore(f.db);
    });
    after(async () => {
      await f?.close();
    });

    it('keeps metrics, params and tags of such keys apart', async () => {
      const exp = await f.store.createExperiment('keys', undefined, []);
      const run = await f.store.createRun({
        experimentId: exp,
        userId: 'u',
        runName: 'r',
        startTime: 1,
        tags: [],
      });
      const id = run.info.run_id;
      await f.store.logBatch(
        id,
        [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
        [{ key: 'lr', value: 'a' }],
        [{ key: 'env', value: 'x' }],
      );
      await f.store.logBatch(
        id,
        [{ key: 'loss ', value: 2, timestamp: 1, step: 1 }],
        [{ key: 'lr ', value: 'b' }],
        [{ key: 'env ', value: 'y' }],
      );
      const got = await f.store.getRun(id);
      assert.deepEqual(pairs(got.data.metrics), ['"loss "=2', '"loss"=1']);
      assert.deepEqual(pairs(got.data.params), ['"lr "="b"', '"lr"="a"']);
      assert.deepEqual(pairs(got.data.tags), ['"env "="y"', '"env"="x"']);
      const history = async (key: string): Promise<number[]> =>
        (await f.store.getMetricHistory(id, key, undefined)).items.map((m) => m.value);
      assert.deepEqual(await history('loss'), [1]);
      assert.deepEqual(await history('loss '), [2]);
    });

    it('matches a filter on a value exactly, and names experiments apart', async () => {
      const exp = await f.store.createExperiment('values', undefined, []);
      const ids: Record<string, string> = {};
      for (const value of ['a', 'a ', 'a  ']) {
        const run = await f.store.createRun({
          experimentId: exp,
          userId: 'u',
          runName: value,
          startTime: 1,
          tags: [],
        });
        await f.store.logBatch(run.info.run_id, [], [{ key: 'p', value }], []);
        ids[value] = run.info.run_id;
      }
      const found = await f.store.searchRuns({
        experimentIds: [exp],
        filter: parseSearchFilter('runs', "params.p = 'a'"),
        orderBy: parseOrderByList('runs', undefined),
        viewType: 'ACTIVE_ONLY',
        maxResults: 10,
      });
      assert.deepEqual(
        found.items.map((r) => r.info.run_id),
        [ids.a],
      );
      const spaced = await f.store.createExperiment('values ', undefined, []);
      assert.notEqual(spaced, exp);
      assert.equal((await f.store.getExperimentByName('values '))?.experiment_id, spaced);
    });

    it('registers models of such names apart; deleting one leaves the other', async () => {
      for (const name of ['m', 'm ']) {
        await registry.createRegisteredModel({
          name,
          tags: [{ key: 'is', value: JSON.stringify(name) }],
          time: 1,
        });
        await registry.createModelVersion({ name, source: `s3://b/${name.length}`, time: 2 });
        await registry.setAlias(name, 'live', 1);
      }
      await registry.deleteRegisteredModel('m');
      const left = await registry.getRegisteredModel('m ');
      assert.deepEqual(left.tags, [{ key: 'is', value: '"m "' }]);
      assert.equal((await registry.getVersionByAlias('m ', 'live')).source, 's3://b/2');
      await assert.rejects(registry.getRegisteredModel('m'));
    });
  });
}

if (BACKENDS.includes('mysql')) {
  describe('migration 12 on MySQL with rows in place', () => {
    it('converts every table, keeps rows and foreign keys, and can run again', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cairn-no-pad-'));
      const database = await createTestDatabase('mysql', dir);
      const db = openDatabase(database.uri);
      try {
        const before11 = MIGRATIONS.filter((m) => m.version <= 11);
        await upgradeSchema(db, before11);
        const registry = new SqlRegistryStore(db);
        await registry.createRegisteredModel({
          name: 'fraud',
          tags: [{ key: 'team', value: 'risk' }],
          time: 1,
        });
        await registry.createModelVersion({ name: 'fraud', source: 's3://b/1', time: 2 });
        await registry.setAlias('fraud', 'live', 1);
        const keys = async (): Promise<number> =>
          Number(
            (
              await db.query(
                `SELECT COUNT(*) AS n FROM information_schema.TABLE_CONSTRAINTS
                 WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'FOREIGN KEY'`,
              )
            )[0]!.n,
          );
        const foreignKeys = await keys();

        const twelve = MIGRATIONS.find((m) => m.version === 12)!;
        await upgradeSchema(db, [...before11, twelve]);
        // As if interrupted after some tables and run again: every step finds its work done.
        for (const sql of twelve.up(db.dialect)) await db.run(sql);

        const padded = await db.query(
          `SELECT TABLE_NAME AS t, TABLE_COLLATION AS c FROM information_schema.TABLES
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'cairn_schema_version'`,
        );
        assert.ok(padded.length >= 33);
        for (const r of padded) assert.match(String(r.c), /^utf8mb4_(0900|nopad)_bin$/, String(r.t));
        assert.equal(await keys(), foreignKeys);
        const m = await registry.getRegisteredModel('fraud');
        assert.deepEqual(m.tags, [{ key: 'team', value: 'risk' }]);
        assert.equal((await registry.getVersionByAlias('fraud', 'live')).version, 1);
        // The foreign keys still act: deleting the model removes its versions and aliases.
        await registry.deleteRegisteredModel('fraud');
        const versions = await db.query('SELECT COUNT(*) AS n FROM model_versions');
        assert.equal(Number(versions[0]!.n), 0);
      } finally {
        await db.close();
        await database.drop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
