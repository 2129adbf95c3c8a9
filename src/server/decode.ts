/**
 * Readers for untrusted request fields, following MLflow's decoding rules: int64 as number or
 * numeric string, doubles also as "NaN"/"Infinity"/"-Infinity", booleans as true/false (any
 * case on GET), a single value where a list is expected becomes a one-element list. Every
 * reader throws INVALID_PARAMETER_VALUE naming the field.
 */
import { invalidParam } from '../errors.js';
import type { Fields } from './endpoint.js';

const missing = (name: string) => invalidParam(`Missing value for required parameter '${name}'.`);
const wrongType = (name: string, value: unknown, expected: string) =>
  invalidParam(
    `Invalid value ${JSON.stringify(value)?.slice(0, 200)} for parameter '${name}' supplied: expected ${expected}.`,
  );

const present = (v: unknown): boolean => v !== undefined && v !== null;

export function optString(fields: Fields, name: string): string | undefined {
  let v = fields[name];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (!present(v)) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw wrongType(name, v, 'a string');
}

export function reqString(fields: Fields, name: string): string {
  const v = optString(fields, name);
  if (v === undefined || v === '') throw missing(name);
  return v;
}

export function optInt(fields: Fields, name: string): number | undefined {
  let v = fields[name];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (!present(v) || v === '') return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim())) return Number(v.trim());
  throw wrongType(name, v, 'an integer');
}

export function reqInt(fields: Fields, name: string): number {
  const v = optInt(fields, name);
  if (v === undefined) throw missing(name);
  return v;
}

/** A double: a JSON number, or a string holding a number, "NaN", "Infinity" or "-Infinity". */
export function optDouble(fields: Fields, name: string): number | undefined {
  const v = fields[name];
  if (!present(v)) return undefined;
  return toDouble(v, name);
}

export function toDouble(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === 'NaN') return NaN;
    if (s === 'Infinity' || s === '+Infinity' || s === 'inf') return Infinity;
    if (s === '-Infinity' || s === '-inf') return -Infinity;
    if (s !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  }
  throw wrongType(name, v, 'a number');
}

export function optBool(fields: Fields, name: string): boolean | undefined {
  let v = fields[name];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (!present(v)) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  throw wrongType(name, v, 'true or false');
}

/** A repeated string field; a single value is a one-element list. */
export function optStringList(fields: Fields, name: string): string[] | undefined {
  const v = fields[name];
  if (!present(v)) return undefined;
  const list = Array.isArray(v) ? v : [v];
  return list.map((item, i) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' && Number.isFinite(item)) return String(item);
    throw wrongType(`${name}[${i}]`, item, 'a string');
  });
}

/** A repeated message field: a list of objects. */
export function optObjectList(fields: Fields, name: string): Fields[] | undefined {
  const v = fields[name];
  if (!present(v)) return undefined;
  if (!Array.isArray(v)) throw wrongType(name, v, 'a list');
  return v.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw wrongType(`${name}[${i}]`, item, 'an object');
    return item as Fields;
  });
}

export function optObject(fields: Fields, name: string): Fields | undefined {
  const v = fields[name];
  if (!present(v)) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, v, 'an object');
  return v as Fields;
}

/** An enum given by name (any case) or proto number (1-based position in `names`). */
export function optEnum<T extends string>(fields: Fields, name: string, names: readonly T[]): T | undefined {
  let v = fields[name];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (!present(v) || v === '') return undefined;
  if (typeof v === 'string') {
    const found = names.find((n) => n.toLowerCase() === v.toLowerCase());
    if (found) return found;
    if (/^\d+$/.test(v) && names[Number(v) - 1]) return names[Number(v) - 1];
  }
  if (typeof v === 'number' && names[v - 1]) return names[v - 1];
  throw invalidParam(
    `Invalid value ${JSON.stringify(v)} for parameter '${name}': expected one of ${names.join(', ')}.`,
  );
}

/** `run_id`, or its deprecated alias `run_uuid`. */
export function reqRunId(fields: Fields): string {
  const id = optString(fields, 'run_id') ?? optString(fields, 'run_uuid');
  if (!id) throw missing('run_id');
  return id;
}

/**
 * A string field that must be a JSON string (MLflow rejects `{"name": 123}`). Use for free text
 * (names, keys, values); ids that clients may send as numbers use `optString`.
 */
export function optText(fields: Fields, name: string): string | undefined {
  let v = fields[name];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (!present(v)) return undefined;
  if (typeof v === 'string') return v;
  throw wrongType(name, v, 'a string');
}

/** A required, non-empty JSON string. */
export function reqText(fields: Fields, name: string): string {
  const v = optText(fields, name);
  if (v === undefined || v === '') throw missing(name);
  return v;
}

/** A required double (see `toDouble`); booleans are rejected. */
export function reqDouble(fields: Fields, name: string): number {
  const v = optDouble(fields, name);
  if (v === undefined) throw missing(name);
  return v;
}

/** A list of `{key, value}` objects; the key is required, a missing value reads as "". */
export function optKeyValueList(fields: Fields, name: string): { key: string; value: string }[] | undefined {
  const list = optObjectList(fields, name);
  if (!list) return undefined;
  return list.map((item, i) => {
    const key = optText(item, 'key');
    if (key === undefined || key === '') throw missing(`${name}[${i}].key`);
    const value = optText(item, 'value') ?? '';
    return { key, value };
  });
}
