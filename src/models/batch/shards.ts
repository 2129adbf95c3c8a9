/**
 * Sharded batch prediction: shard `index` of `shards` scores its part of the input and writes
 * it to its own part file, `part-0000i.<ext>`, under the output folder or S3 prefix. The parts,
 * in index order, hold the predictions of the whole input in input order. The shards share
 * nothing, so they can run anywhere: as pods of a Kubernetes Indexed Job, or as local processes.
 *
 * Several input files: each shard takes a contiguous run of whole files. One file: Parquet is
 * cut into row ranges; CSV and JSON Lines into byte ranges, each shard taking the records that
 * start in its range (so a CSV file cut this way must not have line breaks inside quoted
 * fields); a JSON document cannot be cut.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadataAsync } from 'hyparquet';
import { artifactRepositoryFor, uriScheme } from '../../artifacts/repository-registry.js';
import { badRequest, invalidParam } from '../../errors.js';
import type { DataFrame } from '../data.js';
import type { Model } from '../model.js';
import { numericColumns, predictFrames } from './chunk-task.js';
import { readLineRange } from './line-ranges.js';
import {
  chunksOfFrame,
  detectInputFormat,
  frameFromJsonDocument,
  readParquetFile,
  type InputFormat,
} from './readers.js';
import { expandInputs, parquetBuffer, readByteRange, type InputFile } from './shard-input.js';
import { partName, writePart } from './parts.js';
import type { OutputFormat } from './writers.js';

/** Part of one input file: whole, a byte range (text formats) or a row range (Parquet). */
export interface ShardPiece {
  file: InputFile;
  bytes?: { start: number; end: number };
  rows?: { start: number; end: number };
}

const cut = (total: number, shards: number, index: number): { start: number; end: number } => ({
  start: Math.floor((index * total) / shards),
  end: Math.floor(((index + 1) * total) / shards),
});

/** What shard `index` of `shards` reads. */
export async function planShard(
  files: InputFile[],
  format: InputFormat,
  shards: number,
  index: number,
): Promise<ShardPiece[]> {
  if (!Number.isInteger(shards) || shards < 1) throw invalidParam('--shards must be a positive integer.');
  if (!Number.isInteger(index) || index < 0 || index >= shards)
    throw invalidParam(`--shard-index must be between 0 and ${shards - 1}, got ${index}.`);
  if (files.length > 1 || shards === 1) {
    const { start, end } = cut(files.length, shards, index);
    return files.slice(start, end).map((file) => ({ file }));
  }
  const file = files[0]!;
  if (format === 'parquet') {
    const metadata = await parquetMetadataAsync(await parquetBuffer(file));
    return [{ file, rows: cut(Number(metadata.num_rows), shards, index) }];
  }
  if (format === 'json')
    throw invalidParam(
      'A JSON document cannot be split into shards: give several files, or use JSON Lines, CSV or Parquet.',
    );
  return [{ file, bytes: cut(file.size, shards, index) }];
}

/** The frames of one piece, `chunkSize` rows at a time. */
export async function* readPiece(
  piece: ShardPiece,
  format: InputFormat,
  opts: { chunkSize: number; numeric?: (column: string) => boolean },
): AsyncGenerator<DataFrame> {
  const { file, bytes, rows } = piece;
  switch (format) {
    case 'parquet':
      yield* readParquetFile(await parquetBuffer(file), { chunkSize: opts.chunkSize, ...rows });
      return;
    case 'csv':
    case 'jsonl':
      yield* readLineRange((pos) => readByteRange(file, pos), format, bytes, opts);
      return;
    case 'json': {
      const parts: Buffer[] = [];
      for await (const b of await readByteRange(file, 0)) parts.push(b);
      let doc: unknown;
      try {
        doc = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch (err) {
        throw badRequest(`${file.uri} is not valid JSON: ${(err as Error).message}`);
      }
      yield* chunksOfFrame(frameFromJsonDocument(doc), opts.chunkSize);
    }
  }
}

export interface ShardPredictOptions {
  /** Files, folders, `s3://` objects or prefixes. */
  inputs: string[];
  inputFormat?: InputFormat;
  /** Folder or `s3://` prefix the part is written under. */
  output: string;
  outputFormat: OutputFormat;
  shards: number;
  index: number;
  chunkSize?: number;
  params?: Record<string, unknown>;
}

/** Scores shard `index` of the input into its part; returns the rows written and the part's URI. */
export async function predictShard(
  model: Model,
  opts: ShardPredictOptions,
): Promise<{ rows: number; seconds: number; part: string }> {
  const started = performance.now();
  const files = await expandInputs(opts.inputs);
  const format = opts.inputFormat ?? detectInputFormat(files[0]!.uri);
  const pieces = await planShard(files, format, opts.shards, opts.index);
  const name = partName(opts.index, opts.outputFormat);
  const remote = uriScheme(opts.output) !== undefined;
  const localDir = remote ? await mkdtemp(join(tmpdir(), 'cairn-shard-')) : opts.output;
  try {
    if (!remote) await mkdir(localDir, { recursive: true });
    const path = join(localDir, name);
    const params = model.prepareParams(opts.params);
    const read = { chunkSize: opts.chunkSize ?? 10_000, numeric: numericColumns(model) };
    async function* frames(): AsyncGenerator<DataFrame> {
      for (const piece of pieces) yield* readPiece(piece, format, read);
    }
    const { rows } = await writePart(path, opts.outputFormat, predictFrames(model, frames(), params));
    let part = path;
    if (remote) {
      // The part is uploaded whole once written: an object store has no partial objects.
      await artifactRepositoryFor(opts.output).write(name, () => createReadStream(path));
      part = `${opts.output.replace(/\/+$/, '')}/${name}`;
    }
    return { rows, seconds: (performance.now() - started) / 1000, part };
  } finally {
    if (remote) await rm(localDir, { recursive: true, force: true });
  }
}
