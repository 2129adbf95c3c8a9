/**
 * The SQL patterns from likePatternToSql select exactly the rows the in-memory matcher accepts,
 * on every backend (through each dialect's like()/ilike()).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sql/open-database.js';
import type { SqlDatabase } from '../../src/store/sql/database.js';
import { likePatternToSql, matchesLike } from '../../src/search/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';

// Case differences only in ASCII: SQLite's LOWER() folds ASCII letters only.
const VALUES = [
  'golden-b-1',
  'golden-b-12',
  'GOLDEN-B-3',
  'Golden-b-4',
  '100%',
  '1000',
  'a_b',
  'axb',
  'a\\b',
  'a\\\\b',
  'C:\\dir',
  'C:\\dir\\x',
  'ends\\',
  '',
  'x',
  '%',
  '_',
  '\\',
  'ünï',
  'a🎉b',
  'mlflow.runName',
  "it's",
  'a"b',
];
const PATTERNS = [
  'golden-b-%',
  'golden-b-_',
  'GOLDEN-%',
  '%',
  '_',
  '__',
  '100\\%',
  '100%',
  'a\\_b',
  'a_b',
  'a\\\\b',
  'a\\b',
  'C:\\dir',
  'C:\\dir%',
  'ends\\',
  '\\',
  '\\%',
  '\\_',
  '%\\\\%',
  'ü__',
  'a_b',
  '%.%',
  "it's",
  'a"b',
  '',
];

for (const backend of BACKENDS) {
  describe(`LIKE patterns in SQL (${backend})`, () => {
    let tmp: string;
    let testDb: TestDatabase;
    let db: SqlDatabase;
    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'cairn-like-'));
      testDb = await createTestDatabase(backend, tmp);
      db = openDatabase(testDb.uri);
      const d = db.dialect;
      await db.run(
        `CREATE TABLE ${d.id('like_probe')} (${d.id('id')} ${d.types.int} PRIMARY KEY, ${d.id('v')} ${d.types.varchar(200)})${d.tableOptions}`,
      );
      for (const [i, v] of VALUES.entries()) {
        await db.run(`INSERT INTO ${d.id('like_probe')} (${d.id('id')}, ${d.id('v')}) VALUES (?, ?)`, [i, v]);
      }
    });
    after(async () => {
      await db?.close();
      await testDb?.drop();
      await rm(tmp, { recursive: true, force: true });
    });

    for (const caseInsensitive of [false, true]) {
      it(
        caseInsensitive ? 'ILIKE matches the in-memory matcher' : 'LIKE matches the in-memory matcher',
        async () => {
          const d = db.dialect;
          const v = d.id('v');
          const cmp = caseInsensitive ? d.ilike(v) : d.like(v);
          for (const pattern of PATTERNS) {
            const rows = await db.query<{ id: number }>(
              `SELECT ${d.id('id')} FROM ${d.id('like_probe')} WHERE ${cmp} ORDER BY ${d.id('id')}`,
              [likePatternToSql(pattern)],
            );
            const got = rows.map((r) => VALUES[Number(r.id)]);
            const expected = VALUES.filter((value) => matchesLike(value, pattern, caseInsensitive));
            assert.deepEqual(
              got,
              expected,
              `pattern ${JSON.stringify(pattern)} (${caseInsensitive ? 'ILIKE' : 'LIKE'})`,
            );
          }
        },
      );
    }
  });
}
