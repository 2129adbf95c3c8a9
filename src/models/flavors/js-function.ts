/**
 * The `js_function` flavor: a user module exporting `predict(state, input, params)` and optionally
 * `load(context)` (the JavaScript analogue of MLflow's python_function custom models). The module
 * and any extra code paths are copied into the model directory under `code/`, and named artifacts
 * under `artifacts/`, so the directory is self-contained.
 *
 * @example
 * // model.mjs
 * export async function load(ctx) { return JSON.parse(await readFile(ctx.artifacts.weights, 'utf8')); }
 * export function predict(weights, input) { return input.toRecords().map((r) => r.x * weights.a); }
 */
import { cp, mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalidParam } from '../../errors.js';
import { EXTENSION_API_VERSIONS } from '../../version.js';
import type { ModelData } from '../data.js';
import type { FlavorConf, MlModel } from '../mlmodel.js';
import type { Flavor, FlavorModel } from './flavor.js';

export const JS_FUNCTION_FLAVOR = 'js_function';

export interface JsFunctionSaveOptions {
  /** Path of the module exporting `predict` (and optionally `load`). */
  code: string;
  /** Further files or directories the module imports, copied next to it. */
  codePaths?: string[];
  /** Files or directories the model needs at load time, by name. */
  artifacts?: Record<string, string>;
  /** Declare that predictions are computed row by row, which lets the server batch requests. */
  rowWise?: boolean;
}

/** What `load(context)` receives. */
export interface JsFunctionContext {
  modelDir: string;
  /** Absolute paths of the saved artifacts, by name. */
  artifacts: Record<string, string>;
  metadata: MlModel;
}

interface UserModule {
  load?: (ctx: JsFunctionContext) => unknown;
  predict?: (state: unknown, input: ModelData, params: Record<string, unknown>) => unknown;
}

export async function saveJsFunction(
  modelDir: string,
  opts: JsFunctionSaveOptions,
): Promise<Record<string, FlavorConf>> {
  const codeDir = join(modelDir, 'code');
  await mkdir(codeDir, { recursive: true });
  const entry = basename(opts.code);
  await cp(resolve(opts.code), join(codeDir, entry));
  for (const extra of opts.codePaths ?? [])
    await cp(resolve(extra), join(codeDir, basename(extra)), { recursive: true });
  const artifacts: Record<string, string> = {};
  for (const [name, path] of Object.entries(opts.artifacts ?? {})) {
    if (!/^[\w.-]+$/.test(name))
      throw invalidParam(`Artifact name '${name}' may only hold letters, digits, '.', '_' and '-'.`);
    const target = `artifacts/${name}`;
    await cp(resolve(path), join(modelDir, target), { recursive: true });
    artifacts[name] = target;
  }
  return {
    [JS_FUNCTION_FLAVOR]: {
      artifacts,
      code: 'code',
      entry: `code/${entry}`,
      node_version: process.versions.node,
      row_wise: opts.rowWise ?? false,
    },
  };
}

export const jsFunctionFlavor: Flavor = {
  apiVersion: EXTENSION_API_VERSIONS.flavor,
  name: JS_FUNCTION_FLAVOR,
  async load(modelDir, conf, metadata): Promise<FlavorModel> {
    const entry = join(modelDir, String(conf.entry ?? ''));
    let mod: UserModule;
    try {
      mod = (await import(pathToFileURL(entry).href)) as UserModule;
    } catch (err) {
      throw invalidParam(`Failed to import the js_function module ${entry}: ${(err as Error).message}`);
    }
    const predict = mod.predict;
    if (typeof predict !== 'function')
      throw invalidParam(`The js_function module ${entry} does not export a predict function.`);
    const artifacts = Object.fromEntries(
      Object.entries((conf.artifacts ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        join(modelDir, v),
      ]),
    );
    const context: JsFunctionContext = { modelDir, artifacts, metadata };
    const state = typeof mod.load === 'function' ? await mod.load(context) : context;
    return {
      rowWise: conf.row_wise === true,
      predict: async (input, params) => (await predict(state, input, params)) as ModelData,
    };
  },
};
