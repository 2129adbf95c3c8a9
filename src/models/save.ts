/**
 * `saveModel`: writes a model directory (MLmodel, flavor payload, signature, input example,
 * environment files) for any built-in flavor.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, invalidParam } from '../errors.js';
import { writeNodeEnv, writePythonEnv } from './environment.js';
import { saveJsFunction, type JsFunctionSaveOptions } from './flavors/js-function.js';
import { saveOnnx, type OnnxSaveOptions } from './flavors/onnx.js';
import { saveTfjs, type TfjsSaveOptions } from './flavors/tfjs.js';
import { saveInputExample } from './input-example.js';
import { newMlModel, writeMlModel, type FlavorConf, type MlModel } from './mlmodel.js';
import { loadModelFromDir } from './model.js';
import { inferSchema } from './signature/infer.js';
import { inferParams } from './signature/infer.js';
import type { ModelSignature } from './signature/types.js';

export interface CommonSaveOptions {
  /** Explicit signature; otherwise inferred from `inputExample` (inputs, and outputs by scoring it). */
  signature?: ModelSignature;
  /** Set false to save no signature even when an example is given. */
  inferSignature?: boolean;
  /** A small sample input, stored with the model and used to infer the signature. */
  inputExample?: unknown;
  /** Params stored with the example (and inferred into the params schema). */
  inputExampleParams?: Record<string, unknown>;
  /** Free-form metadata written under `metadata:`. */
  metadata?: Record<string, unknown>;
  /** Filled in by `logModel`. */
  runId?: string;
  artifactPath?: string;
}

export type SaveModelOptions = CommonSaveOptions &
  (
    | ({ flavor: 'onnx' } & OnnxSaveOptions)
    | ({ flavor: 'js_function' } & JsFunctionSaveOptions)
    | ({ flavor: 'tfjs' } & TfjsSaveOptions)
  );

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

/**
 * Saves a model to a new local directory.
 * @example
 * await saveModel('./model', { flavor: 'onnx', onnxPath: './model.onnx', inputExample: [{ amount: 12.5, age: 31 }] });
 */
export async function saveModel(path: string, opts: SaveModelOptions): Promise<MlModel> {
  const existing = await readdir(path).catch(() => undefined);
  if (existing && existing.length > 0) throw alreadyExists(`Path '${path}' already exists and is not empty.`);
  await mkdir(path, { recursive: true });
  let flavors: Record<string, FlavorConf>;
  let nodeDeps: Record<string, string> = {};
  switch (opts.flavor) {
    case 'onnx':
      flavors = await saveOnnx(path, opts);
      nodeDeps = { 'onnxruntime-node': '1.30.0' };
      await writePythonEnv(path, ['onnx', 'onnxruntime', 'numpy', 'pandas']);
      break;
    case 'js_function':
      flavors = await saveJsFunction(path, opts);
      break;
    case 'tfjs':
      flavors = await saveTfjs(path, opts);
      nodeDeps = { '@tensorflow/tfjs': String(flavors.tfjs?.tfjs_version ?? '') };
      break;
    default:
      throw invalidParam(`Unknown flavor '${(opts as { flavor: string }).flavor}'.`);
  }
  await writeNodeEnv(path, nodeDeps);
  const model = newMlModel({ flavors });
  if (opts.runId) model.run_id = opts.runId;
  if (opts.artifactPath) model.artifact_path = opts.artifactPath;
  if (opts.metadata) model.metadata = opts.metadata;
  if (opts.inputExample !== undefined) {
    await saveInputExample(path, model, opts.inputExample, opts.inputExampleParams);
  }
  let signature = opts.signature;
  if (!signature && opts.inputExample !== undefined && opts.inferSignature !== false) {
    signature = { inputs: inferSchema(opts.inputExample) };
    if (opts.inputExampleParams && Object.keys(opts.inputExampleParams).length > 0) {
      signature.params = inferParams(opts.inputExampleParams);
    }
  }
  if (signature) model.signature = signature;
  await writeMlModel(path, model);
  // Infer the output schema by scoring the example, as MLflow does for pyfunc models.
  if (signature && !signature.outputs && opts.inputExample !== undefined && opts.inferSignature !== false) {
    const loaded = await loadModelFromDir(path);
    try {
      const out = await loaded.predict(opts.inputExample, opts.inputExampleParams);
      signature.outputs = inferSchema(out);
    } catch {
      // A model that cannot score its own example keeps an input-only signature.
    } finally {
      await loaded.close();
    }
  }
  model.model_size_bytes = await dirSize(path);
  await writeMlModel(path, model);
  return model;
}
