/**
 * Reads an MLflow tracking/registry database directly (SQLite, PostgreSQL, MySQL), read-only:
 * MLflow's tables `experiments`, `experiment_tags`, `runs`, `params`, `tags`, `metrics`,
 * `datasets`, `inputs` (datasets of runs; MLflow 3: logged models a run used or produced),
 * `input_tags`, `logged_models` (+ params/tags/metrics, MLflow 3),
 * `registered_models`, `registered_model_tags`, `model_versions`, `model_version_tags`,
 * `registered_model_aliases`. Runs are read 500 at a time, metric history 10,000 points at a time.
 * Artifact files are read from `--artifacts-from` (MLflow's artifact root) or the runs' own URIs;
 * a logged model's files from its `artifact_location` (`<experiment>/models/<model_id>/artifacts`).
 */
import { artifactRepositoryFor } from '../artifacts/repository-registry.js';
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
import { LOGGED_MODEL_STATUSES, type DatasetInput, type Tag } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
import type { Row } from '../store/sql/database.js';
import { openReadOnlyDatabase, type ReadOnlyDatabase } from '../store/sql/read-only.js';
import { walkRepository } from './artifact-walk.js';
import { runStatus } from './mlflow-file-source.js';
import { METRIC_BATCH, type ArtifactFile, type MigrationSource } from './source.js';

const RUN_PAGE = 500;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const truthy = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';

export class MlflowSqlSource implements MigrationSource {
  readonly label: string;
  private hasTable = new Map<string, boolean>();
  private inputsHaveStep: boolean | undefined;

  private constructor(
    private readonly db: ReadOnlyDatabase,
    label: string,
    private readonly artifactsFrom: string | undefined,
  ) {
    this.label = label;
  }

  static async open(uri: string, artifactsFrom?: string): Promise<MlflowSqlSource> {
    const db = openReadOnlyDatabase(uri);
    const source = new MlflowSqlSource(
      db,
      `MLflow database ${uri.replace(/:[^:@/]*@/, ':***@')}`,
      artifactsFrom,
    );
    try {
      await db.query('SELECT experiment_id, name FROM experiments WHERE 1 = 0');
      await db.query(`SELECT run_uuid FROM runs WHERE 1 = 0`);
    } catch {
      await db.close();
      throw invalidParam(
        `${source.label} does not have MLflow's tracking schema (tables experiments, runs).`,
      );
    }
    return source;
  }

  private q(name: string): string {
    return this.db.dialect.id(name);
  }

  private async tableExists(table: string): Promise<boolean> {
    let known = this.hasTable.get(table);
    if (known === undefined) {
      known = await this.db.query(`SELECT 1 AS x FROM ${this.q(table)} WHERE 1 = 0`).then(
        () => true,
        () => false,
      );
      this.hasTable.set(table, known);
    }
    return known;
  }

  async totals(): Promise<{ runs?: number }> {
    const rows = await this.db.query('SELECT COUNT(*) AS n FROM runs');
    return { runs: num(rows[0]?.n) };
  }

  private async keyValues(table: string, idColumn: string, id: SqlId): Promise<Tag[]> {
    const k = this.q('key');
    const v = this.q('value');
    const rows = await this.db.query(
      `SELECT ${k} AS k, ${v} AS v FROM ${this.q(table)} WHERE ${this.q(idColumn)} = ? ORDER BY ${k}`,
      [id],
    );
    return rows.map((r) => ({ key: str(r.k), value: str(r.v) }));
  }

  async *experiments(): AsyncIterable<ExperimentRecord> {
    const rows = await this.db.query(
      'SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments ORDER BY experiment_id',
    );
    for (const r of rows) {
      yield {
        experimentId: String(r.experiment_id),
        name: str(r.name),
        artifactLocation: str(r.artifact_location),
        lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        creationTime: num(r.creation_time),
        lastUpdateTime: num(r.last_update_time ?? r.creation_time),
        tags: await this.keyValues('experiment_tags', 'experiment_id', Number(r.experiment_id)),
      };
    }
  }

  async *runs(e: ExperimentRecord): AsyncIterable<RunRecord> {
    let after = '';
    for (;;) {
      const page = await this.db.query(
        `SELECT run_uuid, name, user_id, status, start_time, end_time, deleted_time, lifecycle_stage, artifact_uri FROM runs WHERE experiment_id = ? AND run_uuid > ? ORDER BY run_uuid LIMIT ${RUN_PAGE}`,
        [Number(e.experimentId), after],
      );
      for (const r of page) yield await this.runRecord(e.experimentId, r);
      if (page.length < RUN_PAGE) return;
      after = str(page[page.length - 1]!.run_uuid);
    }
  }

  private async runRecord(experimentId: string, r: Row): Promise<RunRecord> {
    const runId = str(r.run_uuid);
    return {
      runId,
      experimentId,
      name: str(r.name),
      userId: str(r.user_id),
      status: runStatus(r.status),
      startTime: num(r.start_time),
      endTime: r.end_time === null || r.end_time === undefined ? null : num(r.end_time),
      lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      deletedTime: r.deleted_time === null || r.deleted_time === undefined ? null : num(r.deleted_time),
      artifactUri: str(r.artifact_uri),
      params: await this.keyValues('params', 'run_uuid', runId),
      tags: await this.keyValues('tags', 'run_uuid', runId),
      datasets: await this.datasets(runId),
      ...(await this.modelLinks(runId)),
    };
  }

  /**
   * The logged models a run used and produced: MLflow 3 keeps them in `inputs` as
   * `RUN_INPUT` → `MODEL_INPUT` and `RUN_OUTPUT` → `MODEL_OUTPUT` rows (the run is the source,
   * outputs with their `step`, a column older schemas lack).
   */
  private async modelLinks(runId: string): Promise<Pick<RunRecord, 'modelInputs' | 'modelOutputs'>> {
    if (!(await this.tableExists('inputs'))) return { modelInputs: [], modelOutputs: [] };
    if (this.inputsHaveStep === undefined) {
      this.inputsHaveStep = await this.db.query('SELECT step FROM inputs WHERE 1 = 0').then(
        () => true,
        () => false,
      );
    }
    const rows = await this.db.query(
      `SELECT destination_type, destination_id, ${this.inputsHaveStep ? 'step' : '0 AS step'} FROM inputs WHERE source_id = ? AND ((source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT') OR (source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT')) ORDER BY destination_id`,
      [runId],
    );
    const links: Pick<RunRecord, 'modelInputs' | 'modelOutputs'> = { modelInputs: [], modelOutputs: [] };
    for (const r of rows) {
      if (r.destination_type === 'MODEL_INPUT') links.modelInputs.push(str(r.destination_id));
      else links.modelOutputs.push({ modelId: str(r.destination_id), step: num(r.step) });
    }
    return links;
  }

  private async datasets(runId: string): Promise<DatasetInput[]> {
    if (!(await this.tableExists('inputs')) || !(await this.tableExists('datasets'))) return [];
    const rows = await this.db.query(
      `SELECT i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.destination_id = ? AND i.source_type = 'DATASET' AND i.destination_type = 'RUN' ORDER BY i.input_uuid`,
      [runId],
    );
    const out: DatasetInput[] = [];
    for (const r of rows) {
      const input: DatasetInput = {
        dataset: {
          name: str(r.name),
          digest: str(r.digest),
          source_type: str(r.dataset_source_type),
          source: str(r.dataset_source),
        },
      };
      if (r.dataset_schema !== null && r.dataset_schema !== undefined)
        input.dataset.schema = str(r.dataset_schema);
      if (r.dataset_profile !== null && r.dataset_profile !== undefined)
        input.dataset.profile = str(r.dataset_profile);
      const tags = await this.db.query(
        `SELECT ${this.q('name')} AS k, ${this.q('value')} AS v FROM input_tags WHERE input_uuid = ? ORDER BY ${this.q('name')}`,
        [str(r.input_uuid)],
      );
      if (tags.length) input.tags = tags.map((t) => ({ key: str(t.k), value: str(t.v) }));
      out.push(input);
    }
    return out;
  }

  async *metrics(run: RunRecord): AsyncIterable<MetricPoint[]> {
    const k = this.q('key');
    const keys = await this.db.query(
      `SELECT DISTINCT ${k} AS k FROM metrics WHERE run_uuid = ? ORDER BY ${k}`,
      [run.runId],
    );
    for (const { k: keyValue } of keys) {
      const key = str(keyValue);
      for (let offset = 0; ; offset += METRIC_BATCH) {
        const rows = await this.db.query(
          `SELECT ${this.db.dialect.readDouble(this.q('value'))} AS v, ${this.q('timestamp')} AS ts, step, is_nan FROM metrics WHERE run_uuid = ? AND ${k} = ? ORDER BY ${this.q('timestamp')}, step, ${this.q('value')} LIMIT ${METRIC_BATCH} OFFSET ${offset}`,
          [run.runId, key],
        );
        if (rows.length) {
          yield rows.map((r) => ({
            key,
            value: truthy(r.is_nan) ? NaN : num(r.v),
            timestamp: num(r.ts),
            step: num(r.step),
          }));
        }
        if (rows.length < METRIC_BATCH) break;
      }
    }
  }

  /**
   * Where files stored at `uri` are: under `--artifacts-from` when given (at `fallback`, relative
   * to it, when the URI is not a proxied one), else at the URI itself.
   */
  private artifactRoot(uri: string, fallback: string, what: string): string {
    if (this.artifactsFrom) {
      const root = this.artifactsFrom.replace(/\/+$/, '');
      const proxied = /^mlflow-artifacts:\/*(.*)$/.exec(uri);
      return proxied ? `${root}/${proxied[1]}` : `${root}/${fallback}`;
    }
    if (/^(mlflow-artifacts|https?):/.test(uri)) {
      throw invalidParam(
        `the artifacts of ${what} are behind a server's artifact proxy (${uri}): pass --artifacts-from with that server's --artifacts-destination, or --no-artifacts.`,
      );
    }
    return uri;
  }

  artifacts(run: RunRecord): AsyncIterable<ArtifactFile> {
    const root = this.artifactRoot(
      run.artifactUri,
      `${run.experimentId}/${run.runId}/artifacts`,
      `run ${run.runId}`,
    );
    return walkRepository(artifactRepositoryFor(root));
  }

  loggedModelArtifacts(model: LoggedModelRecord): AsyncIterable<ArtifactFile> {
    const root = this.artifactRoot(
      model.artifactLocation,
      `${model.experimentId}/models/${model.modelId}/artifacts`,
      `logged model ${model.modelId}`,
    );
    return walkRepository(artifactRepositoryFor(root));
  }

  /** Every metric point logged against a model (MLflow keeps NaN as NULL there). */
  private async loggedModelMetrics(modelId: string): Promise<LoggedModelMetricPoint[]> {
    if (!(await this.tableExists('logged_model_metrics'))) return [];
    const rows = await this.db.query(
      `SELECT metric_name, metric_timestamp_ms, metric_step, ${this.db.dialect.readDouble('metric_value')} AS metric_value, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id = ? ORDER BY metric_name, metric_timestamp_ms, metric_step`,
      [modelId],
    );
    return rows.map((r) => ({
      key: str(r.metric_name),
      value: r.metric_value === null || r.metric_value === undefined ? NaN : num(r.metric_value),
      timestamp: num(r.metric_timestamp_ms),
      step: num(r.metric_step),
      runId: str(r.run_id),
      datasetName: str(r.dataset_name),
      datasetDigest: str(r.dataset_digest),
    }));
  }

  async *loggedModels(e: ExperimentRecord): AsyncIterable<LoggedModelRecord> {
    if (!(await this.tableExists('logged_models'))) return;
    const rows = await this.db.query(
      'SELECT model_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message FROM logged_models WHERE experiment_id = ? ORDER BY model_id',
      [Number(e.experimentId)],
    );
    for (const r of rows) {
      const id = str(r.model_id);
      const params = (await this.tableExists('logged_model_params'))
        ? await this.db.query(
            'SELECT param_key AS k, param_value AS v FROM logged_model_params WHERE model_id = ?',
            [id],
          )
        : [];
      const tags = (await this.tableExists('logged_model_tags'))
        ? await this.db.query(
            'SELECT tag_key AS k, tag_value AS v FROM logged_model_tags WHERE model_id = ?',
            [id],
          )
        : [];
      yield {
        modelId: id,
        experimentId: e.experimentId,
        name: str(r.name),
        artifactLocation: str(r.artifact_location),
        creationTime: num(r.creation_timestamp_ms),
        lastUpdatedTime: num(r.last_updated_timestamp_ms),
        status: LOGGED_MODEL_STATUSES[num(r.status)] ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
        lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        modelType: str(r.model_type),
        sourceRunId: str(r.source_run_id),
        statusMessage: str(r.status_message),
        params: params.map((p) => ({ key: str(p.k), value: str(p.v) })),
        tags: tags.map((t) => ({ key: str(t.k), value: str(t.v) })),
        metrics: await this.loggedModelMetrics(id),
      };
    }
  }

  async *registeredModels(): AsyncIterable<RegisteredModelData> {
    if (!(await this.tableExists('registered_models'))) return;
    const q = (n: string) => this.q(n);
    const models = await this.db.query(
      `SELECT ${q('name')} AS name, creation_time, last_updated_time, description FROM registered_models ORDER BY ${q('name')}`,
    );
    for (const m of models) {
      const name = str(m.name);
      const versions = await this.db.query(
        `SELECT version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, run_link, status, status_message, storage_location FROM model_versions WHERE ${q('name')} = ? AND current_stage <> 'Deleted_Internal' ORDER BY version`,
        [name],
      );
      const data: ModelVersionData[] = [];
      for (const v of versions) {
        const tags = await this.db.query(
          `SELECT ${q('key')} AS k, ${q('value')} AS v FROM model_version_tags WHERE ${q('name')} = ? AND version = ? ORDER BY ${q('key')}`,
          [name, num(v.version)],
        );
        data.push({
          version: num(v.version),
          creationTime: num(v.creation_time),
          lastUpdatedTime: num(v.last_updated_time),
          description: optStr(v.description),
          userId: optStr(v.user_id),
          stage: (optStr(v.current_stage) ?? 'None') as ModelVersionStage,
          source: str(v.source),
          storageLocation: optStr(v.storage_location),
          runId: optStr(v.run_id) || null,
          runLink: optStr(v.run_link) || null,
          modelId: null,
          status: (optStr(v.status) ?? 'READY') as ModelVersionStatus,
          statusMessage: optStr(v.status_message),
          tags: tags.map((t) => ({ key: str(t.k), value: str(t.v) })),
        });
      }
      const aliases = (await this.tableExists('registered_model_aliases'))
        ? await this.db.query(
            `SELECT alias, version FROM registered_model_aliases WHERE ${q('name')} = ? ORDER BY alias`,
            [name],
          )
        : [];
      yield {
        name,
        creationTime: num(m.creation_time),
        lastUpdatedTime: num(m.last_updated_time),
        description: optStr(m.description),
        userId: null,
        tags: await this.keyValues('registered_model_tags', 'name', name),
        aliases: aliases.map((a) => ({ alias: str(a.alias), version: num(a.version) })),
        versions: data,
      };
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

type SqlId = string | number;
