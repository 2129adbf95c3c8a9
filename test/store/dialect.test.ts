/**
 * The dialect adapters on the real databases: upsert options (on MySQL/MariaDB in both of the
 * family's forms, and which one a database picks for its server), generated ids, error
 * classification, table existence and the schema-upgrade lock.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import type { Dialect, SqlDatabase } from '../../src/store/sql/database.js';
import { mariadbDialect, mysqlDialect } from '../../src/store/sql/dialects/mysql.js';
import { currentSchemaVersion, upgradeSchema } from '../../src/store/sql/migrations.js';
import { MlflowError } from '../../src/errors.js';

for (const backend of BACKENDS) {
  describe(`SQL dialect (${backend})`, () => {
    let tmp: string;
    let testDb: TestDatabase;
    let db: SqlDatabase;

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'cairn-dialect-'));
      testDb = await createTestDatabase(backend, tmp);
      db = openDatabase(testDb.uri);
      const d = db.dialect;
      const t = d.types;
      await db.run(
        `CREATE TABLE ${d.id('probe')} (${d.id('k')} ${t.varchar(20)} NOT NULL PRIMARY KEY, ${d.id('step')} ${t.bigint} NOT NULL, ${d.id('ts')} ${t.bigint} NOT NULL, ${d.id('val')} ${t.double} NOT NULL, ${d.id('flag')} ${t.int} NOT NULL, ${d.id('pos')} ${t.bigint} NOT NULL)${d.tableOptions}`,
      );
      await db.run(
        `CREATE TABLE ${d.id('serial')} (${d.id('id')} ${t.serialPrimaryKey}, ${d.id('label')} ${t.varchar(20)} NOT NULL)${d.tableOptions}`,
      );
    });

    after(async () => {
      await db.close();
      await testDb.drop();
      await rm(tmp, { recursive: true, force: true });
    });

    const serverVersion = async (): Promise<string> =>
      String((await db.query('SELECT VERSION() AS v'))[0]!.v);

    const probe = async (): Promise<Record<string, number[]>> => {
      const rows = await db.query(`SELECT * FROM ${db.dialect.id('probe')} ORDER BY ${db.dialect.id('k')}`);
      return Object.fromEntries(
        rows.map((r) => [String(r.k), [r.step, r.ts, r.val, r.flag, r.pos].map(Number)]),
      );
    };

    it('keeps a column on update whatever its place in the column list', async () => {
      await db.run(`DELETE FROM ${db.dialect.id('probe')}`);
      // `pos` before the updated columns: the old string rewrite removed only ", pos = ...".
      for (const columns of [
        ['k', 'pos', 'step', 'ts', 'val', 'flag'],
        ['k', 'step', 'ts', 'val', 'flag', 'pos'],
      ]) {
        const sql = db.dialect.upsert('probe', columns, ['k'], { keep: ['pos'] });
        const row = (step: number, pos: number): number[] =>
          columns.slice(1).map((c) => ({ pos, step, ts: 0, val: 0, flag: 0 })[c]!);
        await db.run(sql, [columns[1]!, ...row(1, 10)]);
        await db.run(sql, [columns[1]!, ...row(2, 20)]);
      }
      assert.deepEqual(await probe(), { pos: [2, 0, 0, 0, 10], step: [2, 0, 0, 0, 10] });
    });

    it('replaces a row only with a greater ordering tuple, several rows per statement', async () => {
      await db.run(`DELETE FROM ${db.dialect.id('probe')}`);
      const columns = ['k', 'step', 'ts', 'val', 'flag', 'pos'];
      const sql = (rows: number): string =>
        db.dialect.upsert('probe', columns, ['k'], {
          rows,
          keep: ['pos'],
          whenGreater: ['step', 'ts', 'val'],
        });
      await db.run(
        sql(5),
        [
          ['a', 5, 100, 1, 0, 1],
          ['b', 5, 100, 1, 0, 2],
          ['c', 5, 100, 1, 0, 3],
          ['d', 5, 100, 1, 0, 4],
          ['e', 5, 100, 1, 0, 5],
        ].flat(),
      );
      await db.run(
        sql(6),
        [
          ['a', 6, 1, 0.5, 1, 9], // greater step, smaller ts and value: replaces
          ['b', 5, 100, 2, 1, 9], // equal step and ts, greater value: replaces
          ['c', 5, 100, 1, 1, 9], // equal tuple: keeps the row (flag too)
          ['d', 4, 999, 9, 1, 9], // smaller step: keeps the row
          ['e', 5, 101, 0, 1, 9], // equal step, greater ts, smaller value: replaces
          ['f', 1, 1, 1, 0, 6], // new key: inserted
        ].flat(),
      );
      assert.deepEqual(await probe(), {
        a: [6, 1, 0.5, 1, 1],
        b: [5, 100, 2, 1, 2],
        c: [5, 100, 1, 0, 3],
        d: [5, 100, 1, 0, 4],
        e: [5, 101, 0, 1, 5],
        f: [1, 1, 1, 0, 6],
      });
    });

    /** The dialects whose upserts run here: on the MySQL family both forms, which both servers take. */
    const upsertForms = (): [string, Dialect][] =>
      backend === 'mysql'
        ? [
            ['derived table', mysqlDialect],
            ['VALUES(col)', mariadbDialect],
          ]
        : [[backend, db.dialect]];

    it('always-columns see the stored row and combined columns merge both, in every upsert form', async () => {
      for (const [form, d] of upsertForms()) {
        if (form === 'VALUES(col)' && !/mariadb/i.test(await serverVersion())) continue;
        await db.run(`DELETE FROM ${d.id('probe')}`);
        const columns = ['k', 'step', 'ts', 'val', 'flag', 'pos'];
        // Greater (step, ts, val) replaces; `flag` counts every write however it compares.
        const counted = d.upsert('probe', columns, ['k'], {
          rows: 3,
          keep: ['pos'],
          whenGreater: ['step', 'ts', 'val'],
          always: { flag: (s, i) => `${s('flag')} + ${i('flag')}` },
        });
        // a: a greater step, then a smaller one; b: a greater value, then a smaller one; c: an
        // equal tuple, then a smaller step. The last write of each is never the one kept.
        await db.run(counted, ['a', 5, 10, 1, 1, 1, 'b', 5, 10, 1, 1, 2, 'c', 5, 10, 1, 1, 3]);
        await db.run(counted, ['a', 6, 1, 0, 1, 7, 'b', 5, 10, 2, 1, 8, 'c', 5, 10, 1, 1, 9]);
        await db.run(counted, ['a', 5, 99, 9, 1, 7, 'b', 5, 10, 1.5, 1, 8, 'c', 4, 10, 1, 1, 9]);
        assert.deepEqual(
          await probe(),
          { a: [6, 1, 0, 3, 1], b: [5, 10, 2, 3, 2], c: [5, 10, 1, 3, 3] },
          `${form}: a greater tuple replaces the row, an equal or smaller one keeps it; flag counts 3 writes`,
        );
        // A running minimum of `val` and the widest step range seen, whatever order they come in.
        const merged = d.upsert('probe', columns, ['k'], {
          keep: ['pos'],
          combine: {
            val: (s, i) => `CASE WHEN ${i('val')} < ${s('val')} THEN ${i('val')} ELSE ${s('val')} END`,
            step: (s, i) => `CASE WHEN ${i('step')} > ${s('step')} THEN ${i('step')} ELSE ${s('step')} END`,
          },
        });
        for (const [step, val] of [
          [3, 0.7],
          [9, 0.9],
          [1, 0.2],
          [4, 0.4],
        ])
          await db.run(merged, ['m', step, 0, val, 0, 5]);
        assert.deepEqual((await probe()).m, [9, 0, 0.2, 0, 5], `${form}: merged with the stored row`);
      }
    });

    if (backend === 'mysql') {
      it('a MySQL-family database picks its server’s upsert form once a statement has run', async () => {
        await db.query('SELECT 1');
        await db.query('SELECT 1');
        const mariadb = /mariadb/i.test(await serverVersion());
        assert.equal(db.dialect, mariadb ? mariadbDialect : mysqlDialect);
        const sql = db.dialect.upsert('probe', ['k', 'step'], ['k'], { rows: 2, whenGreater: ['step'] });
        if (mariadb) {
          assert.match(
            sql,
            /^INSERT INTO `probe` \(`k`, `step`\) VALUES \(\?, \?\), \(\?, \?\) ON DUPLICATE KEY UPDATE /,
          );
          assert.match(sql, /VALUES\(`step`\)/);
        } else assert.match(sql, /SELECT \* FROM \(SELECT \? AS `k`/);
      });
    }

    it('returns generated ids and classifies unique violations', async () => {
      const d = db.dialect;
      const first = await d.insertReturningId(db, 'serial', ['label'], ['one'], 'id');
      const second = await db.transaction((tx) =>
        d.insertReturningId(tx, 'serial', ['label'], ['two'], 'id'),
      );
      assert.deepEqual([first, second], [1, 2]);
      const insert = `INSERT INTO ${d.id('probe')} (${['k', 'step', 'ts', 'val', 'flag', 'pos'].map(d.id).join(', ')}) VALUES (?, 0, 0, 0, 0, 0)`;
      await db.run(insert, ['dup']);
      const duplicate = await db.run(insert, ['dup']).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(duplicate, 'the second insert fails');
      assert.equal(d.isUniqueViolation(duplicate), true);
      const missingColumn = await db
        .run(`INSERT INTO ${d.id('probe')} (${d.id('k')}) VALUES (?)`, ['x'])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(missingColumn, 'a NOT NULL violation fails');
      assert.equal(d.isUniqueViolation(missingColumn), false);
    });

    if (backend !== 'sqlite') {
      it('classifies a deadlock victim as such, and nothing else', async () => {
        const d = db.dialect;
        const insert = `INSERT INTO ${d.id('probe')} (${['k', 'step', 'ts', 'val', 'flag', 'pos'].map(d.id).join(', ')}) VALUES (?, 0, 0, 0, 0, 0)`;
        await db.run(insert, ['lock-a']);
        await db.run(insert, ['lock-b']);
        const lockRow = `UPDATE ${d.id('probe')} SET ${d.id('step')} = ${d.id('step')} + 1 WHERE ${d.id('k')} = ?`;
        // Two transactions each lock one row, then ask for the other's: the database breaks the
        // cycle by rolling one of them back.
        let bothHoldOne!: () => void;
        const holding = new Promise<void>((r) => (bothHoldOne = r));
        let held = 0;
        const crossing = (first: string, second: string) =>
          db.transaction(async (tx) => {
            await tx.run(lockRow, [first]);
            if (++held === 2) bothHoldOne();
            await holding;
            await tx.run(lockRow, [second]);
          });
        const outcomes = await Promise.allSettled([
          crossing('lock-a', 'lock-b'),
          crossing('lock-b', 'lock-a'),
        ]);
        const failed = outcomes.filter((o) => o.status === 'rejected');
        assert.equal(failed.length, 1, 'exactly one transaction is the victim');
        assert.equal(d.isDeadlock(failed[0]!.reason), true);
        const duplicate = await db.run(insert, ['lock-a']).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.equal(d.isDeadlock(duplicate), false);
      });
    }

    it('keysetAfter: the rows after a value in the order of several columns, exactly', async () => {
      const d = db.dialect;
      const cols = ['a', 'b', 'c'];
      await db.run(
        `CREATE TABLE ${d.id('keyset_probe')} (${cols.map((c) => `${d.id(c)} ${d.types.int} NOT NULL`).join(', ')}, PRIMARY KEY (${cols.map(d.id).join(', ')}))${d.tableOptions}`,
      );
      const all: number[][] = [];
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) all.push([a, b, c]);
      await db.run(
        `INSERT INTO ${d.id('keyset_probe')} (${cols.map(d.id).join(', ')}) VALUES ${all.map(() => '(?, ?, ?)').join(', ')}`,
        all.flat(),
      );
      const later = (x: number[], y: number[]): boolean =>
        x[0]! - y[0]! > 0 || (x[0] === y[0] && (x[1]! - y[1]! > 0 || (x[1] === y[1] && x[2]! > y[2]!)));
      for (const from of [[-1, 0, 0], ...all, [3, 0, 0]]) {
        const after = d.keysetAfter(cols.map(d.id), from);
        const rows = await db.query(
          `SELECT ${cols.map(d.id).join(', ')} FROM ${d.id('keyset_probe')} WHERE ${after.sql} ORDER BY ${cols.map(d.id).join(', ')}`,
          after.params,
        );
        const got = rows.map((r) => cols.map((c) => Number(r[c])));
        assert.deepEqual(
          got,
          all.filter((x) => later(x, from)),
          `after ${from.join(',')}`,
        );
      }
    });

    it('tells whether a table exists', async () => {
      assert.equal(await db.dialect.tableExists(db, 'probe'), true);
      assert.equal(await db.dialect.tableExists(db, 'no_such_table'), false);
      assert.equal(await currentSchemaVersion(db), 0);
    });

    if (backend !== 'sqlite') {
      // SQLite's upgrade lock is its write lock, bounded by the busy timeout.
      it('fails an upgrade whose lock is not obtained in time, and migrates nothing', async () => {
        const holder = openDatabase(testDb.uri);
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let held!: () => void;
        const isHeld = new Promise<void>((r) => (held = r));
        const holding = holder.transaction(async (tx) => {
          await holder.dialect.acquireMigrationLock(tx, 5);
          held();
          await released;
          await holder.dialect.releaseMigrationLock(tx);
        });
        try {
          await isHeld;
          await assert.rejects(
            upgradeSchema(db, undefined, { lockTimeoutSeconds: 1 }),
            (err: unknown) => err instanceof MlflowError && err.errorCode === 'TEMPORARILY_UNAVAILABLE',
          );
          assert.equal(await db.dialect.tableExists(db, 'experiments'), false);
          assert.equal(await currentSchemaVersion(db), 0);
        } finally {
          release();
          await holding;
          await holder.close();
        }
        // Once the lock is free the upgrade runs.
        assert.ok((await upgradeSchema(db, undefined, { lockTimeoutSeconds: 5 })).length > 0);
      });
    }

    if (backend === 'postgresql') {
      it('reports an unreachable database instead of calling it empty', async () => {
        const url = new URL(testDb.uri);
        url.pathname = `${url.pathname}_missing`;
        const missing = openDatabase(url.toString());
        try {
          await assert.rejects(currentSchemaVersion(missing), /does not exist/);
        } finally {
          await missing.close();
        }
      });
    }
  });
}
