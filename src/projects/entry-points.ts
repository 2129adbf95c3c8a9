/**
 * Finding the command for an entry point: a declared entry point of the MLproject, or a script
 * file in the project folder run by its interpreter (`.js`, `.mjs`, `.ts`, `.py`, `.sh`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, normalize } from 'node:path';
import { invalidParam } from '../errors.js';
import type { EntryPoint, ProjectSpec } from './mlproject.js';
import { shellQuote } from './parameters.js';

function tsxLoader(): string {
  // The TypeScript loader Cairn itself uses, so `.ts` entry points need nothing installed.
  return createRequire(import.meta.url).resolve('tsx/esm');
}

function interpreterFor(file: string): string {
  if (/\.(m?js|cjs)$/.test(file)) return 'node';
  if (/\.(ts|mts)$/.test(file)) return `node --import ${shellQuote(`file://${tsxLoader()}`)}`;
  if (file.endsWith('.py')) return 'python';
  if (file.endsWith('.sh')) return 'bash';
  throw invalidParam(`Cannot run '${file}': script entry points must end in .js, .mjs, .ts, .py or .sh.`);
}

export function findEntryPoint(spec: ProjectSpec, name: string): EntryPoint {
  const declared = spec.entryPoints[name];
  if (declared) return declared;
  const file = normalize(name);
  if (
    !file.startsWith('..') &&
    !file.startsWith('/') &&
    existsSync(join(spec.dir, file)) &&
    /\.(m?js|cjs|ts|mts|py|sh)$/.test(file)
  ) {
    // `python` inside a virtualenv, else python3 on the PATH.
    const interp = interpreterFor(file);
    const cmd =
      interp === 'python'
        ? `"$(command -v python || command -v python3)" ${shellQuote(file)}`
        : `${interp} ${shellQuote(file)}`;
    return { name, parameters: [], command: cmd.replace(/\{/g, '{{').replace(/\}/g, '}}') };
  }
  const known = Object.keys(spec.entryPoints);
  throw invalidParam(
    `Entry point '${name}' is not declared${spec.file ? ` in ${spec.file}` : ''} and is not a script file in ${spec.dir}.` +
      (known.length ? ` Declared entry points: ${known.join(', ')}.` : ''),
  );
}
