/**
 * The extension-point registries and the plugin loader in one process: version checks, duplicate
 * names, bad plugin shapes, and an artifact repository plugin used through artifactRepositoryFor.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  artifactRepositoryFor,
  artifactRepositorySchemes,
  registerArtifactRepository,
} from '../../src/artifacts/repository-registry.js';
import { LocalArtifactRepository } from '../../src/artifacts/local-repository.js';
import { flavorNames, registerFlavor, type Flavor } from '../../src/models/flavors/flavor.js';
import '../../src/models/flavors/builtin.js';
import { deploymentTargetFor, registerDeploymentTarget } from '../../src/plugins/deployment-target.js';
import { configuredPluginNames, loadPlugins } from '../../src/plugins/load-plugins.js';
import { PluginLoadError, registerPlugin } from '../../src/plugins/plugin.js';
import { run as runProject } from '../../src/client/projects.js';
import { projectBackendNames } from '../../src/projects/backends/backend-registry.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { SqliteDatabase } from '../../src/store/sql/sqlite-database.js';
import { currentSchemaVersion, upgradeSchema } from '../../src/store/sql/migrations.js';
import { ExtensionVersionError } from '../../src/version.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

describe('extension-point registries', () => {
  it('has the built-in flavors and repositories registered through the same calls', () => {
    assert.deepEqual(flavorNames().slice(0, 3), ['js_function', 'onnx', 'tfjs']);
    for (const s of ['file', 's3', 's3a', 'mlflow-artifacts', 'http', 'https']) {
      assert.ok(artifactRepositorySchemes().includes(s), s);
    }
  });

  it('refuses another interface version, with the versions in the message', () => {
    const flavor = {
      apiVersion: 2,
      name: 'newer',
      load: async () => ({ rowWise: true, predict: async () => [] }),
    };
    assert.throws(
      () => registerFlavor(flavor),
      (err: Error) => {
        assert.ok(err instanceof ExtensionVersionError);
        assert.match(
          err.message,
          /The flavor 'newer' declares apiVersion 2, but cairn-ml \S+ implements flavor apiVersion 1\./,
        );
        return true;
      },
    );
    assert.throws(
      () => registerArtifactRepository({ name: 'old', schemes: ['old'], create: () => ({}) } as never),
      /The artifactRepository 'old' declares no apiVersion/,
    );
    assert.throws(() => deploymentTargetFor('future'), /No deployment target 'future'/);
    assert.equal(flavorNames().includes('newer'), false);
    assert.equal(artifactRepositorySchemes().includes('old'), false);
  });

  it('refuses names and schemes that are taken or malformed', () => {
    const onnx: Flavor = {
      apiVersion: 1,
      name: 'onnx',
      load: async () => ({ rowWise: true, predict: async () => [] }),
    };
    assert.throws(() => registerFlavor(onnx), /A flavor named 'onnx' is already registered/);
    assert.throws(
      () =>
        registerArtifactRepository({
          apiVersion: 1,
          name: 'mine',
          schemes: ['s3'],
          create: (u) => new LocalArtifactRepository(u),
        }),
      /'s3:' URIs already have an artifact repository/,
    );
    assert.throws(
      () =>
        registerArtifactRepository({
          apiVersion: 1,
          name: 'mine',
          schemes: ['S3:'],
          create: (u) => new LocalArtifactRepository(u),
        }),
      /is not a URI scheme/,
    );
    assert.throws(
      () => registerDeploymentTarget({ apiVersion: 1, name: '../x', client: () => ({}) as never }),
      /needs a name of letters/,
    );
  });

  it('runs projects on a backend a plugin registered, with its --backend-config', async () => {
    assert.deepEqual(projectBackendNames(), ['kubernetes', 'local']);
    const seen: unknown[] = [];
    registerPlugin('cairn-plugin-echo', {
      projectBackends: [
        {
          apiVersion: 1,
          name: 'echo',
          run: async (uri: string, _tracking: unknown, config: Record<string, unknown>) => {
            seen.push(uri, config);
            return {
              runId: 'r1',
              experimentId: '0',
              command: 'echo',
              status: () => 'FINISHED',
              wait: async () => 'FINISHED',
              cancel: async () => 'KILLED',
            };
          },
        },
      ],
    });
    const handle = await runProject('./proj', {
      backend: 'echo',
      backendConfig: { queue: 'gpu' },
      trackingUri: 'http://127.0.0.1:9',
    });
    assert.equal(await handle.wait(), 'FINISHED');
    assert.deepEqual(seen, ['./proj', { queue: 'gpu' }]);
    await assert.rejects(
      runProject('./proj', { backend: 'nope' }),
      /Unknown backend 'nope': expected one of echo, kubernetes, local\./,
    );
  });

  it('opens stores through a database driver a plugin registered for its scheme', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-store-plugin-'));
    try {
      const opened: string[] = [];
      registerPlugin('cairn-plugin-embedded', {
        storeDatabases: [
          {
            apiVersion: 1,
            name: 'embedded',
            schemes: ['embedded'],
            open: (uri: string) => {
              opened.push(uri);
              return new SqliteDatabase(join(dir, uri.slice('embedded:'.length)));
            },
          },
        ],
      });
      const db = openDatabase('embedded:tracking.db');
      try {
        assert.ok(db instanceof SqliteDatabase);
        assert.deepEqual(opened, ['embedded:tracking.db']);
        assert.ok((await upgradeSchema(db)).length > 0);
        assert.ok((await currentSchemaVersion(db)) > 0);
      } finally {
        await db.close();
      }
      assert.throws(
        () => openDatabase('nosuch://x'),
        /registered schemes: embedded, mariadb, mysql, postgres, postgresql, sqlite/,
      );
      assert.throws(
        () =>
          registerPlugin('p4', {
            storeDatabases: [{ apiVersion: 1, name: 'mine', schemes: ['sqlite'], open: () => db }],
          }),
        /Plugin 'p4': 'sqlite:' store URIs already have a database driver/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses plugin objects of the wrong shape, naming the plugin', () => {
    assert.throws(
      () => registerPlugin('p1', undefined),
      (err: Error) =>
        err instanceof PluginLoadError && /Plugin 'p1': exports no plugin object/.test(err.message),
    );
    assert.throws(
      () => registerPlugin('p2', { flavours: [] }),
      /Plugin 'p2': unknown extension point 'flavours'/,
    );
    assert.throws(() => registerPlugin('p3', { flavors: {} }), /Plugin 'p3': 'flavors' must be a list/);
  });
});

describe('plugin loader', () => {
  let project: string;
  before(async () => {
    project = await mkdtemp(join(tmpdir(), 'cairn-plugins-'));
    // An installed package that adds a `folder:` artifact scheme backed by a local directory.
    const pkg = join(project, 'node_modules', 'cairn-plugin-folder');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'cairn-plugin-folder', type: 'module', main: 'index.js' }),
    );
    const local = pathToFileURL(join(src, 'artifacts', 'local-repository.ts')).href;
    await writeFile(
      join(pkg, 'index.js'),
      `import { LocalArtifactRepository } from ${JSON.stringify(local)};
export const cairnPlugin = { artifactRepositories: [{ apiVersion: 1, name: 'folder', schemes: ['folder'],
  create: (uri) => Object.assign(new LocalArtifactRepository('file://' + uri.slice('folder:'.length)), { rootUri: uri }) }] };
`,
    );
    const broken = join(project, 'node_modules', 'cairn-plugin-broken');
    await mkdir(broken, { recursive: true });
    await writeFile(
      join(broken, 'package.json'),
      JSON.stringify({ name: 'cairn-plugin-broken', type: 'module', main: 'index.js' }),
    );
    await writeFile(join(broken, 'index.js'), 'throw new Error("cannot start");\n');
  });
  after(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('reads CAIRN_PLUGINS and package.json "cairn.plugins", each name once', async () => {
    await writeFile(join(project, 'package.json'), JSON.stringify({ cairn: { plugins: ['b', 'a'] } }));
    assert.deepEqual(await configuredPluginNames({ CAIRN_PLUGINS: ' a, c ,' }, project), ['a', 'c', 'b']);
    await writeFile(join(project, 'package.json'), JSON.stringify({ cairn: { plugins: 'a' } }));
    await assert.rejects(
      configuredPluginNames({}, project),
      /"cairn.plugins" must be a list of package names/,
    );
    await rm(join(project, 'package.json'));
    assert.deepEqual(await configuredPluginNames({}, project), []);
  });

  it('loads an artifact repository plugin that artifactRepositoryFor then uses', async () => {
    assert.deepEqual(await loadPlugins(['cairn-plugin-folder'], project), ['cairn-plugin-folder']);
    assert.deepEqual(await loadPlugins(['cairn-plugin-folder'], project), [], 'a second load is a no-op');
    const dir = join(project, 'store');
    const repo = artifactRepositoryFor(`folder:${dir}`);
    await repo.write('a/b.txt', Readable.from([Buffer.from('hello')]));
    assert.equal(await readFile(join(dir, 'a', 'b.txt'), 'utf8'), 'hello');
    assert.deepEqual(await repo.list('a'), [{ path: 'a/b.txt', is_dir: false, file_size: 5 }]);
  });

  it('says which plugin failed and why', async () => {
    await assert.rejects(
      loadPlugins(['cairn-plugin-broken'], project),
      /^PluginLoadError: Plugin 'cairn-plugin-broken' failed to load: cannot start$/,
    );
    await assert.rejects(
      loadPlugins(['cairn-plugin-absent'], project),
      /Plugin 'cairn-plugin-absent' is not installed in/,
    );
    await assert.rejects(loadPlugins(['/tmp/x.js'], project), /is not an npm package name/);
  });
});
