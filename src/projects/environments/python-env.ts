/** MLflow's `python_env`: a virtualenv with the listed build dependencies and dependencies, cached by content. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { invalidParam } from '../../errors.js';
import { cachedEnvironment, specHash } from './cache.js';
import { runSetup, succeeds } from './exec.js';
import { pathPrefixedCommand, type PreparedEnvironment } from './environment.js';
import { execFileSync } from 'node:child_process';

export interface PythonEnvSpec {
  python?: string;
  build_dependencies: string[];
  dependencies: string[];
}

export async function readPythonEnv(file: string | undefined): Promise<PythonEnvSpec> {
  if (!file) return { build_dependencies: [], dependencies: [] };
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw invalidParam(`${file}: cannot read python_env: ${(err as Error).message.split('\n', 1)[0]}`);
  }
  const obj = (doc ?? {}) as Record<string, unknown>;
  const list = (field: string): string[] => {
    const v = obj[field] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw invalidParam(`${file}: ${field}: expected a list of strings`);
    return v as string[];
  };
  const python = obj.python === undefined ? undefined : String(obj.python);
  return {
    ...(python ? { python } : {}),
    build_dependencies: list('build_dependencies'),
    dependencies: list('dependencies'),
  };
}

function pythonVersion(bin: string): string | undefined {
  try {
    return execFileSync(bin, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}

/** Finds an interpreter matching the requested version (`3.11`, `3.11.7`), or python3 when none is requested. */
export async function findPython(requested?: string): Promise<string> {
  const candidates = requested
    ? [`python${requested.split('.').slice(0, 2).join('.')}`, 'python3', 'python']
    : ['python3', 'python'];
  for (const bin of candidates) {
    if (!(await succeeds(bin, ['--version']))) continue;
    const v = pythonVersion(bin);
    if (!v) continue;
    if (!requested || v === requested || v.startsWith(`${requested}.`)) return bin;
  }
  throw invalidParam(
    `python_env asks for Python ${requested}, but no matching interpreter is installed (looked for ${candidates.join(', ')}).`,
  );
}

/** Contents of `-r file` requirement references, so a changed requirements file makes a new environment. */
async function referencedFiles(deps: string[], projectDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of deps) {
    const m = /^-r\s*(.+)$/.exec(d.trim());
    if (m) {
      const p = resolve(projectDir, m[1]!);
      out.push(existsSync(p) ? await readFile(p, 'utf8') : `missing:${p}`);
    }
  }
  return out;
}

export async function preparePythonEnvironment(
  projectDir: string,
  file: string | undefined,
  log: (l: string) => void,
): Promise<PreparedEnvironment & { cacheDir: string; reused: boolean }> {
  const spec = await readPythonEnv(file);
  const python = await findPython(spec.python);
  const version = pythonVersion(python) ?? 'unknown';
  const key = `python-${specHash(version, JSON.stringify(spec), ...(await referencedFiles(spec.dependencies, projectDir)))}`;
  const { dir, reused } = await cachedEnvironment(
    key,
    async (envDir) => {
      await runSetup(python, ['-m', 'venv', envDir], { cwd: projectDir }, log);
      const pip = join(envDir, 'bin', 'pip');
      if (spec.build_dependencies.length)
        await runSetup(pip, ['install', '--quiet', ...spec.build_dependencies], { cwd: projectDir }, log);
      const args = spec.dependencies.flatMap((d) => {
        const m = /^-r\s*(.+)$/.exec(d.trim());
        return m ? ['-r', resolve(projectDir, m[1]!)] : [d];
      });
      if (args.length) await runSetup(pip, ['install', '--quiet', ...args], { cwd: projectDir }, log);
    },
    log,
  );
  return {
    manager: 'virtualenv',
    tag: 'virtualenv',
    cacheDir: dir,
    reused,
    command: pathPrefixedCommand(join(dir, 'bin'), { VIRTUAL_ENV: dir }),
    release: async () => {},
  };
}
