/** Infers a schema from an example value, the way MLflow's `infer_signature` reads pandas/numpy. */
import { invalidParam } from '../../errors.js';
import {
  DataFrame,
  dtypeOfArray,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  type ColumnValues,
  type NumericArray,
} from '../data.js';
import type { ColSpec, ColumnType, ModelSignature, ParamSpec, Schema, TensorDType } from './types.js';
import { isDataType, typeName } from './types.js';

/** Column type of a typed array (numpy's mapping: small ints → integer, 64-bit or uint32 → long). */
function typedArrayType(a: NumericArray): ColumnType {
  const dtype = dtypeOfArray(a);
  switch (dtype) {
    case 'float32':
      return 'float';
    case 'float64':
      return 'double';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
      return 'integer';
    default:
      return 'long';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** The type of one non-null value. */
function valueType(v: unknown, where: string): ColumnType {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  if (typeof v === 'bigint') return 'long';
  if (typeof v === 'string') return 'string';
  if (v instanceof Date) return 'datetime';
  if (v instanceof Uint8Array) return 'binary';
  if (Array.isArray(v)) return { type: 'array', items: valuesType(v, `${where}[]`).type };
  if (isPlainObject(v)) {
    const properties: Record<string, { type: ColumnType; required: boolean }> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined)
        throw invalidParam(`Cannot infer the type of ${where}.${k} from null.`);
      properties[k] = { type: valueType(x, `${where}.${k}`), required: true };
    }
    return { type: 'object', properties };
  }
  throw invalidParam(`Cannot infer a schema type for ${where} from a value of type ${typeof v}.`);
}

/** Merges two inferred types: long widens to double; objects merge properties (missing → optional). */
function mergeTypes(a: ColumnType, b: ColumnType, where: string): ColumnType {
  if (a === b) return a;
  if ((a === 'long' && b === 'double') || (a === 'double' && b === 'long')) return 'double';
  if (typeof a === 'object' && typeof b === 'object') {
    if (a.type === 'array' && b.type === 'array') {
      return { type: 'array', items: mergeTypes(a.items, b.items, where) };
    }
    if (a.type === 'object' && b.type === 'object') {
      const properties: Record<string, { type: ColumnType; required: boolean }> = {};
      for (const k of new Set([...Object.keys(a.properties), ...Object.keys(b.properties)])) {
        const pa = a.properties[k];
        const pb = b.properties[k];
        if (pa && pb)
          properties[k] = { type: mergeTypes(pa.type, pb.type, where), required: pa.required && pb.required };
        else properties[k] = { type: (pa ?? pb)!.type, required: false };
      }
      return { type: 'object', properties };
    }
  }
  throw invalidParam(
    `Cannot infer a single type for ${where}: found both ${typeName(a)} and ${typeName(b)}.`,
  );
}

function valuesType(values: ColumnValues, where: string): { type: ColumnType; required: boolean } {
  if (isNumericArray(values)) return { type: typedArrayType(values), required: true };
  let type: ColumnType | undefined;
  let required = true;
  for (const v of values) {
    if (v === null || v === undefined) {
      required = false;
      continue;
    }
    const t = valueType(v, where);
    type = type === undefined ? t : mergeTypes(type, t, where);
  }
  return { type: type ?? { type: 'any' }, required };
}

function frameSchema(frame: DataFrame): Schema {
  const inputs: ColSpec[] = frame.columns.map((name, i) => ({
    name,
    ...valuesType(frame.data[i]!, `column '${name}'`),
  }));
  return { kind: 'columns', inputs };
}

/** Shape and dtype of nested JS arrays of numbers (float64, or int64 when every value is an integer). */
function nestedTensorSpec(value: unknown[]): { dtype: TensorDType; shape: number[] } {
  const shape: number[] = [];
  let cur: unknown = value;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const flat = (value as unknown[]).flat(Infinity);
  let dtype: TensorDType;
  if (flat.every((x) => typeof x === 'number'))
    dtype = flat.every((x) => Number.isInteger(x)) ? 'int64' : 'float64';
  else if (flat.every((x) => typeof x === 'boolean')) dtype = 'bool';
  else if (flat.every((x) => typeof x === 'string')) dtype = 'str';
  else dtype = 'object';
  return { dtype, shape };
}

function variableFirst(shape: number[]): number[] {
  return shape.length === 0 ? [-1] : [-1, ...shape.slice(1)];
}

/**
 * Infers a schema from an example: a DataFrame, a list of records or a record, `{column: values}`,
 * a Tensor or `{name: Tensor}`, nested numeric arrays (a tensor), or a list of scalars (one column).
 */
export function inferSchema(example: unknown): Schema {
  if (isDataFrame(example)) return frameSchema(example);
  if (isTensor(example))
    return { kind: 'tensors', inputs: [{ dtype: example.dtype, shape: variableFirst(example.shape) }] };
  if (isTensorDict(example)) {
    return {
      kind: 'tensors',
      inputs: Object.entries(example).map(([name, t]) => ({
        name,
        dtype: t.dtype,
        shape: variableFirst(t.shape),
      })),
    };
  }
  if (isNumericArray(example)) {
    return { kind: 'tensors', inputs: [{ dtype: dtypeOfArray(example), shape: [-1] }] };
  }
  if (Array.isArray(example)) {
    if (example.length === 0) throw invalidParam('Cannot infer a schema from an empty list.');
    if (example.every(isPlainObject)) return frameSchema(DataFrame.fromRecords(example));
    if (example.every((x) => Array.isArray(x))) {
      const spec = nestedTensorSpec(example);
      return { kind: 'tensors', inputs: [{ dtype: spec.dtype, shape: variableFirst(spec.shape) }] };
    }
    return { kind: 'columns', inputs: [{ ...valuesType(example, 'the example'), required: true }] };
  }
  if (isPlainObject(example)) {
    const values = Object.values(example);
    if (values.length > 0 && values.every((v) => Array.isArray(v) || isNumericArray(v))) {
      return frameSchema(DataFrame.fromColumns(example as Record<string, ColumnValues>));
    }
    return frameSchema(DataFrame.fromRecords([example]));
  }
  if (example !== null && example !== undefined) {
    return { kind: 'columns', inputs: [{ type: valueType(example, 'the example'), required: true }] };
  }
  throw invalidParam('Cannot infer a schema from null.');
}

/** Infers a params schema from example params (scalars or lists of scalars). */
export function inferParams(params: Record<string, unknown>): ParamSpec[] {
  return Object.entries(params).map(([name, value]) => {
    const isList = Array.isArray(value);
    const sample = isList ? (value as unknown[])[0] : value;
    const t = valueType(sample, `param '${name}'`);
    if (!isDataType(t)) throw invalidParam(`Param '${name}' must be a scalar or a list of scalars.`);
    return { name, type: t, default: value, shape: isList ? [-1] : null };
  });
}

/** `inferSignature(input, output, params)`: like MLflow's `infer_signature`. */
export function inferSignature(
  input?: unknown,
  output?: unknown,
  params?: Record<string, unknown>,
): ModelSignature {
  const sig: ModelSignature = {};
  if (input !== undefined) sig.inputs = inferSchema(input);
  if (output !== undefined) sig.outputs = inferSchema(output);
  if (params && Object.keys(params).length > 0) sig.params = inferParams(params);
  return sig;
}
