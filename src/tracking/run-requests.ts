/**
 * Argument rules of run requests: creating a run (its name and the `mlflow.runName` tag agree),
 * updating it, logging batches, inputs and outputs, and searching runs. Each function checks a
 * request and returns what the store is given, or throws INVALID_PARAMETER_VALUE.
 */
import { invalidParam } from '../errors.js';
import {
  RUN_NAME_TAG,
  type Metric,
  type ModelInput,
  type ModelOutput,
  type Param,
  type RunStatus,
  type RunTag,
  type ViewType,
} from '../entities/tracking.js';
import type { CreateRunInput, SearchRunsQuery } from '../store/tracking-store.js';
import { decodePageToken, parseOrderByList, parseSearchFilter } from '../search/index.js';
import { generateRunName } from './run-names.js';
import {
  LIMITS,
  checkLength,
  isExperimentIdLike,
  noExperiment,
  validateBatchLimits,
  validateMaxResults,
  validateKey,
  validateMetricPoint,
  validateParam,
  validateRunTag,
} from './validation.js';

export interface CreateRunRequest {
  /** Required: a run never silently lands in the default experiment (MLflow answers 400 too). */
  experimentId: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: RunTag[];
}

export interface UpdateRunRequest {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** The run to create: a generated name when none is given, and the `mlflow.runName` tag set to it. */
export function checkCreateRun(req: CreateRunRequest, truncate: boolean): CreateRunInput {
  const experimentId = req.experimentId;
  if (!experimentId) throw invalidParam(`Missing value for required parameter 'experiment_id'.`);
  if (!isExperimentIdLike(experimentId)) throw noExperiment(experimentId);
  // An empty mlflow.runName tag names nothing: the run gets a name and the tag follows it.
  const tags = (req.tags ?? [])
    .map((t) => validateRunTag(t, truncate))
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
  return {
    experimentId,
    userId,
    runName,
    // MLflow stores 0 when the client gives no start time; clients always send one.
    startTime: req.startTime ?? 0,
    tags,
  };
}

/** An update to apply: an empty new name means "keep the name". */
export function checkUpdateRun(update: UpdateRunRequest): UpdateRunRequest {
  if (update.endTime !== undefined && update.endTime < 0) {
    throw invalidParam(`Invalid value ${update.endTime} for parameter 'end_time': must not be negative.`);
  }
  if (update.runName === undefined) return update;
  if (update.runName === '') return { ...update, runName: undefined };
  checkLength('run_name', update.runName, LIMITS.runName);
  return update;
}

/** A tag written on a run; writing `mlflow.runName` also renames it, so the name's limit applies. */
export function checkRunTag(tag: RunTag, truncate: boolean): RunTag {
  const checked = validateRunTag(tag, truncate);
  if (checked.key === RUN_NAME_TAG) checkLength('mlflow.runName', checked.value, LIMITS.runName);
  return checked;
}

export interface CheckedBatch {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

export function checkBatch(
  metrics: Metric[],
  params: Param[],
  tags: RunTag[],
  truncate: boolean,
): CheckedBatch {
  validateBatchLimits(metrics.length, params, tags.length);
  // A batch repeats few keys over many points: each distinct key is checked once.
  const validKeys = new Set<string>();
  const m: Metric[] = new Array(metrics.length);
  for (let i = 0; i < metrics.length; i++) {
    const x = metrics[i]!;
    if (!validKeys.has(x.key)) {
      validateKey(x.key, `metrics[${i}].key`);
      validKeys.add(x.key);
    }
    m[i] = validateMetricPoint(x);
  }
  const p = params.map((x) => validateParam(x, truncate));
  const t = tags.map((x) => validateRunTag(x, truncate));
  // The last mlflow.runName tag of the batch wins, as for any other tag.
  const renamed = [...t].reverse().find((x) => x.key === RUN_NAME_TAG);
  if (renamed) checkLength('mlflow.runName', renamed.value, LIMITS.runName);
  return { metrics: m, params: p, tags: t };
}

/** A model named as a run's input or output. */
export function checkModelRef(m: ModelInput | ModelOutput): void {
  if (!m.model_id) throw invalidParam(`Missing value for required parameter 'models.model_id'.`);
  checkLength('model_id', m.model_id, LIMITS.modelId);
}

export function checkExperimentIds(experimentIds: string[]): void {
  for (const id of experimentIds) {
    if (!isExperimentIdLike(id))
      throw invalidParam(`Invalid experiment id '${id}': experiment ids are integers.`);
  }
}

/**
 * The store query of a run search (filter and order-by parsed), or undefined when there is
 * nothing to search (no experiment ids); a malformed filter, order_by or page token is reported
 * either way.
 */
export function checkSearchRuns(req: SearchRunsRequest): SearchRunsQuery | undefined {
  const maxResults = validateMaxResults(req.maxResults, LIMITS.searchRunsDefault, LIMITS.searchRunsMax);
  checkExperimentIds(req.experimentIds);
  const filter = parseSearchFilter('runs', req.filter || undefined);
  const orderBy = parseOrderByList('runs', req.orderBy);
  if (!req.experimentIds.length) {
    if (req.pageToken) decodePageToken(req.pageToken);
    return undefined;
  }
  return {
    experimentIds: req.experimentIds,
    filter,
    viewType: req.viewType ?? 'ACTIVE_ONLY',
    maxResults,
    orderBy,
    pageToken: req.pageToken || undefined,
  };
}
