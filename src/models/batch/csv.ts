/**
 * CSV reading (RFC 4180: quoted fields, doubled quotes, CRLF) straight from bytes into columns.
 * Numbers are parsed from the bytes without building a string per cell, which is what makes
 * million-row files fast; a cell that is not a number is kept as text so enforcement can name it.
 */
import { badRequest } from '../../errors.js';
import { DataFrame } from '../data.js';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/**
 * Parses a decimal number from bytes [s, e). Uses the exact fast path (integer mantissa below
 * 2^53 scaled by an exact power of ten, which IEEE division/multiplication rounds correctly) and
 * falls back to `Number()` on the text otherwise; NaN when the bytes are not a number.
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) {
    neg = buf[i] === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let c = 0;
  while (i < e && (c = buf[i]!) >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e && (c = buf[i]!) >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      scale--;
      i++;
    }
  }
  if (digits === 0) return slowNumber(buf, s, e);
  if (i < e) {
    if (buf[i] !== 101 && buf[i] !== 69) return slowNumber(buf, s, e);
    i++;
    let eneg = false;
    if (i < e && (buf[i] === 45 || buf[i] === 43)) {
      eneg = buf[i] === 45;
      i++;
    }
    let exp = 0;
    let edigits = 0;
    while (i < e && (c = buf[i]!) >= 48 && c <= 57) {
      exp = exp * 10 + (c - 48);
      edigits++;
      i++;
    }
    if (edigits === 0 || i < e) return NaN;
    scale += eneg ? -exp : exp;
  }
  if (digits > 15 || scale < -22 || scale > 22) return slowNumber(buf, s, e);
  const v = scale < 0 ? mant / POW10[-scale]! : mant * POW10[scale]!;
  return neg ? -v : v;
}

const decoder = new TextDecoder();

function slowNumber(buf: Uint8Array, s: number, e: number): number {
  const text = decoder.decode(buf.subarray(s, e)).trim();
  if (text === '') return NaN;
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text);
}

export interface CsvOptions {
  /** Rows per yielded chunk. */
  chunkSize?: number;
  /** Columns whose cells should be parsed as numbers (default: try every column). */
  numeric?: (column: string) => boolean;
}

/**
 * Incremental CSV parser: feed byte chunks, collect DataFrames of `chunkSize` rows. The first
 * record is the header.
 */
export class CsvChunker {
  private header: string[] | undefined;
  private numeric: boolean[] = [];
  private cols: unknown[][] = [];
  private rows = 0;
  private pending: Buffer | undefined;
  private line = 0;
  readonly chunkSize: number;
  private readonly ready: DataFrame[] = [];

  constructor(private readonly opts: CsvOptions = {}) {
    this.chunkSize = opts.chunkSize ?? 10_000;
  }

  get columns(): string[] | undefined {
    return this.header;
  }

  private startChunk(): void {
    this.cols = this.header!.map(() => []);
    this.rows = 0;
  }

  private flushChunk(): void {
    if (this.rows > 0) this.ready.push(new DataFrame(this.header!, this.cols, this.rows));
    this.startChunk();
  }

  /** Feeds bytes; returns the chunks completed so far. */
  push(data: Buffer): DataFrame[] {
    const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    const consumed = this.consume(buf, false);
    this.pending = consumed < buf.length ? buf.subarray(consumed) : undefined;
    return this.ready.splice(0);
  }

  /** Ends the input; returns the remaining chunks. */
  end(): DataFrame[] {
    if (this.pending) {
      const buf = this.pending;
      this.pending = undefined;
      this.consume(buf, true);
    }
    if (this.header) this.flushChunk();
    return this.ready.splice(0);
  }

  private field(buf: Buffer, s: number, e: number, quoted: boolean): string {
    const text = buf.toString('utf8', s, e);
    return quoted ? text.replace(/""/g, '"') : text;
  }

  // Cell boundaries of the record being parsed, reused for every record (no per-cell objects).
  private cellStart: Int32Array = new Int32Array(64);
  private cellEnd: Int32Array = new Int32Array(64);
  private cellQuoted: Uint8Array = new Uint8Array(64);
  private cellCount = 0;

  private addCell(s: number, e: number, q: boolean): void {
    if (this.cellCount === this.cellStart.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.cellStart = grow(this.cellStart);
      this.cellEnd = grow(this.cellEnd);
      const q2 = new Uint8Array(this.cellQuoted.length * 2);
      q2.set(this.cellQuoted);
      this.cellQuoted = q2;
    }
    this.cellStart[this.cellCount] = s;
    this.cellEnd[this.cellCount] = e;
    this.cellQuoted[this.cellCount] = q ? 1 : 0;
    this.cellCount++;
  }

  /** Parses complete records from `buf`; returns the offset of the first unconsumed byte. */
  private consume(buf: Buffer, final: boolean): number {
    const end = buf.length;
    let pos = 0;
    while (pos < end) {
      // Parse one record starting at pos.
      this.cellCount = 0;
      let p = pos;
      let complete = false;
      for (;;) {
        if (p >= end) break;
        let s: number;
        let e: number;
        let q = false;
        if (buf[p] === QUOTE) {
          q = true;
          s = p + 1;
          let k = s;
          for (;;) {
            while (k < end && buf[k] !== QUOTE) k++;
            if (k >= end) break;
            if (k + 1 < end && buf[k + 1] === QUOTE) {
              k += 2;
              continue;
            }
            break;
          }
          if (k >= end || (k + 1 >= end && !final)) break;
          e = k;
          p = k + 1;
        } else {
          s = p;
          while (p < end) {
            const c = buf[p]!;
            if (c === COMMA || c === LF || c === CR) break;
            p++;
          }
          e = p;
          if (p >= end && !final) break;
        }
        this.addCell(s, e, q);
        if (p >= end) {
          complete = true;
          break;
        }
        const c = buf[p]!;
        if (c === COMMA) {
          p++;
          if (p >= end && final) {
            this.addCell(p, p, false);
            complete = true;
            break;
          }
          continue;
        }
        if (c === CR) {
          if (p + 1 >= end && !final) break;
          p += buf[p + 1] === LF ? 2 : 1;
          complete = true;
          break;
        }
        if (c === LF) {
          p++;
          complete = true;
          break;
        }
        throw badRequest(
          `Malformed CSV at line ${this.line + 1}: unexpected character after a quoted field.`,
        );
      }
      if (!complete) break;
      pos = p;
      this.line++;
      if (this.cellCount === 1 && this.cellStart[0] === this.cellEnd[0] && !this.cellQuoted[0]) continue; // blank line
      this.record(buf);
    }
    return pos;
  }

  private record(buf: Buffer): void {
    const n = this.cellCount;
    if (!this.header) {
      this.header = Array.from({ length: n }, (_, i) =>
        this.field(buf, this.cellStart[i]!, this.cellEnd[i]!, this.cellQuoted[i] === 1).trim(),
      );
      if (this.header.length > 0 && this.header[0]!.charCodeAt(0) === 0xfeff)
        this.header[0] = this.header[0]!.slice(1);
      this.numeric = this.header.map((h) => (this.opts.numeric ? this.opts.numeric(h) : true));
      this.startChunk();
      return;
    }
    const width = this.header.length;
    if (n !== width) {
      throw badRequest(
        `Malformed CSV at line ${this.line}: expected ${width} fields (as in the header), found ${n}.`,
      );
    }
    for (let c = 0; c < width; c++) {
      const s = this.cellStart[c]!;
      const e = this.cellEnd[c]!;
      const q = this.cellQuoted[c] === 1;
      const col = this.cols[c]!;
      if (s === e && !q) {
        col.push(null);
        continue;
      }
      if (this.numeric[c] && !q) {
        const v = parseNumberBytes(buf, s, e);
        if (!Number.isNaN(v)) {
          col.push(v);
          continue;
        }
      }
      col.push(this.field(buf, s, e, q));
    }
    this.rows++;
    if (this.rows >= this.chunkSize) this.flushChunk();
  }
}

/** Reads a whole CSV text into one DataFrame (the scoring server's `text/csv` body). */
export function parseCsvTable(text: string): DataFrame {
  const chunker = new CsvChunker({ chunkSize: Number.MAX_SAFE_INTEGER });
  const frames = [...chunker.push(Buffer.from(text)), ...chunker.end()];
  if (!chunker.columns)
    throw badRequest('Failed to parse input as CSV: the body is empty (a header row is required).');
  return (
    frames[0] ??
    new DataFrame(
      chunker.columns,
      chunker.columns.map(() => []),
      0,
    )
  );
}

/** Streams a CSV byte stream as DataFrame chunks. */
export async function* readCsv(
  source: AsyncIterable<Buffer | string>,
  opts: CsvOptions = {},
): AsyncGenerator<DataFrame> {
  const chunker = new CsvChunker(opts);
  for await (const data of source) yield* chunker.push(typeof data === 'string' ? Buffer.from(data) : data);
  yield* chunker.end();
}
