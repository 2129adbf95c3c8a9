/**
 * Batch prediction on several cores. The workers start and load the model while this process
 * looks at the input; then the input is cut into tasks, worker processes read, parse, score and
 * render them, each task into a part file of its own (in a folder beside the output), and this
 * process appends the parts to the output in task order, file to file, removing each once
 * appended. At most `4 × workers` tasks are in flight (sent but not yet appended), so memory and
 * the disk the parts take stay bounded whatever the input size, and the output is byte for byte
 * the one-worker output. A failure or an interruption stops the workers, then removes the parts
 * and the unfinished output.
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
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { invalidParam } from '../../errors.js';
import type { ChunkTask } from './chunk-task.js';
import { partsFolderPrefix, removeLeftovers } from './leftovers.js';
import { partName } from './parts.js';
import { interrupted, type BatchPredictOptions, type BatchPredictResult } from './predict.js';
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
import { PredictionWriter, detectOutputFormat, type PartInfo } from './writers.js';
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

/**
 * The folder of the part files: beside the output file (the same file system, and removed with
 * it), or a temporary folder when the output is standard output; named after this process so that
 * a later run removes it if this one is killed (leftovers.ts).
 */
function partsFolder(outputPath: string | undefined): Promise<string> {
  return mkdtemp(partsFolderPrefix(outputPath)).catch((err: NodeJS.ErrnoException) => {
    if (!outputPath) throw err;
    throw invalidParam(`Cannot write beside the output file '${outputPath}' (${err.code ?? err.message}).`);
  });
}

export async function batchPredictInWorkers(
  modelDir: string,
  opts: BatchPredictOptions & { workers: number },
): Promise<BatchPredictResult> {
  const started = performance.now();
  const inputFormat = opts.inputFormat ?? (opts.inputPath ? detectInputFormat(opts.inputPath) : 'json');
  const outputFormat = opts.outputFormat ?? detectOutputFormat(opts.outputPath);
  const chunkSize = opts.chunkSize ?? 10_000;
  if (opts.signal?.aborted) throw interrupted();
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
  const onAbort = (): void => pool.fail(interrupted());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let writer: PredictionWriter | undefined;
  let folder: string | undefined;
  let progress: ProgressBar | undefined;
  let done = 0;
  const window = opts.workers * 4;
  const inFlight: { index: number; result: Promise<PartInfo>; done?: number }[] = [];
  // Each part is appended to the output as soon as the parts before it are, then removed, so
  // the parts on disk at any time are those of the tasks in flight.
  const writeOldest = async (): Promise<void> => {
    const next = inFlight.shift()!;
    const part = await next.result;
    if (next.done !== undefined) done = next.done;
    const path = join(folder!, partName(next.index, outputFormat));
    await writer!.appendPart(path, part);
    await unlink(path);
    progress?.update(done, writer!.rows);
  };
  let leftoversRemoved: string[] = [];
  try {
    leftoversRemoved = await removeLeftovers(opts.outputPath);
    folder = await partsFolder(opts.outputPath);
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
      const result = pool.run(index, task, join(folder, partName(index, outputFormat)));
      // Awaited in order below; marked handled now so a failure is not reported twice.
      result.catch(() => undefined);
      inFlight.push({ index: index++, result, done: task.kind === 'lines' ? task.end : undefined });
      if (inFlight.length >= window) await writeOldest();
    }
    while (inFlight.length) await writeOldest();
    await pool.ready;
    if (pool.error) throw pool.error;
    await writer.close();
  } catch (err) {
    // A failure in a worker is the cause; a later one in this process may just follow from it.
    // Otherwise this process's failure is, and the workers are stopped without being asked.
    const cause = pool.error ?? err;
    pool.fail(cause as Error);
    // The workers are stopped before their parts are removed: a killed worker writes no more.
    await pool.close();
    await writer?.abort();
    if (folder) await rm(folder, { recursive: true, force: true });
    throw cause;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  await pool.close();
  await rm(folder, { recursive: true, force: true });
  progress?.finish(writer.rows);
  return {
    rows: writer.rows,
    seconds: (performance.now() - started) / 1000,
    startupSeconds,
    leftoversRemoved,
  };
}
