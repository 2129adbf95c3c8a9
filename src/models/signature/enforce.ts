/**
 * Signature enforcement at prediction time (MLflow `_enforce_schema`): required columns present,
 * extra columns dropped, columns reordered and converted; tensors cast and shape-checked.
 */
import { MlflowError, invalidParam } from '../../errors.js';
import {
  DataFrame,
  Tensor,
  dtypeOfArray,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  typedArrayFor,
  type ColumnValues,
  type ModelData,
  type TensorDict,
} from '../data.js';
import { convertColumn } from './convert.js';
import type { ColSpec, Schema, TensorDType, TensorSpec } from './types.js';
import { typeName } from './types.js';

/** Python-style list literal, as MLflow prints column lists in its messages. */
export function pyList(items: string[]): string {
  return `[${items.map((s) => `'${s}'`).join(', ')}]`;
}

export function describeSchema(schema: Schema): string {
  if (schema.kind === 'tensors') {
    return `[${schema.inputs.map((t) => `${t.name ? `'${t.name}': ` : ''}Tensor('${t.dtype}', (${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''}))`).join(', ')}]`;
  }
  return `[${schema.inputs.map((c) => `${c.name ? `'${c.name}': ` : ''}${typeName(c.type)}${c.required ? ' (required)' : ' (optional)'}`).join(', ')}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** Coerces whatever the caller passed into a DataFrame for a column-based schema. */
function toFrame(input: unknown, schema: ColSpec[]): DataFrame {
  if (isDataFrame(input)) return input;
  if (isTensor(input)) {
    if (input.shape.length === 1) return new DataFrame(['0'], [input.data], input.shape[0]);
    if (input.shape.length !== 2)
      throw invalidParam(
        `Expected a 2-D tensor for a column-based signature, got shape (${input.shape.join(', ')}).`,
      );
    const [rows, cols] = input.shape as [number, number];
    const names =
      schema.every((c) => c.name) && schema.length === cols
        ? schema.map((c) => c.name!)
        : [...Array(cols).keys()].map(String);
    const data: ColumnValues[] = names.map((_, c) =>
      Array.from({ length: rows }, (_u, r) => (input.data as ArrayLike<unknown>)[r * cols + c]),
    );
    return new DataFrame(names, data, rows);
  }
  if (isTensorDict(input)) {
    return DataFrame.fromColumns(Object.fromEntries(Object.entries(input).map(([k, t]) => [k, t.data])));
  }
  if (Array.isArray(input)) {
    if (input.every(isPlainObject)) return DataFrame.fromRecords(input as Record<string, unknown>[]);
    if (input.every((r) => Array.isArray(r))) {
      const rows = input as unknown[][];
      const width = rows[0]?.length ?? 0;
      const names =
        schema.every((c) => c.name) && schema.length === width
          ? schema.map((c) => c.name!)
          : [...Array(width).keys()].map(String);
      return new DataFrame(
        names,
        names.map((_, c) => rows.map((r) => r[c])),
        rows.length,
      );
    }
    return new DataFrame([schema[0]?.name ?? '0'], [input], input.length);
  }
  if (isPlainObject(input)) {
    const values = Object.values(input);
    if (values.length && values.every((v) => Array.isArray(v) || isNumericArray(v))) {
      return DataFrame.fromColumns(input as Record<string, ColumnValues>);
    }
    return DataFrame.fromRecords([input]);
  }
  if (input !== null && input !== undefined) return new DataFrame([schema[0]?.name ?? '0'], [[input]], 1);
  throw invalidParam('Expected input to be a DataFrame, records or columns; got nothing.');
}

function enforceColumns(input: unknown, specs: ColSpec[]): DataFrame {
  const frame = toFrame(input, specs);
  const named = specs.every((s) => s.name !== undefined);
  if (!named) {
    if (frame.columns.length < specs.length) {
      throw invalidParam(
        `Model inference is missing inputs. The model signature declares ${specs.length} inputs but the provided ` +
          `value only has ${frame.columns.length} inputs. Note: the inputs were not named in the signature so we ` +
          'can only verify their count.',
      );
    }
    const data = specs.map((s, i) => convertColumn(frame.columns[i]!, frame.data[i]!, s.type, s.required));
    return new DataFrame(frame.columns.slice(0, specs.length), data, frame.rowCount);
  }
  const present = new Set(frame.columns);
  const missing = specs.filter((s) => s.required && !present.has(s.name!)).map((s) => s.name!);
  if (missing.length) {
    const known = new Set(specs.map((s) => s.name!));
    const extra = frame.columns.filter((c) => !known.has(c));
    let message = `Model is missing inputs ${pyList(missing)}.`;
    if (extra.length) message += ` Note that there were extra inputs: ${pyList(extra)}`;
    throw invalidParam(message);
  }
  const names: string[] = [];
  const data: ColumnValues[] = [];
  for (const s of specs) {
    const i = frame.columns.indexOf(s.name!);
    if (i < 0) continue;
    names.push(s.name!);
    data.push(convertColumn(s.name!, frame.data[i]!, s.type, s.required));
  }
  return new DataFrame(names, data, frame.rowCount);
}

// ---- tensors ------------------------------------------------------------------------------------

function shapeText(shape: number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Builds a tensor of the given dtype from nested JS arrays (numpy `np.array(value, dtype=...)`). */
export function nestedToTensor(value: unknown, dtype?: TensorDType): Tensor {
  if (isTensor(value)) return dtype && value.dtype !== dtype ? castTensor(value, dtype) : value;
  if (isNumericArray(value)) {
    const t = new Tensor(dtypeOfArray(value), [value.length], value);
    return dtype && t.dtype !== dtype ? castTensor(t, dtype) : t;
  }
  const shape: number[] = [];
  let cur: unknown = value;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const flat: unknown[] = new Array(size);
  let k = 0;
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw badShape();
      flat[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) throw badShape();
    for (const x of v) walk(x, dim + 1);
  };
  walk(value, 0);
  const inferred: TensorDType =
    dtype ??
    (flat.every((x) => typeof x === 'number')
      ? 'float64'
      : flat.every((x) => typeof x === 'boolean')
        ? 'bool'
        : flat.every((x) => typeof x === 'string')
          ? 'str'
          : 'object');
  return castTensor(new Tensor('object', shape, flat), inferred);
}

function badShape(): MlflowError {
  return invalidParam(
    'Failed to parse data as TF serving input. Ensure that the input is a valid JSON-formatted string that ' +
      "conforms to the request body for TF serving's Predict API: every nested list must have the same length.",
  );
}

/** Casts tensor values to a dtype (numpy `astype`); non-numeric text for a numeric dtype fails. */
export function castTensor(t: Tensor, dtype: TensorDType): Tensor {
  if (t.dtype === dtype) return t;
  const Ctor = typedArrayFor(dtype);
  const src = t.data as ArrayLike<unknown>;
  const n = src.length;
  if (Ctor) {
    const out = new Ctor(n);
    const big = dtype === 'int64' || dtype === 'uint64';
    const integral = dtype.includes('int');
    for (let i = 0; i < n; i++) {
      const v = src[i];
      let x =
        typeof v === 'number'
          ? v
          : typeof v === 'boolean'
            ? Number(v)
            : typeof v === 'bigint'
              ? Number(v)
              : typeof v === 'string' && v.trim() !== ''
                ? Number(v)
                : NaN;
      if (
        Number.isNaN(x) &&
        !(typeof v === 'number' || (typeof v === 'string' && v.trim().toLowerCase() === 'nan'))
      ) {
        throw invalidParam(`Failed to convert tensor value ${JSON.stringify(v)} to ${dtype}.`);
      }
      if (integral) {
        if (!Number.isFinite(x))
          throw invalidParam(`Failed to convert tensor value ${JSON.stringify(v)} to ${dtype}.`);
        x = Math.trunc(x);
      }
      (out as unknown as { [i: number]: number | bigint })[i] = big ? BigInt(x) : x;
    }
    return new Tensor(dtype, t.shape, out);
  }
  if (dtype === 'bool')
    return new Tensor(
      dtype,
      t.shape,
      Array.from(src, (v) => Boolean(typeof v === 'bigint' ? Number(v) : v)),
    );
  if (dtype === 'str')
    return new Tensor(
      dtype,
      t.shape,
      Array.from(src, (v) => String(v)),
    );
  return new Tensor(dtype, t.shape, Array.from(src));
}

/** MLflow `_enforce_tensor_spec`: rank and fixed dimensions must match, dtype must be the spec's. */
export function enforceTensorSpec(t: Tensor, spec: TensorSpec): Tensor {
  const expected = spec.shape;
  if (expected.length === 1 && expected[0] === -1 && spec.dtype === 'object') return t;
  const mismatch =
    expected.length !== t.shape.length || expected.some((d, i) => d !== -1 && d !== t.shape[i]);
  if (mismatch) {
    throw invalidParam(
      `Shape of input ${shapeText(t.shape)} does not match expected shape ${shapeText(expected)}.`,
    );
  }
  if (t.dtype !== spec.dtype) {
    throw invalidParam(`dtype of input ${t.dtype} does not match expected dtype ${spec.dtype}`);
  }
  return t;
}

/** A DataFrame column as a tensor: scalars need shape (-1,) or (-1, 1); lists are stacked. */
function columnToTensor(name: string, values: ColumnValues, spec: TensorSpec, rows: number): Tensor {
  if (spec.shape[0] !== -1 || spec.shape.slice(1).includes(-1)) {
    throw invalidParam(
      'For pandas dataframe input, the first dimension of shape must be a variable dimension and other ' +
        `dimensions must be fixed, but in model signature the shape of input ${name} is ${shapeText(spec.shape)}.`,
    );
  }
  const first = (values as ArrayLike<unknown>)[0];
  if (!Array.isArray(first)) {
    if (spec.shape.length > 2 || (spec.shape.length === 2 && spec.shape[1] !== 1)) {
      throw invalidParam(
        `The input pandas dataframe column '${name}' contains scalar values, which requires the shape to be ` +
          `(-1,) or (-1, 1), but got tensor spec shape of ${shapeText(spec.shape)}.`,
      );
    }
    const t = castTensor(
      new Tensor(isNumericArray(values) ? dtypeOfArray(values) : 'object', [rows], values),
      spec.dtype,
    );
    return new Tensor(spec.dtype, spec.shape.length === 2 ? [rows, 1] : [rows], t.data);
  }
  const t = nestedToTensor(values, spec.dtype);
  const fixed = spec.shape.slice(1).reduce((a, b) => a * b, 1);
  if (t.size !== rows * fixed) {
    throw invalidParam(
      `The value in the Input DataFrame column '${name}' could not be converted to the expected shape of: ` +
        `'${shapeText(spec.shape)}'. Ensure that each of the input list elements are of uniform length.`,
    );
  }
  return new Tensor(spec.dtype, [rows, ...spec.shape.slice(1)], t.data);
}

function enforceTensors(input: unknown, specs: TensorSpec[]): Tensor | TensorDict {
  const named = specs.every((s) => s.name !== undefined);
  if (named) {
    if (isDataFrame(input)) {
      const out: TensorDict = {};
      for (const s of specs) {
        const col = input.column(s.name!);
        if (col === undefined) throw invalidParam(`Model is missing inputs ${pyList([s.name!])}.`);
        out[s.name!] = columnToTensor(s.name!, col, s, input.rowCount);
      }
      return out;
    }
    let dict: Record<string, unknown>;
    if (isTensor(input) || Array.isArray(input) || isNumericArray(input)) {
      if (specs.length !== 1) {
        throw invalidParam(
          'This model contains a tensor-based model signature with input names, which suggests a dictionary ' +
            `input mapping input name to tensor, but a single tensor was found.`,
        );
      }
      dict = { [specs[0]!.name!]: input };
    } else if (isPlainObject(input) || isTensorDict(input)) {
      dict = input as Record<string, unknown>;
    } else {
      throw invalidParam(
        'This model contains a tensor-based model signature with input names, which suggests a dictionary input ' +
          `mapping input name to tensor, but an input of type ${typeof input} was found.`,
      );
    }
    const missing = specs.filter((s) => !(s.name! in dict)).map((s) => s.name!);
    if (missing.length) throw invalidParam(`Model is missing inputs ${pyList(missing)}.`);
    const out: TensorDict = {};
    for (const s of specs) {
      const v = dict[s.name!];
      // Untyped JSON lists are cast to the spec dtype (as the scoring server does); typed values are checked.
      const t = isTensor(v) || isNumericArray(v) ? nestedToTensor(v) : nestedToTensor(v, s.dtype);
      out[s.name!] = enforceTensorSpec(t, s);
    }
    return out;
  }
  const spec = specs[0]!;
  if (isDataFrame(input)) {
    if (input.rowCount === 0) throw invalidParam('Input DataFrame is empty.');
    if (input.columns.length === 1)
      return columnToTensor(input.columns[0]!, input.data[0]!, spec, input.rowCount);
    if (spec.shape.length !== 2 || spec.shape[0] !== -1 || spec.shape[1] !== input.columns.length) {
      throw invalidParam(
        'This model contains a model signature with an unnamed input. Since the input data is a pandas ' +
          'DataFrame containing multiple columns, the input shape must be of the structure ' +
          `(-1, number_of_dataframe_columns). Instead, the input DataFrame passed had ${input.columns.length} ` +
          `columns and an input shape of ${shapeText(spec.shape)}.`,
      );
    }
    const rows = input.rowCount;
    const cols = input.columns.length;
    const flat: unknown[] = new Array(rows * cols);
    for (let c = 0; c < cols; c++) {
      const col = input.data[c] as ArrayLike<unknown>;
      for (let r = 0; r < rows; r++) flat[r * cols + c] = col[r];
    }
    return enforceTensorSpec(castTensor(new Tensor('object', [rows, cols], flat), spec.dtype), spec);
  }
  if (isTensor(input) || isNumericArray(input)) return enforceTensorSpec(nestedToTensor(input), spec);
  if (Array.isArray(input)) return enforceTensorSpec(nestedToTensor(input, spec.dtype), spec);
  throw invalidParam(
    'This model contains a tensor-based model signature with no input names, which suggests a numpy array ' +
      `input or a pandas dataframe input with proper column values, but an input of type ${typeof input} was found.`,
  );
}

/**
 * Checks and converts `input` against the signature's input schema. Errors are MlflowError with
 * INVALID_PARAMETER_VALUE (schema mismatch) or BAD_REQUEST (a value that cannot be converted).
 */
export function enforceSchema(input: unknown, schema: Schema): ModelData {
  try {
    return schema.kind === 'columns'
      ? enforceColumns(input, schema.inputs)
      : enforceTensors(input, schema.inputs);
  } catch (err) {
    if (
      err instanceof MlflowError &&
      err.errorCode === 'INVALID_PARAMETER_VALUE' &&
      !err.message.startsWith('Failed to enforce')
    ) {
      throw invalidParam(
        `Failed to enforce schema of data with schema ${describeSchema(schema)}. Error: ${err.message}`,
      );
    }
    throw err;
  }
}
