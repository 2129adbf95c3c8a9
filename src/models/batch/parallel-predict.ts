/**
 * Batch prediction on several cores: this process reads the input and cuts it into the chunks a
 * one-process run would score (record-splitter.ts, Parquet row ranges), worker processes parse,
 * score and render them, and this process writes the results back in chunk order. At most
 * `4 × workers` chunks are in flight (read but not yet written), so memory stays bounded
 * whatever the input size, and the output is byte for byte the one-worker output.
 */
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

export async function batchPredictInWorkers(
  modelDir: string,
  opts: BatchPredictOptions & { workers: number },
): Promise<BatchPredictResult> {
  const started = performance.now();
  const inputFormat = opts.inputFormat ?? (opts.inputPath ? detectInputFormat(opts.inputPath) : 'json');
  const outputFormat = opts.outputFormat ?? detectOutputFormat(opts.outputPath);
  const chunkSize = opts.chunkSize ?? 10_000;
  const total = await inputSize(opts.inputPath, inputFormat);
  const pool = await PredictionWorkerPool.start(opts.workers, {
    type: 'init',
    modelDir,
    options: { format: outputFormat, chunkSize, params: opts.params },
  });
  const startupSeconds = (performance.now() - started) / 1000;
  const bar = new ProgressBar(total, inputFormat === 'parquet' ? 'rows' : 'bytes', opts.progress);
  let done = 0;
  const writer = new PredictionWriter(opts.outputPath, outputFormat);
  const window = opts.workers * 4;
  const inFlight: Promise<FormattedChunk>[] = [];
  const writeOldest = async (): Promise<void> => {
    await writer.writeFormatted(await inFlight.shift()!);
    bar.update(done, writer.rows);
  };
  try {
    let index = 0;
    for await (const task of tasksOf(
      opts.inputPath,
      inputFormat,
      chunkSize,
      opts.workers,
      (n) => (done = n),
    )) {
      if (pool.error) throw pool.error;
      const result = pool.run(index++, task);
      // Awaited in order below; marked handled now so a failure is not reported twice.
      result.catch(() => undefined);
      inFlight.push(result);
      if (inFlight.length >= window) await writeOldest();
    }
    while (inFlight.length) await writeOldest();
    await writer.close();
  } catch (err) {
    await pool.close();
    await writer.abort();
    // A failure in a worker is the cause; a later one in this process may just follow from it.
    throw pool.error ?? err;
  }
  await pool.close();
  bar.finish(writer.rows);
  return { rows: writer.rows, seconds: (performance.now() - started) / 1000, startupSeconds };
}
