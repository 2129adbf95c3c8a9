/**
 * Project sources: a local folder (optionally `file://`), or a git repository URL with an optional
 * `#sub/dir` and a `--version` (branch, tag or commit) checked out into a fresh temporary clone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import { invalidParam } from '../errors.js';

const run = promisify(execFile);

export interface ProjectSource {
  /** The folder holding the project (inside a clone for git sources). */
  dir: string;
  /** What the user asked for, recorded as `mlflow.source.name`. */
  uri: string;
  git?: { repoUrl: string; commit: string; branch?: string };
  /** Removes a temporary clone. */
  cleanup(): Promise<void>;
}

export function isGitUri(uri: string): boolean {
  const base = uri.split('#', 1)[0]!;
  return (
    /^(https?|ssh|git):\/\//.test(base) ||
    /^git@[^:]+:/.test(base) ||
    (base.startsWith('file://') && base.replace(/\/$/, '').endsWith('.git')) ||
    (!base.includes('://') && base.replace(/\/$/, '').endsWith('.git'))
  );
}

function splitSubdir(uri: string): { base: string; subdir: string } {
  const hash = uri.indexOf('#');
  if (hash < 0) return { base: uri, subdir: '' };
  const subdir = uri.slice(hash + 1);
  const normalized = normalize(subdir);
  if (isAbsolute(subdir) || normalized === '..' || normalized.startsWith('../'))
    throw invalidParam(`Invalid project subdirectory '${subdir}' in '${uri}'.`);
  const clean = normalized.replace(/^\.\//, '');
  return { base: uri.slice(0, hash), subdir: clean === '.' ? '' : clean };
}

async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw invalidParam(
      `git ${args[0]} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`,
    );
  }
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Git details of a local folder, when it is inside a work tree. */
export async function localGitInfo(dir: string): Promise<ProjectSource['git']> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', 'HEAD'], { cwd: dir });
    let repoUrl = '';
    try {
      repoUrl = (await run('git', ['remote', 'get-url', 'origin'], { cwd: dir })).stdout.trim();
    } catch {
      // no remote
    }
    let branch: string | undefined;
    try {
      branch =
        (await run('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: dir })).stdout.trim() || undefined;
    } catch {
      // detached HEAD
    }
    return { repoUrl, commit: commit.trim(), ...(branch ? { branch } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * A `--version` must name a branch, tag or commit: never an option for git (`--pathspec-from-file=…`).
 * The characters allowed are those of ordinary ref names and hashes.
 */
export function checkedRevision(version: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./@{}^~-]*$/.test(version) || version.includes('..')) {
    throw invalidParam(
      `Invalid --version '${version}': expected a branch, tag or commit (letters, digits, '_', '.', '/', '-').`,
    );
  }
  return version;
}

/** Fetches (git) or locates (local folder) a project. */
export async function fetchProject(
  uri: string,
  version?: string,
  cwd = process.cwd(),
): Promise<ProjectSource> {
  const { base, subdir } = splitSubdir(uri);
  if (!isGitUri(uri)) {
    if (version)
      throw invalidParam(`--version applies to git repositories only; '${uri}' is a local folder.`);
    const local = base.startsWith('file://') ? base.slice('file://'.length) : base;
    const dir = resolve(cwd, local, subdir);
    if (!(await isDir(dir))) throw invalidParam(`Project folder '${dir}' does not exist.`);
    return {
      dir,
      uri: resolve(cwd, local) + (subdir ? `#${subdir}` : ''),
      git: await localGitInfo(dir),
      cleanup: async () => {},
    };
  }
  const repoUrl =
    base.startsWith('file://') || base.includes('://') || base.startsWith('git@') ? base : resolve(cwd, base);
  const clone = await mkdtemp(join(tmpdir(), 'cairn-project-'));
  try {
    // `--` keeps a URL that starts with '-' from being read as an option of git.
    await git(['clone', '--quiet', '--', repoUrl, clone]);
    let branch: string | undefined;
    if (version) {
      // The trailing `--` makes git read the version as a revision, never as an option or path.
      await git(['checkout', '--quiet', checkedRevision(version), '--'], clone);
      const branches = await git(['branch', '-r', '--format=%(refname:short)'], clone).catch(() => '');
      if (branches.split('\n').some((b) => b.trim() === `origin/${version}`)) branch = version;
    }
    const commit = await git(['rev-parse', 'HEAD'], clone);
    const dir = join(clone, subdir);
    if (!(await isDir(dir)))
      throw invalidParam(
        `Subdirectory '${subdir}' does not exist in ${repoUrl}${version ? ` at ${version}` : ''}.`,
      );
    return {
      dir,
      uri,
      git: { repoUrl, commit, ...(branch ? { branch } : {}) },
      cleanup: () => rm(clone, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(clone, { recursive: true, force: true });
    throw err;
  }
}
