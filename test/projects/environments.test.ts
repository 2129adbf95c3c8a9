import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, readlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareNodeEnvironment } from '../../src/projects/environments/node-env.js';
import { preparePythonEnvironment } from '../../src/projects/environments/python-env.js';
import { prepareDockerEnvironment, dockerRunArgs } from '../../src/projects/environments/docker-env.js';
import { prepareCondaEnvironment } from '../../src/projects/environments/conda-env.js';
import { succeeds } from '../../src/projects/environments/exec.js';
import { MlflowError } from '../../src/errors.js';

function runIn(
  env: {
    command: (
      c: string,
      ctx: { dir: string; env: Record<string, string> },
    ) => { file: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string };
  },
  dir: string,
  cmd: string,
): string {
  const c = env.command(cmd, { dir, env: { MLFLOW_RUN_ID: 'r1' } });
  return execFileSync(c.file, c.args, { cwd: c.cwd, env: c.env, encoding: 'utf8' }).trim();
}

test('node_env: npm ci once into the cache, reused by a second run, linked while the run lasts', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cairn-nodeenv-'));
  process.env.CAIRN_ENV_CACHE = join(root, 'cache');
  try {
    const project = join(root, 'project');
    execFileSync('mkdir', ['-p', project]);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'p', version: '1.0.0', type: 'module', dependencies: { 'is-number': '7.0.0' } }),
    );
    execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
    });
    await writeFile(
      join(project, 'check.mjs'),
      "import isNumber from 'is-number'; console.log(isNumber(5), process.env.MLFLOW_RUN_ID);",
    );
    const logs: string[] = [];
    const first = await prepareNodeEnvironment(project, join(project, 'package.json'), (l) => logs.push(l));
    assert.equal(first.reused, false);
    assert.equal(await readlink(join(project, 'node_modules')), join(first.cacheDir, 'node_modules'));
    assert.equal(runIn(first, project, 'node check.mjs'), 'true r1');
    await first.release();
    assert.equal(existsSync(join(project, 'node_modules')), false, 'link removed after the run');

    const second = await prepareNodeEnvironment(project, join(project, 'package.json'), (l) => logs.push(l));
    assert.equal(second.reused, true);
    assert.equal(second.cacheDir, first.cacheDir);
    assert.equal(runIn(second, project, 'node check.mjs'), 'true r1');
    await second.release();
    assert.ok(logs.some((l) => l.startsWith('Using cached environment')));

    await rm(join(project, 'package-lock.json'));
    await assert.rejects(
      prepareNodeEnvironment(project, join(project, 'package.json'), () => {}),
      /package-lock.json is missing/,
    );
  } finally {
    delete process.env.CAIRN_ENV_CACHE;
    await rm(root, { recursive: true, force: true });
  }
});

test('python_env: a venv with dependencies from requirements, cached by content', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cairn-pyenv-'));
  process.env.CAIRN_ENV_CACHE = join(root, 'cache');
  try {
    const version = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    }).trim();
    await writeFile(
      join(root, 'python_env.yaml'),
      `python: "${version}"\nbuild_dependencies: []\ndependencies:\n  - -r requirements.txt\n`,
    );
    await writeFile(join(root, 'requirements.txt'), 'six\n');
    const first = await preparePythonEnvironment(root, join(root, 'python_env.yaml'), () => {});
    assert.equal(first.reused, false);
    const out = runIn(first, root, 'python -c "import six, sys; print(sys.prefix)"');
    assert.equal(out, first.cacheDir);
    const again = await preparePythonEnvironment(root, join(root, 'python_env.yaml'), () => {});
    assert.equal(again.reused, true);
    // A changed requirements file is a different environment.
    await writeFile(join(root, 'requirements.txt'), 'six\n# changed\n');
    const changed = await preparePythonEnvironment(root, join(root, 'python_env.yaml'), () => {});
    assert.equal(changed.reused, false);
    assert.notEqual(changed.cacheDir, first.cacheDir);

    await writeFile(join(root, 'python_env.yaml'), 'python: "2.1"\n');
    await assert.rejects(
      preparePythonEnvironment(root, join(root, 'python_env.yaml'), () => {}),
      /asks for Python 2\.1, but no matching interpreter/,
    );
  } finally {
    delete process.env.CAIRN_ENV_CACHE;
    await rm(root, { recursive: true, force: true });
  }
});

test('docker_env and conda_env give clear errors when their tools are missing; docker arguments are right', async () => {
  if (!(await succeeds('docker', ['info']))) {
    await assert.rejects(
      prepareDockerEnvironment({ image: 'img:1', volumes: [], environment: [] }),
      (e: unknown) => e instanceof MlflowError && /no Docker engine answers/.test(e.message),
    );
  }
  if (!(await succeeds('conda', ['--version']))) {
    await assert.rejects(
      prepareCondaEnvironment('/p/conda.yaml', () => {}),
      (e: unknown) => e instanceof MlflowError && /conda is not installed/.test(e.message),
    );
  }
  const args = dockerRunArgs(
    { image: 'img:1', volumes: ['/data:/data'], environment: ['HOME', ['K', 'V']] },
    'python t.py',
    { dir: '/proj', env: { MLFLOW_RUN_ID: 'r' } },
  );
  assert.deepEqual(args, [
    'run',
    '--rm',
    '--network',
    'host',
    '-v',
    '/proj:/mlflow/projects/code',
    '-w',
    '/mlflow/projects/code',
    '-v',
    '/data:/data',
    '-e',
    'HOME',
    '-e',
    'K=V',
    '-e',
    'MLFLOW_RUN_ID=r',
    'img:1',
    'bash',
    '-c',
    'python t.py',
  ]);
});
