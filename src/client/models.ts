/**
 * The models SDK (`cairn.models`): save, log, load and register models.
 *
 * @example
 * import * as cairn from 'cairn-ml';
 * const run = await cairn.startRun();
 * const info = await cairn.models.logModel(run, 'model', { flavor: 'onnx', onnxPath: './model.onnx', inputExample });
 * await cairn.models.registerModel(info.modelUri, 'fraud');
 * const model = await cairn.models.loadModel('models:/fraud/1');
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTrackingUri } from './fluent.js';
import { RegistryClient } from './registry.js';
import { TrackingClient } from './tracking-client.js';
import type { ModelVersion } from '../entities/registry.js';
import { invalidParam } from '../errors.js';
import { mlModelToDict, type MlModel } from '../models/mlmodel.js';
import { loadModelFromDir, type Model } from '../models/model.js';
import { saveModel, type SaveModelOptions } from '../models/save.js';

export { saveModel, type SaveModelOptions } from '../models/save.js';
export { Model, loadModelFromDir } from '../models/model.js';
export { DataFrame, Tensor } from '../models/data.js';
export { inferSignature, inferSchema } from '../models/signature/infer.js';
export { batchPredict, type BatchPredictOptions } from '../models/batch/predict.js';
export type { ModelSignature, Schema, ColSpec, TensorSpec, ParamSpec } from '../models/signature/types.js';
export type { MlModel } from '../models/mlmodel.js';

/** Anything that names a run: an `ActiveRun` from `startRun`, or `{client, runId}`. */
export interface RunRef {
  client: TrackingClient;
  runId: string;
}

export interface LogModelOptions {
  /** Also register the logged model under this name (creating the registered model if needed). */
  registeredModelName?: string;
}

export interface ModelInfo {
  /** `runs:/<run_id>/<artifact_path>` */
  modelUri: string;
  runId: string;
  artifactPath: string;
  mlmodel: MlModel;
  registeredModelVersion?: ModelVersion;
}

/**
 * Saves a model into the run's artifacts under `artifactPath` and records it in the run's
 * `mlflow.log-model.history` tag.
 * @example await logModel(run, 'model', { flavor: 'onnx', onnxPath: './model.onnx', inputExample: [{ amount: 12.5 }] })
 */
export async function logModel(
  run: RunRef,
  artifactPath: string,
  opts: SaveModelOptions & LogModelOptions,
): Promise<ModelInfo> {
  const path = artifactPath.replace(/^\/+|\/+$/g, '');
  if (!path) throw invalidParam('logModel needs a non-empty artifact path, e.g. "model".');
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-log-model-'));
  try {
    const local = join(tmp, 'model');
    const mlmodel = await saveModel(local, { ...opts, runId: run.runId, artifactPath: path });
    await run.client.artifacts.upload(run.runId, local, path);
    await run.client.logModel(run.runId, mlModelToDict(mlmodel));
    const info: ModelInfo = {
      modelUri: `runs:/${run.runId}/${path}`,
      runId: run.runId,
      artifactPath: path,
      mlmodel,
    };
    if (opts.registeredModelName) {
      info.registeredModelVersion = await registerModel(info.modelUri, opts.registeredModelName, {
        client: run.client,
      });
    }
    return info;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface RemoteOptions {
  /** Tracking server URL (default: the SDK's tracking URI, env CAIRN_TRACKING_URI / MLFLOW_TRACKING_URI). */
  trackingUri?: string;
  client?: TrackingClient;
}

function isLocalUri(uri: string): boolean {
  return uri.startsWith('file:') || !/^[a-zA-Z][\w+.-]*:/.test(uri) || /^[a-zA-Z]:[\\/]/.test(uri);
}

/**
 * Makes a model URI available as a local directory: local paths and `file:` URIs are used in
 * place; `runs:/`, `models:/`, `mlflow-artifacts:` and proxy URLs are downloaded into `dst` (or a
 * temporary directory, removed by `cleanup`).
 */
export async function resolveModelDir(
  uri: string,
  opts: RemoteOptions & { dst?: string } = {},
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  if (isLocalUri(uri)) {
    const dir = uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri);
    await stat(dir).catch(() => {
      throw invalidParam(`No model at '${uri}': the path does not exist.`);
    });
    return { dir, cleanup: async () => undefined };
  }
  const client =
    opts.client ?? new TrackingClient(opts.trackingUri ?? getTrackingUri(), { retry: { maxAttempts: 3 } });
  const dst = opts.dst ?? (await mkdtemp(join(tmpdir(), 'cairn-model-')));
  try {
    const dir = await new RegistryClient(client).downloadModel(uri, dst);
    return { dir, cleanup: async () => (opts.dst ? undefined : rm(dst, { recursive: true, force: true })) };
  } catch (err) {
    if (!opts.dst) await rm(dst, { recursive: true, force: true });
    throw err;
  } finally {
    if (!opts.client) client.close();
  }
}

/**
 * Loads a model for prediction from a local path, `file:`, `runs:/`, `models:/` or
 * `mlflow-artifacts:` URI.
 * @example const model = await loadModel('models:/fraud@champion'); await model.predict([{ amount: 12.5, age: 31 }]);
 */
export async function loadModel(uri: string, opts: RemoteOptions & { dst?: string } = {}): Promise<Model> {
  const { dir, cleanup } = await resolveModelDir(uri, opts);
  try {
    const model = await loadModelFromDir(dir);
    model.onClose = cleanup;
    return model;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * Registers a model (usually `runs:/<run_id>/<path>` from `logModel`) as a new version of `name`,
 * creating the registered model when it does not exist yet.
 * @example const v = await registerModel('runs:/abc/model', 'fraud');
 */
export async function registerModel(
  modelUri: string,
  name: string,
  opts: RemoteOptions = {},
): Promise<ModelVersion> {
  const client = opts.client ?? new TrackingClient(opts.trackingUri ?? getTrackingUri());
  try {
    return await new RegistryClient(client).registerModel(modelUri, name);
  } finally {
    if (!opts.client) client.close();
  }
}
