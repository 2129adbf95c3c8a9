/**
 * Model signatures: column-based and tensor-based schemas plus a params schema, with their MLmodel
 * JSON form (each of `inputs`, `outputs`, `params` is stored as a JSON string inside the YAML).
 */
import { invalidParam } from '../../errors.js';

/** MLflow's scalar data types. */
export const DATA_TYPES = [
  'boolean',
  'integer',
  'long',
  'float',
  'double',
  'string',
  'binary',
  'datetime',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

export interface ArrayType {
  type: 'array';
  items: ColumnType;
}
export interface ObjectProperty {
  type: ColumnType;
  required: boolean;
}
export interface ObjectType {
  type: 'object';
  properties: Record<string, ObjectProperty>;
}
export interface MapType {
  type: 'map';
  values: ColumnType;
}
export interface AnyType {
  type: 'any';
}
/** A column's type: a scalar data type or one of the compound types. */
export type ColumnType = DataType | ArrayType | ObjectType | MapType | AnyType;

export interface ColSpec {
  name?: string;
  type: ColumnType;
  required: boolean;
}

/** numpy dtype names as MLflow writes them in `tensor-spec`. */
export type TensorDType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'str'
  | 'bytes'
  | 'object';
export const TENSOR_DTYPES: readonly TensorDType[] = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'float32',
  'float64',
  'str',
  'bytes',
  'object',
];

export interface TensorSpec {
  name?: string;
  dtype: TensorDType;
  /** -1 marks a variable dimension. */
  shape: number[];
}

export type Schema = { kind: 'columns'; inputs: ColSpec[] } | { kind: 'tensors'; inputs: TensorSpec[] };

export interface ParamSpec {
  name: string;
  type: DataType;
  default: unknown;
  /** null for a scalar; [-1] for a list. */
  shape: number[] | null;
}

export interface ModelSignature {
  inputs?: Schema;
  outputs?: Schema;
  params?: ParamSpec[];
}

/** numpy dtype of each scalar data type (what values are converted to). */
export const NUMPY_TYPE_OF: Record<DataType, string> = {
  boolean: 'bool',
  integer: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  string: 'str',
  binary: 'bytes',
  datetime: 'datetime64[ns]',
};

export function isDataType(value: unknown): value is DataType {
  return typeof value === 'string' && (DATA_TYPES as readonly string[]).includes(value);
}

export function inputNames(schema: Schema): string[] {
  return schema.inputs.map((s, i) => s.name ?? String(i));
}

/** A readable name for a column type, e.g. `double`, `array<long>`. */
export function typeName(t: ColumnType): string {
  if (typeof t === 'string') return t;
  if (t.type === 'array') return `array<${typeName(t.items)}>`;
  if (t.type === 'map') return `map<string, ${typeName(t.values)}>`;
  if (t.type === 'object') {
    const props = Object.entries(t.properties).map(([k, p]) => `${k}: ${typeName(p.type)}`);
    return `object<${props.join(', ')}>`;
  }
  return 'any';
}

// ---- JSON form ----------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function columnTypeToJson(t: ColumnType): Json {
  if (typeof t === 'string') return { type: t };
  if (t.type === 'array') return { type: 'array', items: columnTypeToJson(t.items) };
  if (t.type === 'map') return { type: 'map', values: columnTypeToJson(t.values) };
  if (t.type === 'object') {
    const properties: Json = {};
    for (const [k, p] of Object.entries(t.properties)) {
      properties[k] = { ...columnTypeToJson(p.type), required: p.required };
    }
    return { type: 'object', properties };
  }
  return { type: 'any' };
}

function columnTypeFromJson(raw: unknown, where: string): ColumnType {
  if (typeof raw === 'string') {
    if (isDataType(raw) || raw === 'any') return raw === 'any' ? { type: 'any' } : raw;
    throw invalidParam(`Unsupported type '${raw}' in ${where}.`);
  }
  if (!raw || typeof raw !== 'object') throw invalidParam(`Invalid type in ${where}.`);
  const o = raw as Json;
  switch (o.type) {
    case 'array':
      return { type: 'array', items: columnTypeFromJson(o.items, where) };
    case 'map':
      return { type: 'map', values: columnTypeFromJson(o.values, where) };
    case 'any':
      return { type: 'any' };
    case 'object': {
      const properties: Record<string, ObjectProperty> = {};
      for (const [k, v] of Object.entries((o.properties ?? {}) as Json)) {
        properties[k] = { type: columnTypeFromJson(v, where), required: (v as Json).required !== false };
      }
      return { type: 'object', properties };
    }
    default:
      return columnTypeFromJson(o.type, where);
  }
}

/** Schema → the list MLflow stores (key order type, name, required like MLflow 3.x writes). */
export function schemaToJson(schema: Schema): Json[] {
  if (schema.kind === 'tensors') {
    return schema.inputs.map((t) => {
      const out: Json = {};
      if (t.name !== undefined) out.name = t.name;
      out.type = 'tensor';
      out['tensor-spec'] = { dtype: t.dtype, shape: t.shape };
      return out;
    });
  }
  return schema.inputs.map((c) => {
    const json = columnTypeToJson(c.type);
    const out: Json = { type: json.type };
    for (const [k, v] of Object.entries(json)) if (k !== 'type') out[k] = v;
    if (c.name !== undefined) out.name = c.name;
    out.required = c.required;
    return out;
  });
}

export function schemaFromJson(raw: unknown, where = 'signature'): Schema {
  const list = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(list)) throw invalidParam(`The ${where} schema must be a JSON list.`);
  const isTensor = list.some((e) => (e as Json)?.type === 'tensor');
  if (isTensor) {
    if (!list.every((e) => (e as Json)?.type === 'tensor')) {
      throw invalidParam(`The ${where} schema mixes column and tensor specs, which is not allowed.`);
    }
    return {
      kind: 'tensors',
      inputs: list.map((e) => {
        const o = e as Json;
        const spec = (o['tensor-spec'] ?? {}) as Json;
        const dtype = String(spec.dtype ?? '') as TensorDType;
        if (!TENSOR_DTYPES.includes(dtype))
          throw invalidParam(`Unsupported tensor dtype '${dtype}' in ${where}.`);
        const shape = Array.isArray(spec.shape) ? spec.shape.map(Number) : [-1];
        return { ...(typeof o.name === 'string' ? { name: o.name } : {}), dtype, shape };
      }),
    };
  }
  const inputs: ColSpec[] = list.map((e) => {
    const o = e as Json;
    return {
      ...(typeof o.name === 'string' ? { name: o.name } : {}),
      type: columnTypeFromJson(o, where),
      required: o.required !== false,
    };
  });
  const named = inputs.filter((c) => c.name !== undefined).length;
  if (named !== 0 && named !== inputs.length) {
    throw invalidParam(`Either all columns of the ${where} schema are named or none is.`);
  }
  return { kind: 'columns', inputs };
}

export function paramsToJson(params: ParamSpec[]): Json[] {
  return params.map((p) => ({ name: p.name, default: p.default, shape: p.shape, type: p.type }));
}

export function paramsFromJson(raw: unknown): ParamSpec[] {
  const list = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(list)) throw invalidParam('The params schema must be a JSON list.');
  return list.map((e) => {
    const o = e as Json;
    if (typeof o.name !== 'string' || !isDataType(o.type)) {
      throw invalidParam(`Invalid param spec ${JSON.stringify(o)}.`);
    }
    return {
      name: o.name,
      type: o.type,
      default: o.default ?? null,
      shape: Array.isArray(o.shape) ? o.shape.map(Number) : null,
    };
  });
}

/** The MLmodel `signature` mapping: JSON strings, `params` null when absent (as MLflow writes). */
export function signatureToMlmodel(sig: ModelSignature): Record<string, string | null> {
  return {
    inputs: sig.inputs ? pythonJson(schemaToJson(sig.inputs)) : null,
    outputs: sig.outputs ? pythonJson(schemaToJson(sig.outputs)) : null,
    params: sig.params && sig.params.length > 0 ? pythonJson(paramsToJson(sig.params)) : null,
  };
}

/** JSON text with Python `json.dumps` separators (`, ` and `: `), as MLflow stores schemas. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function signatureFromMlmodel(raw: unknown): ModelSignature | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const o = raw as Json;
  const sig: ModelSignature = {};
  if (o.inputs) sig.inputs = schemaFromJson(o.inputs, 'input');
  if (o.outputs) sig.outputs = schemaFromJson(o.outputs, 'output');
  if (o.params) sig.params = paramsFromJson(o.params);
  return sig;
}
