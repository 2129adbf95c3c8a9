/**
 * Predictions → JSON text, written by hand for the shapes models return: a DataFrame becomes
 * `records` (`[{"score": 0.5}, ...]`), a tensor nested lists, `{name: tensor}` an object of nested
 * lists. Floats print like Python's `json.dumps` (`-1.0`, not `-1`) so answers match MLflow's
 * byte for byte; NaN and infinities, which JSON cannot carry, become null.
 */
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
} from './data.js';

function floatText(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v === 0 && 1 / v < 0 ? '-0.0' : `${v}.0`;
  return String(v);
}

function isFloatColumn(col: ColumnValues): boolean {
  return col instanceof Float32Array || col instanceof Float64Array;
}

/** Any JS value as JSON (typed arrays → lists, bytes → base64, dates → ISO text, bigint → number). */
export function valueJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (isDataFrame(v)) return frameRecordsJson(v);
  if (isTensor(v)) return tensorJson(v);
  if (isNumericArray(v)) {
    const float = isFloatColumn(v);
    const parts = new Array<string>(v.length);
    for (let i = 0; i < v.length; i++) parts[i] = numericItemJson(v, i, float);
    return `[${parts.join(', ')}]`;
  }
  if (Array.isArray(v)) return `[${v.map(valueJson).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${valueJson(x)}`)
      .join(', ')}}`;
  }
  return 'null';
}

function numericItemJson(v: NumericArray, i: number, float: boolean): string {
  const x = v[i]!;
  return typeof x === 'bigint' ? x.toString() : float ? floatText(x) : String(x);
}

function cellJson(col: ColumnValues, i: number, float: boolean): string {
  const x = (col as ArrayLike<unknown>)[i];
  if (float) return floatText(x as number);
  return valueJson(x);
}

/** One JSON object per row, e.g. `{"score": 0.5}`. */
export function frameRowJson(frame: DataFrame, r: number, prefixes: string[], floats: boolean[]): string {
  let s = '{';
  for (let c = 0; c < prefixes.length; c++) s += prefixes[c]! + cellJson(frame.data[c]!, r, floats[c]!);
  return `${s}}`;
}

export function frameRowWriters(frame: DataFrame): { prefixes: string[]; floats: boolean[] } {
  return {
    prefixes: frame.columns.map((name, c) => `${c === 0 ? '' : ', '}${JSON.stringify(name)}: `),
    floats: frame.data.map(isFloatColumn),
  };
}

export function frameRecordsJson(frame: DataFrame): string {
  const { prefixes, floats } = frameRowWriters(frame);
  const rows = new Array<string>(frame.rowCount);
  for (let r = 0; r < frame.rowCount; r++) rows[r] = frameRowJson(frame, r, prefixes, floats);
  return `[${rows.join(', ')}]`;
}

export function tensorJson(t: Tensor): string {
  if (t.shape.length === 0) return tensorItemJson(t)(0);
  const item = tensorItemJson(t);
  const n = t.shape[0]!;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = item(i);
  return `[${parts.join(', ')}]`;
}

/** The JSON of item `i` along the first dimension of a tensor (of its only value for a scalar). */
function tensorItemJson(t: Tensor): (i: number) => string {
  const float = t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16';
  const data = t.data;
  const shape = t.shape;
  if (shape.length <= 1) return (i) => cellJson(data, i, float);
  const build = (dim: number, offset: number): string => {
    const n = shape[dim]!;
    const parts = new Array<string>(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) parts[i] = cellJson(data, offset + i, float);
    } else {
      let stride = 1;
      for (let d = dim + 1; d < shape.length; d++) stride *= shape[d]!;
      for (let i = 0; i < n; i++) parts[i] = build(dim + 1, offset + i * stride);
    }
    return `[${parts.join(', ')}]`;
  };
  let stride = 1;
  for (let d = 1; d < shape.length; d++) stride *= shape[d]!;
  return (i) => build(1, i * stride);
}

/** The JSON of a prediction result (without the `{"predictions": ...}` wrapper). */
export function predictionsJson(output: ModelData): string {
  if (isTensorDict(output)) {
    return `{${Object.entries(output)
      .map(([k, t]) => `${JSON.stringify(k)}: ${tensorJson(t)}`)
      .join(', ')}}`;
  }
  return valueJson(output);
}

/** The `/invocations` answer body. */
export function predictionsResponse(output: ModelData): string {
  return `{"predictions": ${predictionsJson(output)}}`;
}

/** Rows (items along the first dimension) per piece of an answer written by {@link predictionsChunks}. */
export const ANSWER_CHUNK_ROWS = 8192;

/** `[` items `]` in pieces of `chunk` items: `item(i)` is the JSON of item `i`. */
function* listChunks(n: number, item: (i: number) => string, chunk: number): Generator<string> {
  yield '[';
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const parts = new Array<string>(end - start);
    for (let i = start; i < end; i++) parts[i - start] = item(i);
    yield `${start > 0 ? ', ' : ''}${parts.join(', ')}`;
  }
  yield ']';
}

function* valueChunks(v: unknown, chunk: number): Generator<string> {
  if (isDataFrame(v)) {
    const { prefixes, floats } = frameRowWriters(v);
    yield* listChunks(v.rowCount, (r) => frameRowJson(v, r, prefixes, floats), chunk);
  } else if (isTensor(v) && v.shape.length > 0) {
    yield* listChunks(v.shape[0]!, tensorItemJson(v), chunk);
  } else if (isNumericArray(v) && !Buffer.isBuffer(v)) {
    const float = isFloatColumn(v);
    yield* listChunks(v.length, (i) => numericItemJson(v, i, float), chunk);
  } else if (Array.isArray(v)) {
    yield* listChunks(v.length, (i) => valueJson(v[i]), chunk);
  } else yield valueJson(v);
}

/**
 * The same text as {@link predictionsResponse} (`wrapped`) or {@link predictionsJson}, in pieces
 * of at most `chunk` rows, made one at a time as they are read: a large answer never exists whole.
 */
export function* predictionsChunks(
  output: ModelData,
  wrapped: boolean,
  chunk = ANSWER_CHUNK_ROWS,
): Generator<string> {
  if (wrapped) yield '{"predictions": ';
  if (isTensorDict(output)) {
    let first = true;
    for (const [k, t] of Object.entries(output)) {
      yield `${first ? '{' : ', '}${JSON.stringify(k)}: `;
      first = false;
      yield* valueChunks(t, chunk);
    }
    yield '}';
  } else yield* valueChunks(output, chunk);
  if (wrapped) yield '}';
}
