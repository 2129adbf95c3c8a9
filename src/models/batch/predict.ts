/**
 * Batch prediction: stream an input file through a model in fixed-size chunks and stream the
 * predictions out, so memory stays bounded whatever the input size.
 */
import type { Model } from '../model.js';
import { ProgressBar } from './progress.js';
import { detectInputFormat, inputSize, readInput, type InputFormat } from './readers.js';
import { numericColumns } from './chunk-task.js';
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
}

export interface BatchPredictResult {
  rows: number;
  seconds: number;
  /** With workers: the part of `seconds` spent starting them and loading the model in each. */
  startupSeconds?: number;
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
  const writer = new PredictionWriter(opts.outputPath, outputFormat);
  try {
    for await (const chunk of readInput(opts.inputPath, inputFormat, {
      chunkSize,
      numeric,
      onProgress: (n) => (done = n),
    })) {
      const out = await model.predictPrepared(model.prepareInput(chunk), params);
      await writer.writeChunk(out);
      bar.update(done, writer.rows);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  bar.finish(writer.rows);
  return { rows: writer.rows, seconds: (performance.now() - started) / 1000 };
}
