/**
 * The values a model consumes and produces: a columnar DataFrame, an n-dimensional Tensor, a
 * dictionary of named tensors, or any JSON-like value. Columns and tensors keep numeric data in
 * typed arrays so large batches never become per-row objects.
 */
import type { TensorDType } from './signature/types.js';

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One column: a typed array for dense numbers, a plain array for anything else. */
export type ColumnValues = NumericArray | unknown[];

export function isNumericArray(v: unknown): v is NumericArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

export class DataFrame {
  readonly kind = 'dataframe' as const;

  constructor(
    readonly columns: string[],
    readonly data: ColumnValues[],
    readonly rowCount: number = data[0]?.length ?? 0,
  ) {}

  /** Builds a frame from row objects; columns in first-seen order, missing cells become null. */
  static fromRecords(records: readonly Record<string, unknown>[]): DataFrame {
    const index = new Map<string, number>();
    const cols: unknown[][] = [];
    records.forEach((rec, row) => {
      for (const key of Object.keys(rec)) {
        let i = index.get(key);
        if (i === undefined) {
          i = cols.length;
          index.set(key, i);
          cols.push(new Array<unknown>(records.length).fill(null));
        }
        cols[i]![row] = rec[key];
      }
    });
    return new DataFrame([...index.keys()], cols, records.length);
  }

  /** Builds a frame from `{column: values}`. */
  static fromColumns(columns: Record<string, ColumnValues>): DataFrame {
    const names = Object.keys(columns);
    const data = names.map((n) => columns[n]!);
    return new DataFrame(names, data, data[0]?.length ?? 0);
  }

  column(name: string): ColumnValues | undefined {
    const i = this.columns.indexOf(name);
    return i < 0 ? undefined : this.data[i];
  }

  toRecords(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = new Array(this.rowCount);
    for (let r = 0; r < this.rowCount; r++) {
      const rec: Record<string, unknown> = {};
      for (let c = 0; c < this.columns.length; c++) rec[this.columns[c]!] = cellValue(this.data[c]!, r);
      out[r] = rec;
    }
    return out;
  }

  /** Rows [start, end) as a new frame (typed arrays are views, not copies). */
  slice(start: number, end: number): DataFrame {
    return new DataFrame(
      this.columns,
      this.data.map((c) => (isNumericArray(c) ? c.subarray(start, end) : c.slice(start, end))),
      Math.max(0, Math.min(end, this.rowCount) - start),
    );
  }
}

/** A cell as a plain JS value (bigint cells become numbers when they are safe integers). */
export function cellValue(col: ColumnValues, i: number): unknown {
  const v = (col as ArrayLike<unknown>)[i];
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export class Tensor {
  readonly kind = 'tensor' as const;

  constructor(
    readonly dtype: TensorDType,
    readonly shape: number[],
    /** Row-major flattened values. */
    readonly data: ColumnValues,
  ) {}

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Nested arrays, like numpy's `tolist()`. */
  toNested(): unknown {
    const data = this.data;
    const shape = this.shape;
    if (shape.length === 0) return cellValue(data, 0);
    const build = (dim: number, offset: number): unknown[] => {
      const n = shape[dim]!;
      const out = new Array<unknown>(n);
      if (dim === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = cellValue(data, offset + i);
        return out;
      }
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** Rows [start, end) along the first dimension. */
  slice(start: number, end: number): Tensor {
    const stride = this.shape.slice(1).reduce((a, b) => a * b, 1);
    const data = isNumericArray(this.data)
      ? this.data.subarray(start * stride, end * stride)
      : this.data.slice(start * stride, end * stride);
    return new Tensor(this.dtype, [end - start, ...this.shape.slice(1)], data);
  }
}

export type TensorDict = Record<string, Tensor>;

/** What a flavor's `predict` receives (after signature enforcement) and may return. */
export type ModelData = DataFrame | Tensor | TensorDict | unknown;

export function isDataFrame(v: unknown): v is DataFrame {
  return v instanceof DataFrame;
}
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
export function isTensorDict(v: unknown): v is TensorDict {
  if (!v || typeof v !== 'object' || Array.isArray(v) || isDataFrame(v) || isTensor(v)) return false;
  const values = Object.values(v);
  return values.length > 0 && values.every((t) => t instanceof Tensor);
}

/** The typed-array constructor for a numeric tensor dtype (undefined for str/object/bool/float16). */
export function typedArrayFor(dtype: TensorDType): (new (n: number) => NumericArray) | undefined {
  switch (dtype) {
    case 'float32':
      return Float32Array;
    case 'float64':
      return Float64Array;
    case 'int8':
      return Int8Array;
    case 'int16':
      return Int16Array;
    case 'int32':
      return Int32Array;
    case 'int64':
      return BigInt64Array;
    case 'uint8':
      return Uint8Array;
    case 'uint16':
      return Uint16Array;
    case 'uint32':
      return Uint32Array;
    case 'uint64':
      return BigUint64Array;
    default:
      return undefined;
  }
}

/** The numpy dtype name of a typed array. */
export function dtypeOfArray(a: NumericArray): TensorDType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  return 'uint64';
}
