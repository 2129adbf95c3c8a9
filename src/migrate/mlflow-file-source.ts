/**
 * Reads MLflow's file store (`./mlruns`): `<experiment>/meta.yaml` and `tags/`, runs in
 * `<experiment>/<run>/` with `meta.yaml`, `params/`, `tags/`, `metrics/` (one line per point:
 * `timestamp value step`), `inputs/<id>/meta.yaml` (a dataset of `<experiment>/datasets/<id>/`
 * or a logged model used, with input tags), `outputs/<id>/meta.yaml` (logged models produced) and
 * `artifacts/`; MLflow 3's logged models in `<experiment>/models/<model_id>/` (`meta.yaml`,
 * `params/`, `tags/`, `metrics/` with lines `timestamp value step run_id [dataset_name
 * dataset_digest]`, files at the model's `artifact_location`); deleted experiments under
 * `.trash/`; the registry under `models/<name>/` of the root (`meta.yaml`, `tags/`, `aliases/`,
 * `version-<n>/meta.yaml` + `tags/`). Keys containing `/` are nested folders. Everything is read
 * file by file; nothing is written.
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
  LoggedModelMetricPoint,
  LoggedModelRecord,
  MetricPoint,
  ModelVersionData,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';
import type { ModelVersionStage, ModelVersionStatus } from '../entities/registry.js';
import {
  LOGGED_MODEL_STATUSES,
  type DatasetInput,
  type LoggedModelStatus,
  type RunStatus,
  type Tag,
} from '../entities/tracking.js';
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

/** A run's `inputs/` and `outputs/` folders: datasets and logged models used, models produced. */
interface RunLinks {
  datasets: DatasetInput[];
  modelInputs: string[];
  modelOutputs: { modelId: string; step: number }[];
}

/** `tags` of an input's meta.yaml: a mapping (as MLflow writes it) or a list of {key, value}. */
function inputTags(v: unknown): Tag[] {
  if (Array.isArray(v)) {
    return v
      .filter((t): t is Meta => !!t && typeof t === 'object')
      .map((t) => ({ key: String(t.key), value: String(t.value ?? '') }));
  }
  if (v && typeof v === 'object') {
    return Object.entries(v as Meta).map(([key, value]) => ({ key, value: String(value ?? '') }));
  }
  return [];
}

/** MLflow's Python names of logged model statuses whose proto name is not `LOGGED_MODEL_<name>`. */
const PYTHON_STATUS_NAMES: Record<string, LoggedModelStatus> = {
  FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
  UNSPECIFIED: 'LOGGED_MODEL_STATUS_UNSPECIFIED',
};

/**
 * A logged model status written by MLflow's Python name (`PENDING`, `READY`, `FAILED`), by its
 * proto name, or by its number (0-3).
 */
function loggedModelStatus(v: unknown): LoggedModelStatus {
  if (typeof v === 'number') return LOGGED_MODEL_STATUSES[v] ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED';
  const s = String(v ?? '').toUpperCase();
  const named = PYTHON_STATUS_NAMES[s];
  if (named) return named;
  const found = LOGGED_MODEL_STATUSES.find((x) => x === s || x === `LOGGED_MODEL_${s}`);
  if (found) return found;
  return /^\d+$/.test(s) ? loggedModelStatus(Number(s)) : 'LOGGED_MODEL_STATUS_UNSPECIFIED';
}

export class MlflowFileSource implements MigrationSource {
  readonly label: string;
  private readonly runDirs = new Map<string, RunLocation>();
  /** Folders of the logged models read so far, by model id. */
  private readonly modelDirs = new Map<string, string>();

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
    const expDir = await this.experimentDir(e.experimentId);
    if (!expDir) return;
    for (const d of await dirs(expDir)) {
      const dir = join(expDir, d);
      if (!existsSync(join(dir, 'meta.yaml'))) continue; // tags/, datasets/, models/
      const m = await readMeta(join(dir, 'meta.yaml'));
      const tags = await keyValues(join(dir, 'tags'));
      const runId = String(m.run_id ?? m.run_uuid ?? d);
      this.runDirs.set(runId, { dir });
      const links = await this.runLinks(expDir, dir);
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
        ...links,
      };
    }
  }

  private async experimentDir(experimentId: string): Promise<string | undefined> {
    return (await this.experimentDirs()).find((d) => d.endsWith(`${sep}${experimentId}`));
  }

  private async runLinks(expDir: string, runDir: string): Promise<RunLinks> {
    const links: RunLinks = { datasets: [], modelInputs: [], modelOutputs: [] };
    const inputs = join(runDir, 'inputs');
    for (const id of await dirs(inputs)) {
      const file = join(inputs, id, 'meta.yaml');
      if (!existsSync(file)) continue;
      const input = await readMeta(file);
      const type = String(input.source_type ?? '').toUpperCase();
      const sourceId = String(input.source_id ?? '');
      if (type === 'MODEL' || type === '3') {
        if (sourceId) links.modelInputs.push(sourceId);
        continue;
      }
      if (type !== 'DATASET' && type !== '2') continue;
      // As MLflow does, an input whose dataset is missing is left out.
      if (!/^[A-Za-z0-9_-]+$/.test(sourceId)) continue;
      const datasetFile = join(expDir, 'datasets', sourceId, 'meta.yaml');
      if (!existsSync(datasetFile)) continue;
      const ds = await readMeta(datasetFile);
      const entry: DatasetInput = {
        dataset: {
          name: String(ds.name ?? ''),
          digest: String(ds.digest ?? ''),
          source_type: String(ds.source_type ?? ''),
          source: String(ds.source ?? ''),
        },
      };
      if (ds.schema !== null && ds.schema !== undefined) entry.dataset.schema = String(ds.schema);
      if (ds.profile !== null && ds.profile !== undefined) entry.dataset.profile = String(ds.profile);
      const tags = inputTags(input.tags);
      if (tags.length) entry.tags = tags;
      links.datasets.push(entry);
    }
    const outputs = join(runDir, 'outputs');
    for (const id of await dirs(outputs)) {
      const file = join(outputs, id, 'meta.yaml');
      if (!existsSync(file)) continue;
      const output = await readMeta(file);
      const modelId = String(output.destination_id ?? id);
      links.modelOutputs.push({ modelId, step: num(output.step) });
    }
    return links;
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

  async *loggedModels(e: ExperimentRecord): AsyncIterable<LoggedModelRecord> {
    const expDir = await this.experimentDir(e.experimentId);
    if (!expDir) return;
    const modelsDir = join(expDir, 'models');
    for (const d of await dirs(modelsDir)) {
      const dir = join(modelsDir, d);
      if (!existsSync(join(dir, 'meta.yaml'))) continue;
      const m = await readMeta(join(dir, 'meta.yaml'));
      const modelId = String(m.model_id ?? d);
      const location = String(m.artifact_location ?? m.artifact_uri ?? '');
      this.modelDirs.set(modelId, dir);
      const metrics: LoggedModelMetricPoint[] = [];
      for await (const [key, file] of keyFiles(join(dir, 'metrics'))) {
        for await (const p of modelMetricLines(key, file)) metrics.push(p);
      }
      yield {
        modelId,
        experimentId: e.experimentId,
        name: String(m.name ?? ''),
        artifactLocation: location,
        creationTime: num(m.creation_timestamp ?? m.creation_timestamp_ms),
        lastUpdatedTime: num(
          m.last_updated_timestamp ?? m.last_updated_timestamp_ms,
          num(m.creation_timestamp ?? m.creation_timestamp_ms),
        ),
        status: loggedModelStatus(m.status),
        lifecycleStage: m.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        modelType: String(m.model_type ?? ''),
        sourceRunId: String(m.source_run_id ?? ''),
        statusMessage: String(m.status_message ?? ''),
        params: await keyValues(join(dir, 'params')),
        tags: await keyValues(join(dir, 'tags')),
        metrics,
      };
    }
  }

  /** A logged model's files: at its artifact location when local, else beside its meta.yaml. */
  loggedModelArtifacts(model: LoggedModelRecord): AsyncIterable<ArtifactFile> {
    const fromUri = localPath(model.artifactLocation);
    const metaDir = this.modelDirs.get(model.modelId);
    const dir = fromUri && existsSync(fromUri) ? fromUri : metaDir ? join(metaDir, 'artifacts') : null;
    if (!dir || !existsSync(dir)) return (async function* () {})();
    return walkRepository(new LocalArtifactRepository(dir));
  }

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

/**
 * The points of a metric file, one per non-empty line of space-separated fields
 * (`timestamp value step` for runs; logged models add `run_id [dataset_name dataset_digest]`).
 */
async function* pointLines<T>(
  file: string,
  expected: string,
  point: (fields: string[]) => T,
): AsyncIterable<T> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      yield point(line.trim().split(/\s+/));
    } catch {
      throw invalidParam(`${file}:${n}: expected '${expected}', got '${line.slice(0, 100)}'.`);
    }
  }
}

const metricPoint = (key: string, [ts, value, step]: string[]): MetricPoint => ({
  key,
  timestamp: Number(ts),
  value: parsePythonFloat(value ?? ''),
  step: step === undefined ? 0 : Number(step),
});

function metricLines(key: string, file: string): AsyncIterable<MetricPoint> {
  return pointLines(file, 'timestamp value step', (f) => metricPoint(key, f));
}

function modelMetricLines(key: string, file: string): AsyncIterable<LoggedModelMetricPoint> {
  return pointLines(file, 'timestamp value step run_id [dataset_name dataset_digest]', (f) => ({
    ...metricPoint(key, f),
    runId: f[3] ?? '',
    datasetName: f[4] ?? '',
    datasetDigest: f[5] ?? '',
  }));
}
