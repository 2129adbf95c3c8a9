/**
 * Output writers for batch prediction: JSON Lines (one prediction per line), CSV (one row per
 * prediction, header from the first chunk) and JSON (`{"predictions": [...]}` like
 * `mlflow models predict`), all written incrementally with backpressure.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { extname } from 'node:path';
import { MlflowError, invalidParam } from '../../errors.js';
import {
  cellValue,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  type DataFrame,
  type ModelData,
  type Tensor,
} from '../data.js';
import { frameRowJson, frameRowWriters, tensorJson, valueJson } from '../serialize.js';
import { partialOutputName } from './leftovers.js';

export type OutputFormat = 'jsonl' | 'csv' | 'json';

export function detectOutputFormat(path: string | undefined): OutputFormat {
  if (!path) return 'jsonl';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  return 'jsonl';
}

/** One JSON text per prediction row. */
export function predictionLines(out: ModelData): string[] {
  if (isDataFrame(out)) {
    const w = frameRowWriters(out);
    return Array.from({ length: out.rowCount }, (_, r) => frameRowJson(out, r, w.prefixes, w.floats));
  }
  if (isTensor(out)) return rowsOfTensor(out).map(tensorJson);
  if (isTensorDict(out)) {
    const entries = Object.entries(out).map(([k, t]) => [JSON.stringify(k), rowsOfTensor(t)] as const);
    const n = entries[0]?.[1].length ?? 0;
    return Array.from(
      { length: n },
      (_, r) => `{${entries.map(([k, rows]) => `${k}: ${tensorJson(rows[r]!)}`).join(', ')}}`,
    );
  }
  if (Array.isArray(out)) return out.map(valueJson);
  if (isNumericArray(out)) return Array.from({ length: out.length }, (_, i) => valueJson(cellValue(out, i)));
  return [valueJson(out)];
}

function rowsOfTensor(t: Tensor): Tensor[] {
  if (t.shape.length === 0) return [t];
  return Array.from({ length: t.shape[0]! }, (_, r) => {
    const row = t.slice(r, r + 1);
    return new (row.constructor as typeof import('../data.js').Tensor)(
      row.dtype,
      row.shape.slice(1),
      row.data,
    );
  });
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number')
    return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? valueJson(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Predictions as a table: columns and rows of cells. */
function predictionTable(out: ModelData): { columns: string[]; rows: (r: number) => string; count: number } {
  if (isDataFrame(out)) {
    const frame: DataFrame = out;
    return {
      columns: frame.columns,
      count: frame.rowCount,
      rows: (r) => frame.data.map((c) => csvCell(cellValue(c, r))).join(','),
    };
  }
  const single = (name: string, t: Tensor): { columns: string[]; cells: (r: number) => string[] } => {
    const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const columns = width === 1 ? [name] : Array.from({ length: width }, (_, i) => `${name}_${i}`);
    return {
      columns,
      cells: (r) => Array.from({ length: width }, (_, i) => csvCell(cellValue(t.data, r * width + i))),
    };
  };
  if (isTensor(out)) {
    const s = single('prediction', out);
    return { columns: s.columns, count: out.shape[0] ?? 1, rows: (r) => s.cells(r).join(',') };
  }
  if (isTensorDict(out)) {
    const parts = Object.entries(out).map(([k, t]) => single(k, t));
    const count = Object.values(out)[0]?.shape[0] ?? 0;
    return {
      columns: parts.flatMap((p) => p.columns),
      count,
      rows: (r) => parts.flatMap((p) => p.cells(r)).join(','),
    };
  }
  const list = Array.isArray(out) ? out : isNumericArray(out) ? Array.from(out as ArrayLike<unknown>) : [out];
  return { columns: ['prediction'], count: list.length, rows: (r) => csvCell(list[r]) };
}

/** One chunk of predictions rendered as output text. */
interface FormattedChunk {
  /** Prediction rows in `body`. */
  count: number;
  /** CSV only: the header line (with its newline), written once, from the first chunk. */
  header?: string;
  /** CSV and JSON Lines: whole lines with their newlines; JSON: the items joined with ', '. */
  body: string;
}

function formatChunk(out: ModelData, format: OutputFormat): FormattedChunk {
  if (format === 'csv') {
    const table = predictionTable(out);
    let body = '';
    for (let r = 0; r < table.count; r++) body += `${table.rows(r)}\n`;
    return { count: table.count, header: `${table.columns.map(csvCell).join(',')}\n`, body };
  }
  const lines = predictionLines(out);
  if (format === 'jsonl') return { count: lines.length, body: lines.length ? `${lines.join('\n')}\n` : '' };
  return { count: lines.length, body: lines.join(', ') };
}

/** JSON output: what comes before the first prediction and after the last. */
const JSON_OPEN = '{"predictions": [';
const JSON_CLOSE = ']}\n';

/** What a write error means to the user: which file, and why, without a stack trace. */
function writeFailure(path: string | undefined, err: NodeJS.ErrnoException): MlflowError {
  const where = path ? `the output file '${path}'` : 'standard output';
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
    return new MlflowError(
      `Cannot write ${where}: no space left on the device (${err.code}).`,
      'RESOURCE_EXHAUSTED',
    );
  if (err.code === 'EFBIG')
    return new MlflowError(
      `Cannot write ${where}: the file would exceed the size allowed (EFBIG).`,
      'RESOURCE_EXHAUSTED',
    );
  return invalidParam(`Cannot write ${where} (${err.code ?? err.message}).`);
}

/**
 * Where one part's predictions lie in its file (written by a `PredictionWriter` of its own): the
 * rows it holds and the bytes of its CSV header. A part is a whole output file on its own (CSV
 * with its header, JSON with its braces), as the part files of sharded prediction are.
 */
export interface PartInfo {
  rows: number;
  /** CSV: bytes of the header line at the start of the part (0 when the part has no header). */
  headerBytes: number;
}

/**
 * Writes predictions to a file or standard output. A file is written under a temporary name
 * beside it and renamed by `close()`, so a failed run (`abort()`) never leaves a file at the
 * output path that looks complete.
 */
export class PredictionWriter {
  private readonly stream: Writable;
  private readonly partial: string | undefined;
  private headerWritten = false;
  private first = true;
  /** A write error the stream reported between writes; the next write or `close()` throws it. */
  private failed: MlflowError | undefined;
  rows = 0;
  /** CSV: bytes of the header line written (0 until it is). */
  headerBytes = 0;

  constructor(
    private readonly path: string | undefined,
    readonly format: OutputFormat,
  ) {
    if (!['jsonl', 'csv', 'json'].includes(format))
      throw invalidParam(`Unknown output format '${format}' (jsonl, csv or json).`);
    if (path) {
      this.partial = partialOutputName(path, randomBytes(6).toString('hex'));
      this.stream = createWriteStream(this.partial, { flags: 'wx' });
      // An open error (missing folder, no permission) is reported by the first write or close.
      this.opened = once(this.stream, 'open').then(
        () => undefined,
        (err: NodeJS.ErrnoException) => {
          throw invalidParam(`Cannot write the output file '${path}' (${err.code ?? err.message}).`);
        },
      );
      this.opened.catch(() => undefined);
    } else this.stream = process.stdout;
    // Without a listener a write error (a full disk) would end the process with a stack trace.
    this.onError = (err: NodeJS.ErrnoException) => (this.failed ??= writeFailure(path, err));
    this.stream.on('error', this.onError);
  }

  private readonly opened: Promise<void> = Promise.resolve();
  private readonly onError: (err: NodeJS.ErrnoException) => void;

  private async write(text: string | Buffer): Promise<void> {
    await this.opened;
    if (this.failed) throw this.failed;
    if (!this.stream.write(text)) await this.drained();
  }

  private async drained(): Promise<void> {
    try {
      await once(this.stream, 'drain');
    } catch (err) {
      throw this.failed ?? writeFailure(this.path, err as NodeJS.ErrnoException);
    }
  }

  async writeChunk(out: ModelData): Promise<void> {
    await this.writeFormatted(formatChunk(out, this.format));
  }

  private async writeFormatted(chunk: FormattedChunk): Promise<void> {
    this.rows += chunk.count;
    if (this.format === 'csv') {
      let text = '';
      if (!this.headerWritten && chunk.header !== undefined) {
        text += chunk.header;
        this.headerWritten = true;
        this.headerBytes = Buffer.byteLength(chunk.header);
      }
      await this.write(text + chunk.body);
      return;
    }
    if (this.format === 'jsonl') {
      if (chunk.body) await this.write(chunk.body);
      return;
    }
    let text = this.first ? JSON_OPEN : '';
    if (chunk.count) text += (this.first ? '' : ', ') + chunk.body;
    if (chunk.count || this.first) this.first = false;
    await this.write(text);
  }

  /**
   * Appends the predictions of a part file written by another `PredictionWriter` of the same
   * format, as if they had been written here: its CSV header only if none was written yet, its
   * JSON items without their braces. The bytes go from file to file; nothing is parsed.
   */
  async appendPart(path: string, part: PartInfo): Promise<void> {
    let range: { start: number; end?: number } | undefined = { start: 0 };
    let before = '';
    if (this.format === 'csv' && this.headerWritten) range.start = part.headerBytes;
    else if (this.format === 'csv' && part.headerBytes > 0) {
      this.headerWritten = true;
      this.headerBytes = part.headerBytes;
    } else if (this.format === 'json') {
      before = this.first ? JSON_OPEN : '';
      if (part.rows) {
        if (!this.first) before = ', ';
        const size = (await stat(path)).size;
        // `end` is inclusive: the part's items end where its closing brackets start.
        range = { start: JSON_OPEN.length, end: size - JSON_CLOSE.length - 1 };
      } else range = undefined;
      this.first = false;
    }
    this.rows += part.rows;
    if (before) await this.write(before);
    if (!range) return;
    for await (const bytes of createReadStream(path, { ...range, highWaterMark: 1 << 20 }))
      await this.write(bytes as Buffer);
  }

  /** Finishes the output; a file appears at its path only now. */
  async close(): Promise<void> {
    if (this.format === 'json') await this.write(this.first ? `${JSON_OPEN}${JSON_CLOSE}` : JSON_CLOSE);
    if (this.stream === process.stdout) {
      // Standard output is not ours to end; wait until what was written has gone (or failed).
      await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
      this.stream.off('error', this.onError);
      if (this.failed) throw this.failed;
      return;
    }
    await this.opened;
    // A stream that failed is destroyed and would never finish.
    if (this.failed) throw this.failed;
    this.stream.end();
    try {
      await once(this.stream, 'finish');
    } catch (err) {
      throw this.failed ?? writeFailure(this.path, err as NodeJS.ErrnoException);
    }
    if (this.failed) throw this.failed;
    await rename(this.partial!, this.path!);
  }

  /** Gives up: the temporary file is removed and nothing appears at the output path. */
  async abort(): Promise<void> {
    if (this.stream === process.stdout) {
      this.stream.off('error', this.onError);
      return;
    }
    this.stream.destroy();
    await unlink(this.partial!).catch(() => undefined);
  }
}
