/**
 * The scoring input protocol (MLflow 2.x+), read the same way by the scoring server's
 * `/invocations` and by batch prediction of a JSON document: a JSON object with exactly one of
 * `dataframe_split`, `dataframe_records`, `instances`, `inputs` (plus optional `params`), or a CSV
 * table. Parsing is schema-aware so the common case (numeric columns) goes straight into typed
 * arrays without per-row objects.
 */
import { badRequest, MlflowError } from '../errors.js';
import { DataFrame, type ColumnValues, type ModelData } from './data.js';
import { nestedToTensor } from './signature/enforce.js';
import type { Schema } from './signature/types.js';
import { parseCsvTable } from './batch/csv.js';
import { SplitRows } from './split-rows.js';

export const FORMAT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
const LLM_KEYS = ['messages', 'prompt', 'input'];

const REQUIRED_INPUT_FORMAT =
  "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', " +
  "'dataframe_records', 'instances', 'inputs'}";
const PROTOCOL_CHANGE_INFO =
  'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this ' +
  'error, you are likely using an outdated scoring request format. To resolve the error, update your request ' +
  'format: wrap the data in one of the fields above, e.g. {"dataframe_split": {"columns": [...], "data": [...]}}.';

export interface ParsedRequest {
  input: ModelData;
  params: unknown;
  /** LLM-style bodies (`messages`/`prompt`/`input` at top level) are answered without the `predictions` wrapper. */
  unwrapped: boolean;
}

function pyKeys(keys: string[]): string {
  return `[${keys.map((k) => `'${k}'`).join(', ')}]`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Numeric columns of a column schema, when every input is float or double: the fast path. */
function numericColumns(schema: Schema | undefined): { name: string; double: boolean }[] | undefined {
  if (!schema || schema.kind !== 'columns') return undefined;
  const out: { name: string; double: boolean }[] = [];
  for (const c of schema.inputs) {
    if (c.name === undefined || (c.type !== 'float' && c.type !== 'double')) return undefined;
    out.push({ name: c.name, double: c.type === 'double' });
  }
  return out;
}

/** Builds typed columns straight from split rows; undefined when a cell is not a plain number. */
function fastSplit(
  columns: string[],
  rows: unknown[] | SplitRows,
  schema: Schema | undefined,
): DataFrame | undefined {
  const numeric = numericColumns(schema);
  if (!numeric) return undefined;
  if (rows instanceof SplitRows) return fastSplitColumns(columns, rows, numeric);
  const n = rows.length;
  const names: string[] = [];
  const data: ColumnValues[] = [];
  for (const spec of numeric) {
    const c = columns.indexOf(spec.name);
    if (c < 0) return undefined;
    const out = spec.double ? new Float64Array(n) : new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      if (!Array.isArray(row)) return undefined;
      const v = row[c];
      if (typeof v !== 'number') return undefined;
      out[r] = v;
    }
    names.push(spec.name);
    data.push(out);
  }
  return new DataFrame(names, data, n);
}

/** {@link fastSplit} for rows already read as columns: a column of numbers only is used as it is. */
function fastSplitColumns(
  columns: string[],
  rows: SplitRows,
  numeric: { name: string; double: boolean }[],
): DataFrame | undefined {
  const names: string[] = [];
  const data: ColumnValues[] = [];
  for (const spec of numeric) {
    const c = columns.indexOf(spec.name);
    const col = c < 0 ? undefined : rows.columns[c];
    if (!(col instanceof Float64Array)) return undefined;
    names.push(spec.name);
    data.push(spec.double ? col : new Float32Array(col));
  }
  return new DataFrame(names, data, rows.rowCount);
}

/** The `data` of a `dataframe_split` whose rows were read as columns (see split-rows.ts). */
function splitFromColumns(columns: string[], rows: SplitRows, schema: Schema | undefined): DataFrame {
  const fast = fastSplit(columns, rows, schema);
  if (fast) return fast;
  if (rows.width !== columns.length) throw splitWidthMismatch(columns.length, rows.width);
  return new DataFrame(
    columns,
    columns.map((_, c) => rows.plainColumn(c)),
    rows.rowCount,
  );
}

const splitWidthMismatch = (columns: number, width: number): MlflowError =>
  badRequest(
    "Provided dataframe_split field is not a valid dataframe representation in 'split' format. " +
      `Error: '${columns} columns passed, passed data had ${width} columns'`,
  );

/** A `dataframe_split` value: `{columns?, data, index?}`. */
export function parseSplit(value: unknown, schema: Schema | undefined): DataFrame {
  if (!isPlainObject(value)) {
    throw badRequest(
      `Dataframe split format must be a dictionary. Got ${Array.isArray(value) ? 'list' : `type ${typeof value}`}.`,
    );
  }
  const keys = Object.keys(value);
  const extra = keys.filter((k) => k !== 'columns' && k !== 'data' && k !== 'index');
  if (!('data' in value) || extra.length) {
    throw badRequest(
      `Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got ${pyKeys(keys)}.`,
    );
  }
  const rows = value.data;
  if (rows instanceof SplitRows) {
    const columns = Array.isArray(value.columns)
      ? value.columns.map(String)
      : [...Array(rows.width).keys()].map(String);
    return splitFromColumns(columns, rows, schema);
  }
  if (!Array.isArray(rows)) {
    throw badRequest(
      "Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: 'data must be a list'",
    );
  }
  const width = Array.isArray(rows[0]) ? rows[0].length : 1;
  const columns = Array.isArray(value.columns)
    ? value.columns.map(String)
    : [...Array(width).keys()].map(String);
  const fast = fastSplit(columns, rows, schema);
  if (fast) return fast;
  const data: unknown[][] = columns.map(() => new Array<unknown>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = Array.isArray(rows[r]) ? (rows[r] as unknown[]) : [rows[r]];
    if (row.length !== columns.length) throw splitWidthMismatch(columns.length, row.length);
    for (let c = 0; c < columns.length; c++) data[c]![r] = row[c];
  }
  return new DataFrame(columns, data, rows.length);
}

/** A `dataframe_records` value: a list of `{column: value}` objects. */
export function parseRecords(value: unknown): DataFrame {
  if (!Array.isArray(value)) {
    throw badRequest(
      `Dataframe records format must be a list of records. Got ${isPlainObject(value) ? 'dictionary' : `type ${typeof value}`}.`,
    );
  }
  if (!value.every(isPlainObject)) {
    throw badRequest(
      "Provided dataframe_records field is not a valid dataframe representation in 'records' format. " +
        "Error: 'every record must be a JSON object'",
    );
  }
  return DataFrame.fromRecords(value);
}

/** TF-serving input without a schema: arrays become tensors like numpy would make them. */
function tensorsWithoutSchema(value: unknown): ModelData {
  try {
    if (Array.isArray(value)) return nestedToTensor(value);
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nestedToTensor(v)]));
    }
  } catch {
    return value;
  }
  return value;
}

/**
 * The data of a TF-serving `instances`/`inputs` value before any typing: `instances` in row
 * format (a list of `{name: value}`) becomes `{name: [values]}`; anything else is as given.
 */
export function tfServingData(key: 'instances' | 'inputs', value: unknown): unknown {
  let data: unknown = value;
  if (key === 'instances') {
    if (!Array.isArray(value)) {
      throw badRequest('Failed to parse data as TF serving input. "instances" must be a list.');
    }
    if (value.length > 0 && isPlainObject(value[0])) {
      // Row format: turn the list of {name: value} into {name: [values]}.
      const cols: Record<string, unknown[]> = {};
      for (const item of value) {
        if (!isPlainObject(item))
          throw badRequest('Failed to parse data as TF serving input. Mixed instance types.');
        for (const [k, v] of Object.entries(item)) (cols[k] ??= []).push(v);
      }
      const lengths = new Set(Object.values(cols).map((c) => c.length));
      if (lengths.size > 1) {
        throw badRequest(
          'Failed to parse data as TF serving input. The length of values for each input/column name are not the same',
        );
      }
      data = cols;
    }
  }
  return data;
}

function parseTfServing(key: 'instances' | 'inputs', value: unknown, schema: Schema | undefined): ModelData {
  const data = tfServingData(key, value);
  if (!schema) return tensorsWithoutSchema(data);
  if (schema.kind === 'columns' && isPlainObject(data)) {
    const values = Object.values(data);
    if (values.every(Array.isArray)) return DataFrame.fromColumns(data as Record<string, unknown[]>);
  }
  return data;
}

/** Parses a JSON `/invocations` body. */
export function parseJsonRequest(text: string, schema: Schema | undefined): ParsedRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest(
      `Invalid input. Ensure that input is a valid JSON formatted string. Error: '${(err as Error).message}'`,
    );
  }
  return parseScoringBody(body, schema);
}

/** The format key of a scoring request body, or undefined when it names none. */
export function scoringFormatOf(body: Record<string, unknown>): (typeof FORMAT_KEYS)[number] | undefined {
  const formats = Object.keys(body).filter((k) => (FORMAT_KEYS as readonly string[]).includes(k));
  return formats.length === 1 ? (formats[0] as (typeof FORMAT_KEYS)[number]) : undefined;
}

/** Parses an already decoded JSON scoring body. */
export function parseScoringBody(body: unknown, schema: Schema | undefined): ParsedRequest {
  if (Array.isArray(body))
    throw badRequest(`${REQUIRED_INPUT_FORMAT}. Received a list. ${PROTOCOL_CHANGE_INFO}`);
  if (!isPlainObject(body)) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${body === null ? 'null' : typeof body}'.`,
    );
  }
  const keys = Object.keys(body);
  const formats = keys.filter((k) => (FORMAT_KEYS as readonly string[]).includes(k));
  if (formats.length === 0 && keys.some((k) => LLM_KEYS.includes(k))) {
    return { input: body, params: undefined, unwrapped: true };
  }
  if (formats.length !== 1) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyKeys(keys)}. ${PROTOCOL_CHANGE_INFO}`,
    );
  }
  const format = scoringFormatOf(body)!;
  const value = body[format];
  let input: ModelData;
  if (format === 'dataframe_split') input = parseSplit(value, schema);
  else if (format === 'dataframe_records') input = parseRecords(value);
  else input = parseTfServing(format, value, schema);
  return { input, params: body.params, unwrapped: false };
}

/** Parses a `text/csv` body (header row first). */
export function parseCsvRequest(text: string): ParsedRequest {
  try {
    return { input: parseCsvTable(text), params: undefined, unwrapped: false };
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    throw badRequest(
      `Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted table with a header row. Error: '${(err as Error).message}'`,
    );
  }
}
