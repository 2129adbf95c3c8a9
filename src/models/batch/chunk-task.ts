/**
 * One chunk of a batch prediction as work for a worker process: the bytes or rows to read, and
 * how to read them. The worker parses, scores and writes the chunk's predictions to a part file
 * of its own; the parent only joins the parts in chunk order.
 */
import { createReadStream } from 'node:fs';
import { MlflowError } from '../../errors.js';
import { asyncBufferFromFile, parquetMetadataAsync, type FileMetaData } from 'hyparquet';
import { DataFrame, type ColumnValues, type ModelData } from '../data.js';
import type { Model } from '../model.js';
import { readCsv } from './csv.js';
import { lineNumberAt, readLineRange, type OpenAt } from './line-ranges.js';
import { chunksOfFrame, readJsonLines, readParquetRows, type ParquetFile } from './readers.js';
import { writePart } from './parts.js';
import type { OutputFormat, PartInfo } from './writers.js';

export type ChunkTask =
  /** A CSV header and a slice of whole records that follows it in the file. */
  | { kind: 'csv'; header: Uint8Array; bytes: Uint8Array; firstLine: number }
  | { kind: 'jsonl'; bytes: Uint8Array; firstLine: number }
  /**
   * The records whose lines start in bytes [start, end) of a local CSV (without quoted line
   * breaks) or JSON Lines file, read by the worker itself (line-ranges.ts).
   */
  | { kind: 'lines'; format: 'csv' | 'jsonl'; path: string; start: number; end: number }
  /** Rows [start, end) of a local Parquet file, scored `chunkSize` rows at a time. */
  | { kind: 'parquet'; path: string; start: number; end: number }
  /** An already parsed table (from a JSON document, which has to be read whole). */
  | { kind: 'frame'; columns: string[]; data: ColumnValues[]; rowCount: number };

/** Which columns of text input to parse as numbers: those the signature declares numeric. */
export function numericColumns(model: Model): ((column: string) => boolean) | undefined {
  const schema = model.signature?.inputs;
  // Parse text cells as numbers only where the signature expects numbers (so "0123" stays text).
  const numericTypes = new Set(['float', 'double', 'integer', 'long']);
  if (schema?.kind !== 'columns' || !schema.inputs.every((c) => c.name)) return undefined;
  return (col: string): boolean => {
    const spec = schema.inputs.find((c) => c.name === col);
    return spec ? typeof spec.type === 'string' && numericTypes.has(spec.type) : false;
  };
}

/** The model's predictions for each frame, in order (`params` already prepared). */
export async function* predictFrames(
  model: Model,
  frames: AsyncIterable<DataFrame>,
  params: Record<string, unknown>,
): AsyncGenerator<ModelData> {
  for await (const frame of frames) yield await model.predictPrepared(model.prepareInput(frame), params);
}

const openLocal =
  (path: string): OpenAt =>
  async (pos) =>
    createReadStream(path, { start: pos, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;

/** The readers' errors about malformed input (they name a line). */
const isBadInput = (err: unknown): boolean => err instanceof MlflowError && err.errorCode === 'BAD_REQUEST';

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/** Scores one task and renders its predictions; a worker process's whole job. */
export class ChunkScorer {
  private readonly numeric: ((column: string) => boolean) | undefined;
  private readonly params: Record<string, unknown>;
  private readonly parquet = new Map<string, { file: ParquetFile; metadata: FileMetaData }>();

  constructor(
    private readonly model: Model,
    private readonly opts: { format: OutputFormat; chunkSize: number; params?: Record<string, unknown> },
  ) {
    this.numeric = numericColumns(model);
    this.params = model.prepareParams(opts.params);
  }

  private async *frames(task: ChunkTask, firstLine?: number): AsyncGenerator<DataFrame> {
    const { chunkSize } = this.opts;
    switch (task.kind) {
      case 'lines':
        yield* readLineRange(openLocal(task.path), task.format, task, {
          chunkSize,
          numeric: this.numeric,
          firstLine,
        });
        return;
      case 'csv': {
        const bytes = Buffer.concat([task.header, task.bytes]);
        yield* readCsv(once(bytes), { chunkSize, numeric: this.numeric, firstDataLine: task.firstLine });
        return;
      }
      case 'jsonl':
        yield* readJsonLines(once(Buffer.from(task.bytes)), chunkSize, task.firstLine);
        return;
      case 'parquet': {
        let open = this.parquet.get(task.path);
        if (!open) {
          const file = await asyncBufferFromFile(task.path);
          open = { file, metadata: await parquetMetadataAsync(file) };
          this.parquet.set(task.path, open);
        }
        yield* chunksOfFrame(
          await readParquetRows(open.file, open.metadata, task.start, task.end),
          chunkSize,
        );
        return;
      }
      case 'frame':
        yield new DataFrame(task.columns, task.data, task.rowCount);
    }
  }

  /** Scores one task into the part file at `part`. */
  async score(task: ChunkTask, part: string): Promise<PartInfo> {
    try {
      return await this.scoreFrames(this.frames(task), part);
    } catch (err) {
      if (task.kind !== 'lines' || task.start === 0 || !isBadInput(err)) throw err;
      // Bad input in a range: count the lines before it (only now, it means reading the file up
      // to there) and read the range again, so that the error names the line in the whole file.
      const firstLine = await lineNumberAt(openLocal(task.path), task.start, task.format === 'csv');
      return await this.scoreFrames(this.frames(task, firstLine), part);
    }
  }

  private scoreFrames(frames: AsyncGenerator<DataFrame>, part: string): Promise<PartInfo> {
    return writePart(part, this.opts.format, predictFrames(this.model, frames, this.params));
  }
}
