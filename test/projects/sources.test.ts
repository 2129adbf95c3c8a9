import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchProject, isGitUri } from '../../src/projects/sources.js';
import { MlflowError } from '../../src/errors.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** A bare repository with two commits, a tag v1 on the first, and a branch `feature`. */
async function makeRepo(root: string): Promise<{ bare: string; first: string; second: string }> {
  const work = join(root, 'work');
  await mkdir(join(work, 'sub', 'dir'), { recursive: true });
  git(root, 'init', '-q', '-b', 'main', work);
  await writeFile(
    join(work, 'sub', 'dir', 'MLproject'),
    'name: v1\nentry_points:\n  main:\n    command: echo one\n',
  );
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'first');
  git(work, 'tag', 'v1');
  const first = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', '-b', 'feature');
  await writeFile(
    join(work, 'sub', 'dir', 'MLproject'),
    'name: v2\nentry_points:\n  main:\n    command: echo two\n',
  );
  git(work, 'commit', '-q', '-am', 'second');
  const second = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', 'main');
  const bare = join(root, 'repo.git');
  git(root, 'clone', '-q', '--bare', work, bare);
  return { bare, first, second };
}

test('git sources: subdirectory, tag, branch and commit from a local bare repository', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cairn-git-'));
  try {
    const { bare, first, second } = await makeRepo(root);
    const uri = `file://${bare}#sub/dir`;
    assert.ok(isGitUri(uri));

    const head = await fetchProject(uri);
    assert.equal(head.git?.commit, first);
    assert.equal(head.git?.repoUrl, `file://${bare}`);
    assert.match(await readFile(join(head.dir, 'MLproject'), 'utf8'), /name: v1/);
    await head.cleanup();
    assert.equal(existsSync(head.dir), false, 'temporary clone removed');

    const branch = await fetchProject(uri, 'feature');
    assert.equal(branch.git?.commit, second);
    assert.equal(branch.git?.branch, 'feature');
    assert.match(await readFile(join(branch.dir, 'MLproject'), 'utf8'), /name: v2/);
    await branch.cleanup();

    const byCommit = await fetchProject(uri, second.slice(0, 10));
    assert.equal(byCommit.git?.commit, second);
    assert.equal(byCommit.git?.branch, undefined);
    await byCommit.cleanup();

    const tag = await fetchProject(uri, 'v1');
    assert.equal(tag.git?.commit, first);
    await tag.cleanup();

    await assert.rejects(
      fetchProject(uri, 'no-such-version'),
      (e: unknown) => e instanceof MlflowError && /git checkout failed/.test(e.message),
    );
    // A version is never an option of git: this one used to make git print a line of the file.
    const secret = join(root, 'secret.txt');
    await writeFile(secret, 'top-secret-line\n');
    for (const version of [`--pathspec-from-file=${secret}`, '-b', 'a b', 'v1..v2']) {
      await assert.rejects(
        fetchProject(uri, version),
        (e: unknown) =>
          e instanceof MlflowError &&
          /Invalid --version/.test(e.message) &&
          !e.message.includes('top-secret-line'),
      );
    }
    await assert.rejects(
      fetchProject(`file://${bare}#missing`),
      (e: unknown) => e instanceof MlflowError && /Subdirectory 'missing' does not exist/.test(e.message),
    );
    await assert.rejects(
      fetchProject(`file://${bare}#../x`),
      (e: unknown) => e instanceof MlflowError && /Invalid project subdirectory/.test(e.message),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('local folders: must exist; --version is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-local-'));
  try {
    const src = await fetchProject(dir);
    assert.equal(src.dir, dir);
    await assert.rejects(fetchProject(dir, 'v1'), /--version applies to git repositories only/);
    await assert.rejects(fetchProject(join(dir, 'nope')), /does not exist/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
