/** Opaque page tokens: round trips and refusal of anything malformed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowError } from '../../src/errors.js';
import {
  decodeOffsetToken,
  decodePageToken,
  encodeOffsetToken,
  encodePageToken,
  MAX_PAGE_TOKEN_LENGTH,
} from '../../src/search/index.js';

function rejects(token: string, message: RegExp, validate?: (v: Record<string, unknown>) => boolean): void {
  assert.throws(
    () => decodePageToken(token, validate),
    (err: unknown) =>
      err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && message.test(err.message),
    `token ${JSON.stringify(String(token).slice(0, 40))}`,
  );
}

describe('page tokens', () => {
  it('round-trip objects, including Unicode and nested values', () => {
    const obj = {
      offset: 10,
      last: ['ünï 🎉', 1600000000000, null],
      experiment_ids: ['1', '2'],
      nested: { a: true },
    };
    const token = encodePageToken(obj);
    assert.match(token, /^[A-Za-z0-9_-]+$/, 'URL-safe without padding');
    assert.deepEqual(decodePageToken(token), obj);
  });
  it('absent or empty token means first page', () => {
    assert.equal(decodePageToken(undefined), undefined);
    assert.equal(decodePageToken(''), undefined);
    assert.equal(decodeOffsetToken(undefined), 0);
    assert.equal(decodeOffsetToken(''), 0);
  });
  it('accepts standard base64 with padding (MLflow-style tokens)', () => {
    const standard = Buffer.from(JSON.stringify({ offset: 30 })).toString('base64');
    assert.match(standard, /=$/);
    assert.deepEqual(decodePageToken(standard), { offset: 30 });
    assert.equal(decodeOffsetToken(standard), 30);
  });
  it('offset tokens', () => {
    assert.equal(decodeOffsetToken(encodeOffsetToken(0)), 0);
    assert.equal(decodeOffsetToken(encodeOffsetToken(12345)), 12345);
    rejects(
      encodePageToken({ offset: -1 }),
      /Invalid page token/,
      (v) => typeof v.offset === 'number' && v.offset >= 0,
    );
    assert.throws(() => decodeOffsetToken(encodePageToken({ offset: 1.5 })), /Invalid page token/);
    assert.throws(() => decodeOffsetToken(encodePageToken({ offset: '3' })), /Invalid page token/);
  });
  it('refuses anything malformed with "Invalid page token"', () => {
    rejects('xyz', /Invalid page token/); // golden: search-runs-bad-page-token
    rejects('not-a-valid-token', /Invalid page token/);
    rejects('bogus', /Invalid page token/);
    rejects('a', /could not base64-decode/);
    rejects('abc!', /could not base64-decode/);
    rejects('ab cd', /could not base64-decode/);
    rejects('====', /could not base64-decode/);
    rejects(Buffer.from('not json').toString('base64url'), /could not decode its content/);
    rejects(Buffer.from('[1,2]').toString('base64url'), /unexpected content/);
    rejects(Buffer.from('null').toString('base64url'), /unexpected content/);
    rejects(Buffer.from('42').toString('base64url'), /unexpected content/);
    rejects(Buffer.from('"s"').toString('base64url'), /unexpected content/);
    rejects('A'.repeat(MAX_PAGE_TOKEN_LENGTH + 4), /too long/);
  });
  it('a validator that refuses, or throws, makes the token invalid', () => {
    const token = encodePageToken({ kind: 'runs', offset: 1 });
    rejects(token, /does not belong to this search/, (v) => v.kind === 'experiments');
    rejects(token, /does not belong to this search/, () => {
      throw new Error('boom');
    });
    assert.deepEqual(
      decodePageToken<{ kind: string; offset: number }>(token, (v) => v.kind === 'runs'),
      { kind: 'runs', offset: 1 },
    );
  });
  it('refuses non-string tokens from loosely typed callers', () => {
    rejects(42 as unknown as string, /must be a string/);
  });
});
