/**
 * Parameter resolution and command templating: user values are checked against their declared
 * types, every substituted value is shell-quoted, and parameters the entry point does not declare
 * are appended as `--name value`, as MLflow does.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { invalidParam } from '../errors.js';
import type { EntryPoint, ParameterSpec } from './mlproject.js';

/** POSIX shell quoting: safe for any value, including spaces, quotes and metacharacters. */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function checkValue(spec: ParameterSpec, value: string, cwd: string): string {
  switch (spec.type) {
    case 'float':
      if (
        !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) &&
        !/^[+-]?(inf|infinity|nan)$/i.test(value.trim())
      ) {
        throw invalidParam(`Parameter '${spec.name}' must be a float, got '${value}'.`);
      }
      return value;
    case 'path': {
      if (URI_RE.test(value) && !value.startsWith('file:')) return value;
      const local = value.startsWith('file://') ? value.slice('file://'.length) : value;
      const abs = isAbsolute(local) ? local : resolve(cwd, local);
      if (!existsSync(abs))
        throw invalidParam(`Parameter '${spec.name}' is a path, but '${value}' does not exist.`);
      return abs;
    }
    case 'uri':
      if (!URI_RE.test(value) && !isAbsolute(value)) {
        throw invalidParam(
          `Parameter '${spec.name}' must be a URI (e.g. s3://bucket/key or file:///path), got '${value}'.`,
        );
      }
      return value;
    default:
      return value;
  }
}

export interface ResolvedParameters {
  /** Declared parameters with their final values (paths made absolute). */
  declared: Record<string, string>;
  /** Values given by the user but not declared by the entry point. */
  extra: Record<string, string>;
}

/**
 * Resolves user-given values against an entry point's declared parameters. `cwd` is where
 * relative `path` values are resolved from (the directory `cairn run` was started in).
 */
export function resolveParameters(
  ep: EntryPoint,
  given: Record<string, string>,
  cwd: string,
): ResolvedParameters {
  const declared: Record<string, string> = {};
  const missing: string[] = [];
  for (const spec of ep.parameters) {
    const value = given[spec.name] ?? spec.default;
    if (value === undefined) missing.push(spec.name);
    else declared[spec.name] = given[spec.name] !== undefined ? checkValue(spec, value, cwd) : value;
  }
  if (missing.length) {
    throw invalidParam(
      `No value given for parameter(s) ${missing.map((m) => `'${m}'`).join(', ')} of entry point '${ep.name}': pass them with -P name=value.`,
    );
  }
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (!(k in declared)) extra[k] = v;
  return { declared, extra };
}

/**
 * Fills `{name}` placeholders of a command template (`{{` and `}}` are literal braces) with
 * shell-quoted values and appends the extra parameters.
 */
export function renderCommand(ep: EntryPoint, params: ResolvedParameters): string {
  const rendered = ep.command.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = (name ?? '').trim();
    if (!(key in params.declared)) {
      throw invalidParam(
        `Entry point '${ep.name}' command refers to '{${key}}', which is not one of its parameters.`,
      );
    }
    return shellQuote(params.declared[key]!);
  });
  const extra = Object.entries(params.extra).map(([k, v]) => `--${k} ${shellQuote(v)}`);
  return [rendered.trim(), ...extra].join(' ');
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses `-P name=value` options. Names become `--name` arguments of the command, so they are
 * limited to identifier characters: a space or shell character would split or change the command.
 */
export function parseParamList(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw invalidParam(`Invalid parameter '${item}': expected name=value.`);
    const name = item.slice(0, eq);
    if (!PARAM_NAME.test(name)) {
      throw invalidParam(
        `Invalid parameter name '${name}': use letters, digits, '_', '-' and '.', starting with a letter or '_'.`,
      );
    }
    out[name] = item.slice(eq + 1);
  }
  return out;
}
