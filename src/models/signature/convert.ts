/**
 * Conversion of one column to a schema type, following MLflow's rules:
 * - untyped values (JSON numbers, CSV text, JS arrays) are cast like pandas `astype` at the scoring
 *   server: numbers and numeric strings become floats; integers must be integral; a failure is
 *   BAD_REQUEST "Failed to convert column ...";
 * - typed arrays carry a real dtype and only safe upcasts are allowed (int → long, float → double,
 *   int32 → double); anything else (float → int, double → float, int64 → double) is
 *   "Incompatible input types for column ...".
 */
import { MlflowError, badRequest, invalidParam } from '../../errors.js';
import { dtypeOfArray, isNumericArray, type ColumnValues, type NumericArray } from '../data.js';
import { NUMPY_TYPE_OF, typeName, type ColumnType, type DataType } from './types.js';

function failedConversion(name: string, numpyType: string, detail: string): MlflowError {
  return badRequest(
    `Data is not compatible with model signature. Failed to convert column ${name} to type '${numpyType}'. ` +
      `Error: '${detail}'`,
  );
}

function incompatible(name: string, from: string, to: string): MlflowError {
  return invalidParam(
    `Incompatible input types for column ${name}. Can not safely convert ${from} to ${to}.`,
  );
}

const ITEM_SIZE: Record<string, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

/** Is `from` → `to` (numpy dtype names) a conversion MLflow accepts without loss? */
function isSafeUpcast(from: string, to: string): boolean {
  const fk = from.startsWith('float') ? 'f' : from.startsWith('uint') ? 'u' : 'i';
  const tk = to.startsWith('float') ? 'f' : to.startsWith('uint') ? 'u' : to.startsWith('int') ? 'i' : 'x';
  const fs = ITEM_SIZE[from]!;
  const ts = ITEM_SIZE[to] ?? 0;
  if (fk === tk) return fs <= ts;
  if (fk === 'u' && tk === 'i') return fs < ts;
  if ((fk === 'i' || fk === 'u') && to === 'float64') return fs <= 6;
  return false;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return undefined;
    const lower = t.toLowerCase();
    if (lower === 'nan') return NaN;
    if (lower === 'inf' || lower === 'infinity' || lower === '+inf' || lower === '+infinity') return Infinity;
    if (lower === '-inf' || lower === '-infinity') return -Infinity;
    const n = Number(t);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

function convertTyped(name: string, values: NumericArray, t: DataType): ColumnValues {
  const from = dtypeOfArray(values);
  const to = NUMPY_TYPE_OF[t];
  if (t === 'float') {
    if (from === 'float32') return values;
    if (isSafeUpcast(from, 'float32')) return Float32Array.from(values as ArrayLike<number>);
    throw incompatible(name, from, to);
  }
  if (t === 'double') {
    if (from === 'float64') return values;
    if (isSafeUpcast(from, 'float64')) return Float64Array.from(values as ArrayLike<number>);
    throw incompatible(name, from, to);
  }
  if (t === 'integer') {
    if (from === 'int32') return values;
    if (isSafeUpcast(from, 'int32')) return Int32Array.from(values as ArrayLike<number>);
    throw incompatible(name, from, to);
  }
  if (t === 'long') {
    if (!isSafeUpcast(from, 'int64')) throw incompatible(name, from, to);
    // Long columns are handed to models as plain JS numbers (exact up to 2^53).
    const out = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) {
      const n = Number(values[i]);
      if (!Number.isSafeInteger(n)) throw failedConversion(name, to, `value ${values[i]} exceeds 2^53`);
      out[i] = n;
    }
    return out;
  }
  throw incompatible(name, from, to);
}

/** Converts one column to the schema type. `required` false lets null cells through. */
export function convertColumn(
  name: string,
  values: ColumnValues,
  type: ColumnType,
  required = true,
): ColumnValues {
  if (typeof type !== 'string') {
    const arr = values as unknown[];
    return Array.from(arr, (v) => enforceValue(v, type, required, name));
  }
  if (isNumericArray(values)) return convertTyped(name, values, type);
  const n = values.length;
  const to = NUMPY_TYPE_OF[type];
  switch (type) {
    case 'float':
    case 'double': {
      const out = type === 'float' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'number') {
          out[i] = v;
          continue;
        }
        if (v === null || v === undefined) {
          out[i] = NaN;
          continue;
        }
        const x = toNumber(v);
        if (x === undefined)
          throw failedConversion(name, to, `could not convert ${typeof v} to float: ${describe(v)}`);
        out[i] = x;
      }
      return out;
    }
    case 'integer':
    case 'long': {
      const out: (number | null)[] = new Array(n);
      let hasNull = false;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) {
          if (required) throw failedConversion(name, to, 'cannot convert a missing value to integer');
          hasNull = true;
          out[i] = null;
          continue;
        }
        const x = toNumber(v);
        if (x === undefined || !Number.isInteger(x)) {
          throw failedConversion(name, to, `invalid literal for int(): ${describe(v)}`);
        }
        if (type === 'integer' && (x > 2147483647 || x < -2147483648)) {
          throw failedConversion(name, to, `value ${x} is out of the int32 range`);
        }
        out[i] = x;
      }
      return type === 'integer' && !hasNull ? Int32Array.from(out as number[]) : out;
    }
    case 'boolean':
    case 'string':
    case 'binary':
    case 'datetime':
      return Array.from(values, (v) => enforceScalar(v, type, required, name));
  }
}

/** Converts one scalar to a data type (MLflow `_enforce_datatype`). */
export function enforceScalar(v: unknown, t: DataType, required: boolean, name: string): unknown {
  if (v === null || v === undefined) {
    if (!required || t === 'string' || t === 'float' || t === 'double')
      return t === 'float' || t === 'double' ? NaN : null;
    throw failedConversion(name, NUMPY_TYPE_OF[t], 'a required value is missing');
  }
  switch (t) {
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'True' || v === 'TRUE') return true;
      if (v === 'false' || v === 'False' || v === 'FALSE') return false;
      if (v === 0 || v === 1) return v === 1;
      throw failedConversion(name, 'bool', `could not convert ${describe(v)} to bool`);
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      throw failedConversion(name, 'str', `expected a string, got ${describe(v)}`);
    case 'binary':
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return Buffer.from(v, 'base64');
      throw failedConversion(name, 'bytes', `expected base64 text, got ${describe(v)}`);
    case 'datetime': {
      const d =
        v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? new Date(v) : undefined;
      if (!d || Number.isNaN(d.getTime()))
        throw failedConversion(name, 'datetime64[ns]', `invalid datetime ${describe(v)}`);
      return d;
    }
    default: {
      const x = toNumber(v);
      if (x === undefined)
        throw failedConversion(name, NUMPY_TYPE_OF[t], `could not convert ${describe(v)} to a number`);
      if ((t === 'integer' || t === 'long') && !Number.isInteger(x)) {
        throw failedConversion(name, NUMPY_TYPE_OF[t], `invalid literal for int(): ${describe(v)}`);
      }
      return t === 'float' ? Math.fround(x) : x;
    }
  }
}

/** Enforces any column type on one value, recursing into arrays, objects and maps. */
export function enforceValue(v: unknown, t: ColumnType, required: boolean, where: string): unknown {
  if (v === null || v === undefined) {
    if (!required) return null;
    throw invalidParam(
      `Failed to enforce schema of ${where}: a required value of type ${typeName(t)} is missing.`,
    );
  }
  if (typeof t === 'string') {
    try {
      return enforceScalar(v, t, true, where);
    } catch {
      throw invalidParam(
        `Failed to enforce schema of data ${describe(v)} with dtype ${t} (column ${where}).`,
      );
    }
  }
  switch (t.type) {
    case 'any':
      return v;
    case 'array':
      if (!Array.isArray(v)) {
        throw invalidParam(`Failed to enforce schema of ${where}: expected a list, got ${describe(v)}.`);
      }
      return v.map((x) => enforceValue(x, t.items, true, where));
    case 'map': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        throw invalidParam(`Failed to enforce schema of ${where}: expected a map, got ${describe(v)}.`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = enforceValue(x, t.values, true, `${where}.${k}`);
      return out;
    }
    case 'object': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        throw invalidParam(`Failed to enforce schema of ${where}: expected an object, got ${describe(v)}.`);
      }
      const obj = v as Record<string, unknown>;
      const missing = Object.entries(t.properties)
        .filter(([k, p]) => p.required && !(k in obj))
        .map(([k]) => k);
      if (missing.length)
        throw invalidParam(`Missing required properties in ${where}: ${missing.join(', ')}.`);
      const extra = Object.keys(obj).filter((k) => !(k in t.properties));
      if (extra.length) {
        throw invalidParam(
          `Invalid properties not defined in the schema found in ${where}: ${extra.join(', ')}.`,
        );
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(obj)) {
        const p = t.properties[k]!;
        out[k] = enforceValue(x, p.type, p.required, `${where}.${k}`);
      }
      return out;
    }
  }
}
