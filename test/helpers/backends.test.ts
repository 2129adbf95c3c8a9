import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBackends } from './backends.js';

describe('CAIRN_TEST_BACKENDS', () => {
  it('accepts the three databases in any order, with spaces and repeats', () => {
    assert.deepEqual(parseBackends('sqlite,postgresql,mysql'), ['sqlite', 'postgresql', 'mysql']);
    assert.deepEqual(parseBackends(' mysql , sqlite,mysql'), ['mysql', 'sqlite']);
  });

  it('refuses a misspelt name instead of running another database', () => {
    assert.throws(
      () => parseBackends('sqlite,postgres'),
      /unknown backend 'postgres'.*sqlite, postgresql, mysql/,
    );
    assert.throws(() => parseBackends('SQLite'), /unknown backend 'SQLite'/);
  });

  it('refuses an empty list instead of running no store tests', () => {
    assert.throws(() => parseBackends(''), /CAIRN_TEST_BACKENDS is empty/);
    assert.throws(() => parseBackends(' , '), /CAIRN_TEST_BACKENDS is empty/);
  });
});
