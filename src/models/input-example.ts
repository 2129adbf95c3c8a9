/**
 * Input examples: `input_example.json` (what `predict` takes) and `serving_input_example.json`
 * (a ready-made `/invocations` body), described by `saved_input_example_info` in MLmodel.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFrame, isDataFrame, isNumericArray, isTensor, isTensorDict, cellValue } from './data.js';
import type { MlModel, SavedInputExampleInfo } from './mlmodel.js';

export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const SERVING_INPUT_EXAMPLE_FILE = 'serving_input_example.json';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** JSON-safe form of a cell (binary → base64, dates → ISO text, bigint → number). */
function jsonCell(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

function frameToSplit(frame: DataFrame): { columns: string[]; data: unknown[][] } {
  const data: unknown[][] = [];
  for (let r = 0; r < frame.rowCount; r++) data.push(frame.data.map((c) => jsonCell(cellValue(c, r))));
  return { columns: frame.columns, data };
}

function asFrame(example: unknown): DataFrame | undefined {
  if (isDataFrame(example)) return example;
  if (Array.isArray(example) && example.length > 0 && example.every(isPlainObject)) {
    return DataFrame.fromRecords(example as Record<string, unknown>[]);
  }
  if (isPlainObject(example)) {
    const values = Object.values(example);
    if (values.length === 0 || values.some((v) => isTensor(v))) return undefined;
    if (values.every((v) => Array.isArray(v) || isNumericArray(v))) {
      return DataFrame.fromColumns(example as Record<string, unknown[]>);
    }
    if (values.every((v) => v === null || typeof v !== 'object' || v instanceof Date))
      return DataFrame.fromRecords([example]);
  }
  return undefined;
}

function tensorJson(v: unknown): unknown {
  if (isTensor(v)) return v.toNested();
  if (isNumericArray(v)) return Array.from(v as ArrayLike<number | bigint>, (x) => jsonCell(x));
  return v;
}

interface ExampleFiles {
  info: SavedInputExampleInfo;
  example: unknown;
  serving: unknown;
}

/** Decides how an example is stored, the way MLflow's `_Example` does for the matching types. */
export function encodeInputExample(example: unknown, params?: Record<string, unknown>): ExampleFiles {
  const frame = asFrame(example);
  let files: ExampleFiles;
  if (frame) {
    const split = frameToSplit(frame);
    files = {
      info: { artifact_path: INPUT_EXAMPLE_FILE, type: 'dataframe', pandas_orient: 'split' },
      example: split,
      serving: { dataframe_split: split },
    };
  } else if (
    isTensor(example) ||
    isTensorDict(example) ||
    isNumericArray(example) ||
    (Array.isArray(example) && example.every(Array.isArray))
  ) {
    const inputs = isTensorDict(example)
      ? Object.fromEntries(Object.entries(example).map(([k, t]) => [k, t.toNested()]))
      : tensorJson(example);
    files = {
      info: { artifact_path: INPUT_EXAMPLE_FILE, type: 'ndarray', format: 'tf-serving' },
      example: { inputs },
      serving: { inputs },
    };
  } else {
    files = {
      info: { artifact_path: INPUT_EXAMPLE_FILE, type: 'json_object' },
      example,
      serving: { inputs: example },
    };
  }
  files.info.serving_input_path = SERVING_INPUT_EXAMPLE_FILE;
  if (params && Object.keys(params).length > 0) {
    files.example = { inputs: files.example, params };
    files.serving = { ...(files.serving as Record<string, unknown>), params };
    files.info.params = true;
  }
  return files;
}

export async function saveInputExample(
  modelDir: string,
  model: MlModel,
  example: unknown,
  params?: Record<string, unknown>,
): Promise<void> {
  const files = encodeInputExample(example, params);
  await writeFile(join(modelDir, INPUT_EXAMPLE_FILE), JSON.stringify(files.example));
  await writeFile(join(modelDir, SERVING_INPUT_EXAMPLE_FILE), JSON.stringify(files.serving, null, 2));
  model.saved_input_example_info = files.info;
}

export interface LoadedInputExample {
  /** A DataFrame (dataframe examples), nested arrays or `{name: nested}` (ndarray), or the raw JSON. */
  input: unknown;
  params?: Record<string, unknown>;
}

/** Reads a model's input example back, or undefined when the model has none. */
export async function loadInputExample(
  modelDir: string,
  model: MlModel,
): Promise<LoadedInputExample | undefined> {
  const info = model.saved_input_example_info;
  if (!info) return undefined;
  let raw = JSON.parse(await readFile(join(modelDir, info.artifact_path), 'utf8')) as unknown;
  let params: Record<string, unknown> | undefined;
  if (info.params && isPlainObject(raw)) {
    params = raw.params as Record<string, unknown>;
    raw = raw.inputs;
  }
  if (info.type === 'dataframe') {
    const o = raw as { columns?: string[]; data?: unknown[][] } | Record<string, unknown>[];
    if (Array.isArray(o)) return { input: DataFrame.fromRecords(o), ...(params ? { params } : {}) };
    const rows = o.data ?? [];
    const columns = o.columns ?? (rows[0] ?? []).map((_, i) => String(i));
    const frame = new DataFrame(
      columns,
      columns.map((_, c) => rows.map((r) => r[c])),
      rows.length,
    );
    return { input: frame, ...(params ? { params } : {}) };
  }
  if (info.type === 'ndarray' && isPlainObject(raw) && 'inputs' in raw) raw = raw.inputs;
  return { input: raw, ...(params ? { params } : {}) };
}
