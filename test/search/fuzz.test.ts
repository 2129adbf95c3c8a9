/**
 * Fuzzing: thousands of random inputs (seeded, so a failure reproduces) either parse into
 * well-formed clauses or are refused with INVALID_PARAMETER_VALUE — never any other error.
 * A generator of valid filters also checks that what is written is what is parsed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowError } from '../../src/errors.js';
import {
  SEARCH_KINDS,
  decodePageToken,
  parseOrderBy,
  parseSearchFilter,
  type Clause,
} from '../../src/search/index.js';
import { prng } from '../helpers/prng.js';

const SEED = Number(process.env.CAIRN_FUZZ_SEED ?? 20261126);

const VOCABULARY = [
  'metrics.acc',
  'params.lr',
  'tags.t',
  'attributes.status',
  'run_id',
  'start_time',
  'created',
  'name',
  'datasets.name',
  'foo.bar',
  'metrics.`f1 score`',
  'tags."a.b"',
  '`Run Name`',
  'version_number',
  'creation_time',
  'status',
  'model_id',
  'metrics',
  '.',
  '..',
  '`',
  '"',
  "'",
  "''",
  '\\',
  '\\\\',
  '=',
  '!=',
  '<>',
  '==',
  '>',
  '>=',
  '<',
  '<=',
  '!',
  'LIKE',
  'ilike',
  'IN',
  'NOT',
  'not in',
  'IS',
  'NULL',
  'AND',
  'and',
  'OR',
  '(',
  ')',
  '((',
  '))',
  ',',
  ';',
  "'x'",
  '"y"',
  "'it''s'",
  "'a\\'b'",
  "'%_'",
  '0',
  '-1',
  '1.5e3',
  '.5',
  '1e999',
  '-',
  '+',
  '1.2.3',
  'NaN',
  'Infinity',
  '🎉',
  'ünï',
  '\u0000',
  '\n',
  '\t',
  ' ',
  '  ',
  'ASC',
  'DESC',
  '$',
  '#',
  '--',
  '/*',
  '*/',
  '@',
  '?',
  ':x',
  '%s',
];

function randomTokens(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 12);
  const parts: string[] = [];
  for (let i = 0; i < n; i += 1) {
    parts.push(VOCABULARY[Math.floor(rand() * VOCABULARY.length)]!);
    if (rand() < 0.7) parts.push(' ');
  }
  return parts.join('');
}

function randomChars(rand: () => number): string {
  const n = Math.floor(rand() * 40);
  let out = '';
  for (let i = 0; i < n; i += 1) {
    const r = rand();
    if (r < 0.6) out += String.fromCharCode(32 + Math.floor(rand() * 95));
    else if (r < 0.75) out += String.fromCharCode(Math.floor(rand() * 32));
    else if (r < 0.9)
      out += String.fromCharCode(0x80 + Math.floor(rand() * 0xff80)); // includes lone surrogates
    else out += String.fromCodePoint(0x10000 + Math.floor(rand() * 0xfffff));
  }
  return out;
}

const VALID_SEEDS = [
  "metrics.acc > 0.3 AND params.lr = '0.1'",
  "tags.`mlflow.source.type` = 'LOCAL' and attributes.run_id IN ('abc', 'def')",
  "run_name ILIKE 'GOLDEN-B-%' AND created < 1600000011000",
  "name = 'golden-exp-b' AND tags.team LIKE 'm%'",
  "version_number > 1 AND run_id IN ('a')",
  "creation_time > 5 AND status NOT IN ('READY')",
];

function mutate(rand: () => number): string {
  let s = VALID_SEEDS[Math.floor(rand() * VALID_SEEDS.length)]!;
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i += 1) {
    const pos = Math.floor(rand() * (s.length + 1));
    const r = rand();
    if (r < 0.33) s = s.slice(0, pos) + s.slice(pos + 1);
    else if (r < 0.66)
      s = s.slice(0, pos) + VOCABULARY[Math.floor(rand() * VOCABULARY.length)]! + s.slice(pos);
    else s = s.slice(0, pos) + String.fromCharCode(32 + Math.floor(rand() * 95)) + s.slice(pos + 1);
  }
  return s;
}

const COMPARATORS = new Set(['=', '!=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
const TYPES = new Set(['metric', 'param', 'tag', 'attribute', 'dataset']);

function assertWellFormed(clauses: Clause[], input: string): void {
  assert.ok(Array.isArray(clauses), input);
  for (const c of clauses) {
    assert.ok(TYPES.has(c.type), `bad type in ${JSON.stringify(input)}`);
    assert.ok(COMPARATORS.has(c.comparator), `bad comparator in ${JSON.stringify(input)}`);
    assert.equal(typeof c.key, 'string');
    assert.ok(c.key.length > 0, `empty key from ${JSON.stringify(input)}`);
    if (c.comparator === 'IN' || c.comparator === 'NOT IN') {
      assert.ok(Array.isArray(c.value) && c.value.every((v) => typeof v === 'string'), JSON.stringify(input));
    } else {
      assert.ok(typeof c.value === 'string' || (typeof c.value === 'number' && Number.isFinite(c.value)));
    }
    if (c.type === 'metric') assert.equal(typeof c.value, 'number');
  }
}

/** Runs `fn`; returns 'ok' or 'refused'; fails the test on any other outcome. */
function outcome(fn: () => unknown, input: string): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && err.message.length > 0) {
      return 'refused';
    }
    throw new assert.AssertionError({
      message: `input ${JSON.stringify(input)} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
    });
  }
}

function fuzzFilters(generator: (rand: () => number) => string, count: number, seed: number) {
  const rand = prng(seed);
  const tally = { ok: 0, refused: 0 };
  for (let i = 0; i < count; i += 1) {
    const input = generator(rand);
    for (const kind of SEARCH_KINDS) {
      tally[outcome(() => assertWellFormed(parseSearchFilter(kind, input), input), input)] += 1;
    }
  }
  return tally;
}

describe('fuzz: parseSearchFilter', () => {
  it('random token soups (3,000 inputs × 5 kinds)', () => {
    const tally = fuzzFilters(randomTokens, 3000, SEED);
    // Both outcomes must occur, or the generator is not exercising the parser.
    assert.ok(tally.ok > 0 && tally.refused > 0, JSON.stringify(tally));
  });
  it('random characters, control codes, lone surrogates and astral characters (2,000 inputs × 5 kinds)', () => {
    const tally = fuzzFilters(randomChars, 2000, SEED + 1);
    assert.ok(tally.refused > 0, JSON.stringify(tally));
  });
  it('mutations of valid filters (2,000 inputs × 5 kinds)', () => {
    const tally = fuzzFilters(mutate, 2000, SEED + 2);
    assert.ok(tally.ok > 0 && tally.refused > 0, JSON.stringify(tally));
  });
  it('deep nesting and very long inputs', () => {
    const inputs = [
      '('.repeat(50_000),
      `${'('.repeat(10_000)}metrics.a > 1${')'.repeat(10_000)}`,
      `run_id IN (${"'a', ".repeat(5_000)}'b')`,
      Array.from({ length: 3_000 }, (_, i) => `metrics.m${i} > ${i}`).join(' AND '),
      "'".repeat(20_001),
      '`'.repeat(20_001),
      `params.p = '${'\\'.repeat(30_000)}'`,
      'a.'.repeat(20_000) + 'b = 1',
    ];
    for (const input of inputs) {
      for (const kind of SEARCH_KINDS) outcome(() => parseSearchFilter(kind, input), input.slice(0, 50));
    }
    // The long conjunction is valid for runs: all 3,000 clauses come back.
    assert.equal(parseSearchFilter('runs', inputs[3]!).length, 3_000);
    assert.equal((parseSearchFilter('runs', inputs[2]!)[0]!.value as string[]).length, 5_001);
  });
  it('non-string inputs from loosely typed callers are refused cleanly', () => {
    for (const value of [42, {}, [], true] as unknown[]) {
      for (const kind of SEARCH_KINDS) outcome(() => parseSearchFilter(kind, value as string), String(value));
    }
  });
});

describe('fuzz: parseOrderBy and decodePageToken', () => {
  it('random order-by clauses (2,000 inputs × 5 kinds)', () => {
    const rand = prng(SEED + 3);
    const tally = { ok: 0, refused: 0 };
    for (let i = 0; i < 2000; i += 1) {
      const input = rand() < 0.5 ? randomTokens(rand) : randomChars(rand);
      for (const kind of SEARCH_KINDS) {
        tally[
          outcome(() => {
            const o = parseOrderBy(kind, input);
            assert.equal(typeof o.ascending, 'boolean');
            assert.ok(o.key.length > 0);
          }, input)
        ] += 1;
      }
    }
    assert.ok(tally.ok > 0 && tally.refused > 0, JSON.stringify(tally));
  });
  it('random page tokens (2,000 inputs)', () => {
    const rand = prng(SEED + 4);
    for (let i = 0; i < 2000; i += 1) {
      const input =
        rand() < 0.5 ? randomChars(rand) : Buffer.from(randomTokens(rand), 'utf8').toString('base64url');
      outcome(() => decodePageToken(input, (v) => typeof v.offset === 'number'), input);
    }
  });
});

describe('fuzz: generated valid filters parse back to what was written', () => {
  const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const WORDS = ['acc', 'loss', 'f1 score', 'my-key', 'a.b', 'x_y', 'Ünï', "it's", 'a"b', '%_', 'x\\y'];
  function key(rand: () => number): { text: string; key: string } {
    const k = WORDS[Math.floor(rand() * WORDS.length)]!;
    if (/^[\p{L}_][\p{L}\p{N}_]*$/u.test(k) && rand() < 0.5) return { text: k, key: k };
    if (!k.includes('`') && rand() < 0.5) return { text: `\`${k}\``, key: k };
    return { text: `"${k.replace(/"/g, '""')}"`, key: k };
  }
  function clause(rand: () => number): { text: string; clause: Clause } {
    const r = rand();
    const k = key(rand);
    const text = WORDS[Math.floor(rand() * WORDS.length)]!.replace(/\\/g, '\\\\');
    if (r < 0.34) {
      const ops = ['=', '!=', '>', '>=', '<', '<='] as const;
      const op = ops[Math.floor(rand() * ops.length)]!;
      const value = Math.round((rand() - 0.5) * 1e6) / 100;
      return {
        text: `metrics.${k.text} ${op} ${value}`,
        clause: { type: 'metric', key: k.key, comparator: op, value },
      };
    }
    const ops = ['=', '!=', 'LIKE', 'ILIKE'] as const;
    const op = ops[Math.floor(rand() * ops.length)]!;
    const entity = r < 0.67 ? 'params' : 'tags';
    const raw = text.replace(/\\\\/g, '\\');
    return {
      text: `${entity}.${k.text} ${op.toLowerCase()} ${quote(text)}`,
      clause: { type: entity === 'params' ? 'param' : 'tag', key: k.key, comparator: op, value: raw },
    };
  }
  it('1,000 random conjunctions', () => {
    const rand = prng(SEED + 5);
    for (let i = 0; i < 1000; i += 1) {
      const parts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => clause(rand));
      const filter = parts.map((p) => p.text).join(rand() < 0.5 ? ' AND ' : ' and ');
      assert.deepEqual(
        parseSearchFilter('runs', filter),
        parts.map((p) => p.clause),
        filter,
      );
    }
  });
});
