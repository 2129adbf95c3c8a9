import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject, parseMlproject } from '../../src/projects/mlproject.js';
import { MlflowError } from '../../src/errors.js';

test('parses name, environment, entry points and typed parameters', () => {
  const spec = parseMlproject(
    `
name: demo
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: float
      data: {type: path, default: data.csv}
      note: {default: hello}
    command: "python train.py --alpha {alpha} {data}"
  validate:
    command: "python validate.py"
`,
    '/p/MLproject',
    '/p',
  );
  assert.equal(spec.name, 'demo');
  assert.deepEqual(spec.env, { kind: 'python_env', file: '/p/python_env.yaml' });
  assert.deepEqual(spec.entryPoints.main!.parameters, [
    { name: 'alpha', type: 'float' },
    { name: 'data', type: 'path', default: 'data.csv' },
    { name: 'note', type: 'string', default: 'hello' },
  ]);
  assert.equal(spec.entryPoints.validate!.command, 'python validate.py');
});

test('docker_env with volumes and environment', () => {
  const spec = parseMlproject(
    `docker_env:\n  image: my/image:1\n  volumes: ["/a:/b"]\n  environment: [NAME, ["K", "V"]]\nentry_points:\n  main:\n    command: run`,
    'MLproject',
    '/p',
  );
  assert.deepEqual(spec.env, {
    kind: 'docker_env',
    image: 'my/image:1',
    volumes: ['/a:/b'],
    environment: ['NAME', ['K', 'V']],
  });
});

const invalid: [string, RegExp][] = [
  [
    'entry_points:\n  main:\n    parameters: {a: int}\n    command: x',
    /MLproject: entry_points\.main\.parameters\.a: unknown parameter type 'int'/,
  ],
  ['entry_points:\n  main:\n    parameters: {a: 1}\n', /entry_points\.main\.command: required/],
  ['entry_points:\n  main: [1, 2]', /entry_points\.main: expected a mapping/],
  ['python_env: a.yaml\nconda_env: b.yaml', /at most one environment/],
  ['docker_env: {volumes: []}', /docker_env\.image: required/],
  ['name: [unclosed', /not valid YAML/],
  ['- a\n- b', /expected a YAML mapping/],
];
for (const [text, message] of invalid) {
  test(`rejects invalid MLproject: ${message.source}`, () => {
    assert.throws(
      () => parseMlproject(text, '/p/MLproject', '/p'),
      (err: unknown) =>
        err instanceof MlflowError &&
        err.errorCode === 'INVALID_PARAMETER_VALUE' &&
        message.test(err.message),
    );
  });
}

test('finds MLproject in any case, and infers the environment from files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-mlp-'));
  try {
    await writeFile(join(dir, 'mlproject'), 'name: lower\nentry_points:\n  main:\n    command: echo hi\n');
    await writeFile(join(dir, 'conda.yaml'), 'name: x\n');
    const spec = await loadProject(dir);
    assert.equal(spec.name, 'lower');
    assert.equal(spec.env.kind, 'conda_env');
    await rm(join(dir, 'mlproject'));
    await writeFile(join(dir, 'python_env.yaml'), 'python: "3.11"\n');
    const bare = await loadProject(dir);
    assert.equal(bare.file, undefined);
    assert.equal(bare.env.kind, 'python_env');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
