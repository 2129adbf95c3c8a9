/** Every class of bad filter gives INVALID_PARAMETER_VALUE with a message naming the problem. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowError } from '../../src/errors.js';
import { parseSearchFilter, type SearchKind } from '../../src/search/index.js';

function messageOf(kind: SearchKind, filter: string): string {
  try {
    parseSearchFilter(kind, filter);
  } catch (err) {
    assert.ok(err instanceof MlflowError, `expected an MlflowError for ${filter}, got ${String(err)}`);
    assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
    assert.equal(err.httpStatus, 400);
    return err.message;
  }
  assert.fail(`filter ${JSON.stringify(filter)} was accepted`);
}

const cases: { name: string; filter: string; kind?: SearchKind; message: RegExp }[] = [
  {
    name: 'OR',
    filter: 'metrics.acc > 0 OR metrics.acc < 0',
    message: /Invalid clause\(s\) in filter string: 'OR'/,
  },
  { name: 'lower-case or', filter: "params.a = 'x' or params.b = 'y'", message: /'OR'/ },
  { name: 'OR at the start', filter: 'OR metrics.a > 1', message: /'OR' is not supported/ },
  {
    name: 'parentheses grouping',
    filter: '(metrics.a > 1)',
    message: /parentheses grouping is not supported/,
  },
  {
    name: 'parentheses around a conjunction',
    filter: "metrics.a > 1 AND (params.b = 'x')",
    message: /position 18: parentheses grouping/,
  },
  {
    name: 'unknown entity',
    filter: "foo.bar = 'x'",
    message: /Invalid entity type 'foo'.*'metric', 'parameter'/,
  },
  { name: 'upper-case entity', filter: 'METRICS.acc > 1', message: /Invalid entity type 'METRICS'/ },
  {
    name: 'unknown attribute',
    filter: "attributes.bogus = 'x'",
    message: /Invalid attribute key 'bogus'.*'run_id'/,
  },
  {
    name: 'unknown dataset key',
    filter: "datasets.size = 'x'",
    message: /Invalid dataset key 'size'.*'context'/,
  },
  {
    name: 'unquoted string for a param',
    filter: 'params.lr = 0.1',
    message: /Expected a quoted string value for parameter.*Got value 0\.1/,
  },
  { name: 'bare word for a tag', filter: 'tags.t = abc', message: /quoted string value for tag.*abc/ },
  {
    name: 'bare word for a string attribute',
    filter: 'status = FINISHED',
    message: /attribute 'status'.*FINISHED/,
  },
  { name: 'backticked value', filter: 'params.p = `x`', message: /quoted string value for parameter.*`x`/ },
  {
    name: 'quoted metric value',
    filter: "metrics.acc > '0.3'",
    message: /Expected numeric value type for metric. Found '0\.3'/,
  },
  {
    name: 'quoted numeric attribute',
    filter: "start_time > '5'",
    message: /numeric attribute 'start_time'.*'5'/,
  },
  {
    name: 'metric compared to a metric',
    filter: 'metrics.a > metrics.b',
    message: /numeric value type.*metrics\.b/,
  },
  { name: '> on a param', filter: "params.lr > '0'", message: /Invalid comparator '>' for parameter 'lr'/ },
  {
    name: 'LIKE on a metric',
    filter: "metrics.a LIKE '1%'",
    message: /Invalid comparator 'LIKE' for metric 'a'/,
  },
  {
    name: 'IN on a param',
    filter: "params.lr IN ('0.1')",
    message: /Invalid comparator 'IN' for parameter 'lr'/,
  },
  { name: 'IN on a tag', filter: "tags.t NOT IN ('a')", message: /Invalid comparator 'NOT IN' for tag 't'/ },
  {
    name: 'IN on run_name',
    filter: "run_name IN ('a')",
    message: /'IN' for attribute 'run_name'.*only \{'run_id'\}/,
  },
  {
    name: 'IN on a numeric attribute',
    filter: 'start_time IN (1)',
    message: /Invalid comparator 'IN' for numeric/,
  },
  {
    name: '> on a string attribute',
    filter: "status > 'A'",
    message: /Invalid comparator '>' for attribute 'status'/,
  },
  { name: '<> comparator', filter: "params.a <> 'x'", message: /unsupported comparator '<>'; use '!='/ },
  { name: '== comparator', filter: "params.a == 'x'", message: /unsupported comparator '=='/ },
  { name: 'word comparator', filter: "params.a IS 'x'", message: /unsupported comparator 'IS'/ },
  { name: 'NOT LIKE', filter: "params.a NOT LIKE 'x'", message: /expected 'IN' after 'NOT', got 'LIKE'/ },
  {
    name: 'NOT before a clause',
    filter: "NOT params.a = 'x'",
    message: /'NOT' is only supported as part of 'NOT IN'/,
  },
  {
    name: 'missing comparator',
    filter: 'metrics.acc',
    message: /expected a comparator after 'metrics\.acc'/,
  },
  { name: 'missing value', filter: 'metrics.acc >', message: /expected a value after the comparator/ },
  {
    name: 'value replaced by AND',
    filter: 'metrics.a > AND metrics.b > 1',
    message: /expected a value before 'AND'/,
  },
  {
    name: 'trailing garbage',
    filter: 'metrics.a > 1 junk',
    message: /unexpected 'junk' after a complete clause/,
  },
  {
    name: 'two clauses without AND',
    filter: 'metrics.a > 1 metrics.b > 2',
    message: /unexpected 'metrics\.b'/,
  },
  { name: 'trailing AND', filter: 'metrics.a > 1 AND', message: /empty clause after 'AND'/ },
  { name: 'leading AND', filter: 'AND metrics.a > 1', message: /empty clause before 'AND'/ },
  { name: 'double AND', filter: 'metrics.a > 1 AND AND metrics.b > 1', message: /empty clause before 'AND'/ },
  { name: 'unterminated single quote', filter: "params.x = 'abc", message: /unterminated quoted string/ },
  { name: 'unterminated double quote', filter: 'params.x = "abc', message: /unterminated quoted string/ },
  { name: 'unterminated backtick', filter: 'metrics.`abc > 1', message: /unterminated backtick-quoted key/ },
  { name: 'escaped closing quote', filter: "params.x = 'abc\\'", message: /unterminated quoted string/ },
  {
    name: 'semicolon',
    filter: 'metrics.a > 1; metrics.b > 1',
    message: /multiple statements are not supported/,
  },
  {
    name: 'unquoted key with a dash',
    filter: 'params.my-param = 1',
    message: /unexpected character '-'.*backticks/,
  },
  { name: 'stray character', filter: 'metrics.a > 1 & metrics.b > 1', message: /unexpected character '&'/ },
  { name: 'malformed number', filter: 'metrics.a > 1.2.3', message: /malformed number/ },
  { name: 'number glued to a word', filter: 'metrics.a > 12abc', message: /malformed number '12a'/ },
  { name: 'number out of range', filter: 'metrics.a > 1e999', message: /number out of range: 1e999/ },
  { name: 'string on the left', filter: "'x' = params.a", message: /expected an identifier.*'''?x'/ },
  { name: 'number on the left', filter: '1 = 1', message: /expected an identifier.*'1'/ },
  { name: 'list for =', filter: "run_id = ('a')", message: /only allowed after IN or NOT IN/ },
  {
    name: 'IN without a list',
    filter: "run_id IN 'a'",
    message: /parenthesized list of quoted strings after IN/,
  },
  { name: 'empty list', filter: 'run_id IN ()', message: /non-empty list/ },
  {
    name: 'number in a list',
    filter: "run_id IN ('a', 1)",
    message: /Expected a list of quoted string values for attribute 'run_id'. Got value 1 in \('a', 1\)/,
  },
  { name: 'identifier in a list', filter: 'run_id IN (a)', message: /quoted string in the list.*'a'/ },
  { name: 'unterminated list', filter: "run_id IN ('a', 'b'", message: /expected ',' or '\)' in the list/ },
  {
    name: 'trailing comma in a list',
    filter: "run_id IN ('a',)",
    message: /quoted string in the list.*'\)'/,
  },
  { name: 'empty key', filter: 'metrics.`` > 1', message: /the key is empty/ },
  { name: 'half-quoted key', filter: 'metrics.`a`.b > 1', message: /quote the whole key/ },
  {
    name: 'dataset value unquoted',
    filter: 'datasets.name = train',
    message: /quoted string value for dataset 'name'/,
  },
  {
    name: 'too long',
    filter: `params.a = '${'x'.repeat(100_001)}'`,
    message: /too long/,
  },
];

describe('parseSearchFilter: errors', () => {
  for (const c of cases) {
    it(c.name, () => {
      const message = messageOf(c.kind ?? 'runs', c.filter);
      assert.match(message, c.message);
    });
  }
  it('syntax errors quote the filter and give the position', () => {
    assert.equal(
      messageOf('runs', 'metrics.a > 1 junk'),
      "Invalid filter 'metrics.a > 1 junk' at position 14: unexpected 'junk' after a complete clause; join clauses with AND.",
    );
  });
  it('long filters are shortened in messages', () => {
    const message = messageOf('runs', `metrics.a > 1 ${'x'.repeat(5000)}`);
    assert.ok(message.length < 500, `message is ${message.length} characters`);
  });
  it('rejects an unknown search kind', () => {
    assert.match(messageOf('bogus' as SearchKind, 'name = 1'), /Unknown search kind 'bogus'/);
  });
});
