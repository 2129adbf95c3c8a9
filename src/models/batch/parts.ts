/**
 * Part files: the predictions of one contiguous piece of the input, written as a whole output
 * file of its own (CSV with its header, JSON with its braces). Sharded prediction leaves its
 * parts under the output prefix; `predict --workers` has each worker process write the parts of
 * its tasks into a folder beside the output, and joins them in order (`PredictionWriter.appendPart`).
 */
import type { ModelData } from '../data.js';
import { PredictionWriter, type OutputFormat, type PartInfo } from './writers.js';

/** `part-00003.jsonl`: the names sort in part order. */
export const partName = (index: number, format: OutputFormat): string =>
  `part-${String(index).padStart(5, '0')}.${format}`;

/**
 * Writes the predictions to the part file at `path`, which appears only once complete (a failed
 * part leaves nothing there), and says where its predictions lie in it.
 */
export async function writePart(
  path: string,
  format: OutputFormat,
  predictions: AsyncIterable<ModelData>,
): Promise<PartInfo> {
  const writer = new PredictionWriter(path, format);
  try {
    for await (const out of predictions) await writer.writeChunk(out);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { rows: writer.rows, headerBytes: writer.headerBytes };
}
