/**
 * The `tfjs` flavor: a TensorFlow.js layers or graph model on the pure-JS CPU backend. The model
 * is stored in TensorFlow.js' own format (`tfjs-model/model.json` + weight shards), written and
 * read with file handlers of ours since the Node bindings are not used.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { invalidParam } from '../../errors.js';
import { EXTENSION_API_VERSIONS } from '../../version.js';
import {
  DataFrame,
  Tensor,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  type ModelData,
  type TensorDict,
} from '../data.js';
import type { FlavorConf } from '../mlmodel.js';
import type { TensorDType } from '../signature/types.js';
import type { Flavor, FlavorModel } from './flavor.js';

export const TFJS_FLAVOR = 'tfjs';
const MODEL_SUBDIR = 'tfjs-model';

type Tf = typeof tfTypes;
let tfPromise: Promise<Tf> | undefined;

/** Loads TensorFlow.js once, on the CPU backend, without its console banner. */
export function loadTf(): Promise<Tf> {
  tfPromise ??= import('@tensorflow/tfjs').then(async (tf) => {
    tf.enableProdMode();
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  });
  return tfPromise;
}

export interface TfjsSaveOptions {
  /** An in-memory layers or graph model. */
  model?: tfTypes.LayersModel | tfTypes.GraphModel;
  /** Or the path of an existing `model.json` (its weight files are copied along). */
  modelJsonPath?: string;
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  trainingConfig?: unknown;
  signature?: unknown;
  userDefinedMetadata?: unknown;
  modelInitializer?: unknown;
  weightsManifest: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), off);
    off += p.byteLength;
  }
  return out;
}

/** A save handler writing TensorFlow.js' file layout into `dir`. */
function fileSaveHandler(dir: string): tfTypes.io.IOHandler {
  return {
    save: async (artifacts) => {
      await mkdir(dir, { recursive: true });
      const weights = concatBuffers(
        (artifacts.weightData ?? new ArrayBuffer(0)) as ArrayBuffer | ArrayBuffer[],
      );
      const json: ModelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) json.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) json.modelInitializer = artifacts.modelInitializer;
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await writeFile(join(dir, 'weights.bin'), weights);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

/** A load handler reading `model.json` and its weight shards. */
function fileLoadHandler(modelJsonPath: string): tfTypes.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
      const specs: tfTypes.io.WeightsManifestEntry[] = [];
      const shards: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) shards.push(await readFile(join(dirname(modelJsonPath), p)));
      }
      const weights = concatBuffers(
        shards.map((s) => s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer),
      );
      return {
        modelTopology: json.modelTopology as tfTypes.io.ModelArtifacts['modelTopology'],
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? null,
        weightSpecs: specs,
        weightData: weights.buffer as ArrayBuffer,
        ...(json.trainingConfig ? { trainingConfig: json.trainingConfig as tfTypes.io.TrainingConfig } : {}),
        ...(json.signature ? { signature: json.signature as object } : {}),
        ...(json.userDefinedMetadata
          ? {
              userDefinedMetadata: json.userDefinedMetadata as NonNullable<
                tfTypes.io.ModelArtifacts['userDefinedMetadata']
              >,
            }
          : {}),
        ...(json.modelInitializer ? { modelInitializer: json.modelInitializer as object } : {}),
      };
    },
  };
}

export async function saveTfjs(modelDir: string, opts: TfjsSaveOptions): Promise<Record<string, FlavorConf>> {
  const target = join(modelDir, MODEL_SUBDIR);
  let format: string;
  if (opts.model) {
    await opts.model.save(fileSaveHandler(target));
    format = 'layers' in opts.model ? 'layers-model' : 'graph-model';
  } else if (opts.modelJsonPath) {
    await mkdir(target, { recursive: true });
    const json = JSON.parse(await readFile(opts.modelJsonPath, 'utf8')) as ModelJson;
    await cp(opts.modelJsonPath, join(target, 'model.json'));
    for (const group of json.weightsManifest ?? []) {
      for (const p of group.paths) await cp(join(dirname(opts.modelJsonPath), p), join(target, p));
    }
    format =
      json.format ??
      (json.modelTopology && (json.modelTopology as { node?: unknown }).node
        ? 'graph-model'
        : 'layers-model');
  } else {
    throw invalidParam('The tfjs flavor needs `model` or `modelJsonPath`.');
  }
  const tf = await loadTf();
  return { [TFJS_FLAVOR]: { data: `${MODEL_SUBDIR}/model.json`, format, tfjs_version: tf.version.tfjs } };
}

const TF_TO_NUMPY: Record<string, TensorDType> = {
  float32: 'float32',
  int32: 'int32',
  bool: 'bool',
  string: 'str',
};

function toTf(tf: Tf, t: Tensor): tfTypes.Tensor {
  const shape = t.shape;
  switch (t.dtype) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'int64':
      return tf.tensor(Int32Array.from(t.data as ArrayLike<number>, Number), shape, 'int32');
    case 'bool':
      return tf.tensor(
        Uint8Array.from(t.data as ArrayLike<unknown>, (v) => (v ? 1 : 0)),
        shape,
        'bool',
      );
    case 'str':
    case 'object':
      return tf.tensor(Array.from(t.data as ArrayLike<unknown>, String), shape, 'string');
    default:
      return tf.tensor(
        t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>, Number),
        shape,
        'float32',
      );
  }
}

async function fromTf(t: tfTypes.Tensor): Promise<Tensor> {
  const data = await t.data();
  const dtype = TF_TO_NUMPY[t.dtype] ?? 'float32';
  return new Tensor(
    dtype,
    [...t.shape],
    t.dtype === 'bool' ? Array.from(data as Uint8Array, (x) => x !== 0) : (data as Float32Array),
  );
}

function frameToTensor(frame: DataFrame): Tensor {
  const rows = frame.rowCount;
  const cols = frame.columns.length;
  const out = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const col = frame.data[c] as ArrayLike<unknown>;
    for (let r = 0; r < rows; r++) out[r * cols + c] = Number(col[r]);
  }
  return new Tensor('float32', [rows, cols], out);
}

class TfjsFlavorModel implements FlavorModel {
  readonly rowWise = true;
  constructor(
    private readonly tf: Tf,
    private readonly model: tfTypes.LayersModel | tfTypes.GraphModel,
  ) {}

  private inputNames(): string[] {
    return this.model.inputs.map((i) => i.name);
  }

  private outputNames(): string[] {
    return 'outputNames' in this.model && this.model.outputNames
      ? [...(this.model.outputNames as string[])]
      : this.model.outputs.map((o) => o.name);
  }

  async predict(input: ModelData): Promise<ModelData> {
    const tf = this.tf;
    let feeds: tfTypes.Tensor[];
    const names = this.inputNames();
    if (isDataFrame(input)) feeds = [toTf(tf, frameToTensor(input))];
    else if (isTensor(input)) feeds = [toTf(tf, input)];
    else if (isNumericArray(input)) feeds = [toTf(tf, new Tensor('float32', [input.length], input))];
    else if (isTensorDict(input)) {
      const dict: TensorDict = input;
      feeds = names.map((n) => {
        const t = dict[n] ?? dict[n.replace(/:\d+$/, '')];
        if (!t) throw invalidParam(`Model is missing inputs ['${n}'].`);
        return toTf(tf, t);
      });
    } else throw invalidParam('Input should be a DataFrame, a tensor or a dictionary of tensors.');
    if (feeds.length !== names.length) {
      feeds.forEach((f) => f.dispose());
      throw invalidParam(
        `This model takes ${names.length} inputs (${names.join(', ')}); pass a dictionary of tensors.`,
      );
    }
    let out: tfTypes.Tensor | tfTypes.Tensor[] | tfTypes.NamedTensorMap;
    try {
      out = this.model.predict(feeds.length === 1 ? feeds[0]! : feeds);
    } catch (err) {
      throw invalidParam(`The tfjs model failed to predict: ${(err as Error).message}`);
    } finally {
      feeds.forEach((f) => f.dispose());
    }
    if (out instanceof tf.Tensor) {
      const result = await fromTf(out);
      out.dispose();
      return result;
    }
    const entries: [string, tfTypes.Tensor][] = Array.isArray(out)
      ? out.map((t, i) => [this.outputNames()[i] ?? String(i), t])
      : Object.entries(out);
    const result: TensorDict = {};
    for (const [name, t] of entries) {
      result[name] = await fromTf(t);
      t.dispose();
    }
    return result;
  }

  async close(): Promise<void> {
    if ('dispose' in this.model) this.model.dispose();
  }
}

export const tfjsFlavor: Flavor = {
  apiVersion: EXTENSION_API_VERSIONS.flavor,
  name: TFJS_FLAVOR,
  async load(modelDir, conf) {
    const tf = await loadTf();
    const path = join(modelDir, String(conf.data ?? `${MODEL_SUBDIR}/model.json`));
    const handler = fileLoadHandler(path);
    const model =
      conf.format === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
    return new TfjsFlavorModel(tf, model);
  },
};
