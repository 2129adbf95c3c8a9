import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { LocalArtifactRepository, localPathOfUri } from '../../src/artifacts/local-repository.js';
import { artifactRepositoryFor } from '../../src/artifacts/repository-registry.js';
import { LazyArtifactRepository } from '../../src/artifacts/lazy-repository.js';
import { S3ArtifactRepository } from '../../src/artifacts/s3-repository.js';
import { HttpArtifactRepository } from '../../src/artifacts/http-repository.js';
import { safeArtifactPath } from '../../src/artifacts/safe-path.js';
import { describeRepositoryContract, expectCode, failingStream } from './repository-contract.js';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-local-repo-'));
  roots.push(dir);
  return dir;
}

describeRepositoryContract('local (bare path)', async () => new LocalArtifactRepository(await freshDir()));
describeRepositoryContract(
  'local (file: URI)',
  async () => new LocalArtifactRepository(pathToFileURL(await freshDir()).href),
);

describe('local repository specifics', () => {
  it('resolves file: URIs and bare paths to the same folder', () => {
    assert.equal(localPathOfUri('file:///tmp/x/y'), '/tmp/x/y');
    assert.equal(localPathOfUri('/tmp/x/y'), '/tmp/x/y');
    assert.equal(localPathOfUri('file:/tmp/x'), '/tmp/x');
    assert.equal(localPathOfUri('rel/dir'), join(process.cwd(), 'rel/dir'));
  });

  it('removes the partial file of a failed upload from disk', async () => {
    const dir = await freshDir();
    const repo = new LocalArtifactRepository(dir);
    await assert.rejects(repo.write('sub/big.bin', failingStream(64 * 1024)));
    assert.deepEqual(await readdir(join(dir, 'sub')), []);
  });

  it('refuses to write where a folder is, or below a file', async () => {
    const repo = new LocalArtifactRepository(await freshDir());
    await repo.write('d/f.txt', textStream('x'));
    await expectCode(repo.write('d', textStream('y')), 'INVALID_PARAMETER_VALUE');
    await expectCode(repo.write('d/f.txt/child', textStream('y')), 'INVALID_PARAMETER_VALUE');
  });

  it('never deletes the root folder itself', async () => {
    const dir = await freshDir();
    const repo = new LocalArtifactRepository(dir);
    await repo.write('a.txt', textStream('a'));
    await repo.delete('');
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('repository registry', () => {
  it('chooses the backend by URI scheme', async () => {
    assert.ok(artifactRepositoryFor('/tmp/somewhere') instanceof LocalArtifactRepository);
    assert.ok(artifactRepositoryFor('file:///tmp/somewhere') instanceof LocalArtifactRepository);
    // Cloud stores load their SDK on first use: the registry hands out a wrapper that checks the URI now.
    const s3 = artifactRepositoryFor('s3://bucket/prefix');
    assert.ok(s3 instanceof LazyArtifactRepository, 's3: a lazily loaded repository');
    assert.equal(s3.rootUri, 's3://bucket/prefix');
    assert.ok(s3.multipart, 's3 offers multipart uploads');
    assert.ok((await s3.loaded()) instanceof S3ArtifactRepository, 's3: loads the S3 repository');
    assert.throws(() => artifactRepositoryFor('s3:///no-bucket'), /Not an S3 URI/);
    const proxied = artifactRepositoryFor('mlflow-artifacts:/1/abc/artifacts', {
      trackingUri: 'http://h:5000',
    });
    assert.ok(proxied instanceof HttpArtifactRepository);
    assert.equal((proxied as HttpArtifactRepository).baseUrl, 'http://h:5000');
    assert.equal((proxied as HttpArtifactRepository).root, '1/abc/artifacts');
    const withHost = artifactRepositoryFor('mlflow-artifacts://other:7000/2/r/artifacts', {
      trackingUri: 'http://h:5000',
    }) as HttpArtifactRepository;
    assert.equal(withHost.baseUrl, 'http://other:7000');
    assert.equal(withHost.root, '2/r/artifacts');
    const http = artifactRepositoryFor(
      'https://srv/prefix/api/2.0/mlflow-artifacts/artifacts/3/r/artifacts',
    ) as HttpArtifactRepository;
    assert.equal(http.baseUrl, 'https://srv/prefix');
    assert.equal(http.root, '3/r/artifacts');
  });

  it('rejects unknown schemes, proxy URIs without a tracking server and traversal in URIs', () => {
    assert.throws(() => artifactRepositoryFor('gopher://x/y'), /No artifact repository handles 'gopher:'/);
    assert.throws(
      () => artifactRepositoryFor('mlflow-artifacts:/x', { trackingUri: 'sqlite:///x.db' }),
      /http\(s\)/,
    );
    assert.throws(
      () => artifactRepositoryFor('mlflow-artifacts:/../../etc', { trackingUri: 'http://h' }),
      /Invalid path/,
    );
    assert.throws(
      () => artifactRepositoryFor('http://h/api/2.0/mlflow-artifacts/artifacts/%2e%2e/x'),
      /Invalid path/,
    );
  });
});

describe('safeArtifactPath', () => {
  it('normalizes harmless forms', () => {
    assert.equal(safeArtifactPath(undefined), '');
    assert.equal(safeArtifactPath(''), '');
    assert.equal(safeArtifactPath('a//b/./c/'), 'a/b/c');
    assert.equal(safeArtifactPath('100%.txt'), '100%.txt');
    assert.equal(safeArtifactPath('a..b/..c'), 'a..b/..c');
  });

  it('rejects every escape, also when percent-encoded once or twice', () => {
    for (const bad of [
      '..',
      '../x',
      'a/..',
      '/abs',
      '%2e%2e/x',
      '..%2fx',
      '%252e%252e/x',
      'a%5cb',
      'a%00b',
      'c:x',
    ]) {
      assert.throws(() => safeArtifactPath(bad), /Invalid path/, bad);
    }
  });
});

function textStream(s: string): Readable {
  return Readable.from([Buffer.from(s)]);
}
