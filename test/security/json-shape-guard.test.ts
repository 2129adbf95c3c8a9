/**
 * The JSON depth and member guard on its own: what it counts (structure outside strings only),
 * chunks split anywhere (inside a string, between a backslash and the character it escapes),
 * bytes and decoded text alike, and the errors it throws at the limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  JsonShapeGuard,
  PayloadTooLargeError,
  type JsonShapeLimits,
} from '../../src/security/request-body.js';
import { MlflowError } from '../../src/errors.js';

/** The error the guard throws for `text` fed in pieces cut at `cuts`, or undefined. */
function outcome(text: string, limits: JsonShapeLimits, cuts: number[] = [], asText = false): unknown {
  const guard = new JsonShapeGuard(limits);
  const bytes = Buffer.from(text);
  const ends = [...cuts, bytes.length];
  let from = 0;
  try {
    for (const end of ends) {
      guard.feed(asText ? text.slice(from, end) : bytes.subarray(from, end));
      from = end;
    }
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Depth and member count of valid JSON, from the parsed value (the guard's expected answer). */
function shape(value: unknown, depth = 0): { depth: number; members: number } {
  if (value === null || typeof value !== 'object') return { depth, members: 0 };
  const items = Array.isArray(value) ? value : Object.values(value as object);
  let deepest = depth + 1;
  // A list of n items has n - 1 commas; an object of n keys n colons and n - 1 commas.
  let members = Array.isArray(value) ? Math.max(0, items.length - 1) : Math.max(0, 2 * items.length - 1);
  for (const item of items) {
    const s = shape(item, depth + 1);
    deepest = Math.max(deepest, s.depth);
    members += s.members;
  }
  return { depth: deepest, members };
}

describe('JSON shape guard', () => {
  it('counts nesting and members outside strings only', () => {
    const text = JSON.stringify({ 'k{[,:': '}]"\\,:[[[', list: [1, [2, { x: '\\"[' }]] });
    const { depth, members } = shape(JSON.parse(text));
    assert.equal(outcome(text, { maxDepth: depth, maxMembers: members }), undefined, 'exactly at the limits');
    assert.ok(
      outcome(text, { maxDepth: depth - 1, maxMembers: members }) instanceof MlflowError,
      'one level too deep',
    );
    assert.ok(
      outcome(text, { maxDepth: depth, maxMembers: members - 1 }) instanceof PayloadTooLargeError,
      'one member too many',
    );
  });

  it('gives the same answer wherever the body is cut, as bytes or as text', () => {
    // Escapes at every position, brackets and separators inside strings, non-ASCII text.
    const text = JSON.stringify({
      a: ['\\', '"', '\\"', 'é[{', { b: [[['x,y:z']]], c: '\\\\' }],
      d: { e: [1, 2, 3], f: 'ü}' },
    });
    const { depth, members } = shape(JSON.parse(text));
    const bytes = Buffer.byteLength(text);
    for (let cut = 0; cut <= bytes; cut++) {
      for (const limits of [
        { maxDepth: depth, maxMembers: members },
        { maxDepth: depth - 1, maxMembers: members },
        { maxDepth: depth, maxMembers: members - 1 },
      ]) {
        const whole = outcome(text, limits);
        const split = outcome(text, limits, [cut]);
        assert.equal(
          split?.constructor,
          whole?.constructor,
          `bytes cut at ${cut}, limits ${JSON.stringify(limits)}`,
        );
        if (cut <= text.length) {
          const textSplit = outcome(text, limits, [cut], true);
          assert.equal(textSplit?.constructor, whole?.constructor, `text cut at ${cut}`);
        }
      }
    }
    // Every byte its own chunk.
    const oneByOne = Array.from({ length: bytes - 1 }, (_, i) => i + 1);
    assert.equal(
      outcome(text, { maxDepth: depth, maxMembers: members }, oneByOne),
      undefined,
      'byte by byte',
    );
  });

  it('refuses a depth bomb with a 400 and a member bomb with a 413', () => {
    const deep = outcome('['.repeat(100_000), { maxDepth: 64, maxMembers: 50_000 });
    assert.ok(deep instanceof MlflowError && deep.httpStatus === 400, 'depth bomb is a 400');
    assert.match((deep as Error).message, /nests deeper than 64 levels/);
    const wide = outcome(`[${'0,'.repeat(60_000)}0]`, { maxDepth: 64, maxMembers: 50_000 });
    assert.ok(wide instanceof PayloadTooLargeError && wide.httpStatus === 413, 'member bomb is a 413');
    assert.match((wide as Error).message, /more than 50000 JSON members/);
  });
});
