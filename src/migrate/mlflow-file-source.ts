/**
 * Reads MLflow's file store (`./mlruns`): `<experiment>/meta.yaml` and `tags/`, runs in
 * `<experiment>/<run>/` with `meta.yaml`, `params/`, `tags/`, `metrics/` (one line per point:
 * `timestamp value step`) and `artifacts/`; deleted experiments under `.trash/`; the registry under
 * `models/<name>/` (`meta.yaml`, `tags/`, `aliases/`, `version-<n>/meta.yaml` + `tags/`).
 * Keys containing `/` are nested folders. Everything is read file by file; nothing is written.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { LocalArtifactRepository } from '../artifacts/local-repository.js';
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  ModelVersionData,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';
import type { ModelVersionStage, ModelVersionStatus } from '../entities/registry.js';
import type { RunStatus, Tag } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
import { walkRepository } from './artifact-walk.js';
import { batched, type ArtifactFile, type MigrationSource } from './source.js';

type Meta = Record<string, unknown>;

/** MLflow's RunStatus enum numbers, as the file store writes them. */
export const RUN_STATUS_BY_NUMBER: Record<number, RunStatus> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};

export function runStatus(v: unknown): RunStatus {
  if (typeof v === 'number') return RUN_STATUS_BY_NUMBER[v] ?? 'FINISHED';
  const s = String(v ?? '').toUpperCase();
  return (Object.values(RUN_STATUS_BY_NUMBER) as string[]).includes(s) ? (s as RunStatus) : 'FINISHED';
}

/** A metric value as Python writes floats (`nan`, `inf`, `-inf` included). */
export function parsePythonFloat(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) throw invalidParam(`Not a number: '${text}'.`);
  return n;
}

const num = (v: unknown, fallback = 0): number =>
  v === null || v === undefined || v === '' ? fallback : Number(v);
const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

async function readMeta(file: string): Promise<Meta> {
  const parsed: unknown = parseYaml(await readFile(file, 'utf8'));
  if (!parsed || typeof parsed !== 'object') throw invalidParam(`${file} is not an MLflow meta.yaml.`);
  return parsed as Meta;
}

async function dirs(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Every file under `dir` as (key with `/` separators, absolute path). */
async function* keyFiles(dir: string, root = dir): AsyncIterable<[string, string]> {
  if (!existsSync(dir)) return;
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* keyFiles(p, root);
    else yield [relative(root, p).split(sep).join('/'), p];
  }
}

async function keyValues(dir: string): Promise<Tag[]> {
  const out: Tag[] = [];
  for await (const [key, file] of keyFiles(dir)) out.push({ key, value: await readFile(file, 'utf8') });
  return out;
}

function localPath(uri: string): string | null {
  if (uri.startsWith('file:'))
    return fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`);
  return /^[a-z][\w+.-]*:/i.test(uri) ? null : uri;
}

interface RunLocation {
  dir: string;
}

export class MlflowFileSource implements MigrationSource {
  readonly label: string;
  private readonly runDirs = new Map<string, RunLocation>();

  private constructor(private readonly root: string) {
    this.label = `MLflow file store ${root}`;
  }

  static async open(root: string): Promise<MlflowFileSource> {
    const source = new MlflowFileSource(root);
    const found = (await source.experimentDirs()).length;
    if (!found && !existsSync(join(root, 'models'))) {
      throw invalidParam(`${root} holds no MLflow experiments (no <id>/meta.yaml) and no models/ folder.`);
    }
    return source;
  }

  private async experimentDirs(): Promise<string[]> {
    const out: string[] = [];
    for (const base of [this.root, join(this.root, '.trash')]) {
      for (const d of await dirs(base)) {
        if (/^\d+$/.test(d) && existsSync(join(base, d, 'meta.yaml'))) out.push(join(base, d));
      }
    }
    return out;
  }

  async totals(): Promise<{ runs?: number }> {
    let runs = 0;
    for (const exp of await this.experimentDirs()) {
      for (const d of await dirs(exp)) if (existsSync(join(exp, d, 'meta.yaml'))) runs++;
    }
    return { runs };
  }

  async *experiments(): AsyncIterable<ExperimentRecord> {
    for (const dir of await this.experimentDirs()) {
      const m = await readMeta(join(dir, 'meta.yaml'));
      yield {
        experimentId: String(m.experiment_id),
        name: String(m.name),
        artifactLocation: String(m.artifact_location ?? ''),
        lifecycleStage:
          m.lifecycle_stage === 'deleted' || dir.includes(`${sep}.trash${sep}`) ? 'deleted' : 'active',
        creationTime: num(m.creation_time),
        lastUpdateTime: num(m.last_update_time, num(m.creation_time)),
        tags: await keyValues(join(dir, 'tags')),
      };
    }
  }

  async *runs(e: ExperimentRecord): AsyncIterable<RunRecord> {
    const expDir = (await this.experimentDirs()).find((d) => d.endsWith(`${sep}${e.experimentId}`));
    if (!expDir) return;
    for (const d of await dirs(expDir)) {
      const dir = join(expDir, d);
      if (!existsSync(join(dir, 'meta.yaml'))) continue; // tags/, datasets/, models/
      const m = await readMeta(join(dir, 'meta.yaml'));
      const tags = await keyValues(join(dir, 'tags'));
      const runId = String(m.run_id ?? m.run_uuid ?? d);
      this.runDirs.set(runId, { dir });
      yield {
        runId,
        experimentId: e.experimentId,
        name: String(m.run_name ?? tags.find((t) => t.key === 'mlflow.runName')?.value ?? ''),
        userId: String(m.user_id ?? ''),
        status: runStatus(m.status),
        startTime: num(m.start_time),
        endTime: m.end_time === null || m.end_time === undefined ? null : num(m.end_time),
        lifecycleStage: m.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        deletedTime: m.deleted_time === null || m.deleted_time === undefined ? null : num(m.deleted_time),
        artifactUri: String(m.artifact_uri ?? ''),
        params: await keyValues(join(dir, 'params')),
        tags,
        datasets: [],
        modelInputs: [],
        modelOutputs: [],
      };
    }
  }

  async *metrics(run: RunRecord): AsyncIterable<MetricPoint[]> {
    const loc = this.runDirs.get(run.runId);
    if (!loc) return;
    for await (const [key, file] of keyFiles(join(loc.dir, 'metrics'))) {
      yield* batched(metricLines(key, file));
    }
  }

  artifacts(run: RunRecord): AsyncIterable<ArtifactFile> {
    const loc = this.runDirs.get(run.runId);
    const fromUri = localPath(run.artifactUri);
    const dir = fromUri && existsSync(fromUri) ? fromUri : loc ? join(loc.dir, 'artifacts') : null;
    if (!dir || !existsSync(dir)) return (async function* () {})();
    return walkRepository(new LocalArtifactRepository(dir));
  }

  // Logged models of MLflow 3's file store are not read (see docs/migrate.md).
  async *loggedModels(): AsyncIterable<LoggedModelRecord> {}

  async *registeredModels(): AsyncIterable<RegisteredModelData> {
    const modelsDir = join(this.root, 'models');
    for await (const dir of modelDirs(modelsDir)) {
      const m = await readMeta(join(dir, 'meta.yaml'));
      const versions: ModelVersionData[] = [];
      for (const d of await dirs(dir)) {
        const vm = /^version-(\d+)$/.exec(d);
        if (!vm || !existsSync(join(dir, d, 'meta.yaml'))) continue;
        const v = await readMeta(join(dir, d, 'meta.yaml'));
        if (v.current_stage === 'Deleted_Internal') continue;
        versions.push({
          version: Number(vm[1]),
          creationTime: num(v.creation_timestamp),
          lastUpdatedTime: num(v.last_updated_timestamp, num(v.creation_timestamp)),
          description: optStr(v.description),
          userId: optStr(v.user_id),
          stage: (optStr(v.current_stage) ?? 'None') as ModelVersionStage,
          source: String(v.source ?? ''),
          storageLocation: optStr(v.storage_location),
          runId: optStr(v.run_id) || null,
          runLink: optStr(v.run_link) || null,
          modelId: optStr(v.model_id) || null,
          status: (optStr(v.status) ?? 'READY') as ModelVersionStatus,
          statusMessage: optStr(v.status_message),
          tags: await keyValues(join(dir, d, 'tags')),
        });
      }
      versions.sort((a, b) => a.version - b.version);
      const aliases: { alias: string; version: number }[] = [];
      for await (const [alias, file] of keyFiles(join(dir, 'aliases'))) {
        aliases.push({ alias, version: Number((await readFile(file, 'utf8')).trim()) });
      }
      yield {
        name: String(m.name),
        creationTime: num(m.creation_timestamp),
        lastUpdatedTime: num(m.last_updated_timestamp, num(m.creation_timestamp)),
        description: optStr(m.description),
        userId: optStr(m.user_id),
        tags: await keyValues(join(dir, 'tags')),
        aliases,
        versions,
      };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Registered model folders (names may contain `/`, so folders nest). */
async function* modelDirs(dir: string): AsyncIterable<string> {
  for (const d of await dirs(dir)) {
    const p = join(dir, d);
    if (existsSync(join(p, 'meta.yaml')) && !(await stat(join(p, 'meta.yaml'))).isDirectory()) yield p;
    else yield* modelDirs(p);
  }
}

async function* metricLines(key: string, file: string): AsyncIterable<MetricPoint> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    const [ts, value, step] = line.trim().split(/\s+/);
    try {
      yield {
        key,
        timestamp: Number(ts),
        value: parsePythonFloat(value ?? ''),
        step: step === undefined ? 0 : Number(step),
      };
    } catch {
      throw invalidParam(`${file}:${n}: expected 'timestamp value step', got '${line.slice(0, 100)}'.`);
    }
  }
}
