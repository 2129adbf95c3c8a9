/**
 * The database pieces of the bulk metric write path, on the real databases: array parameters
 * (PostgreSQL: numbers in the binary array format, text as literals, both built by the adapter), an
 * upsert whose rows come from a SELECT (all three), multi-statement scripts (MySQL) and the
 * connection pool size.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import type { SqlDatabase, SqlValue } from '../../src/store/sql/database.js';
import { pgArrayLiteral, pgBinaryArray } from '../../src/store/sql/postgres-database.js';

/** Strings a literal or JSON encoding could get wrong. */
const AWKWARD = [
  'plain',
  'with "quotes"',
  'back\\slash',
  'a,b',
  '{braces}',
  ' spaced ',
  'NULL',
  '',
  'é ü 字 😀',
];
/** Doubles whose shortest text must come back as the same double. */
const DOUBLES = [0.1 + 0.2, 1 / 3, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -1.5e-300, 123456789.125, 0];
const BIGINTS = [0, 1, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1_764_900_000_000_000];

describe('pgArrayLiteral', () => {
  it('quotes strings, keeps numbers and nulls, and leaves other values to the driver', () => {
    assert.equal(pgArrayLiteral([1, 2.5, null]), '{1,2.5,NULL}');
    assert.equal(pgArrayLiteral(['a"b', 'c\\d', 'NULL']), '{"a\\"b","c\\\\d","NULL"}');
    assert.equal(pgArrayLiteral([]), '{}');
    assert.equal(pgArrayLiteral([NaN]), undefined);
    assert.equal(pgArrayLiteral([[1]]), undefined);
    assert.equal(pgArrayLiteral([true]), undefined);
  });
});

describe('pgBinaryArray', () => {
  it('writes one-dimensional arrays of numbers in the binary array format', () => {
    const int4 = pgBinaryArray([7, null, -2], 'int4')!;
    // dimensions 1, has nulls 1, type 23 (int4), length 3, lower bound 1; then per element its
    // byte length (-1: NULL) and bytes.
    assert.equal(
      int4.toString('hex'),
      ['00000001', '00000001', '00000017', '00000003', '00000001']
        .concat(['00000004', '00000007', 'ffffffff', '00000004', 'fffffffe'])
        .join(''),
    );
    const int8 = pgBinaryArray([-(2 ** 32) - 1], 'int8')!;
    assert.equal(int8.subarray(20).toString('hex'), '00000008fffffffeffffffff', 'two-complement int8');
    const float8 = pgBinaryArray([0.5], 'float8')!;
    assert.equal(float8.subarray(8, 12).toString('hex'), '000002bd', 'element type 701 (float8)');
    assert.equal(float8.subarray(20).toString('hex'), '000000083fe0000000000000');
    assert.equal(pgBinaryArray([], 'int8')!.toString('hex'), '000000000000000000000014', 'no dimensions');
  });

  it('leaves to the text literal what the type cannot hold exactly', () => {
    assert.equal(pgBinaryArray([1.5], 'int8'), undefined);
    assert.equal(pgBinaryArray([2 ** 53], 'int8'), undefined);
    assert.equal(pgBinaryArray([2 ** 31], 'int4'), undefined);
    assert.equal(pgBinaryArray(['1'], 'float8'), undefined);
    assert.equal(pgBinaryArray([[1]], 'float8'), undefined);
  });
});

for (const backend of BACKENDS) {
  describe(`bulk writes (${backend})`, () => {
    let tmp: string;
    let testDb: TestDatabase;
    let db: SqlDatabase;

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'cairn-bulk-'));
      testDb = await createTestDatabase(backend, tmp);
      db = openDatabase(testDb.uri);
      const d = db.dialect;
      const t = d.types;
      for (const table of ['target', 'source']) {
        await db.run(
          `CREATE TABLE ${d.id(table)} (${d.id('k')} ${t.varchar(20)} NOT NULL PRIMARY KEY, ${d.id('step')} ${t.bigint} NOT NULL, ${d.id('val')} ${t.double} NOT NULL, ${d.id('pos')} ${t.bigint} NOT NULL)${d.tableOptions}`,
        );
      }
    });

    after(async () => {
      await db.close();
      await testDb.drop();
      await rm(tmp, { recursive: true, force: true });
    });

    it('upserts rows taken from a SELECT, keeping columns and replacing only greater tuples', async () => {
      const d = db.dialect;
      const insert = `INSERT INTO ${d.id('source')} (${d.id('k')}, ${d.id('step')}, ${d.id('val')}, ${d.id('pos')}) VALUES (?, ?, ?, ?)`;
      await db.run(`INSERT INTO ${d.id('target')} VALUES ('a', 5, 1, 100), ('b', 5, 1, 100)`);
      for (const row of [
        ['a', 6, 2, 200], // greater step: replaced, pos kept
        ['b', 4, 9, 200], // smaller step: untouched
        ['c', 1, 3, 300], // new: inserted with its pos
      ] as SqlValue[][])
        await db.run(insert, row);
      const sql = d.upsert('target', ['k', 'step', 'val', 'pos'], ['k'], {
        keep: ['pos'],
        whenGreater: ['step', 'val'],
        source: `SELECT s.${d.id('k')}, s.${d.id('step')}, s.${d.id('val')}, s.${d.id('pos')} FROM ${d.id('source')} s WHERE s.${d.id('step')} > ?`,
      });
      await db.run(sql, [0]);
      const rows = await db.query(`SELECT * FROM ${d.id('target')} ORDER BY ${d.id('k')}`);
      assert.deepEqual(
        rows.map((r) => [r.k, Number(r.step), Number(r.val), Number(r.pos)]),
        [
          ['a', 6, 2, 100],
          ['b', 5, 1, 100],
          ['c', 1, 3, 300],
        ],
      );
    });

    it('binds whole arrays as parameters, every value coming back as it went in', async (t) => {
      const arr = db.dialect.arrayParam;
      if (!arr) return t.skip('this database takes no array parameters');
      const rows = await db.query(
        `SELECT s, n, b FROM unnest(${arr('text')}, ${arr('double')}, ${arr('bigint')}) WITH ORDINALITY AS x(s, n, b, i) ORDER BY i`,
        [
          AWKWARD,
          AWKWARD.map((_, i) => DOUBLES[i % DOUBLES.length]!),
          AWKWARD.map((_, i) => BIGINTS[i % BIGINTS.length]!),
        ] as unknown as SqlValue[],
      );
      assert.deepEqual(
        rows.map((r) => r.s),
        AWKWARD,
      );
      assert.deepEqual(
        rows.map((r) => r.n),
        AWKWARD.map((_, i) => DOUBLES[i % DOUBLES.length]),
      );
      assert.deepEqual(
        rows.map((r) => r.b),
        AWKWARD.map((_, i) => BIGINTS[i % BIGINTS.length]),
      );
    });

    it('binds numeric arrays with nulls, negative and non-finite values, and refuses a fraction in a bigint array', async (t) => {
      const arr = db.dialect.arrayParam;
      if (!arr) return t.skip('this database takes no array parameters');
      const ints = [0, -1, null, 2 ** 31 - 1, -(2 ** 31)];
      const doubles = [NaN, Infinity, -Infinity, -0, null];
      const bigints = [null, -(2 ** 32) - 1, 2 ** 32, -Number.MAX_SAFE_INTEGER, 5];
      const rows = await db.query(
        `SELECT i, d, b FROM unnest(${arr('int')}, ${arr('double')}, ${arr('bigint')}) WITH ORDINALITY AS x(i, d, b, o) ORDER BY o`,
        [ints, doubles, bigints] as unknown as SqlValue[],
      );
      assert.deepEqual(
        rows.map((r) => [r.i, r.d, r.b]),
        ints.map((v, k) => [v, doubles[k], bigints[k]]),
        'every value comes back as it went in',
      );
      await assert.rejects(
        db.query(`SELECT * FROM unnest(${arr('bigint')})`, [[1, 1.5]] as unknown as SqlValue[]),
        /bigint/,
        'a fraction is sent as text, which the database refuses as a bigint',
      );
    });

    it('runs a script as one transaction: all of it, or nothing and the error', async (t) => {
      if (!db.script) return t.skip('this database runs no multi-statement scripts');
      const d = db.dialect;
      const put = `INSERT INTO ${d.id('source')} (${d.id('k')}, ${d.id('step')}, ${d.id('val')}, ${d.id('pos')}) VALUES (?, 1, 1, 1)`;
      const count = `SELECT COUNT(*) AS n FROM ${d.id('source')} WHERE ${d.id('k')} LIKE 'script%'`;
      const results = await db.script([
        { sql: put, params: ['script-1'] },
        { sql: count, params: [] },
      ]);
      assert.equal(results.length, 2);
      assert.deepEqual(results[0], []);
      assert.equal(Number(results[1]![0]!.n), 1);
      // The second insert repeats the key: the first one of this script is rolled back too.
      await assert.rejects(
        db.script([
          { sql: put, params: ['script-2'] },
          { sql: put, params: ['script-1'] },
          { sql: put, params: ['script-3'] },
        ]),
        (err: unknown) => db.dialect.isUniqueViolation(err),
      );
      const [after1] = await db.query(count);
      assert.equal(Number(after1!.n), 1);
      // A value holding a semicolon and quotes stays a value.
      const sneaky = "x'; DROP TABLE target; --";
      await db.script([{ sql: put, params: [`script-${sneaky}`.slice(0, 20)] }]);
      const [after2] = await db.query(count);
      assert.equal(Number(after2!.n), 2);
      assert.ok(await db.dialect.tableExists(db, 'target'));
    });

    it("runs a script in two round trips, the second made of the first one's rows, as one transaction", async (t) => {
      if (!db.script) return t.skip('this database runs no multi-statement scripts');
      const d = db.dialect;
      const put = `INSERT INTO ${d.id('source')} (${d.id('k')}, ${d.id('step')}, ${d.id('val')}, ${d.id('pos')}) VALUES (?, ?, 1, 1)`;
      const count = `SELECT COUNT(*) AS n FROM ${d.id('source')} WHERE ${d.id('k')} LIKE 'twice%'`;
      const results = await db.script(
        [
          { sql: put, params: ['twice-1', 7] },
          { sql: count, params: [] },
        ],
        async (rows) => {
          // The first round trip's own insert is visible to it, and its rows reach the second.
          const seen = Number(rows[1]![0]!.n);
          return [{ sql: put, params: [`twice-${seen + 1}`, seen] }];
        },
      );
      assert.deepEqual(results[0], []);
      assert.equal(Number(results[1]![0]!.n), 1);
      const stored = await db.query(
        `SELECT ${d.id('k')} AS k, ${d.id('step')} AS s FROM ${d.id('source')} WHERE ${d.id('k')} LIKE 'twice%' ORDER BY ${d.id('k')}`,
      );
      assert.deepEqual(
        stored.map((r) => [r.k, Number(r.s)]),
        [
          ['twice-1', 7],
          ['twice-2', 1],
        ],
      );
      // A failing second round trip rolls back the first one's writes too.
      await assert.rejects(
        db.script([{ sql: put, params: ['twice-3', 1] }], async () => [{ sql: put, params: ['twice-1', 1] }]),
        (err: unknown) => db.dialect.isUniqueViolation(err),
      );
      // So does `then` throwing.
      await assert.rejects(
        db.script([{ sql: put, params: ['twice-4', 1] }], async () => {
          throw new Error('refused');
        }),
        /refused/,
      );
      const [after] = await db.query(count);
      assert.equal(Number(after!.n), 2, 'nothing of the failed scripts is stored');
    });

    it('opens at most --db-pool-size connections', async (t) => {
      if (backend === 'sqlite') return t.skip('SQLite has no connection pool');
      const small = openDatabase(testDb.uri, { poolSize: 2 });
      try {
        const sleep = backend === 'postgresql' ? 'SELECT pg_sleep(0.3) AS s' : 'SELECT SLEEP(0.3) AS s';
        const t0 = performance.now();
        let most = 0;
        const watch = setInterval(() => (most = Math.max(most, small.poolStats!().total)), 20);
        await Promise.all(Array.from({ length: 4 }, () => small.query(sleep)));
        clearInterval(watch);
        assert.ok(most <= 2, `${most} connections open`);
        // Four 0.3 s queries over two connections take two turns.
        assert.ok(performance.now() - t0 >= 580, `done in ${performance.now() - t0} ms`);
      } finally {
        await small.close();
      }
    });
  });
}
