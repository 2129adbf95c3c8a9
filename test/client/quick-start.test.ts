/**
 * The SDK quick start of docs/sdk.md, as a new user runs it: a fresh `npm init -y` project,
 * `npm pkg set type=module`, `npm install` of this package (by its npm name `cairn-ml`), then the
 * documented snippet — taken from the docs themselves, so the docs cannot drift from the code.
 * Needs the compiled package (`npm run build`, which `npm ci` runs).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TrackingClient } from '../../src/client/tracking-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let project: string;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      cmd,
      args,
      { cwd: project, env: { ...process.env, ...env }, timeout: 180_000 },
      (err, out, errOut) =>
        err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
}

before(async () => {
  project = await mkdtemp(join(tmpdir(), 'cairn-quick-start-'));
});

after(async () => {
  await rm(project, { recursive: true, force: true });
});

test('the docs quick start works in a fresh npm project that installs cairn-ml', async () => {
  const docs = await readFile(join(root, 'docs', 'sdk.md'), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
  assert.ok(
    snippet?.includes("from 'cairn-ml'"),
    'the first TypeScript block of docs/sdk.md imports cairn-ml',
  );
  const setup = /```bash\n(mkdir my-training[\s\S]*?)```/.exec(docs)?.[1] ?? '';
  assert.match(setup, /npm init -y && npm pkg set type=module/);
  assert.match(setup, /npm install cairn-ml/);

  await run('npm', ['init', '-y']);
  await run('npm', ['pkg', 'set', 'type=module']);
  // The local checkout stands in for the registry: same package name, same entry points and bin.
  await run('npm', ['install', root, '--no-audit', '--no-fund', '--offline']);
  const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.ok(pkg.dependencies['cairn-ml'], JSON.stringify(pkg.dependencies));

  // The documented snippet, pointed at a server on each database in turn.
  for (const backend of BACKENDS) {
    const server = await startTestServer(backend);
    try {
      await checkSnippetRun(snippet, server);
    } finally {
      await server.stop();
    }
  }

  // CommonJS code can load it too (Node 20.19+ loads ES modules with require).
  await writeFile(join(project, 'check.cjs'), "console.log(typeof require('cairn-ml').withRun);\n");
  assert.equal((await run(process.execPath, ['check.cjs'])).trim().split('\n').pop(), 'function');

  // The `cairn` command comes with the package, reachable through npx.
  assert.match(await run('npx', ['--no-install', 'cairn', '--version']), /\d+\.\d+\.\d+/);
});

/** Runs the docs snippet against `server` and checks the run it logged, param by param. */
async function checkSnippetRun(snippet: string, server: TestServer): Promise<void> {
  await writeFile(join(project, 'train.js'), snippet.replace('http://127.0.0.1:5000', server.url));
  await run(process.execPath, ['train.js']);
  const client = new TrackingClient(server.url);
  const experiment = await client.getExperimentByName('fraud-model');
  const runs = await client.searchRuns({ experiment_ids: [experiment.experiment_id] });
  assert.equal(runs.items.length, 1);
  const logged = runs.items[0]!;
  assert.equal(logged.info.status, 'FINISHED');
  assert.deepEqual(logged.data.params?.map((p) => [p.key, p.value]).sort(), [
    ['epochs', '20'],
    ['lr', '0.01'],
  ]);
  const history = await client.getMetricHistory(logged.info.run_id, 'loss');
  assert.equal(history.length, 20);
  client.close();
}
