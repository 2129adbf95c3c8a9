/**
 * Reading a byte range of a CSV or JSON Lines file: the records whose line starts in the range,
 * so that consecutive ranges of a file, in order, hold every record exactly once. What a shard
 * (shards.ts) and a worker process of `models predict --workers` (chunk-task.ts) read. A CSV file
 * read this way must not have line breaks inside quoted fields (lines are cut at LF bytes).
 *
 * `open(pos)` streams the file from byte `pos`: a local file, or an S3 object by ranged GET.
 */
import type { DataFrame } from '../data.js';
import { readCsv } from './csv.js';
import { readJsonLines } from './readers.js';

export type OpenAt = (pos: number) => Promise<AsyncIterable<Buffer>>;

const LF = 10;
const CR = 13;

/**
 * The lines that start in bytes [start, end) of a file: from the first line start at or after
 * `start` through the line that contains byte `end - 1`.
 */
export async function* linesStartingIn(open: OpenAt, start: number, end: number): AsyncGenerator<Buffer> {
  if (start >= end) return;
  // Reading from start - 1 tells whether a line starts exactly at `start`.
  let pos = Math.max(0, start - 1);
  let skipping = start > 0;
  for await (const data of await open(pos)) {
    let buf = data;
    if (skipping) {
      const nl = buf.indexOf(LF);
      if (nl < 0) {
        pos += buf.length;
        continue;
      }
      buf = buf.subarray(nl + 1);
      pos += nl + 1;
      skipping = false;
    }
    // A line starting at or after `end` belongs to the next range: stop after the line end at
    // or after `end - 1`.
    const nl = buf.indexOf(LF, Math.max(0, end - 1 - pos));
    if (nl >= 0) {
      yield buf.subarray(0, nl + 1);
      return;
    }
    yield buf;
    pos += buf.length;
  }
}

/** The header line of a CSV file (with its line end). */
export async function csvHeader(open: OpenAt): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const line of linesStartingIn(open, 0, 1)) parts.push(line);
  return Buffer.concat(parts);
}

/**
 * The number, as the readers count lines, of the first line `linesStartingIn(open, start, …)`
 * yields: one more than the line ends before it (LF, CRLF, and for CSV a lone CR). Reads the file
 * up to there, so it is for error messages, not for every range.
 */
export async function lineNumberAt(open: OpenAt, start: number, loneCrEndsLine: boolean): Promise<number> {
  let ends = 0;
  let pos = 0;
  let prev = -1;
  for await (const buf of await open(0)) {
    for (let i = 0; i < buf.length; i++, pos++) {
      if (pos >= start && (pos === 0 || prev === LF)) return ends + 1;
      const c = buf[i]!;
      if (c === LF) ends++;
      else if (prev === CR && loneCrEndsLine) ends++;
      prev = c;
    }
  }
  return ends + 1;
}

async function* concat(...sources: (Iterable<Buffer> | AsyncIterable<Buffer>)[]): AsyncGenerator<Buffer> {
  for (const s of sources) yield* s;
}

/**
 * The frames of bytes [start, end) of a CSV or JSON Lines file (the whole file without a range),
 * `chunkSize` rows at a time. `firstLine`: the number of the range's first line in the file, for
 * error messages (see `lineNumberAt`); without it, lines are numbered from the range's start.
 */
export async function* readLineRange(
  open: OpenAt,
  format: 'csv' | 'jsonl',
  range: { start: number; end: number } | undefined,
  opts: { chunkSize: number; numeric?: (column: string) => boolean; firstLine?: number },
): AsyncGenerator<DataFrame> {
  const body = range ? linesStartingIn(open, range.start, range.end) : await open(0);
  if (format === 'jsonl') {
    yield* readJsonLines(body, opts.chunkSize, opts.firstLine);
    return;
  }
  // A range after the first lacks the header: it is read from the start of the file.
  const later = range !== undefined && range.start > 0;
  yield* readCsv(later ? concat([await csvHeader(open)], body) : body, {
    chunkSize: opts.chunkSize,
    numeric: opts.numeric,
    firstDataLine: later ? opts.firstLine : undefined,
  });
}
