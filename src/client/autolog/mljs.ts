/**
 * Autologging for ml.js estimators (ml-regression, ml-random-forest, ml-cart). ES module imports
 * cannot be patched from outside, so `autologMljs` hands back logging versions of the classes the
 * training code uses; they behave exactly like the originals.
 *
 * @example
 * import { RandomForestRegression } from 'ml-random-forest';
 * const { RandomForestRegression: Forest } = cairn.autologMljs({ RandomForestRegression });
 * new Forest({ nEstimators: 50 }).train(X, y);   // params, training metrics and the model: logged
 * await cairn.flush();                           // logging finishes in the background
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidParam } from '../../errors.js';
import { Tensor } from '../../models/data.js';
import { logModel } from '../models.js';
import type { ActiveRun, ParamValue } from '../active-run.js';
import { detachedWork } from '../background-work.js';
import { activeRun } from '../fluent.js';
import { snakeCase, warnAutolog, withAutologRun } from './autolog-run.js';
import { MLJS_ESTIMATORS, type EstimatorKind } from './mljs-estimators.js';
import { classificationMetrics, regressionMetrics } from './mljs-metrics.js';

export interface MljsAutologOptions {
  /** Log the trained estimator as a `js_function` model under `model` (default true). */
  logModels?: boolean;
  /** Rows of the training input kept as the model's input example (default 5; 0 for none). */
  inputExampleRows?: number;
  registeredModelName?: string;
}

interface Estimator {
  predict(x: unknown): unknown;
  toJSON(): unknown;
  train?(x: unknown, y: unknown): unknown;
}
type EstimatorClass = (new (...args: never[]) => Estimator) & { name: string };

function hyperparameters(kind: EstimatorKind, name: string, settings: unknown[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = { estimator_name: name };
  settings.forEach((value, i) => {
    if (value === undefined || value === null) return;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function') continue;
        params[snakeCase(key)] = typeof v === 'object' ? JSON.stringify(v) : (v as ParamValue);
      }
    } else if (['number', 'string', 'boolean'].includes(typeof value)) {
      params[kind.positional?.[i] ?? `arg_${i}`] = value as ParamValue;
    }
  });
  return params;
}

/** The module a logged estimator is loaded by: the ml.js package comes from the loading project. */
function modelModule(kind: EstimatorKind, className: string, oneDimensional: boolean): string {
  return `// Loads a ${className} saved by Cairn's ml.js autologging.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// ${kind.package} is resolved from the project that loads the model, like any dependency.
const requireFromProject = createRequire(join(process.cwd(), 'package.json'));

export async function load(ctx) {
  const { ${className} } = requireFromProject(${JSON.stringify(kind.package)});
  return ${className}.load(JSON.parse(await readFile(ctx.artifacts.model, 'utf8')));
}

function features(input) {
  const rows = input.kind === 'tensor'
    ? input.toNested()
    : input.toRecords().map((r) => input.columns.map((c) => r[c]));
  return ${oneDimensional ? 'rows.map((r) => (Array.isArray(r) ? r[0] : r))' : 'rows'};
}

export function predict(model, input) {
  return model.predict(features(input));
}
`;
}

function exampleOf(x: unknown, rows: number): Tensor | undefined {
  if (rows <= 0 || !Array.isArray(x) || x.length === 0) return undefined;
  const head = x.slice(0, rows) as unknown[];
  if (head.every((v) => typeof v === 'number')) return new Tensor('float64', [head.length], head as number[]);
  if (head.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number'))) {
    const width = (head[0] as number[]).length;
    if (head.every((r) => (r as number[]).length === width))
      return new Tensor('float64', [head.length, width], (head as number[][]).flat());
  }
  return undefined;
}

async function logTraining(
  run: ActiveRun,
  kind: EstimatorKind,
  className: string,
  model: Estimator,
  x: unknown,
  y: unknown,
  settings: unknown[],
  options: MljsAutologOptions,
): Promise<void> {
  run.logParams(hyperparameters(kind, className, settings));
  try {
    const predicted = model.predict(x);
    run.logMetrics(
      kind.task === 'regression' ? regressionMetrics(y, predicted) : classificationMetrics(y, predicted),
    );
  } catch (err) {
    warnAutolog(`could not score the ${className} on its training data`, err);
  }
  if (options.logModels === false) return;
  const dir = await mkdtemp(join(tmpdir(), 'cairn-mljs-'));
  try {
    await writeFile(join(dir, 'estimator.json'), JSON.stringify(model.toJSON()));
    await writeFile(
      join(dir, 'ml_model.mjs'),
      modelModule(kind, className, Array.isArray(x) && !Array.isArray(x[0])),
    );
    const example = exampleOf(x, options.inputExampleRows ?? 5);
    await logModel(run, 'model', {
      flavor: 'js_function',
      code: join(dir, 'ml_model.mjs'),
      artifacts: { model: join(dir, 'estimator.json') },
      rowWise: true,
      ...(example ? { inputExample: example } : {}),
      registeredModelName: options.registeredModelName,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Logs one training in the background: into the active run, or a run of its own. */
function record(
  kind: EstimatorKind,
  className: string,
  model: Estimator,
  x: unknown,
  y: unknown,
  settings: unknown[],
  options: MljsAutologOptions,
): void {
  const log = (run: ActiveRun) =>
    logTraining(run, kind, className, model, x, y, settings, options).catch((err: unknown) =>
      warnAutolog(`could not log the ${className}`, err),
    );
  const current = activeRun();
  if (current) current.background.add(log(current));
  else
    detachedWork.add(withAutologRun(log).catch((err: unknown) => warnAutolog('could not start a run', err)));
}

function logged(Base: EstimatorClass, kind: EstimatorKind, options: MljsAutologOptions): EstimatorClass {
  const className = Base.name;
  const settingsOf = new WeakMap<object, unknown[]>();
  const Logging =
    kind.style === 'constructor'
      ? class extends (Base as new (...args: unknown[]) => Estimator) {
          constructor(...args: unknown[]) {
            super(...args);
            // A model restored by `load(json)` is built without training data: nothing to log.
            if (args.length >= 2 && args[0] !== true)
              record(kind, className, this, args[0], args[1], args.slice(2), options);
          }
        }
      : class extends (Base as new (...args: unknown[]) => Estimator) {
          constructor(...args: unknown[]) {
            super(...args);
            settingsOf.set(this, args);
          }

          override train(x: unknown, y: unknown): unknown {
            const result = super.train!(x, y);
            record(kind, className, this, x, y, settingsOf.get(this) ?? [], options);
            return result;
          }
        };
  Object.defineProperty(Logging, 'name', { value: className });
  return Logging as unknown as EstimatorClass;
}

/**
 * Logging versions of ml.js estimator classes: same constructors, methods and results; each
 * training logs the hyperparameters, training metrics (MLflow's `training_*` names) and the
 * estimator as a `js_function` model that predicts.
 */
export function autologMljs<T extends Record<string, new (...args: never[]) => unknown>>(
  classes: T,
  options: MljsAutologOptions = {},
): T {
  const out: Record<string, EstimatorClass> = {};
  for (const [key, Base] of Object.entries(classes) as [string, EstimatorClass][]) {
    const kind = MLJS_ESTIMATORS[Base.name];
    if (!kind) {
      throw invalidParam(
        `autologMljs does not know the estimator '${Base.name}'. Supported: ${Object.keys(MLJS_ESTIMATORS).join(', ')}.`,
      );
    }
    out[key] = logged(Base, kind, options);
  }
  return out as T;
}
