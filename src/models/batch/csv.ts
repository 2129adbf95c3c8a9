/**
 * CSV reading (RFC 4180: quoted fields, doubled quotes, CRLF) straight from bytes into columns.
 * Numbers are parsed from the bytes (csv-number.ts); a cell that is not a number is kept as text
 * so enforcement can name it.
 */
import { badRequest } from '../../errors.js';
import { DataFrame } from '../data.js';

import { parseNumberBytes } from './csv-number.js';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
/** Returned by the scanners when the buffer ends before the record does (more input may come). */
const INCOMPLETE = -1;

/** The byte bounds of the cells of one record, reused for every record (no per-cell objects). */
class CellBounds {
  start = new Int32Array(64);
  end = new Int32Array(64);
  quoted = new Uint8Array(64);
  count = 0;

  add(s: number, e: number, q: boolean): void {
    if (this.count === this.start.length) this.grow();
    this.start[this.count] = s;
    this.end[this.count] = e;
    this.quoted[this.count] = q ? 1 : 0;
    this.count++;
  }

  /** A line holding nothing at all (not even `""`). */
  get blank(): boolean {
    return this.count === 1 && this.start[0] === this.end[0] && !this.quoted[0];
  }

  private grow(): void {
    const n = this.start.length * 2;
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    const quoted = new Uint8Array(n);
    start.set(this.start);
    end.set(this.end);
    quoted.set(this.quoted);
    this.start = start;
    this.end = end;
    this.quoted = quoted;
  }
}

export interface CsvOptions {
  /** Rows per yielded chunk. */
  chunkSize?: number;
  /** Columns whose cells should be parsed as numbers (default: try every column). */
  numeric?: (column: string) => boolean;
  /**
   * The line number of the first record after the header, when the input is a header followed
   * by a slice of a longer file (a worker's chunk), so errors name the line in the whole file.
   */
  firstDataLine?: number;
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

  private readonly cells = new CellBounds();

  /** Parses complete records from `buf`; returns the offset of the first unconsumed byte. */
  private consume(buf: Buffer, final: boolean): number {
    let pos = 0;
    while (pos < buf.length) {
      const next = this.readCells(buf, pos, final);
      if (next === INCOMPLETE) break;
      pos = next;
      this.line++;
      if (!this.cells.blank) this.record(buf);
    }
    return pos;
  }

  /**
   * Reads the cells of the record at `pos` into `cells`; returns the offset after its line end,
   * or INCOMPLETE when the buffer ends first and more input may follow.
   */
  private readCells(buf: Buffer, pos: number, final: boolean): number {
    this.cells.count = 0;
    let p = pos;
    for (;;) {
      if (p >= buf.length) return INCOMPLETE;
      p = buf[p] === QUOTE ? this.quotedCell(buf, p, final) : this.plainCell(buf, p, final);
      if (p === INCOMPLETE) return INCOMPLETE;
      // Only at the end of the input: a last record without a line end.
      if (p >= buf.length) return p;
      const c = buf[p]!;
      if (c === COMMA) {
        p++;
        if (p >= buf.length && final) {
          this.cells.add(p, p, false);
          return p;
        }
        continue;
      }
      if (c === CR || c === LF) return this.lineEnd(buf, p, final);
      throw badRequest(`Malformed CSV at line ${this.line + 1}: unexpected character after a quoted field.`);
    }
  }

  /** A `"..."` cell (`""` inside is one quote); returns the offset after the closing quote. */
  private quotedCell(buf: Buffer, p: number, final: boolean): number {
    const end = buf.length;
    const s = p + 1;
    let k = s;
    for (;;) {
      while (k < end && buf[k] !== QUOTE) k++;
      if (k + 1 < end && buf[k + 1] === QUOTE) {
        k += 2;
        continue;
      }
      break;
    }
    if (k >= end && final) {
      throw badRequest(`Malformed CSV at line ${this.line + 1}: a quoted field is not closed.`);
    }
    // The byte after the closing quote decides whether a `""` continues the field.
    if (k >= end || (k + 1 >= end && !final)) return INCOMPLETE;
    this.cells.add(s, k, true);
    return k + 1;
  }

  /** An unquoted cell, up to the next comma or line end. */
  private plainCell(buf: Buffer, p: number, final: boolean): number {
    const s = p;
    while (p < buf.length) {
      const c = buf[p]!;
      if (c === COMMA || c === LF || c === CR) break;
      p++;
    }
    if (p >= buf.length && !final) return INCOMPLETE;
    this.cells.add(s, p, false);
    return p;
  }

  /** The offset after the CR, LF or CRLF at `p`. */
  private lineEnd(buf: Buffer, p: number, final: boolean): number {
    if (buf[p] === LF) return p + 1;
    if (p + 1 >= buf.length && !final) return INCOMPLETE;
    return p + (buf[p + 1] === LF ? 2 : 1);
  }

  private record(buf: Buffer): void {
    const cells = this.cells;
    const n = cells.count;
    if (!this.header) {
      this.header = Array.from({ length: n }, (_, i) =>
        this.field(buf, cells.start[i]!, cells.end[i]!, cells.quoted[i] === 1).trim(),
      );
      if (this.header.length > 0 && this.header[0]!.charCodeAt(0) === 0xfeff)
        this.header[0] = this.header[0]!.slice(1);
      this.numeric = this.header.map((h) => (this.opts.numeric ? this.opts.numeric(h) : true));
      if (this.opts.firstDataLine !== undefined) this.line = this.opts.firstDataLine - 1;
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
      const s = cells.start[c]!;
      const e = cells.end[c]!;
      const q = cells.quoted[c] === 1;
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
