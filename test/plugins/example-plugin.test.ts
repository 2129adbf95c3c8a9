/**
 * The example plugin (examples/plugins/cairn-plugin-local-folder) as an operator uses it: installed
 * with `npm install --offline` into a fresh project as a separate package, named in CAIRN_PLUGINS
 * or package.json `cairn.plugins`, and driven through the `cairn` command.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'cairn.js');
const examplePlugin = join(root, 'examples', 'plugins', 'cairn-plugin-local-folder');
const PLUGIN = 'cairn-plugin-local-folder';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const { CAIRN_PLUGINS: _drop, ...base } = process.env;
    execFile(file, args, { cwd, env: { ...base, ...env }, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const npmInstall = (project: string, folder: string) =>
  run(
    'npm',
    ['install', '--offline', '--install-links', '--no-audit', '--no-fund', '--ignore-scripts', folder],
    project,
  );

describe('example plugin installed as a package', () => {
  let tmp: string;
  let project: string;
  let modelDir: string;
  let deployRoot: string;
  const withPlugin = { CAIRN_PLUGINS: PLUGIN };
  const cairn = (args: string[], env: Record<string, string> = withPlugin) =>
    run(process.execPath, [bin, ...args], project, env);
  const ok = async (args: string[], env?: Record<string, string>) => {
    const res = await cairn(args, env);
    assert.equal(res.code, 0, `cairn ${args.join(' ')} failed: ${res.stderr}`);
    return res.stdout;
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cairn-plugin-'));
    project = join(tmp, 'project');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'proj', version: '1.0.0', private: true }),
    );
    const res = await npmInstall(project, examplePlugin);
    assert.equal(res.code, 0, `npm install failed: ${res.stderr}`);
    modelDir = join(tmp, 'model');
    await mkdir(modelDir);
    await writeFile(
      join(modelDir, 'MLmodel'),
      'flavors:\n  linear:\n    weights: [2, 3]\n    bias: 1\n    columns: [x1, x2]\nmodel_uuid: 0123\n',
    );
    deployRoot = join(tmp, 'deployments');
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('is a copy in the project, not a link to the source folder', async () => {
    const installed = join(project, 'node_modules', PLUGIN);
    assert.equal((await stat(installed)).isDirectory(), true);
    assert.equal((await import('node:fs')).lstatSync(installed).isSymbolicLink(), false);
  });

  it('deploys, lists, describes, scores, updates and deletes through cairn deployments', async () => {
    const target = `local-folder:${deployRoot}`;
    const created = JSON.parse(
      await ok([
        'deployments',
        'create',
        '-t',
        target,
        '--name',
        'demo',
        '-m',
        modelDir,
        '-C',
        'note=first',
        '--json',
      ]),
    ) as Record<string, unknown>;
    assert.deepEqual(created, {
      name: 'demo',
      model_uri: modelDir,
      flavor: null,
      config: { note: 'first' },
      version: 1,
    });
    assert.match(await readFile(join(deployRoot, 'demo', 'model', 'MLmodel'), 'utf8'), /linear/);

    const listed = JSON.parse(await ok(['deployments', 'list', '-t', target, '--json'])) as {
      name: string;
    }[];
    assert.deepEqual(
      listed.map((d) => d.name),
      ['demo'],
    );
    assert.match(
      await ok(['deployments', 'get', '-t', target, '--name', 'demo']),
      /^model_uri:\s+\S+model$/m,
    );

    // The plugin's own `linear` flavor scores the copy: 2*x1 + 3*x2 + 1.
    const input = join(tmp, 'input.json');
    await writeFile(input, '[[1, 2], [3, 4], [0, 0]]');
    assert.equal(
      (await ok(['deployments', 'predict', '-t', target, '--name', 'demo', '-I', input])).trim(),
      '[9,19,1]',
    );

    const updated = JSON.parse(
      await ok(['deployments', 'update', '-t', target, '--name', 'demo', '-C', 'note=second', '--json']),
    ) as Record<string, unknown>;
    assert.equal(updated.version, 2);
    assert.deepEqual(updated.config, { note: 'second' });

    await ok(['deployments', 'delete', '-t', target, '--name', 'demo']);
    assert.equal((await ok(['deployments', 'list', '-t', target])).trim(), 'No deployments.');
    const gone = await cairn(['deployments', 'get', '-t', target, '--name', 'demo']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No deployment named 'demo'/);
    assert.doesNotMatch(gone.stderr, /\n\s+at /);
  });

  it('gives the plugin flavor to every command: cairn models predict scores with it', async () => {
    const input = join(tmp, 'rows.csv');
    await writeFile(input, 'x1,x2\n1,1\n4,0\n');
    const out = await ok(['models', 'predict', '-m', modelDir, '-i', input, '--output-format', 'json']);
    assert.deepEqual(JSON.parse(out), { predictions: [6, 9] });
  });

  it('is found through package.json "cairn.plugins" too, and only when named', async () => {
    const unnamed = await cairn(['deployments', 'help'], {});
    assert.equal(
      unnamed.stdout.trim(),
      'No deployment targets; install a plugin and name it in CAIRN_PLUGINS.',
    );
    const pkg = join(project, 'package.json');
    const original = await readFile(pkg, 'utf8');
    await writeFile(pkg, JSON.stringify({ ...JSON.parse(original), cairn: { plugins: [PLUGIN] } }));
    try {
      assert.equal((await ok(['deployments', 'help'], {})).trim(), 'Deployment targets: local-folder');
      assert.match(
        await ok(['deployments', 'help', '-t', 'local-folder'], {}),
        /copies the model into a folder/,
      );
    } finally {
      await writeFile(pkg, original);
    }
  });

  it('refuses a plugin built for another interface version, and a plugin that is not installed', async () => {
    const future = join(tmp, 'future-plugin');
    await mkdir(future);
    await writeFile(
      join(future, 'package.json'),
      JSON.stringify({ name: 'cairn-plugin-future', version: '1.0.0', type: 'module', main: 'index.js' }),
    );
    await writeFile(
      join(future, 'index.js'),
      "export default { deploymentTargets: [{ apiVersion: 2, name: 'future', client() { return {}; } }] };\n",
    );
    assert.equal((await npmInstall(project, future)).code, 0);
    const res = await cairn(['deployments', 'list', '-t', 'future'], {
      CAIRN_PLUGINS: 'cairn-plugin-future',
    });
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr.trim(),
      "cairn: Plugin 'cairn-plugin-future': The deploymentTarget 'future' declares apiVersion 2, but cairn-ml " +
        '0.1.0 implements deploymentTarget apiVersion 1. Install a version of the plugin built for this Cairn.',
    );

    const missing = await cairn(['experiments', 'list'], { CAIRN_PLUGINS: 'cairn-plugin-nowhere' });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cairn: Plugin 'cairn-plugin-nowhere' is not installed in /);
    const path = await cairn(['experiments', 'list'], { CAIRN_PLUGINS: '../evil' });
    assert.match(path.stderr, /'..\/evil' is not an npm package name/);
  });
});
