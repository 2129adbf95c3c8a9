/** LIKE / ILIKE pattern semantics: in-memory matcher and the SQL pattern it corresponds to. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLikeLiteral, likePatternToSql, likeToRegExp, matchesLike } from '../../src/search/index.js';

describe('matchesLike', () => {
  const cases: [string, string, boolean][] = [
    ['golden-b-1', 'golden-b-%', true],
    ['golden-b-1', 'golden-b-_', true],
    ['golden-b-12', 'golden-b-_', false],
    ['golden-b-', 'golden-b-%', true],
    ['x', '%', true],
    ['', '%', true],
    ['', '_', false],
    ['abc', 'abc', true],
    ['abcd', 'abc', false],
    ['xabc', 'abc', false],
    ['abc', '%b%', true],
    ['a.c', 'a.c', true],
    ['abc', 'a.c', false],
    ['a+b(c)[d]{e}|f^$g?*', 'a+b(c)[d]{e}|f^$g?*', true],
    ['a/b', 'a/b', true],
    ['100%', '100\\%', true],
    ['1000', '100\\%', false],
    ['a_b', 'a\\_b', true],
    ['axb', 'a\\_b', false],
    ['a\\b', 'a\\\\b', true],
    ['C:\\dir', 'C:\\dir', true],
    ['C:\\dir\\x', 'C:\\dir%', true],
    ['ends\\', 'ends\\', true],
    ['line1\nline2', 'line1%line2', true],
    ['line1\nline2', 'line1_line2', true],
    ['🎉', '_', true],
    ['a🎉b', 'a_b', true],
    ['ünï', 'ü__', true],
  ];
  for (const [value, pattern, expected] of cases) {
    it(`${JSON.stringify(value)} LIKE ${JSON.stringify(pattern)} is ${expected}`, () => {
      assert.equal(matchesLike(value, pattern), expected);
    });
  }
  it('LIKE is case-sensitive, ILIKE is not', () => {
    assert.equal(matchesLike('golden-b-1', 'GOLDEN-B-_'), false);
    assert.equal(matchesLike('golden-b-1', 'GOLDEN-B-_', true), true);
    assert.equal(matchesLike('Ünï', 'ünï', true), true);
  });
  it('likeToRegExp anchors the whole value', () => {
    const re = likeToRegExp('a%');
    assert.equal(re.test('abc'), true);
    assert.equal(re.test('bac'), false);
    assert.equal(likeToRegExp('a', true).flags.includes('i'), true);
  });
});

describe('likePatternToSql', () => {
  const cases: [string, string][] = [
    ['golden-%', 'golden-%'],
    ['a_b', 'a_b'],
    ['100\\%', '100\\%'],
    ['a\\_b', 'a\\_b'],
    ['a\\\\b', 'a\\\\b'],
    ['C:\\dir', 'C:\\\\dir'],
    ['ends\\', 'ends\\\\'],
    ['plain', 'plain'],
  ];
  for (const [pattern, sql] of cases) {
    it(`${JSON.stringify(pattern)} → ${JSON.stringify(sql)}`, () =>
      assert.equal(likePatternToSql(pattern), sql));
  }
});

describe('escapeLikeLiteral', () => {
  it('makes any text match itself only', () => {
    for (const text of ['50%_off', 'a\\b', 'plain', '%', '_', '\\']) {
      const pattern = escapeLikeLiteral(text);
      assert.equal(matchesLike(text, pattern), true, text);
      assert.equal(matchesLike(`${text}x`, pattern), false, text);
    }
    assert.equal(matchesLike('50%_off-sale', `${escapeLikeLiteral('50%_off')}%`), true);
    assert.equal(matchesLike('50x_off', escapeLikeLiteral('50%_off')), false);
  });
});
