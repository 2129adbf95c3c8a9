import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseParamList,
  renderCommand,
  resolveParameters,
  shellQuote,
} from '../../src/projects/parameters.js';
import type { EntryPoint } from '../../src/projects/mlproject.js';
import { MlflowError } from '../../src/errors.js';

const ep: EntryPoint = {
  name: 'main',
  command: 'printf "%s\\n" {alpha} {msg} {{literal}}',
  parameters: [
    { name: 'alpha', type: 'float', default: '0.1' },
    { name: 'msg', type: 'string' },
  ],
};

const isInvalid = (re: RegExp) => (err: unknown) =>
  err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && re.test(err.message);

test('values with spaces and shell metacharacters reach the command unchanged', () => {
  const tricky = [
    `a b`,
    `it's`,
    `$(touch /tmp/cairn-pwned)`,
    '`id`',
    `"q" && echo no; | > <`,
    `*`,
    `\\n`,
    '',
  ];
  for (const value of tricky) {
    const cmd = renderCommand(ep, resolveParameters(ep, { msg: value }, '/'));
    const out = execFileSync('/bin/bash', ['-c', cmd], { encoding: 'utf8' });
    assert.equal(out, `0.1\n${value}\n{literal}\n`, `value ${JSON.stringify(value)}`);
  }
});

test('extra parameters are appended as --name value, quoted', () => {
  const cmd = renderCommand(ep, resolveParameters(ep, { msg: 'x', 'extra-opt': 'a b', n: '3' }, '/'));
  assert.equal(cmd, `printf "%s\\n" 0.1 x {literal} --extra-opt 'a b' --n 3`);
});

test('missing required parameter is named', () => {
  assert.throws(() => resolveParameters(ep, {}, '/'), isInvalid(/'msg' of entry point 'main'/));
});

test('float, path and uri types are checked', async () => {
  const typed: EntryPoint = {
    name: 'main',
    command: 'x {f} {p} {u}',
    parameters: [
      { name: 'f', type: 'float' },
      { name: 'p', type: 'path' },
      { name: 'u', type: 'uri' },
    ],
  };
  const dir = await mkdtemp(join(tmpdir(), 'cairn-params-'));
  try {
    await writeFile(join(dir, 'data.csv'), 'a\n1\n');
    const ok = resolveParameters(typed, { f: '-1.5e3', p: 'data.csv', u: 's3://bucket/key' }, dir);
    assert.deepEqual(ok.declared, { f: '-1.5e3', p: join(dir, 'data.csv'), u: 's3://bucket/key' });
    assert.throws(
      () => resolveParameters(typed, { f: 'abc', p: 'data.csv', u: 's3://b' }, dir),
      isInvalid(/'f' must be a float, got 'abc'/),
    );
    assert.throws(
      () => resolveParameters(typed, { f: '1', p: 'nope.csv', u: 's3://b' }, dir),
      isInvalid(/'p' is a path, but 'nope.csv' does not exist/),
    );
    assert.throws(
      () => resolveParameters(typed, { f: '1', p: 'data.csv', u: 'not a uri' }, dir),
      isInvalid(/'u' must be a URI/),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('unknown placeholder in a command is an error naming it', () => {
  const bad: EntryPoint = { name: 'train', command: 'run {nope}', parameters: [] };
  assert.throws(() => renderCommand(bad, { declared: {}, extra: {} }), isInvalid(/'\{nope\}'/));
});

test('-P parsing and shell quoting', () => {
  assert.deepEqual(parseParamList(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
  assert.throws(() => parseParamList(['novalue']), isInvalid(/expected name=value/));
  // Names become `--name` arguments: spaces or shell characters would split or change the command.
  for (const name of ['a b', 'x;touch y', '-lead', '$(id)', 'q"']) {
    assert.throws(() => parseParamList([`${name}=1`]), isInvalid(/Invalid parameter name/));
  }
  assert.deepEqual(parseParamList(['learning_rate=0.1', 'n.iter=3', 'drop-out=1']), {
    learning_rate: '0.1',
    'n.iter': '3',
    'drop-out': '1',
  });
  assert.equal(shellQuote('simple-1.0'), 'simple-1.0');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});
