import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowError } from '../../src/errors.js';
import { buildDocker, findContainerEngine, generateDockerfile } from '../../src/serving/dockerfile.js';
import { VERSION } from '../../src/version.js';
import { ONNX_TABULAR_MODEL as FIXTURE } from '../helpers/fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}

describe('docker images for models', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cairn-docker-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('generates a build context that serves the model with cairn models serve', async () => {
    const out = await generateDockerfile({ modelDir: FIXTURE, outputDir: join(tmp, 'ctx') });
    const dockerfile = await readFile(join(out, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20-slim$/m);
    assert.match(dockerfile, /RUN npm install --omit=dev/);
    assert.match(dockerfile, /COPY model \/opt\/ml\/model/);
    assert.match(dockerfile, /EXPOSE 8080/);
    assert.match(dockerfile, /cairn models serve -m \/opt\/ml\/model -h 0\.0\.0\.0 -p \$\{PORT\}/);
    const pkg = JSON.parse(await readFile(join(out, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.deepEqual(pkg.dependencies, { 'cairn-ml': VERSION });
    assert.deepEqual((await readdir(join(out, 'model'))).sort(), (await readdir(FIXTURE)).sort());
    await assert.rejects(generateDockerfile({ modelDir: FIXTURE, outputDir: out }), /not empty/);
  });

  it('copies a local package tarball into the context when given one', async () => {
    const tarball = join(tmp, 'cairn-0.1.0.tgz');
    await import('node:fs/promises').then((fs) => fs.writeFile(tarball, 'not really a tarball'));
    const out = await generateDockerfile({
      modelDir: FIXTURE,
      outputDir: join(tmp, 'ctx2'),
      cairnPackage: tarball,
    });
    assert.match(await readFile(join(out, 'Dockerfile'), 'utf8'), /COPY cairn-0\.1\.0\.tgz \.\//);
    const pkg = JSON.parse(await readFile(join(out, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.deepEqual(pkg.dependencies, { 'cairn-ml': 'file:./cairn-0.1.0.tgz' });
  });

  it('explains why it cannot build when no container engine answers', async () => {
    await assert.rejects(buildDocker(tmp, 'x', ['cairn-no-such-engine']), (err: unknown) => {
      assert.ok(err instanceof MlflowError);
      assert.match(err.message, /No container engine answered \(cairn-no-such-engine: not installed\)/);
      assert.match(err.message, /generate-dockerfile/);
      return true;
    });
  });

  it('writes the context from the CLI, and build-docker fails clearly without an engine', async () => {
    const out = join(tmp, 'cli-ctx');
    const gen = await cli(['models', 'generate-dockerfile', '-m', FIXTURE, '-d', out]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(gen.stdout, /Wrote a Docker build context/);
    await readFile(join(out, 'Dockerfile'));
    if (findContainerEngine().engine) return; // an engine is running here: a real build is out of scope for a test
    const build = await cli(['models', 'build-docker', '-m', FIXTURE, '-n', 'cairn-test']);
    assert.equal(build.code, 1);
    assert.match(build.stderr, /No container engine answered/);
  });
});
