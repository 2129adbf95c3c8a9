/**
 * The MLproject format: a YAML file named `MLproject` (any case) at the project root with a name,
 * an environment and entry points with typed parameters and command templates.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { invalidParam } from '../errors.js';

export const PARAMETER_TYPES = ['string', 'float', 'path', 'uri'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterSpec {
  name: string;
  type: ParameterType;
  default?: string;
}

export interface EntryPoint {
  name: string;
  parameters: ParameterSpec[];
  command: string;
}

export type EnvSpec =
  | { kind: 'node_env'; file: string }
  | { kind: 'python_env'; file?: string }
  | { kind: 'conda_env'; file: string }
  | { kind: 'docker_env'; image: string; volumes: string[]; environment: (string | [string, string])[] }
  | { kind: 'none' };

export interface ProjectSpec {
  /** Directory holding the project. */
  dir: string;
  /** The MLproject file's path, or undefined for a folder without one. */
  file?: string;
  name: string;
  env: EnvSpec;
  entryPoints: Record<string, EntryPoint>;
}

const ENV_KEYS = ['node_env', 'python_env', 'conda_env', 'docker_env'] as const;

function fail(file: string, field: string, problem: string): never {
  throw invalidParam(`${file}: ${field}: ${problem}`);
}

function scalarToString(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function parseParameter(file: string, field: string, name: string, raw: unknown): ParameterSpec {
  if (typeof raw === 'string') {
    if (!(PARAMETER_TYPES as readonly string[]).includes(raw)) {
      fail(file, field, `unknown parameter type '${raw}' (expected one of ${PARAMETER_TYPES.join(', ')})`);
    }
    return { name, type: raw as ParameterType };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    fail(file, field, 'expected a type name or a mapping with `type` and `default`');
  }
  const obj = raw as Record<string, unknown>;
  const type = obj.type ?? 'string';
  if (typeof type !== 'string' || !(PARAMETER_TYPES as readonly string[]).includes(type)) {
    fail(
      file,
      `${field}.type`,
      `unknown parameter type '${String(type)}' (expected one of ${PARAMETER_TYPES.join(', ')})`,
    );
  }
  const def = scalarToString(obj.default);
  if (obj.default !== undefined && obj.default !== null && def === undefined) {
    fail(file, `${field}.default`, 'expected a string or number');
  }
  return { name, type: type as ParameterType, ...(def !== undefined ? { default: def } : {}) };
}

function parseEnv(file: string, doc: Record<string, unknown>, dir: string, files: string[]): EnvSpec {
  const present = ENV_KEYS.filter((k) => doc[k] !== undefined);
  if (present.length > 1) fail(file, present.join(', '), 'at most one environment may be declared');
  const key = present[0];
  if (key === 'docker_env') {
    const d = doc.docker_env;
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      fail(file, 'docker_env', 'expected a mapping with `image`');
    const obj = d as Record<string, unknown>;
    if (typeof obj.image !== 'string' || !obj.image)
      fail(file, 'docker_env.image', 'required: the image to run in');
    const volumes = obj.volumes ?? [];
    if (!Array.isArray(volumes) || !volumes.every((v) => typeof v === 'string')) {
      fail(file, 'docker_env.volumes', 'expected a list of "host:container" strings');
    }
    const environment = obj.environment ?? [];
    if (!Array.isArray(environment)) fail(file, 'docker_env.environment', 'expected a list');
    for (const [i, e] of environment.entries()) {
      const ok =
        typeof e === 'string' ||
        (Array.isArray(e) && e.length === 2 && e.every((x) => typeof x === 'string'));
      if (!ok) fail(file, `docker_env.environment[${i}]`, 'expected a variable name or a [name, value] pair');
    }
    return {
      kind: 'docker_env',
      image: obj.image,
      volumes: volumes as string[],
      environment: environment as (string | [string, string])[],
    };
  }
  if (key) {
    const value = doc[key];
    if (typeof value !== 'string' || !value) fail(file, key, 'expected the path of an environment file');
    return { kind: key, file: join(dir, value) };
  }
  // No key: use the environment files that are present, as MLflow does.
  if (files.includes('python_env.yaml')) return { kind: 'python_env', file: join(dir, 'python_env.yaml') };
  if (files.includes('conda.yaml')) return { kind: 'conda_env', file: join(dir, 'conda.yaml') };
  if (files.includes('package.json')) return { kind: 'node_env', file: join(dir, 'package.json') };
  return { kind: 'none' };
}

/** Parses MLproject YAML text. `file` is used in error messages. */
export function parseMlproject(text: string, file: string, dir: string, files: string[] = []): ProjectSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    fail(file, '(file)', `not valid YAML: ${(err as Error).message.split('\n', 1)[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) fail(file, '(file)', 'expected a YAML mapping');
  const obj = doc as Record<string, unknown>;
  const name = obj.name === undefined ? undefined : scalarToString(obj.name);
  if (obj.name !== undefined && name === undefined) fail(file, 'name', 'expected a string');
  const entryPoints: Record<string, EntryPoint> = {};
  const eps = obj.entry_points ?? {};
  if (eps === null || typeof eps !== 'object' || Array.isArray(eps))
    fail(file, 'entry_points', 'expected a mapping of entry point names');
  for (const [epName, rawEp] of Object.entries(eps as Record<string, unknown>)) {
    const field = `entry_points.${epName}`;
    if (rawEp === null || typeof rawEp !== 'object' || Array.isArray(rawEp))
      fail(file, field, 'expected a mapping with `command`');
    const ep = rawEp as Record<string, unknown>;
    if (typeof ep.command !== 'string' || !ep.command.trim())
      fail(file, `${field}.command`, 'required: the command to run');
    const params = ep.parameters ?? {};
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      fail(file, `${field}.parameters`, 'expected a mapping of parameter names');
    }
    entryPoints[epName] = {
      name: epName,
      command: ep.command,
      parameters: Object.entries(params as Record<string, unknown>).map(([p, raw]) =>
        parseParameter(file, `${field}.parameters.${p}`, p, raw),
      ),
    };
  }
  return {
    dir,
    file,
    name: name ?? dir.split('/').filter(Boolean).pop() ?? 'project',
    env: parseEnv(file, obj, dir, files),
    entryPoints,
  };
}

/** Loads the project in `dir`: its MLproject file (any case) or, without one, a script-only project. */
export async function loadProject(dir: string): Promise<ProjectSpec> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    throw invalidParam(`Project directory '${dir}' does not exist or cannot be read.`);
  }
  const mlprojectName = files.find((f) => f.toLowerCase() === 'mlproject');
  if (!mlprojectName) {
    return {
      dir,
      name: dir.split('/').filter(Boolean).pop() ?? 'project',
      env: parseEnv('(no MLproject)', {}, dir, files),
      entryPoints: {},
    };
  }
  const file = join(dir, mlprojectName);
  return parseMlproject(await readFile(file, 'utf8'), file, dir, files);
}
