/**
 * Batch prediction on several cores. The workers start and load the model while this process
 * looks at the input; then the input is cut into tasks, worker processes read, parse, score and
 * render them, and this process writes the rendered results back in task order. At most
 * `4 × workers` tasks are in flight (sent but not yet written), so memory stays bounded whatever
 * the input size, and the output is byte for byte the one-worker output.
 *
 * - A CSV or JSON Lines file, for a row-wise model (its predictions do not depend on how rows
 *   are grouped into model calls): byte ranges of the file, each worker reading its ranges
 *   itself, so this process never touches the input. A CSV file with a quote character may have
 *   line breaks inside quoted fields, which a cut at a line end would split: it goes the next way.
 * - Other text input (standard input, a model that is not row-wise): this process cuts the
 *   stream into exactly the chunks a one-process run would score (record-splitter.ts) and sends
 *   their bytes.
 * - Parquet: row ranges, read by the workers; a JSON document is parsed here and sent as tables.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { invalidParam } from '../../errors.js';
import type { ChunkTask } from './chunk-task.js';
import type { BatchPredictOptions, BatchPredictResult } from './predict.js';
import { ProgressBar } from './progress.js';
import { RecordSplitter } from './record-splitter.js';
import {
  countedInput,
  detectInputFormat,
  inputSize,
  parquetGroupRanges,
  readInput,
  type InputFormat,
} from './readers.js';
import { PredictionWriter, detectOutputFormat, type FormattedChunk } from './writers.js';
import { PredictionWorkerPool } from './worker-pool.js';

/** The chunks of the input as tasks for the workers, in input order. */
async function* tasksOf(
  path: string | undefined,
  format: InputFormat,
  chunkSize: number,
  workers: number,
  onProgress: (done: number) => void,
): AsyncGenerator<ChunkTask> {
  if (format === 'csv' || format === 'jsonl') {
    const splitter = new RecordSplitter(format, chunkSize);
    const task = (slice: { bytes: Buffer; firstLine: number }): ChunkTask =>
      format === 'csv'
        ? { kind: 'csv', header: splitter.header!, bytes: slice.bytes, firstLine: slice.firstLine }
        : { kind: 'jsonl', bytes: slice.bytes, firstLine: slice.firstLine };
    for await (const data of countedInput(path, onProgress))
      for (const s of splitter.push(data)) yield task(s);
    for (const s of splitter.end()) yield task(s);
    return;
  }
  if (format === 'parquet') {
    if (!path) throw invalidParam('Parquet input must be a file (-i PATH), not standard input.');
    const file = resolve(path);
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    const groups = parquetGroupRanges(metadata);
    for (const g of groups) {
      // Few row groups: split each among the workers (each decodes the group, scores its part),
      // on chunk boundaries so the chunks are those of a one-process run.
      const per =
        groups.length >= workers
          ? g.end - g.start
          : Math.max(chunkSize, Math.ceil((g.end - g.start) / workers / chunkSize) * chunkSize);
      for (let s = g.start; s < g.end; s += per) {
        yield { kind: 'parquet', path: file, start: s, end: Math.min(g.end, s + per) };
        onProgress(Math.min(g.end, s + per));
      }
    }
    return;
  }
  // A JSON document is parsed whole (here); its chunks go to the workers as tables.
  for await (const frame of readInput(path, format, { chunkSize }))
    yield { kind: 'frame', columns: frame.columns, data: frame.data, rowCount: frame.rowCount };
}

/**
 * Bytes of input per task when workers read byte ranges themselves: enough tasks to keep every
 * worker busy on a shared machine (a slowed worker takes fewer), at least one model call's worth
 * of rows each (estimated from the file's first 64 KiB), and at most 16 MiB so that memory stays
 * bounded and the rendered results travel in large, but not huge, messages.
 */
async function rangeBytes(path: string, size: number, workers: number, chunkSize: number): Promise<number> {
  const file = await open(path);
  let perRow: number;
  try {
    const head = Buffer.allocUnsafe(Math.min(size, 1 << 16));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    let lines = 0;
    for (let i = head.indexOf(10); i >= 0 && i < bytesRead; i = head.indexOf(10, i + 1)) lines++;
    perRow = bytesRead / Math.max(1, lines);
  } finally {
    await file.close();
  }
  const oneCall = Math.ceil(chunkSize * perRow);
  return Math.max(oneCall, Math.min(16 << 20, Math.ceil(size / (workers * 8))));
}

/** Whether a file has a `"` byte (CSV: a quoted field may hold a line break). */
async function hasQuote(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return false;
      if (buf.subarray(0, bytesRead).includes(34)) return true;
    }
  } finally {
    await file.close();
  }
}

/** Byte-range tasks over a whole text file, or undefined when it cannot be cut at line ends. */
async function lineRangeTasks(
  path: string | undefined,
  format: InputFormat,
  size: number | undefined,
  workers: number,
  chunkSize: number,
): Promise<ChunkTask[] | undefined> {
  if (!path || size === undefined || (format !== 'csv' && format !== 'jsonl')) return undefined;
  if (format === 'csv' && (await hasQuote(path))) return undefined;
  const file = resolve(path);
  const step = await rangeBytes(file, size, workers, chunkSize);
  const tasks: ChunkTask[] = [];
  for (let start = 0; start < size; start += step)
    tasks.push({ kind: 'lines', format, path: file, start, end: Math.min(size, start + step) });
  return tasks;
}

export async function batchPredictInWorkers(
  modelDir: string,
  opts: BatchPredictOptions & { workers: number },
): Promise<BatchPredictResult> {
  const started = performance.now();
  const inputFormat = opts.inputFormat ?? (opts.inputPath ? detectInputFormat(opts.inputPath) : 'json');
  const outputFormat = opts.outputFormat ?? detectOutputFormat(opts.outputPath);
  const chunkSize = opts.chunkSize ?? 10_000;
  // The workers start (and load the model) while this process looks at the input.
  const pool = PredictionWorkerPool.start(opts.workers, {
    type: 'init',
    modelDir,
    options: { format: outputFormat, chunkSize, params: opts.params },
  });
  let startupSeconds: number | undefined;
  void pool.ready.then(
    () => (startupSeconds = (performance.now() - started) / 1000),
    () => undefined,
  );
  let writer: PredictionWriter | undefined;
  let progress: ProgressBar | undefined;
  let done = 0;
  const window = opts.workers * 4;
  const inFlight: { result: Promise<FormattedChunk>; done?: number }[] = [];
  const writeOldest = async (): Promise<void> => {
    const next = inFlight.shift()!;
    const chunk = await next.result;
    if (next.done !== undefined) done = next.done;
    await writer!.writeFormatted(chunk);
    progress?.update(done, writer!.rows);
  };
  try {
    const total = await inputSize(opts.inputPath, inputFormat);
    const ranges = await lineRangeTasks(opts.inputPath, inputFormat, total, opts.workers, chunkSize);
    // Ranges change how rows are grouped into model calls: only for a row-wise model.
    const byRange = ranges !== undefined && (await pool.ready).rowWise;
    progress = new ProgressBar(total, inputFormat === 'parquet' ? 'rows' : 'bytes', opts.progress);
    writer = new PredictionWriter(opts.outputPath, outputFormat);
    const tasks: AsyncIterable<ChunkTask> | Iterable<ChunkTask> = byRange
      ? ranges
      : tasksOf(opts.inputPath, inputFormat, chunkSize, opts.workers, (n) => (done = n));
    let index = 0;
    for await (const task of tasks) {
      if (pool.error) throw pool.error;
      const result = pool.run(index++, task);
      // Awaited in order below; marked handled now so a failure is not reported twice.
      result.catch(() => undefined);
      inFlight.push({ result, done: task.kind === 'lines' ? task.end : undefined });
      if (inFlight.length >= window) await writeOldest();
    }
    while (inFlight.length) await writeOldest();
    await pool.ready;
    await writer.close();
  } catch (err) {
    await pool.close();
    await writer?.abort();
    // A failure in a worker is the cause; a later one in this process may just follow from it.
    throw pool.error ?? err;
  }
  await pool.close();
  progress?.finish(writer.rows);
  return { rows: writer.rows, seconds: (performance.now() - started) / 1000, startupSeconds };
}
