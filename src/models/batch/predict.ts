/**
 * Batch prediction: stream an input file through a model in fixed-size chunks and stream the
 * predictions out, so memory stays bounded whatever the input size.
 */
import { MlflowError } from '../../errors.js';
import type { Model } from '../model.js';
import { removeLeftovers } from './leftovers.js';
import { ProgressBar } from './progress.js';
import { detectInputFormat, inputSize, readInput, type InputFormat } from './readers.js';
import { numericColumns, predictFrames } from './chunk-task.js';
import { PredictionWriter, detectOutputFormat, type OutputFormat } from './writers.js';

export interface BatchPredictOptions {
  /** Input file; standard input when omitted. */
  inputPath?: string;
  inputFormat?: InputFormat;
  /** Output file; standard output when omitted. */
  outputPath?: string;
  outputFormat?: OutputFormat;
  /** Rows per model call (default 10,000). */
  chunkSize?: number;
  params?: Record<string, unknown>;
  /** Show the progress bar (default: when stderr is a terminal). */
  progress?: boolean;
  /** Stops the prediction (Ctrl-C): it fails with `interrupted()` and leaves no output file. */
  signal?: AbortSignal;
}

/** The error of a prediction stopped by its signal. */
export const interrupted = (): MlflowError =>
  new MlflowError('Interrupted: the prediction was stopped and its unfinished output removed.', 'CANCELLED');

export interface BatchPredictResult {
  rows: number;
  seconds: number;
  /** With workers: the part of `seconds` spent starting them and loading the model in each. */
  startupSeconds?: number;
  /** What killed runs writing to the same output had left beside it, removed first (leftovers.ts). */
  leftoversRemoved: string[];
}

export async function batchPredict(model: Model, opts: BatchPredictOptions): Promise<BatchPredictResult> {
  const started = performance.now();
  const inputFormat = opts.inputFormat ?? (opts.inputPath ? detectInputFormat(opts.inputPath) : 'json');
  const outputFormat = opts.outputFormat ?? detectOutputFormat(opts.outputPath);
  const chunkSize = opts.chunkSize ?? 10_000;
  const numeric = numericColumns(model);
  const total = await inputSize(opts.inputPath, inputFormat);
  const bar = new ProgressBar(total, inputFormat === 'parquet' ? 'rows' : 'bytes', opts.progress);
  let done = 0;
  const params = model.prepareParams(opts.params);
  const leftoversRemoved = await removeLeftovers(opts.outputPath);
  const writer = new PredictionWriter(opts.outputPath, outputFormat);
  try {
    const frames = readInput(opts.inputPath, inputFormat, {
      chunkSize,
      numeric,
      onProgress: (n) => (done = n),
    });
    for await (const out of predictFrames(model, frames, params)) {
      if (opts.signal?.aborted) throw interrupted();
      await writer.writeChunk(out);
      bar.update(done, writer.rows);
    }
    if (opts.signal?.aborted) throw interrupted();
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  bar.finish(writer.rows);
  return { rows: writer.rows, seconds: (performance.now() - started) / 1000, leftoversRemoved };
}
