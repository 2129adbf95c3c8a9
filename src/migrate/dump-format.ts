/**
 * The layout of a Cairn export (`cairn export --to DIR`), version 1:
 *
 *   manifest.json                         format, version, counts, sha256 + size of every file
 *   experiments.jsonl                     one ExperimentRecord per line
 *   experiments/<id>/runs.jsonl           one RunRecord per line
 *   experiments/<id>/logged_models.jsonl  one LoggedModelRecord per line (its metric points inside)
 *   runs/<run_id>/metrics.jsonl           {"key", "points": [[timestamp, step, value], ...]} per line
 *   runs/<run_id>/artifacts/...           the run's artifact files
 *   models/<model_id>/artifacts/...       a logged model's artifact files
 *   registered_models.jsonl               one RegisteredModelData (versions and aliases inside) per line
 *
 * Metric values NaN and ±Infinity, which JSON cannot hold, are written as the strings "NaN",
 * "Infinity" and "-Infinity".
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { invalidParam } from '../errors.js';

export const DUMP_FORMAT = 'cairn-export';
export const DUMP_VERSION = 1;
export const MANIFEST = 'manifest.json';

export interface DumpFileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface DumpManifest {
  format: typeof DUMP_FORMAT;
  version: number;
  created_at: string;
  source: string;
  counts: Record<string, number>;
  files: DumpFileEntry[];
}

export const paths = {
  experiments: 'experiments.jsonl',
  runs: (experimentId: string) => `experiments/${experimentId}/runs.jsonl`,
  loggedModels: (experimentId: string) => `experiments/${experimentId}/logged_models.jsonl`,
  metrics: (runId: string) => `runs/${runId}/metrics.jsonl`,
  artifacts: (runId: string) => `runs/${runId}/artifacts`,
  modelArtifacts: (modelId: string) => `models/${modelId}/artifacts`,
  registeredModels: 'registered_models.jsonl',
};

/** Ids become path segments: only plain ids are accepted. */
export function safeId(id: string, what: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id) || id === '.' || id === '..') {
    throw invalidParam(`Unexpected ${what} '${id.slice(0, 100)}' in the export: not a plain id.`);
  }
  return id;
}

export const encodeValue = (v: number): number | string => (Number.isFinite(v) ? v : String(v));
export function decodeValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw invalidParam(`Invalid metric value ${JSON.stringify(v)} in the export.`);
}

/** A JSON Lines file being written, with its size and checksum computed on the way. */
export class JsonLinesWriter {
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private bytes = 0;

  private constructor(
    readonly path: string,
    file: string,
  ) {
    this.out = createWriteStream(file, { flags: 'wx' });
  }

  static async open(root: string, path: string): Promise<JsonLinesWriter> {
    const file = `${root}/${path}`;
    await mkdir(dirname(file), { recursive: true });
    return new JsonLinesWriter(path, file);
  }

  async write(value: unknown): Promise<void> {
    const line = Buffer.from(JSON.stringify(value) + '\n');
    this.hash.update(line);
    this.bytes += line.length;
    if (!this.out.write(line)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  async close(): Promise<DumpFileEntry> {
    await new Promise<void>((resolve, reject) =>
      this.out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/**
 * Reads a JSON Lines file of an export, one parsed value at a time, and checks its checksum when
 * the end is reached: a damaged file fails the entity being read (a run is then rolled back).
 */
export async function* readJsonLines<T>(file: string, expected: DumpFileEntry | undefined): AsyncIterable<T> {
  if (!expected) throw invalidParam(`${file} is not listed in the export's manifest.`);
  const hash = createHash('sha256');
  const stream = createReadStream(file);
  stream.on('data', (chunk) => hash.update(chunk));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line) continue;
    try {
      yield JSON.parse(line) as T;
    } catch {
      throw invalidParam(`${file}:${n} is not valid JSON.`);
    }
  }
  if (hash.digest('hex') !== expected.sha256) {
    throw invalidParam(`${file} does not match the checksum in the export's manifest (damaged or edited).`);
  }
}
