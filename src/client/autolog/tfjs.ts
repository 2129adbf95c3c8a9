/**
 * Autologging for TensorFlow.js: wraps `LayersModel.fit` / `fitDataset` (and `Sequential`'s) so
 * that every training call logs its arguments and optimizer as params, per-epoch metrics (and
 * optionally every N batches), early-stopping details, a model summary, and the trained model as
 * a `tfjs` flavor model with a signature inferred from the first rows of the training input.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as tfTypes from '@tensorflow/tfjs';
import { Tensor } from '../../models/data.js';
import type { TensorDType } from '../../models/signature/types.js';
import { logModel } from '../models.js';
import type { ActiveRun, ParamValue } from '../active-run.js';
import { snakeCase, warnAutolog, withAutologRun } from './autolog-run.js';

type Tf = typeof tfTypes;
type FitArgs = tfTypes.ModelFitArgs & Record<string, unknown>;
type FitDatasetArgs = tfTypes.ModelFitDatasetArgs<unknown> & Record<string, unknown>;
type Callbacks = FitArgs['callbacks'];

export interface TfjsAutologOptions {
  /** The `@tensorflow/tfjs` module the training code uses (default: the one this package resolves). */
  tf?: Tf;
  /** Log the trained model as a `tfjs` flavor model under `model` (default true). */
  logModels?: boolean;
  /** Also log metrics every N batches, as `batch/<name>` with the global batch number as step. */
  logEveryNSteps?: number;
  /** Rows of the training input kept as the model's input example (default 5; 0 for none). */
  inputExampleRows?: number;
  /** Register the logged model under this name. */
  registeredModelName?: string;
}

/** fit() arguments logged as params, with TensorFlow.js' defaults where it has them. */
const FIT_DEFAULTS: Record<string, ParamValue> = {
  epochs: 1,
  batchSize: 32,
  shuffle: true,
  validationSplit: 0,
  initialEpoch: 0,
};
const NOT_PARAMS = new Set(['callbacks', 'validationData', 'verbose', 'classWeight', 'sampleWeight']);

interface Patched {
  tf: Tf;
  restore: () => void;
}
let patched: Patched | undefined;
const insideFit = new AsyncLocalStorage<boolean>();

function fitParams(
  args: Record<string, unknown>,
  defaults: Record<string, ParamValue>,
): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries({ ...defaults, ...args })) {
    if (NOT_PARAMS.has(key) || value === undefined || value === null) continue;
    if (['string', 'number', 'boolean'].includes(typeof value)) params[snakeCase(key)] = value as ParamValue;
  }
  if (args.classWeight !== undefined) params.class_weight = JSON.stringify(args.classWeight);
  return params;
}

function optimizerParams(model: tfTypes.LayersModel): Record<string, ParamValue> {
  const optimizer = model.optimizer;
  if (!optimizer) return {};
  const params: Record<string, ParamValue> = { opt_name: optimizer.getClassName() };
  for (const [key, value] of Object.entries(optimizer.getConfig())) {
    if (['string', 'number', 'boolean'].includes(typeof value))
      params[`opt_${snakeCase(key)}`] = value as ParamValue;
  }
  const loss = (model as unknown as { loss?: unknown }).loss;
  if (typeof loss === 'string') params.loss = loss;
  return params;
}

/** The user's callbacks as BaseCallback instances, so ours can be appended (tfjs will not mix kinds). */
function standardize(tf: Tf, callbacks: Callbacks): tfTypes.CustomCallback[] | tfTypes.Callback[] {
  if (!callbacks) return [];
  const list = (Array.isArray(callbacks) ? callbacks : [callbacks]) as unknown[];
  return list.map((c) =>
    c instanceof tf.Callback || c instanceof tf.CustomCallback
      ? c
      : new tf.CustomCallback(c as tfTypes.CustomCallbackArgs),
  ) as tfTypes.Callback[];
}

function metricCallback(tf: Tf, run: ActiveRun, options: TfjsAutologOptions): tfTypes.CustomCallback {
  let globalBatch = 0;
  const every = options.logEveryNSteps ?? 0;
  return new tf.CustomCallback({
    onEpochEnd: async (epoch, logs) => {
      if (logs) run.logMetrics(finite(logs), { step: epoch });
    },
    onBatchEnd: async (_batch, logs) => {
      globalBatch += 1;
      if (every > 0 && logs && globalBatch % every === 0) {
        const named = Object.fromEntries(Object.entries(finite(logs)).map(([k, v]) => [`batch/${k}`, v]));
        run.logMetrics(named, { step: globalBatch });
      }
    },
  });
}

function finite(logs: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

interface EarlyStoppingLike {
  monitor: string;
  minDelta: number;
  patience: number;
  baseline?: number | null;
  mode?: string;
  stoppedEpoch?: number;
  best?: number;
}

function earlyStoppingOf(tf: Tf, callbacks: unknown[]): EarlyStoppingLike | undefined {
  return callbacks.find((c) => c instanceof tf.EarlyStopping) as EarlyStoppingLike | undefined;
}

async function summaryText(model: tfTypes.LayersModel): Promise<string> {
  const lines: string[] = [];
  model.summary(undefined, undefined, (line: string) => lines.push(line));
  return `${lines.join('\n')}\n`;
}

/** The first rows of a tensor input as a model input example, for signature inference. */
function inputExample(tf: Tf, x: unknown, rows: number): Tensor | undefined {
  if (rows <= 0 || !(x instanceof tf.Tensor) || x.rank < 1) return undefined;
  const n = Math.min(rows, x.shape[0] ?? 0);
  if (n === 0) return undefined;
  const head = x.slice(0, n);
  try {
    const dtype: TensorDType = head.dtype === 'string' ? 'str' : (head.dtype as TensorDType);
    return new Tensor(dtype, head.shape, head.dataSync() as Float32Array);
  } finally {
    head.dispose();
  }
}

async function afterTraining(
  run: ActiveRun,
  model: tfTypes.LayersModel,
  options: TfjsAutologOptions,
  early: EarlyStoppingLike | undefined,
  example: Tensor | undefined,
): Promise<void> {
  if (early) {
    run.logParams({
      monitor: early.monitor,
      // tfjs keeps min_delta negated when lower is better; the user gave its magnitude.
      min_delta: Math.abs(early.minDelta),
      patience: early.patience,
      ...(early.baseline !== undefined && early.baseline !== null ? { baseline: early.baseline } : {}),
    });
    // tfjs records the epoch it stopped at, 0 when training ran to the end (as Keras does).
    if (early.stoppedEpoch) run.logMetric('stopped_epoch', early.stoppedEpoch);
  }
  await run.logText(await summaryText(model), 'model_summary.txt');
  if (options.logModels === false) return;
  await logModel(run, 'model', {
    flavor: 'tfjs',
    model,
    ...(example ? { inputExample: example } : {}),
    registeredModelName: options.registeredModelName,
  });
}

async function autologgedFit(
  tf: Tf,
  options: TfjsAutologOptions,
  model: tfTypes.LayersModel,
  original: (...a: unknown[]) => Promise<tfTypes.History>,
  kind: 'fit' | 'fitDataset',
  callArgs: unknown[],
): Promise<tfTypes.History> {
  const argIndex = kind === 'fit' ? 2 : 1;
  const args = { ...((callArgs[argIndex] as Record<string, unknown> | undefined) ?? {}) } as FitArgs &
    FitDatasetArgs;
  return withAutologRun(async (run) => {
    const userCallbacks = standardize(tf, args.callbacks as Callbacks) as unknown[];
    const early = earlyStoppingOf(tf, userCallbacks);
    run.logParams({
      ...fitParams(args, kind === 'fit' ? FIT_DEFAULTS : { epochs: 1, initialEpoch: 0 }),
      ...optimizerParams(model),
    });
    const example = kind === 'fit' ? inputExample(tf, callArgs[0], options.inputExampleRows ?? 5) : undefined;
    args.callbacks = [...userCallbacks, metricCallback(tf, run, options)] as Callbacks;
    const forwarded = [...callArgs];
    forwarded[argIndex] = args;
    const history = await insideFit.run(true, () => original.apply(model, forwarded));
    try {
      await afterTraining(run, model, options, early, example);
    } catch (err) {
      warnAutolog('could not log the trained model', err);
    }
    return history;
  });
}

function wrap(
  tf: Tf,
  proto: Record<string, unknown>,
  method: 'fit' | 'fitDataset',
  options: TfjsAutologOptions,
): () => void {
  const original = proto[method] as (...a: unknown[]) => Promise<tfTypes.History>;
  proto[method] = function (this: tfTypes.LayersModel, ...callArgs: unknown[]) {
    // Sequential.fit calls its inner model's fit: only the outermost call logs.
    if (insideFit.getStore()) return original.apply(this, callArgs);
    return autologgedFit(tf, options, this, original, method, callArgs);
  };
  return () => {
    proto[method] = original;
  };
}

/** Turns TensorFlow.js autologging on (again, with new options) or off (`enabled: false`). */
export async function autologTfjs(options: TfjsAutologOptions & { enabled?: boolean } = {}): Promise<void> {
  patched?.restore();
  patched = undefined;
  if (options.enabled === false) return;
  const tf = options.tf ?? ((await import('@tensorflow/tfjs')) as Tf);
  const protos = [tf.LayersModel.prototype, tf.Sequential.prototype] as unknown as Record<string, unknown>[];
  const restores = protos.flatMap((p) =>
    (['fit', 'fitDataset'] as const)
      .filter((m) => Object.prototype.hasOwnProperty.call(p, m))
      .map((m) => wrap(tf, p, m, options)),
  );
  patched = { tf, restore: () => restores.forEach((r) => r()) };
}
