/**
 * The tracking domain: validates requests (MLflow's limits and rules), fills defaults (default
 * experiment, generated run names, `mlflow.runName` kept in sync) and delegates persistence to a
 * TrackingStore. No HTTP here; the REST routes decode fields and call these methods.
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
  RunStatus,
  RunTag,
  Tag,
  ViewType,
} from '../entities/tracking.js';
import type { SearchLoggedModelsQuery, TrackingStore } from '../store/tracking-store.js';
import { decodePageToken, parseOrderByList, parseSearchFilter } from '../search/index.js';
import { generateRunName } from './run-names.js';
import { LOG_MODEL_HISTORY_TAG, appendLogModelHistory, parseModelJson } from './log-model-history.js';
import {
  bulkHistoryLimit,
  bulkIntervalLimit,
  checkRunIdCount,
  historyPageSize,
  sampledPoints,
} from './history-requests.js';
import {
  LIMITS,
  checkLength,
  isExperimentIdLike,
  validateArtifactLocation,
  validateBatchLimits,
  validateDatasetInput,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateRunTag,
} from './validation.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const RUN_NAME_TAG = 'mlflow.runName';

export interface CreateRunRequest {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: RunTag[];
}

export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface SearchExperimentsRequest {
  viewType?: ViewType;
  maxResults?: number;
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateLoggedModelRequest {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Param[];
  tags?: Tag[];
}

const noExperiment = (id: string) => notFound(`No Experiment with id=${id} exists`);

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
      filter: req.filter || undefined,
      orderBy: req.orderBy?.length ? req.orderBy : undefined,
      pageToken: req.pageToken || undefined,
    });
  }

  // ---- runs --------------------------------------------------------------------------------

  async createRun(req: CreateRunRequest): Promise<Run> {
    const experimentId = req.experimentId || DEFAULT_EXPERIMENT_ID;
    if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
    // An empty mlflow.runName tag names nothing: the run gets a name and the tag follows it.
    const tags = (req.tags ?? [])
      .map((t) => validateRunTag(t, this.truncate))
      .filter((t) => !(t.key === RUN_NAME_TAG && t.value === ''));
    const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (req.runName && tagName !== undefined && tagName !== req.runName) {
      throw invalidParam(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${req.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = req.runName || tagName || generateRunName();
    checkLength('run_name', runName, LIMITS.runName);
    if (tagName === undefined) tags.push({ key: RUN_NAME_TAG, value: runName });
    const userId = checkLength('user_id', req.userId ?? '', LIMITS.userId);
    if (req.startTime !== undefined && req.startTime < 0) {
      throw invalidParam(`Invalid value ${req.startTime} for parameter 'start_time': must not be negative.`);
    }
    return this.store.createRun({
      experimentId,
      userId,
      runName,
      // MLflow stores 0 when the client gives no start time; clients always send one.
      startTime: req.startTime ?? 0,
      tags,
    });
  }

  async getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    if (update.endTime !== undefined && update.endTime < 0) {
      throw invalidParam(`Invalid value ${update.endTime} for parameter 'end_time': must not be negative.`);
    }
    if (update.runName !== undefined) {
      if (update.runName === '') update = { ...update, runName: undefined };
      else checkLength('run_name', update.runName, LIMITS.runName);
    }
    // The store keeps the `mlflow.runName` tag in step with the name.
    return this.store.updateRun(runId, update);
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
    const checked = validateRunTag(tag, this.truncate);
    // Writing the `mlflow.runName` tag also renames the run, in the store's same transaction.
    if (checked.key === RUN_NAME_TAG) checkLength('mlflow.runName', checked.value, LIMITS.runName);
    await this.store.logBatch(runId, [], [], [checked]);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.store.deleteTag(runId, key);
  }

  async logBatch(runId: string, metrics: Metric[], params: Param[], tags: RunTag[]): Promise<void> {
    validateBatchLimits(metrics.length, params, tags.length);
    const m = metrics.map((x, i) => validateMetric(x, `metrics[${i}].key`));
    const p = params.map((x) => validateParam(x, this.truncate));
    const t = tags.map((x) => validateRunTag(x, this.truncate));
    // The last mlflow.runName tag of the batch wins, as for any other tag.
    const renamed = [...t].reverse().find((x) => x.key === RUN_NAME_TAG);
    if (renamed) checkLength('mlflow.runName', renamed.value, LIMITS.runName);
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
    const maxResults = validateMaxResults(req.maxResults, LIMITS.searchRunsDefault, LIMITS.searchRunsMax);
    for (const id of req.experimentIds) {
      if (!isExperimentIdLike(id)) {
        throw invalidParam(`Invalid experiment id '${id}': experiment ids are integers.`);
      }
    }
    if (!req.experimentIds.length) {
      // Nothing to search, but a malformed filter or order_by is still reported.
      parseSearchFilter('runs', req.filter || undefined);
      parseOrderByList('runs', req.orderBy);
      if (req.pageToken) decodePageToken(req.pageToken);
      return { items: [] };
    }
    return this.store.searchRuns({
      experimentIds: req.experimentIds,
      filter: req.filter || undefined,
      viewType: req.viewType ?? 'ACTIVE_ONLY',
      maxResults,
      orderBy: req.orderBy?.length ? req.orderBy : undefined,
      pageToken: req.pageToken || undefined,
    });
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
      for (const m of page.items) out.push({ ...m, run_id: runId });
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
    if (!isExperimentIdLike(req.experimentId)) throw noExperiment(req.experimentId);
    const name = req.name || generateRunName();
    checkLength('name', name, LIMITS.loggedModelName);
    if (req.modelType) checkLength('model_type', req.modelType, LIMITS.loggedModelType);
    if (req.sourceRunId) checkLength('source_run_id', req.sourceRunId, LIMITS.runId);
    const params = (req.params ?? []).map((p) => validateParam(p, this.truncate));
    const tags = (req.tags ?? []).map((t) => validateRunTag(t, this.truncate));
    return this.store.createLoggedModel({
      experimentId: req.experimentId,
      name,
      modelType: req.modelType || undefined,
      sourceRunId: req.sourceRunId || undefined,
      params,
      tags,
    });
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.store.getLoggedModel(modelId);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.store.deleteLoggedModel(modelId);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (status !== 'LOGGED_MODEL_READY' && status !== 'LOGGED_MODEL_UPLOAD_FAILED') {
      throw invalidParam(
        `Invalid value "${status}" for parameter 'status': a logged model is finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
      );
    }
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
    if (params.length > LIMITS.batchParams) {
      throw invalidParam(
        `At most ${LIMITS.batchParams} params can be logged per request, got ${params.length}.`,
      );
    }
    const checked = params.map((p) => validateParam(p, this.truncate));
    await this.store.logLoggedModelParams(modelId, checked);
  }

  async searchLoggedModels(
    req: Omit<SearchLoggedModelsQuery, 'maxResults'> & { maxResults?: number },
  ): Promise<Page<LoggedModel>> {
    for (const id of req.experimentIds) {
      if (!isExperimentIdLike(id))
        throw invalidParam(`Invalid experiment id '${id}': experiment ids are integers.`);
    }
    const maxResults = validateMaxResults(req.maxResults, LIMITS.loggedModelsDefault, LIMITS.loggedModelsMax);
    for (const o of req.orderBy ?? []) validateKey(o.field_name, 'order_by.field_name');
    return this.store.searchLoggedModels({ ...req, maxResults, pageToken: req.pageToken || undefined });
  }
}

function checkModelRef(m: { model_id: string }): void {
  if (!m.model_id) throw invalidParam(`Missing value for required parameter 'models.model_id'.`);
  checkLength('model_id', m.model_id, LIMITS.modelId);
}

export { LOG_MODEL_HISTORY_TAG };
