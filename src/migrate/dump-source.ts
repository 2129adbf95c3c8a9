/** Reads a Cairn export directory (see dump-format.ts) as a migration source. */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';
import { invalidParam } from '../errors.js';
import {
  decodeValue,
  DUMP_FORMAT,
  DUMP_VERSION,
  MANIFEST,
  paths,
  readJsonLines,
  safeId,
  type DumpFileEntry,
  type DumpManifest,
} from './dump-format.js';
import type { ArtifactFile, MigrationSource } from './source.js';

/** A stream that fails at its end when the bytes do not hash to `sha256`. */
function verifying(entry: DumpFileEntry): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      done(
        hash.digest('hex') === entry.sha256
          ? null
          : invalidParam(`${entry.path}: checksum mismatch in the export.`),
      );
    },
  });
}

export class DumpSource implements MigrationSource {
  readonly label: string;
  private readonly files: Map<string, DumpFileEntry>;
  private artifactIndex?: Map<string, DumpFileEntry[]>;

  private constructor(
    private readonly dir: string,
    readonly manifest: DumpManifest,
  ) {
    this.label = `Cairn export ${dir}`;
    this.files = new Map(manifest.files.map((f) => [f.path, f]));
  }

  static async open(dir: string): Promise<DumpSource> {
    let manifest: DumpManifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as DumpManifest;
    } catch {
      throw invalidParam(`${dir} is not a Cairn export: ${MANIFEST} is missing or not JSON.`);
    }
    if (manifest.format !== DUMP_FORMAT || !Array.isArray(manifest.files)) {
      throw invalidParam(`${dir}/${MANIFEST} is not the manifest of a Cairn export.`);
    }
    if (manifest.version > DUMP_VERSION) {
      throw invalidParam(
        `${dir} is export format version ${manifest.version}; this Cairn reads up to version ${DUMP_VERSION}. Upgrade Cairn to import it.`,
      );
    }
    return new DumpSource(dir, manifest);
  }

  private lines<T>(path: string): AsyncIterable<T> {
    return readJsonLines<T>(join(this.dir, path), this.files.get(path));
  }

  totals(): Promise<{ runs?: number }> {
    return Promise.resolve({ runs: this.manifest.counts.runs });
  }

  experiments(): AsyncIterable<ExperimentRecord> {
    return this.lines<ExperimentRecord>(paths.experiments);
  }

  runs(e: ExperimentRecord): AsyncIterable<RunRecord> {
    return this.lines<RunRecord>(paths.runs(safeId(e.experimentId, 'experiment id')));
  }

  async *metrics(run: RunRecord): AsyncIterable<MetricPoint[]> {
    const path = paths.metrics(safeId(run.runId, 'run id'));
    if (!this.files.has(path)) return;
    for await (const line of this.lines<{ key: string; points: [number, number, unknown][] }>(path)) {
      yield line.points.map(([timestamp, step, value]) => ({
        key: line.key,
        timestamp,
        step,
        value: decodeValue(value),
      }));
    }
  }

  artifacts(run: RunRecord): AsyncIterable<ArtifactFile> {
    return this.filesUnder(paths.artifacts(safeId(run.runId, 'run id')));
  }

  async *loggedModels(e: ExperimentRecord): AsyncIterable<LoggedModelRecord> {
    const path = paths.loggedModels(safeId(e.experimentId, 'experiment id'));
    for await (const model of this.lines<LoggedModelRecord>(path)) {
      if (model.metrics) model.metrics = model.metrics.map((p) => ({ ...p, value: decodeValue(p.value) }));
      yield model;
    }
  }

  loggedModelArtifacts(model: LoggedModelRecord): AsyncIterable<ArtifactFile> {
    return this.filesUnder(paths.modelArtifacts(safeId(model.modelId, 'logged model id')));
  }

  /** The files of the export under `dir` (an artifact folder), relative to it, checked as read. */
  private async *filesUnder(dir: string): AsyncIterable<ArtifactFile> {
    const prefix = `${dir}/`;
    for (const entry of this.artifactsOf(dir)) {
      const file = join(this.dir, ...entry.path.split('/'));
      if (!existsSync(file)) throw invalidParam(`${entry.path} is listed in the manifest but missing.`);
      yield {
        path: entry.path.slice(prefix.length),
        size: entry.bytes,
        open: () => Promise.resolve(createReadStream(file).pipe(verifying(entry))),
      };
    }
  }

  /** Artifact entries by artifact folder (`runs/<id>/artifacts`, `models/<id>/artifacts`), indexed once. */
  private artifactsOf(dir: string): DumpFileEntry[] {
    if (!this.artifactIndex) {
      this.artifactIndex = new Map();
      for (const entry of this.files.values()) {
        const m = /^((?:runs|models)\/[^/]+\/artifacts)\//.exec(entry.path);
        if (!m) continue;
        let list = this.artifactIndex.get(m[1]!);
        if (!list) this.artifactIndex.set(m[1]!, (list = []));
        list.push(entry);
      }
    }
    return this.artifactIndex.get(dir) ?? [];
  }

  registeredModels(): AsyncIterable<RegisteredModelData> {
    return this.lines<RegisteredModelData>(paths.registeredModels);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
