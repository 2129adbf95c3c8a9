/**
 * The tracking domain: validates requests (MLflow's limits and rules), fills defaults (default
 * experiment, generated run names, `mlflow.runName` kept in sync) and delegates persistence to a
 * TrackingStore. No HTTP here; the REST routes decode fields and call these methods. The rules
 * of each area live beside it: run-requests.ts, logged-model-requests.ts, history-requests.ts
 * and validation.ts.
 */
import { invalidParam, notFound } from '../errors.js';
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
  RunTag,
  Tag,
  ViewType,
} from '../entities/tracking.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { parseOrderByList, parseSearchFilter } from '../search/index.js';
import { LOG_MODEL_HISTORY_TAG, appendLogModelHistory, parseModelJson } from './log-model-history.js';
import {
  bulkHistoryLimit,
  bulkIntervalLimit,
  checkRunIdCount,
  historyPageSize,
  sampledPoints,
} from './history-requests.js';
import {
  checkCreateLoggedModel,
  checkFinalStatus,
  checkLoggedModelParams,
  checkSearchLoggedModels,
  type CreateLoggedModelRequest,
  type SearchLoggedModelsRequest,
} from './logged-model-requests.js';
import {
  checkBatch,
  checkCreateRun,
  checkModelRef,
  checkRunTag,
  checkSearchRuns,
  checkUpdateRun,
  type CreateRunRequest,
  type SearchRunsRequest,
  type UpdateRunRequest,
} from './run-requests.js';
import {
  LIMITS,
  isExperimentIdLike,
  noExperiment,
  validateArtifactLocation,
  validateDatasetInput,
  validateExperimentName,
  validateExperimentTag,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateRunTag,
} from './validation.js';

export interface SearchExperimentsRequest {
  viewType?: ViewType;
  maxResults?: number;
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
}

export class TrackingService {
  readonly store: TrackingStore;
  private readonly truncate: boolean;

  /** `truncateLongValues`: over-long param and tag values are cut (MLflow's default) instead of refused. */
  constructor(store: TrackingStore, options: { truncateLongValues?: boolean } = {}) {
    this.store = store;
    this.truncate = options.truncateLongValues ?? true;
  }

  // ---- experiments -------------------------------------------------------------------------

  async createExperiment(
    name: string,
    artifactLocation: string | undefined,
    tags: Tag[] = [],
  ): Promise<string> {
    validateExperimentName(name);
    if (artifactLocation !== undefined && artifactLocation !== '') validateArtifactLocation(artifactLocation);
    const checked = tags.map(validateExperimentTag);
    return this.store.createExperiment(name, artifactLocation || undefined, checked);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    return this.store.getExperiment(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const found = await this.store.getExperimentByName(name);
    if (!found) throw notFound(`Could not find experiment with name '${name}'`);
    return found;
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    await this.store.renameExperiment(experimentId, newName);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    await this.store.deleteExperiment(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    await this.store.restoreExperiment(experimentId);
  }

  async setExperimentTag(experimentId: string, tag: Tag): Promise<void> {
    validateExperimentTag(tag);
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    await this.store.setExperimentTag(experimentId, tag);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    await this.store.deleteExperimentTag(experimentId, key);
  }

  async searchExperiments(req: SearchExperimentsRequest): Promise<Page<Experiment>> {
    return this.store.searchExperiments({
      viewType: req.viewType ?? 'ACTIVE_ONLY',
      maxResults: validateMaxResults(
        req.maxResults,
        LIMITS.searchExperimentsDefault,
        LIMITS.searchExperimentsMax,
      ),
      filter: parseSearchFilter('experiments', req.filter || undefined),
      orderBy: parseOrderByList('experiments', req.orderBy),
      pageToken: req.pageToken || undefined,
    });
  }

  // ---- runs --------------------------------------------------------------------------------

  async createRun(req: CreateRunRequest): Promise<Run> {
    return this.store.createRun(checkCreateRun(req, this.truncate));
  }

  async getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  async updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo> {
    // The store keeps the `mlflow.runName` tag in step with the name.
    return this.store.updateRun(runId, checkUpdateRun(update));
  }

  async deleteRun(runId: string): Promise<void> {
    await this.store.deleteRun(runId);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.store.restoreRun(runId);
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.store.logBatch(runId, [validateMetric(metric)], [], []);
  }

  async logParam(runId: string, param: Param): Promise<void> {
    await this.store.logBatch(runId, [], [validateParam(param, this.truncate)], []);
  }

  async setTag(runId: string, tag: RunTag): Promise<void> {
    // Writing the `mlflow.runName` tag also renames the run, in the store's same transaction.
    await this.store.logBatch(runId, [], [], [checkRunTag(tag, this.truncate)]);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.store.deleteTag(runId, key);
  }

  async logBatch(runId: string, metrics: Metric[], params: Param[], tags: RunTag[]): Promise<void> {
    const { metrics: m, params: p, tags: t } = checkBatch(metrics, params, tags, this.truncate);
    if (m.length || p.length || t.length) await this.store.logBatch(runId, m, p, t);
    else await this.store.getRun(runId); // an empty batch still reports an unknown run
  }

  async logInputs(runId: string, datasets: DatasetInput[], models: ModelInput[] = []): Promise<void> {
    datasets.forEach(validateDatasetInput);
    models.forEach(checkModelRef);
    await this.store.logInputs(runId, datasets, models);
  }

  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    models.forEach(checkModelRef);
    await this.store.logOutputs(runId, models);
  }

  /** Appends an MLmodel description to the run's `mlflow.log-model.history` tag (a JSON list). */
  async logModel(runId: string, modelJson: string): Promise<void> {
    const model = parseModelJson(modelJson);
    const run = await this.store.getRun(runId);
    const previous = run.data.tags?.find((t) => t.key === LOG_MODEL_HISTORY_TAG)?.value;
    const value = appendLogModelHistory(previous, model);
    await this.store.logBatch(runId, [], [], [{ key: LOG_MODEL_HISTORY_TAG, value }]);
  }

  async searchRuns(req: SearchRunsRequest): Promise<Page<Run>> {
    const query = checkSearchRuns(req);
    return query ? this.store.searchRuns(query) : { items: [] };
  }

  /** Exact active-run counts for up to LIMITS.countRunsExperimentsMax experiments. */
  async countRuns(experimentIds: string[]): Promise<{ experiment_id: string; run_count: number }[]> {
    if (!experimentIds.length) throw invalidParam(`Missing value for required parameter 'experiment_ids'.`);
    if (experimentIds.length > LIMITS.countRunsExperimentsMax)
      throw invalidParam(
        `Count request must specify at most ${LIMITS.countRunsExperimentsMax} experiment_ids. Received ${experimentIds.length}.`,
      );
    const counts = await this.store.countActiveRuns(experimentIds);
    return experimentIds.map((id) => ({ experiment_id: id, run_count: counts.get(id) ?? 0 }));
  }

  // ---- metric histories --------------------------------------------------------------------

  async getMetricHistory(
    runId: string,
    key: string,
    maxResults?: number,
    pageToken?: string,
  ): Promise<Page<Metric>> {
    return this.store.getMetricHistory(runId, key, historyPageSize(maxResults), pageToken || undefined);
  }

  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    maxResults: number | undefined,
    startStep?: number,
    endStep?: number,
  ): Promise<Metric[]> {
    checkRunIdCount(runIds, 'GetMetricHistoryBulkInterval');
    const max = bulkIntervalLimit(maxResults, startStep, endStep);
    return this.store.getMetricHistoryBulkInterval(runIds, key, max, startStep, endStep);
  }

  /** Full histories of one metric for several runs (the UI's comparison charts). */
  async getMetricHistoryBulk(runIds: string[], key: string, maxResults?: number): Promise<Metric[]> {
    checkRunIdCount(runIds, 'GetMetricHistoryBulk');
    const max = bulkHistoryLimit(maxResults);
    const out: Metric[] = [];
    for (const runId of runIds) {
      const page = await this.store.getMetricHistory(runId, key, max);
      for (const m of page.items) out.push(withRunId(m, runId));
    }
    return out;
  }

  /** Downsampled histories (per-bucket min/max/first/last) for charts over long runs. */
  async getSampledMetricHistory(
    runIds: string[],
    key: string,
    maxPoints: number | undefined,
    startStep?: number,
    endStep?: number,
  ): Promise<Metric[]> {
    checkRunIdCount(runIds, 'GetSampledMetricHistory');
    const points = sampledPoints(maxPoints, startStep, endStep);
    return this.store.getSampledMetricHistory({ runIds, key, maxPoints: points, startStep, endStep });
  }

  // ---- logged models (MLflow 3) ------------------------------------------------------------

  async createLoggedModel(req: CreateLoggedModelRequest): Promise<LoggedModel> {
    return this.store.createLoggedModel(checkCreateLoggedModel(req, this.truncate));
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.store.getLoggedModel(modelId);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.store.deleteLoggedModel(modelId);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    checkFinalStatus(status);
    return this.store.finalizeLoggedModel(modelId, status);
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    const checked = tags.map((t) => validateRunTag(t, this.truncate));
    await this.store.setLoggedModelTags(modelId, checked);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.store.deleteLoggedModelTag(modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    await this.store.logLoggedModelParams(modelId, checkLoggedModelParams(params, this.truncate));
  }

  async searchLoggedModels(req: SearchLoggedModelsRequest): Promise<Page<LoggedModel>> {
    return this.store.searchLoggedModels(checkSearchLoggedModels(req));
  }
}

/**
 * A history point tagged with its run. Fields are named rather than spread: V8 adds a property to
 * a spread copy on a slow path (~2 µs each, measured: 51–67 ms per 25,000 points against 2–5 ms).
 */
function withRunId(m: Metric, runId: string): Metric {
  const out: Metric = { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step };
  if (m.dataset_name !== undefined) out.dataset_name = m.dataset_name;
  if (m.dataset_digest !== undefined) out.dataset_digest = m.dataset_digest;
  if (m.model_id !== undefined) out.model_id = m.model_id;
  out.run_id = runId;
  return out;
}
