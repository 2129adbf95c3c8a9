/**
 * `ImportStore` on the SQL schema: inserts with the source's ids and timestamps. Reuses the
 * tracking store's batch writer (params, tags, metric history + latest values) and input linking,
 * so imported data is stored exactly like logged data.
 */
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  RegisteredModelData,
  RunRecord,
} from '../../../entities/migration.js';
import type { Metric } from '../../../entities/tracking.js';
import type { ExperimentPresence, ImportStore } from '../../import-store.js';
import type { SqlDatabase } from '../database.js';
import { num, str, type StoreContext } from '../tracking/common.js';
import { upsertExperimentTags } from '../tracking/experiments.js';
import { linkDatasets, linkModels } from '../tracking/inputs.js';
import { insertModelMetrics, writeBatch } from '../tracking/log-batch.js';
import { insertModelParams, statusNumber, upsertModelTags } from '../tracking/logged-models.js';
import { RUN_COLUMNS } from '../tracking/run-loader.js';
import { insertRegisteredModel } from './registry-import.js';

export class SqlImportStore implements ImportStore {
  private readonly ctx: StoreContext;

  constructor(private readonly db: SqlDatabase) {
    // Artifact locations are always given explicitly on import.
    this.ctx = { db, defaultArtifactRoot: '' };
  }

  async experimentPresence(experimentId: string, name: string): Promise<ExperimentPresence> {
    const byId = await this.db.query(
      'SELECT name, artifact_location FROM experiments WHERE experiment_id = ?',
      [Number(experimentId)],
    );
    if (byId[0]) {
      if (str(byId[0].name) === name)
        return { state: 'present', artifactLocation: str(byId[0].artifact_location) };
      return {
        state: 'clash',
        reason: `id ${experimentId} is taken here by experiment '${str(byId[0].name)}'`,
      };
    }
    const byName = await this.db.query('SELECT experiment_id FROM experiments WHERE name = ?', [name]);
    if (byName[0]) {
      return {
        state: 'clash',
        reason: `the name is taken here by experiment ${String(byName[0].experiment_id)}`,
      };
    }
    return { state: 'absent' };
  }

  async insertExperiment(e: ExperimentRecord, artifactLocation: string): Promise<void> {
    const id = Number(e.experimentId);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, deleted_time) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          e.name,
          artifactLocation,
          e.lifecycleStage,
          e.creationTime,
          e.lastUpdateTime,
          e.lifecycleStage === 'deleted' ? e.lastUpdateTime : null,
        ],
      );
      await upsertExperimentTags(this.ctx, tx, id, e.tags);
      await this.db.dialect.advanceGeneratedIds(tx, 'experiments', 'experiment_id');
    });
  }

  async runExperiment(runId: string): Promise<string | null> {
    const rows = await this.db.query('SELECT experiment_id FROM runs WHERE run_uuid = ?', [runId]);
    return rows[0] ? String(rows[0].experiment_id) : null;
  }

  async insertRun(
    run: RunRecord,
    artifactUri: string,
    metrics: AsyncIterable<MetricPoint[]>,
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, deleted_time, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          run.runId,
          Number(run.experimentId),
          run.name,
          run.userId,
          run.status,
          run.startTime,
          run.endTime,
          run.lifecycleStage,
          run.deletedTime,
          artifactUri,
        ],
      );
      const row = (await tx.query(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_uuid = ?`, [run.runId]))[0]!;
      await writeBatch(
        this.ctx,
        tx,
        { runId: run.runId, metrics: [], params: run.params, tags: run.tags },
        row,
      );
      // The run name of the source wins over a differing mlflow.runName tag.
      await tx.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [run.name, run.runId]);
      let points = 0;
      for await (const batch of metrics) {
        if (!batch.length) continue;
        await writeBatch(this.ctx, tx, { runId: run.runId, metrics: batch, params: [], tags: [] }, row);
        points += batch.length;
      }
      if (run.datasets.length)
        await linkDatasets(this.ctx, tx, run.runId, num(row.experiment_id), run.datasets);
      const inputs = run.modelInputs.map((id) => ({ model_id: id, step: 0 }));
      if (inputs.length) await linkModels(this.ctx, tx, run.runId, 'input', inputs);
      const outputs = run.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step }));
      if (outputs.length) await linkModels(this.ctx, tx, run.runId, 'output', outputs);
      return points;
    });
  }

  async loggedModelExists(modelId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 AS x FROM logged_models WHERE model_id = ?', [modelId])).length > 0;
  }

  async insertLoggedModel(m: LoggedModelRecord, artifactLocation: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, lifecycle_stage, model_type, source_run_id, status_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          m.modelId,
          Number(m.experimentId),
          m.name,
          artifactLocation,
          m.creationTime,
          m.lastUpdatedTime,
          statusNumber(m.status),
          m.lifecycleStage,
          m.modelType,
          m.sourceRunId,
          m.statusMessage || null,
        ],
      );
      await insertModelParams(this.ctx, tx, m.modelId, m.params);
      await upsertModelTags(this.ctx, tx, m.modelId, m.tags);
      const byRun = new Map<string, Metric[]>();
      for (const p of m.metrics ?? []) {
        let list = byRun.get(p.runId);
        if (!list) byRun.set(p.runId, (list = []));
        list.push({
          key: p.key,
          value: p.value,
          timestamp: p.timestamp,
          step: p.step,
          model_id: m.modelId,
          dataset_name: p.datasetName,
          dataset_digest: p.datasetDigest,
        });
      }
      for (const [runId, points] of byRun) await insertModelMetrics(this.ctx, tx, runId, points);
    });
  }

  async registeredModelCreationTime(name: string): Promise<number | null> {
    const q = this.db.dialect.id;
    const rows = await this.db.query(
      `SELECT ${q('creation_time')} AS t FROM ${q('registered_models')} WHERE ${q('name')} = ?`,
      [name],
    );
    return rows[0] ? num(rows[0].t) : null;
  }

  async modelVersionNumbers(name: string): Promise<Set<number>> {
    const q = this.db.dialect.id;
    const rows = await this.db.query(
      `SELECT ${q('version')} AS v FROM ${q('model_versions')} WHERE ${q('name')} = ?`,
      [name],
    );
    return new Set(rows.map((r) => num(r.v)));
  }

  insertRegisteredModel(model: RegisteredModelData, createModel: boolean): Promise<void> {
    return insertRegisteredModel(this.db, model, createModel);
  }
}
