/** System tags set on every run the SDK starts: who ran what, from which source and commit. */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { RunTag } from '../entities/tracking.js';

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 });
    return out.toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Git facts of the repository holding `dir`, if any (and if git is installed). */
export function gitInfo(dir: string): {
  commit?: string;
  branch?: string;
  repoUrl?: string;
  dirty?: boolean;
} {
  const commit = git(dir, ['rev-parse', 'HEAD']);
  if (!commit) return {};
  const branch = git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const repoUrl = git(dir, ['config', '--get', 'remote.origin.url']);
  const status = git(dir, ['status', '--porcelain', '--untracked-files=no']);
  return {
    commit,
    branch: branch && branch !== 'HEAD' ? branch : undefined,
    repoUrl,
    dirty: status !== undefined,
  };
}

/** `mlflow.user`, `mlflow.source.name`, `mlflow.source.type` and the git tags when in a repository. */
export function systemTags(sourceFile = process.argv[1]): RunTag[] {
  const source = sourceFile ? resolve(sourceFile) : process.cwd();
  const tags: RunTag[] = [
    { key: 'mlflow.user', value: currentUser() },
    { key: 'mlflow.source.name', value: source },
    { key: 'mlflow.source.type', value: 'LOCAL' },
  ];
  const info = gitInfo(sourceFile ? dirname(source) : process.cwd());
  if (info.commit) tags.push({ key: 'mlflow.source.git.commit', value: info.commit });
  if (info.branch) tags.push({ key: 'mlflow.source.git.branch', value: info.branch });
  if (info.repoUrl) tags.push({ key: 'mlflow.source.git.repoURL', value: info.repoUrl });
  if (info.dirty !== undefined) tags.push({ key: 'mlflow.source.git.dirty', value: String(info.dirty) });
  return tags;
}
