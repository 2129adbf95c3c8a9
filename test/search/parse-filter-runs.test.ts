/** Filter grammar for runs/search: identifier forms, comparators, values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSearchFilter } from '../../src/search/index.js';
import type { Clause } from '../../src/search/index.js';

const one = (filter: string): Clause => {
  const clauses = parseSearchFilter('runs', filter);
  assert.equal(clauses.length, 1, `expected one clause for ${filter}`);
  return clauses[0]!;
};

describe('parseSearchFilter(runs): empty filters', () => {
  it('returns no clauses for undefined, empty and blank filters', () => {
    assert.deepEqual(parseSearchFilter('runs', undefined), []);
    assert.deepEqual(parseSearchFilter('runs', ''), []);
    assert.deepEqual(parseSearchFilter('runs', '  \n\t '), []);
  });
});

describe('parseSearchFilter(runs): entity prefixes and aliases', () => {
  const cases: [string, Clause['type']][] = [
    ['metric', 'metric'],
    ['metrics', 'metric'],
    ['param', 'param'],
    ['params', 'param'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['tag', 'tag'],
    ['tags', 'tag'],
  ];
  for (const [prefix, type] of cases) {
    it(`${prefix}.key → ${type}`, () => {
      const value = type === 'metric' ? '1' : "'v'";
      const clause = one(`${prefix}.k1 = ${value}`);
      assert.equal(clause.type, type);
      assert.equal(clause.key, 'k1');
    });
  }
  for (const prefix of ['attribute', 'attributes', 'attr', 'run']) {
    it(`${prefix}.status → attribute`, () => {
      assert.deepEqual(one(`${prefix}.status = 'FINISHED'`), {
        type: 'attribute',
        key: 'status',
        comparator: '=',
        value: 'FINISHED',
      });
    });
  }
  for (const prefix of ['dataset', 'datasets']) {
    it(`${prefix}.name → dataset`, () => {
      assert.deepEqual(one(`${prefix}.name = 'ds'`), {
        type: 'dataset',
        key: 'name',
        comparator: '=',
        value: 'ds',
      });
    });
  }
  it('a bare key is an attribute', () => {
    assert.deepEqual(one("run_name ILIKE 'GOLDEN-B-%'"), {
      type: 'attribute',
      key: 'run_name',
      comparator: 'ILIKE',
      value: 'GOLDEN-B-%',
    });
  });
  it('a backticked entity prefix is accepted', () => {
    assert.equal(one('`metrics`.acc > 1').type, 'metric');
  });
});

describe('parseSearchFilter(runs): key forms', () => {
  it('backticked keys may hold spaces, dashes and dots', () => {
    assert.equal(one('metrics.`f1 score` <= 0.25').key, 'f1 score');
    assert.equal(one("params.`my-param` ILIKE 'golden-b-_'").key, 'my-param');
    assert.equal(one("tags.`mlflow.source.type` = 'LOCAL'").key, 'mlflow.source.type');
  });
  it('double-quoted keys work like backticked ones', () => {
    assert.equal(one('metrics."f1 score" > 0').key, 'f1 score');
    assert.equal(one('tags."my-tag" = \'x\'').key, 'my-tag');
    assert.equal(one('tags."a.b c" = \'x\'').key, 'a.b c');
  });
  it('unquoted dotted keys keep their dots', () => {
    assert.equal(one("tags.mlflow.runName LIKE 'golden-b-%'").key, 'mlflow.runName');
    assert.equal(one('metrics.a.b.c > 1').key, 'a.b.c');
  });
  it('keys may start with digits after the prefix and may use non-ASCII letters', () => {
    assert.equal(one('metrics.1st > 1').key, '1st');
    assert.equal(one('metrics.précision > 0.5').key, 'précision');
    assert.equal(one("tags.名前 = 'x'").key, '名前');
  });
  it('underscores and dollar signs are word characters', () => {
    assert.equal(one('metrics._private$x > 1').key, '_private$x');
  });
  it('keeps the key case', () => {
    assert.equal(one('metrics.ACC > 1').key, 'ACC');
  });
});

describe('parseSearchFilter(runs): attribute keys and aliases', () => {
  for (const key of ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri']) {
    it(`${key} takes a quoted string`, () => {
      assert.deepEqual(one(`attributes.${key} = 'x'`), {
        type: 'attribute',
        key,
        comparator: '=',
        value: 'x',
      });
    });
  }
  for (const key of ['start_time', 'end_time']) {
    it(`${key} takes a number`, () => {
      assert.deepEqual(one(`${key} >= 1600000011000`), {
        type: 'attribute',
        key,
        comparator: '>=',
        value: 1600000011000,
      });
    });
  }
  for (const alias of ['created', 'Created']) {
    it(`${alias} → start_time`, () => {
      assert.deepEqual(one(`attributes.${alias} < 1600000011000`), {
        type: 'attribute',
        key: 'start_time',
        comparator: '<',
        value: 1600000011000,
      });
    });
  }
  for (const alias of ['run name', 'Run name', 'Run Name']) {
    it(`\`${alias}\` → run_name`, () => {
      assert.equal(one(`\`${alias}\` = 'x'`).key, 'run_name');
      assert.equal(one(`attributes."${alias}" = 'x'`).key, 'run_name');
      assert.equal(one(`"${alias}" = 'x'`).key, 'run_name');
    });
  }
  it('dataset keys name, digest and context', () => {
    for (const key of ['name', 'digest', 'context']) assert.equal(one(`datasets.${key} = 'v'`).key, key);
  });
});

describe('parseSearchFilter(runs): comparators', () => {
  for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
    it(`metric ${op}`, () => {
      assert.deepEqual(one(`metrics.acc ${op} 0.5`), {
        type: 'metric',
        key: 'acc',
        comparator: op,
        value: 0.5,
      });
    });
    it(`numeric attribute ${op}`, () => {
      assert.equal(one(`end_time ${op} 0`).comparator, op);
    });
  }
  for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
    it(`param and tag ${op}`, () => {
      assert.deepEqual(one(`params.lr ${op} '0.1'`), {
        type: 'param',
        key: 'lr',
        comparator: op,
        value: '0.1',
      });
      assert.deepEqual(one(`tags.t ${op} 'x'`), { type: 'tag', key: 't', comparator: op, value: 'x' });
      assert.equal(one(`attributes.status ${op} 'x'`).comparator, op);
      assert.equal(one(`datasets.digest ${op} 'x'`).comparator, op);
    });
  }
  it('keywords are case-insensitive and normalized to upper case', () => {
    assert.equal(one("params.lr like '0.%'").comparator, 'LIKE');
    assert.equal(one("params.lr iLike '0.%'").comparator, 'ILIKE');
    assert.equal(one("run_id in ('a')").comparator, 'IN');
    assert.equal(one("run_id not in ('a')").comparator, 'NOT IN');
    assert.equal(one("run_id Not In ('a')").comparator, 'NOT IN');
  });
  it('operators need no surrounding spaces', () => {
    assert.deepEqual(parseSearchFilter('runs', "metrics.a>=1 AND params.b!='x'"), [
      { type: 'metric', key: 'a', comparator: '>=', value: 1 },
      { type: 'param', key: 'b', comparator: '!=', value: 'x' },
    ]);
  });
  it('run_id IN / NOT IN take lists and drop entries with uppercase letters', () => {
    assert.deepEqual(one("attributes.run_id IN ('abc', 'DEF', \"0f9e\", 'aBc')"), {
      type: 'attribute',
      key: 'run_id',
      comparator: 'IN',
      value: ['abc', '0f9e'],
    });
    assert.deepEqual(one("run_id NOT IN ('x1')").value, ['x1']);
    assert.deepEqual(one("run_id IN ('ONLYUPPER')").value, []);
  });
  it('dataset IN / NOT IN keep entries as written', () => {
    assert.deepEqual(one("datasets.name IN ('Train', 'eval')").value, ['Train', 'eval']);
    assert.equal(one("datasets.context NOT IN ('training')").comparator, 'NOT IN');
  });
  it('lists tolerate whitespace and newlines', () => {
    assert.deepEqual(one("run_id IN (\n 'a' ,\n'b'\n)").value, ['a', 'b']);
  });
});

describe('parseSearchFilter(runs): values', () => {
  it('numbers: integers, floats, negatives, exponents, leading/trailing dots', () => {
    const values: [string, number][] = [
      ['0', 0],
      ['42', 42],
      ['-3', -3],
      ['0.25', 0.25],
      ['-1.5e3', -1500],
      ['2E-2', 0.02],
      ['1e+2', 100],
      ['.5', 0.5],
      ['-.5', -0.5],
      ['5.', 5],
      ['1600000011000', 1600000011000],
    ];
    for (const [text, value] of values) assert.equal(one(`metrics.m > ${text}`).value, value, text);
  });
  it('single- and double-quoted strings', () => {
    assert.equal(one("params.p = 'a b'").value, 'a b');
    assert.equal(one('params.p = "a b"').value, 'a b');
    assert.equal(one("params.p = ''").value, '');
  });
  it('escaped quotes inside strings', () => {
    assert.equal(one("params.p = 'it''s'").value, "it's");
    assert.equal(one("params.p = 'it\\'s'").value, "it's");
    assert.equal(one('params.p = "say ""hi"""').value, 'say "hi"');
    assert.equal(one('params.p = "say \\"hi\\""').value, 'say "hi"');
    assert.equal(one("params.p = 'a\"b'").value, 'a"b');
  });
  it('backslashes: \\\\ is one backslash, other backslashes are kept (LIKE escapes)', () => {
    assert.equal(one("params.p = 'a\\\\b'").value, 'a\\b');
    assert.equal(one("params.p LIKE '100\\%'").value, '100\\%');
    assert.equal(one("params.p = 'C:\\dir'").value, 'C:\\dir');
    assert.equal(one("params.p = 'ends\\\\'").value, 'ends\\');
  });
  it('keywords inside strings are just text', () => {
    assert.equal(one("params.p = 'a AND b OR c'").value, 'a AND b OR c');
    assert.equal(one("tags.t = '(x)'").value, '(x)');
  });
  it('strings may hold any Unicode', () => {
    assert.equal(one("tags.t = 'ünï 🎉 \n x'").value, 'ünï 🎉 \n x');
  });
});

describe('parseSearchFilter(runs): conjunctions', () => {
  it('AND joins clauses, in any case', () => {
    assert.deepEqual(
      parseSearchFilter('runs', "metrics.acc >= 0.1 and params.lr != '0.1' AnD tags.group = 'even'"),
      [
        { type: 'metric', key: 'acc', comparator: '>=', value: 0.1 },
        { type: 'param', key: 'lr', comparator: '!=', value: '0.1' },
        { type: 'tag', key: 'group', comparator: '=', value: 'even' },
      ],
    );
  });
  it('the same key may appear several times', () => {
    assert.equal(parseSearchFilter('runs', 'metrics.a > 1 AND metrics.a < 5').length, 2);
  });
  it('keys named like keywords are fine after a prefix', () => {
    assert.equal(one("tags.and = 'x'").key, 'and');
    assert.equal(one("params.in = 'x'").key, 'in');
    assert.equal(one("params.like LIKE 'x'").key, 'like');
  });
  it('newlines and tabs separate tokens like spaces', () => {
    assert.equal(parseSearchFilter('runs', "metrics.a\t>\n1\nAND\tparams.b = 'x'").length, 2);
  });
});
