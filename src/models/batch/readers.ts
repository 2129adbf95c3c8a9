/**
 * Streaming input readers for batch prediction. Each yields DataFrame chunks of at most
 * `chunkSize` rows, so memory depends on the chunk size, not on the file size:
 * CSV and JSON Lines are streamed, Parquet is read one row group at a time; a JSON document
 * (records, split, or an `/invocations` body) has to be parsed whole.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  type AsyncBuffer,
  type FileMetaData,
} from 'hyparquet';
import { MlflowError, badRequest, invalidParam } from '../../errors.js';
import { DataFrame } from '../data.js';
import { readCsv } from './csv.js';
import { isPlainObject, parseRecords, parseSplit, scoringFormatOf, tfServingData } from '../scoring-input.js';

export type InputFormat = 'csv' | 'json' | 'jsonl' | 'parquet';

export interface ReadOptions {
  chunkSize: number;
  /** Columns to parse as numbers when reading text formats (from the model signature). */
  numeric?: (column: string) => boolean;
  /** Called with the number of input bytes (or rows for Parquet) consumed so far. */
  onProgress?: (done: number) => void;
}

export function detectInputFormat(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw invalidParam(
    `Cannot tell the input format of '${path}' from its extension; pass --input-format (csv, json, jsonl, parquet).`,
  );
}

/** Counts bytes flowing through a stream for the progress bar. */
async function* counted(
  source: AsyncIterable<Buffer>,
  onProgress?: (n: number) => void,
): AsyncGenerator<Buffer> {
  let done = 0;
  for await (const chunk of source) {
    done += chunk.length;
    onProgress?.(done);
    yield chunk;
  }
}

function fileStream(path: string | undefined): AsyncIterable<Buffer> {
  return (path ? createReadStream(path, { highWaterMark: 1 << 20 }) : process.stdin) as AsyncIterable<Buffer>;
}

/** `firstLine`: the line number of the first line of `source` in the whole file. */
export async function* readJsonLines(
  source: AsyncIterable<Buffer>,
  chunkSize: number,
  firstLine = 1,
): AsyncGenerator<DataFrame> {
  let rest = '';
  let records: Record<string, unknown>[] = [];
  let line = firstLine - 1;
  const take = (text: string): void => {
    line++;
    const t = text.trim();
    if (!t) return;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (err) {
      throw badRequest(`Invalid JSON on line ${line}: ${(err as Error).message}`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v))
      throw badRequest(`Line ${line} is not a JSON object (one record per line).`);
    records.push(v as Record<string, unknown>);
  };
  const decoder = new TextDecoder();
  for await (const chunk of source) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      take(text.slice(start, nl));
      start = nl + 1;
      if (records.length >= chunkSize) {
        yield DataFrame.fromRecords(records);
        records = [];
      }
    }
    rest = text.slice(start);
  }
  take(rest + decoder.decode());
  if (records.length) yield DataFrame.fromRecords(records);
}

/**
 * A JSON document as a table: a scoring request body (read by the scoring server's own parser,
 * so each key means the same in batch and serving), or a bare records list, split object
 * (`{columns, data}`) or `{column: [values]}` object.
 */
export function frameFromJsonDocument(doc: unknown): DataFrame {
  if (Array.isArray(doc)) return parseRecords(doc);
  if (!isPlainObject(doc)) throw unrecognised();
  const format = scoringFormatOf(doc);
  const value = format ? doc[format] : undefined;
  if (format === 'dataframe_split' || (!format && 'data' in doc)) return parseSplit(value ?? doc, undefined);
  if (format === 'dataframe_records') return parseRecords(value);
  if (format) return frameFromColumnsOrRecords(format, tfServingData(format, value));
  if (Object.values(doc).every(Array.isArray)) return DataFrame.fromColumns(doc as Record<string, unknown[]>);
  throw unrecognised();
}

function frameFromColumnsOrRecords(key: string, data: unknown): DataFrame {
  if (Array.isArray(data) && data.every(isPlainObject)) return DataFrame.fromRecords(data);
  if (isPlainObject(data) && Object.values(data).every(Array.isArray)) {
    const lengths = new Set(Object.values(data).map((c) => (c as unknown[]).length));
    if (lengths.size <= 1) return DataFrame.fromColumns(data as Record<string, unknown[]>);
  }
  throw badRequest(
    `Batch prediction reads '${key}' as a table: a list of {column: value} records or {column: [values]} with columns of equal length.`,
  );
}

const unrecognised = (): MlflowError =>
  badRequest(
    'Unrecognised JSON input: expected records, a split object ({"columns", "data"}), {column: [values]} or a scoring request body.',
  );

async function* readJsonDocument(path: string | undefined, chunkSize: number): AsyncGenerator<DataFrame> {
  let text: string;
  if (path) text = await readFile(path, 'utf8');
  else {
    const parts: Buffer[] = [];
    for await (const c of process.stdin as AsyncIterable<Buffer>) parts.push(c);
    text = Buffer.concat(parts).toString('utf8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw badRequest(`The input is not valid JSON: ${(err as Error).message}`);
  }
  yield* chunksOfFrame(frameFromJsonDocument(doc), chunkSize);
}

/** Random access to a Parquet file: local path or `s3://` object (see parquetFile). */
export type ParquetFile = AsyncBuffer;

/** The column names of a Parquet file's flat schema. */
function parquetColumns(metadata: FileMetaData): string[] {
  return metadata.schema
    .slice(1)
    .filter((s) => !s.num_children)
    .map((s) => s.name);
}

/**
 * Rows [start, end) of a Parquet file as one frame. The row groups they fall in are decoded
 * (that is how Parquet is stored); pages outside the range are cut off here.
 */
export async function readParquetRows(
  file: ParquetFile,
  metadata: FileMetaData,
  start: number,
  end: number,
): Promise<DataFrame> {
  const names = parquetColumns(metadata);
  const rows = end - start;
  const cols = new Map<string, unknown[]>(names.map((n) => [n, new Array<unknown>(rows).fill(null)]));
  await parquetRead({
    file,
    metadata,
    rowStart: start,
    rowEnd: end,
    onChunk: (chunk) => {
      const col = cols.get(chunk.columnName);
      if (!col) return;
      const data = chunk.columnData as ArrayLike<unknown>;
      const lo = Math.max(start, chunk.rowStart);
      const hi = Math.min(end, chunk.rowEnd);
      for (let r = lo; r < hi; r++) {
        const v = data[r - chunk.rowStart];
        col[r - start] = typeof v === 'bigint' ? Number(v) : v;
      }
    },
  });
  return new DataFrame(
    names,
    names.map((n) => cols.get(n)!),
    rows,
  );
}

/**
 * The row ranges a Parquet read is cut into: per row group, `chunkSize` rows from the group's
 * start (a chunk never spans two groups), limited to rows [start, end).
 */
export function parquetGroupRanges(
  metadata: FileMetaData,
  start = 0,
  end = Number(metadata.num_rows),
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const lo = Math.max(start, groupStart);
    const hi = Math.min(end, groupEnd);
    if (lo < hi) out.push({ start: lo, end: hi });
    groupStart = groupEnd;
  }
  return out;
}

/** Cuts a frame into chunks of at most `chunkSize` rows. */
export function* chunksOfFrame(frame: DataFrame, chunkSize: number): Generator<DataFrame> {
  for (let s = 0; s < frame.rowCount; s += chunkSize)
    yield frame.slice(s, Math.min(frame.rowCount, s + chunkSize));
}

/** Reads rows [start, end) of a Parquet file, one row group (or part of one) at a time. */
export async function* readParquetFile(
  file: ParquetFile,
  opts: ReadOptions & { start?: number; end?: number; metadata?: FileMetaData },
): AsyncGenerator<DataFrame> {
  const metadata = opts.metadata ?? (await parquetMetadataAsync(file));
  for (const range of parquetGroupRanges(metadata, opts.start, opts.end)) {
    const frame = await readParquetRows(file, metadata, range.start, range.end);
    yield* chunksOfFrame(frame, opts.chunkSize);
    opts.onProgress?.(range.end);
  }
}

async function* readParquet(path: string, opts: ReadOptions): AsyncGenerator<DataFrame> {
  yield* readParquetFile(await asyncBufferFromFile(path), opts);
}

/** Total work units for the progress bar: bytes for text formats, rows for Parquet. */
export async function inputSize(path: string | undefined, format: InputFormat): Promise<number | undefined> {
  if (!path) return undefined;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw invalidParam(`Input file '${path}' does not exist or is not a file.`);
  if (format === 'parquet') {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    return Number(metadata.num_rows);
  }
  return info.size;
}

/** The bytes of a text input (file or standard input), counted for the progress bar. */
export function countedInput(
  path: string | undefined,
  onProgress?: (n: number) => void,
): AsyncGenerator<Buffer> {
  return counted(fileStream(path), onProgress);
}

export function readInput(
  path: string | undefined,
  format: InputFormat,
  opts: ReadOptions,
): AsyncGenerator<DataFrame> {
  switch (format) {
    case 'csv':
      return readCsv(counted(fileStream(path), opts.onProgress), {
        chunkSize: opts.chunkSize,
        numeric: opts.numeric,
      });
    case 'jsonl':
      return readJsonLines(counted(fileStream(path), opts.onProgress), opts.chunkSize);
    case 'json':
      return readJsonDocument(path, opts.chunkSize);
    case 'parquet':
      if (!path) throw invalidParam('Parquet input must be a file (-i PATH), not standard input.');
      return readParquet(path, opts);
  }
}
