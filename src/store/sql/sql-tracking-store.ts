import type {
  DatasetInput,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelInput,
  ModelOutput,
  Page,
  Param,
  Run,
  RunInfo,
  RunStatus,
  RunTag,
  Tag,
} from '../../entities/tracking.js';
import type {
  CreateLoggedModelInput,
  CreateRunInput,
  SampledHistoryQuery,
  SearchExperimentsQuery,
  SearchLoggedModelsQuery,
  SearchRunsQuery,
  TrackingStore,
} from '../tracking-store.js';
import type { SqlDatabase } from './database.js';
import type { StoreContext } from './tracking/common.js';
import * as experiments from './tracking/experiments.js';
import * as runs from './tracking/runs.js';
import { GroupCommitter } from './tracking/group-commit.js';
import { logInputs, logOutputs } from './tracking/inputs.js';
import * as history from './tracking/metric-history.js';
import { searchRuns } from './tracking/search-runs.js';
import { searchExperiments } from './tracking/search-experiments.js';
import * as models from './tracking/logged-models.js';
import { searchLoggedModels } from './tracking/search-logged-models.js';

export interface SqlTrackingStoreOptions {
  /** Root under which experiments get their artifact location (`<root>/<experiment_id>`). */
  defaultArtifactRoot: string;
}

/**
 * The tracking store on SQLite, PostgreSQL or MySQL/MariaDB: one implementation written against
 * `SqlDatabase`. The schema comes from migrations (`upgradeSchema`) — `init()` only creates the
 * default experiment. The database is owned by the caller, who closes it.
 */
export class SqlTrackingStore implements TrackingStore {
  private readonly ctx: StoreContext;
  private readonly batches: GroupCommitter;

  constructor(db: SqlDatabase, opts: SqlTrackingStoreOptions) {
    this.ctx = { db, defaultArtifactRoot: opts.defaultArtifactRoot };
    this.batches = new GroupCommitter(this.ctx);
  }

  async init(): Promise<void> {
    await experiments.ensureDefaultExperiment(this.ctx);
  }

  /** Waits for queued (group-committed) writes; the database itself belongs to the caller. */
  async close(): Promise<void> {
    await this.batches.idle();
  }

  createExperiment(name: string, artifactLocation: string | undefined, tags: Tag[]): Promise<string> {
    return experiments.createExperiment(this.ctx, name, artifactLocation, tags);
  }
  getExperiment(experimentId: string): Promise<Experiment> {
    return experiments.getExperiment(this.ctx, experimentId);
  }
  countActiveRuns(experimentIds: string[]): Promise<Map<string, number>> {
    return experiments.countActiveRuns(this.ctx.db, experimentIds);
  }
  getExperimentByName(name: string): Promise<Experiment | null> {
    return experiments.getExperimentByName(this.ctx, name);
  }
  deleteExperiment(experimentId: string): Promise<void> {
    return experiments.deleteExperiment(this.ctx, experimentId);
  }
  restoreExperiment(experimentId: string): Promise<void> {
    return experiments.restoreExperiment(this.ctx, experimentId);
  }
  renameExperiment(experimentId: string, newName: string): Promise<void> {
    return experiments.renameExperiment(this.ctx, experimentId, newName);
  }
  setExperimentTag(experimentId: string, tag: Tag): Promise<void> {
    return experiments.setExperimentTag(this.ctx, experimentId, tag);
  }
  deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return experiments.deleteExperimentTag(this.ctx, experimentId, key);
  }
  searchExperiments(query: SearchExperimentsQuery): Promise<Page<Experiment>> {
    return searchExperiments(this.ctx, query);
  }

  createRun(input: CreateRunInput): Promise<Run> {
    return runs.createRun(this.ctx, input);
  }
  getRun(runId: string): Promise<Run> {
    return runs.getRun(this.ctx, runId);
  }
  updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    return runs.updateRun(this.ctx, runId, update);
  }
  deleteRun(runId: string): Promise<void> {
    return runs.deleteRun(this.ctx, runId);
  }
  restoreRun(runId: string): Promise<void> {
    return runs.restoreRun(this.ctx, runId);
  }
  logBatch(runId: string, metrics: Metric[], params: Param[], tags: RunTag[]): Promise<void> {
    return this.batches.write({ runId, metrics, params, tags });
  }
  deleteTag(runId: string, key: string): Promise<void> {
    return runs.deleteTag(this.ctx, runId, key);
  }
  logInputs(runId: string, datasets: DatasetInput[], modelInputs: ModelInput[]): Promise<void> {
    return logInputs(this.ctx, runId, datasets, modelInputs);
  }
  logOutputs(runId: string, modelOutputs: ModelOutput[]): Promise<void> {
    return logOutputs(this.ctx, runId, modelOutputs);
  }
  searchRuns(query: SearchRunsQuery): Promise<Page<Run>> {
    return searchRuns(this.ctx, query);
  }

  getMetricHistory(
    runId: string,
    key: string,
    maxResults: number | undefined,
    pageToken?: string,
  ): Promise<Page<Metric>> {
    return history.getMetricHistory(this.ctx, runId, key, maxResults, pageToken);
  }
  getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    maxResults: number,
    startStep?: number,
    endStep?: number,
  ): Promise<Metric[]> {
    return history.getMetricHistoryBulkInterval(this.ctx, runIds, key, maxResults, startStep, endStep);
  }
  getSampledMetricHistory(query: SampledHistoryQuery): Promise<Metric[]> {
    return history.getSampledMetricHistory(this.ctx, query);
  }

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return models.createLoggedModel(this.ctx, input);
  }
  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return models.getLoggedModel(this.ctx, modelId);
  }
  deleteLoggedModel(modelId: string): Promise<void> {
    return models.deleteLoggedModel(this.ctx, modelId);
  }
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return models.finalizeLoggedModel(this.ctx, modelId, status);
  }
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    return models.setLoggedModelTags(this.ctx, modelId, tags);
  }
  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return models.deleteLoggedModelTag(this.ctx, modelId, key);
  }
  logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    return models.logLoggedModelParams(this.ctx, modelId, params);
  }
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<Page<LoggedModel>> {
    return searchLoggedModels(this.ctx, query);
  }
}
