/** SQL side of `cairn gc` (see garbage-store.ts for the two-step removal). */
import type {
  GarbageStore,
  GcExperimentCandidate,
  GcRunCandidate,
  ModelVersionReference,
} from '../../garbage-store.js';
import type { Row, SqlDatabase, SqlExecutor } from '../database.js';

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const stage = (v: unknown): 'deleted' | 'purging' => (v === 'purging' ? 'purging' : 'deleted');

/** Rows keyed by run id, deepest first; metric history is keyed by the run's integer handle. */
async function deleteRunChildren(tx: SqlExecutor, ids: string[]): Promise<void> {
  const m = marks(ids.length);
  // Summaries go with the history: a later run may be given a freed run handle (SQLite rowids).
  for (const table of ['metrics', 'metric_chunks', 'metric_summaries', 'metric_summary_stale']) {
    await tx.run(
      `DELETE FROM ${table} WHERE run_pk IN (SELECT run_pk FROM runs WHERE run_uuid IN (${m}))`,
      ids,
    );
  }
  await tx.run(
    `DELETE FROM input_tags WHERE input_uuid IN (SELECT input_uuid FROM run_inputs WHERE run_uuid IN (${m}))`,
    ids,
  );
  for (const table of ['latest_metrics', 'params', 'tags', 'run_inputs', 'run_models']) {
    await tx.run(`DELETE FROM ${table} WHERE run_uuid IN (${m})`, ids);
  }
}

export class SqlGarbageStore implements GarbageStore {
  /** `registry` is the registry store's database (the tracking one unless configured apart). */
  constructor(
    private readonly db: SqlDatabase,
    private readonly registry: SqlDatabase = db,
  ) {}

  async runCandidates(cutoff: number, after: string, limit: number): Promise<GcRunCandidate[]> {
    const rows = await this.db.query(
      `SELECT run_uuid, experiment_id, artifact_uri, lifecycle_stage, deleted_time FROM runs
       WHERE run_uuid > ? AND (lifecycle_stage = 'purging' OR (lifecycle_stage = 'deleted' AND deleted_time <= ?))
       ORDER BY run_uuid LIMIT ${Math.max(1, Math.floor(limit))}`,
      [after, cutoff],
    );
    return rows.map((r) => ({
      runId: String(r.run_uuid),
      experimentId: String(r.experiment_id),
      artifactUri: String(r.artifact_uri),
      stage: stage(r.lifecycle_stage),
      deletedTime: num(r.deleted_time),
    }));
  }

  async experimentCandidates(cutoff: number, after: number, limit: number): Promise<GcExperimentCandidate[]> {
    const rows = await this.db.query(
      `SELECT experiment_id, name, artifact_location, lifecycle_stage, deleted_time FROM experiments
       WHERE experiment_id > ? AND experiment_id <> 0
         AND (lifecycle_stage = 'purging' OR (lifecycle_stage = 'deleted' AND deleted_time <= ?))
       ORDER BY experiment_id LIMIT ${Math.max(1, Math.floor(limit))}`,
      [after, cutoff],
    );
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: String(r.name),
      artifactLocation: String(r.artifact_location ?? ''),
      stage: stage(r.lifecycle_stage),
      deletedTime: num(r.deleted_time),
    }));
  }

  async modelVersionReferences(): Promise<ModelVersionReference[]> {
    const rows: Row[] = await this.registry.query(
      'SELECT name, version, source, storage_location, run_id, model_id FROM model_versions',
    );
    return rows.map((r) => ({
      name: String(r.name),
      version: Number(r.version),
      source: String(r.source),
      storageLocation: r.storage_location === null ? null : String(r.storage_location),
      runId: r.run_id === null ? null : String(r.run_id),
      modelId: r.model_id === null ? null : String(r.model_id),
    }));
  }

  async loggedModelIds(experimentId: string): Promise<string[]> {
    const rows = await this.db.query('SELECT model_id FROM logged_models WHERE experiment_id = ?', [
      Number(experimentId),
    ]);
    return rows.map((r) => String(r.model_id));
  }

  async blockingRuns(experimentId: string, cutoff: number): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT run_uuid FROM runs WHERE experiment_id = ?
         AND NOT (lifecycle_stage = 'purging' OR (lifecycle_stage = 'deleted' AND deleted_time <= ?))
       ORDER BY run_uuid LIMIT 20`,
      [Number(experimentId), cutoff],
    );
    return rows.map((r) => String(r.run_uuid));
  }

  async markRunsPurging(runIds: string[], cutoff: number): Promise<string[]> {
    if (runIds.length === 0) return [];
    const m = marks(runIds.length);
    return this.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE runs SET lifecycle_stage = 'purging' WHERE run_uuid IN (${m}) AND lifecycle_stage = 'deleted' AND deleted_time <= ?`,
        [...runIds, cutoff],
      );
      const rows = await tx.query(
        `SELECT run_uuid FROM runs WHERE run_uuid IN (${m}) AND lifecycle_stage = 'purging' ORDER BY run_uuid`,
        runIds,
      );
      return rows.map((r) => String(r.run_uuid));
    });
  }

  async deleteRunRows(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT run_uuid FROM runs WHERE run_uuid IN (${marks(runIds.length)}) AND lifecycle_stage = 'purging'`,
        runIds,
      );
      const ids = rows.map((r) => String(r.run_uuid));
      if (ids.length === 0) return;
      await deleteRunChildren(tx, ids);
      await tx.run(`DELETE FROM runs WHERE run_uuid IN (${marks(ids.length)})`, ids);
    });
  }

  async markExperimentPurging(experimentId: string, cutoff: number): Promise<boolean> {
    const id = Number(experimentId);
    return this.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE experiments SET lifecycle_stage = 'purging'
         WHERE experiment_id = ? AND lifecycle_stage = 'deleted' AND deleted_time <= ?
           AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.experiment_id = ?)`,
        [id, cutoff, id],
      );
      const rows = await tx.query('SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?', [id]);
      return rows[0]?.lifecycle_stage === 'purging';
    });
  }

  async deleteExperimentRows(experimentId: string): Promise<void> {
    const id = Number(experimentId);
    await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT 1 AS x FROM experiments WHERE experiment_id = ? AND lifecycle_stage = 'purging'
           AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.experiment_id = ?)`,
        [id, id],
      );
      if (!rows[0]) return;
      const models = `SELECT model_id FROM logged_models WHERE experiment_id = ?`;
      for (const table of ['logged_model_params', 'logged_model_tags', 'logged_model_metrics']) {
        await tx.run(`DELETE FROM ${table} WHERE model_id IN (${models})`, [id]);
      }
      await tx.run(`DELETE FROM run_models WHERE model_id IN (${models})`, [id]);
      for (const table of ['logged_models', 'datasets', 'experiment_tags', 'experiments']) {
        await tx.run(`DELETE FROM ${table} WHERE experiment_id = ?`, [id]);
      }
    });
  }
}
