/**
 * The `onnx` flavor (onnxruntime-node, CPU). Directory layout and MLmodel keys are those of
 * MLflow's `mlflow.onnx`, so models logged from Python are served unchanged and models saved here
 * load in MLflow (a `python_function` flavor with `loader_module: mlflow.onnx` is written too).
 * Prediction follows MLflow's wrapper: a DataFrame feeds one input per column when the graph has
 * several inputs (or the whole matrix when it has one) and answers a DataFrame of flattened
 * outputs; a tensor or `{name: tensor}` answers `{output name: tensor}`.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { badRequest, invalidParam } from '../../errors.js';
import { EXTENSION_API_VERSIONS } from '../../version.js';
import {
  DataFrame,
  Tensor,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  type ColumnValues,
  type ModelData,
  type NumericArray,
  type TensorDict,
} from '../data.js';
import { DEFAULT_PYTHON_VERSION, CONDA_FILE, PYTHON_ENV_FILE } from '../environment.js';
import type { FlavorConf } from '../mlmodel.js';
import type { TensorDType } from '../signature/types.js';
import type { Flavor, FlavorModel } from './flavor.js';

export const ONNX_FLAVOR = 'onnx';
export const ONNX_MODEL_FILE = 'model.onnx';

export interface OnnxSessionOptions {
  intra_op_num_threads?: number;
  inter_op_num_threads?: number;
  execution_mode?: 'sequential' | 'parallel';
  graph_optimization_level?: number;
}

export interface OnnxSaveOptions {
  /** Path of the `.onnx` file to package (or give `onnxBytes`). */
  onnxPath?: string;
  /** The serialized ONNX graph. */
  onnxBytes?: Uint8Array;
  /** onnxruntime session options, stored in MLmodel as MLflow does. */
  sessionOptions?: OnnxSessionOptions;
}

/** Writes `model.onnx` and returns the flavor entries for MLmodel. */
export async function saveOnnx(modelDir: string, opts: OnnxSaveOptions): Promise<Record<string, FlavorConf>> {
  const target = join(modelDir, ONNX_MODEL_FILE);
  if (opts.onnxPath) await copyFile(opts.onnxPath, target);
  else if (opts.onnxBytes) await writeFile(target, opts.onnxBytes);
  else throw invalidParam('The onnx flavor needs `onnxPath` or `onnxBytes`.');
  return {
    [ONNX_FLAVOR]: {
      code: null,
      data: ONNX_MODEL_FILE,
      onnx_session_options: opts.sessionOptions ?? null,
      providers: ['CPUExecutionProvider'],
    },
    python_function: {
      data: ONNX_MODEL_FILE,
      env: { conda: CONDA_FILE, virtualenv: PYTHON_ENV_FILE },
      loader_module: 'mlflow.onnx',
      python_version: DEFAULT_PYTHON_VERSION,
    },
  };
}

/** Rows per run of the graph when a large DataFrame is scored (see `predictFrame`). */
const RUN_ROWS = 65_536;

const OPT_LEVELS: Record<number, 'disabled' | 'basic' | 'extended' | 'all'> = {
  0: 'disabled',
  1: 'basic',
  2: 'extended',
  99: 'all',
};

function sessionOptions(conf: FlavorConf): ort.InferenceSession.SessionOptions {
  const o = (conf.onnx_session_options ?? {}) as OnnxSessionOptions;
  // One intra-op thread by default: small tabular graphs lose more to thread hand-off than they gain,
  // and the serving process already parallelises across requests and workers.
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: o.intra_op_num_threads ?? 1,
    interOpNumThreads: o.inter_op_num_threads ?? 1,
  };
  if (o.execution_mode)
    options.executionMode = o.execution_mode.toLowerCase() === 'parallel' ? 'parallel' : 'sequential';
  if (o.graph_optimization_level !== undefined)
    options.graphOptimizationLevel = OPT_LEVELS[o.graph_optimization_level] ?? 'all';
  return options;
}

interface InputInfo {
  name: string;
  type: string;
  rank: number;
}

type NumberArrayCtor = new (
  n: number,
) =>
  Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Uint32Array;

const NUMBER_ARRAYS: Record<string, NumberArrayCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/** Values of one column/tensor as the element type an ONNX input expects (plain loops: hot path). */
function toOrtData(values: ColumnValues, type: string, name: string): ort.Tensor['data'] {
  const n = values.length;
  const src = values as ArrayLike<unknown>;
  const num = (v: unknown): number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint' || typeof v === 'boolean') return Number(v);
    if (v === null || v === undefined) return NaN;
    throw invalidParam(`Input '${name}' holds a ${typeof v} value but the ONNX graph expects ${type}.`);
  };
  const Ctor = NUMBER_ARRAYS[type];
  if (Ctor) {
    if (values instanceof Ctor) return values;
    const out = new Ctor(n);
    if (isNumericArray(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)) {
      out.set(values as ArrayLike<number>);
      return out;
    }
    for (let i = 0; i < n; i++) out[i] = num(src[i]);
    return out;
  }
  switch (type) {
    case 'int64':
    case 'uint64': {
      if (type === 'int64' && values instanceof BigInt64Array) return values;
      const out = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(num(src[i])));
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i] ? 1 : 0;
      return out;
    }
    case 'string':
      return Array.from(src, (v) => String(v));
    default:
      throw invalidParam(`ONNX input '${name}' has unsupported element type ${type}.`);
  }
}

const ORT_TO_NUMPY: Record<string, TensorDType> = {
  float32: 'float32',
  float64: 'float64',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  string: 'str',
  float16: 'float16',
};

function fromOrt(t: ort.Tensor): Tensor {
  const dtype = ORT_TO_NUMPY[t.type] ?? 'object';
  let data = t.data as ColumnValues;
  if (t.type === 'bool') data = Array.from(t.data as Uint8Array, (x) => x !== 0);
  return new Tensor(dtype, [...t.dims], data);
}

export class OnnxFlavorModel implements FlavorModel {
  readonly rowWise = true;
  readonly inputs: InputInfo[];
  readonly outputNames: readonly string[];

  constructor(private readonly session: ort.InferenceSession) {
    this.inputs = session.inputNames.map((name, i) => {
      const meta = session.inputMetadata[i] as { type?: string; shape?: unknown[] } | undefined;
      return { name, type: meta?.type ?? 'float32', rank: meta?.shape?.length ?? 2 };
    });
    this.outputNames = session.outputNames;
  }

  private feedFromFrame(frame: DataFrame): Record<string, ort.Tensor> {
    const rows = frame.rowCount;
    const feeds: Record<string, ort.Tensor> = {};
    if (this.inputs.length > 1) {
      for (const input of this.inputs) {
        const col = frame.column(input.name);
        if (col === undefined) throw invalidParam(`Model is missing inputs ['${input.name}'].`);
        const dims = input.rank === 2 ? [rows, 1] : [rows];
        feeds[input.name] = new ort.Tensor(
          input.type as 'float32',
          toOrtData(col, input.type, input.name) as Float32Array,
          dims,
        );
      }
      return feeds;
    }
    const input = this.inputs[0]!;
    const cols = frame.columns.length;
    let values: ColumnValues;
    if (cols === 1) values = frame.data[0]!;
    else {
      const flat = new Array<unknown>(rows * cols);
      for (let c = 0; c < cols; c++) {
        const col = frame.data[c] as ArrayLike<unknown>;
        for (let r = 0; r < rows; r++) flat[r * cols + c] = col[r];
      }
      values = flat;
    }
    const dims = input.rank === 1 && cols === 1 ? [rows] : [rows, cols];
    feeds[input.name] = new ort.Tensor(
      input.type as 'float32',
      toOrtData(values, input.type, input.name) as Float32Array,
      dims,
    );
    return feeds;
  }

  private feedFromTensors(tensors: TensorDict): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of this.inputs) {
      const t = tensors[input.name];
      if (!t) throw invalidParam(`Model is missing inputs ['${input.name}'].`);
      feeds[input.name] = new ort.Tensor(
        input.type as 'float32',
        toOrtData(t.data, input.type, input.name) as Float32Array,
        t.shape,
      );
    }
    return feeds;
  }

  private async run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    try {
      return await this.session.run(feeds);
    } catch (err) {
      throw badRequest(
        'Encountered an unexpected error while evaluating the model. Verify that the input is compatible with ' +
          `the model for inference. Error: ${(err as Error).message}`,
      );
    }
  }

  private frameOutput(out: ort.InferenceSession.ReturnType): DataFrame {
    return this.outputFrame(this.outputNames.map((name) => out[name]!));
  }

  private outputFrame(outputs: { type: string; data: unknown }[]): DataFrame {
    const data = outputs.map((t) =>
      t.type === 'bool' ? Array.from(t.data as Uint8Array, (x) => x !== 0) : (t.data as ColumnValues),
    );
    return new DataFrame([...this.outputNames], data, data[0]?.length ?? 0);
  }

  /**
   * A large frame is run {@link RUN_ROWS} rows at a time, each slice's outputs copied into place,
   * so the graph's input and intermediate tensors stay the size of a slice. Outputs that are not
   * numbers of a fixed width per row are made by one run over the whole frame instead.
   */
  private async predictFrame(frame: DataFrame): Promise<DataFrame> {
    const total = frame.rowCount;
    if (total <= RUN_ROWS) return this.frameOutput(await this.run(this.feedFromFrame(frame)));
    const outputs: { type: string; data: NumericArray; width: number }[] = [];
    for (let start = 0; start < total; start += RUN_ROWS) {
      const rows = Math.min(RUN_ROWS, total - start);
      const out = await this.run(this.feedFromFrame(frame.slice(start, start + rows)));
      for (let i = 0; i < this.outputNames.length; i++) {
        const t = out[this.outputNames[i]!]!;
        const width = t.data.length / rows;
        const aligned =
          isNumericArray(t.data) && Number.isInteger(width) && (start === 0 || width === outputs[i]!.width);
        if (!aligned) return this.frameOutput(await this.run(this.feedFromFrame(frame)));
        if (start === 0) {
          const Ctor = t.data.constructor as new (n: number) => NumericArray;
          outputs[i] = { type: t.type, data: new Ctor(total * width), width };
        }
        (outputs[i]!.data as Float64Array).set(t.data as Float64Array, start * width);
      }
    }
    return this.outputFrame(outputs);
  }

  async predict(input: ModelData): Promise<ModelData> {
    if (isDataFrame(input)) return this.predictFrame(input);
    let tensors: TensorDict;
    if (isTensorDict(input)) tensors = input;
    else if (isTensor(input) || isNumericArray(input)) {
      if (this.inputs.length !== 1) {
        throw invalidParam(
          'Unable to map numpy array input to the expected model input. Numpy arrays can only be used as input for ' +
            `ONNX models that have a single input. This model requires ${this.inputs.length} inputs. Please pass in ` +
            `data as either a dictionary or a DataFrame with the following tensors: ${this.inputs.map((i) => `'${i.name}'`).join(', ')}.`,
        );
      }
      const t = isTensor(input) ? input : new Tensor('float64', [input.length], input);
      tensors = { [this.inputs[0]!.name]: t };
    } else {
      throw invalidParam('Input should be a DataFrame, a tensor or a dictionary of tensors.');
    }
    const out = await this.run(this.feedFromTensors(tensors));
    const result: TensorDict = {};
    for (const name of this.outputNames) result[name] = fromOrt(out[name]!);
    return result;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export const onnxFlavor: Flavor = {
  apiVersion: EXTENSION_API_VERSIONS.flavor,
  name: ONNX_FLAVOR,
  async load(modelDir, conf) {
    const file = join(modelDir, String(conf.data ?? ONNX_MODEL_FILE));
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, sessionOptions(conf));
    } catch (err) {
      throw invalidParam(`Failed to load ONNX model from ${file}: ${(err as Error).message}`);
    }
    return new OnnxFlavorModel(session);
  },
};
