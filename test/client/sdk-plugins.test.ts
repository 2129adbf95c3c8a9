/**
 * An SDK script picks up the plugins its project configures: with `cairn.plugins` in the
 * working directory's package.json naming an installed artifact-repository plugin, the SDK logs
 * and reads artifacts of a run whose artifact root has the plugin's scheme (`folder:`), which
 * nothing in this process registered beforehand.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { artifactRepositorySchemes } from '../../src/artifacts/repository-registry.js';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const pluginSource = fileURLToPath(new URL('../fixtures/folder-artifacts-plugin', import.meta.url));
const startDir = process.cwd();
let project: string;

before(async () => {
  project = await mkdtemp(join(tmpdir(), 'cairn-sdk-plugins-'));
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'script', type: 'module', cairn: { plugins: ['cairn-plugin-folder-artifacts'] } }),
  );
  await mkdir(join(project, 'node_modules'));
  await cp(pluginSource, join(project, 'node_modules', 'cairn-plugin-folder-artifacts'), { recursive: true });
  // The SDK loads plugins from the working directory, as a script run in its project would.
  process.chdir(project);
});

after(async () => {
  process.chdir(startDir);
  await rm(project, { recursive: true, force: true });
});

for (const backend of BACKENDS) {
  describe(`SDK plugins (${backend})`, () => {
    let server: TestServer;
    let client: TrackingClient;
    let root: string;
    before(async () => {
      root = join(project, `artifacts-${backend}`);
      server = await startTestServer(backend, {
        serveArtifacts: false,
        defaultArtifactRoot: pathToFileURL(root).href.replace(/^file:/, 'folder:'),
      });
      client = new TrackingClient(server.url);
    });
    after(async () => {
      client?.close();
      await server?.stop();
    });

    it('logs and reads artifacts through the configured artifact-repository plugin', async () => {
      if (backend === BACKENDS[0]) {
        assert.ok(!artifactRepositorySchemes().includes('folder'), 'not registered before the SDK needs it');
      }
      const exp = await client.createExperiment(`sdk-plugins-${backend}`);
      const run = await client.createRun({ experiment_id: exp });
      assert.match(run.info.artifact_uri, /^folder:\/\//);
      await client.artifacts.uploadBytes(run.info.run_id, 'notes/hello.txt', 'hello from a script');
      assert.ok(artifactRepositorySchemes().includes('folder'));

      const onDisk = join(root, exp, run.info.run_id, 'artifacts', 'notes', 'hello.txt');
      assert.equal(await readFile(onDisk, 'utf8'), 'hello from a script');
      assert.deepEqual(await client.artifacts.listAll(run.info.run_id), [
        { path: 'notes/hello.txt', is_dir: false, file_size: 19 },
      ]);
    });
  });
}
