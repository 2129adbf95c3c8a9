/** Argument rules of logged-model requests (MLflow 3): creation, finalizing, params and search. */
import { invalidParam } from '../errors.js';
import type { LoggedModelStatus, Param, Tag } from '../entities/tracking.js';
import type { CreateLoggedModelInput, DatasetRef, SearchLoggedModelsQuery } from '../store/tracking-store.js';
import { parseOrderByField, parseSearchFilter } from '../search/index.js';
import { generateRunName } from './run-names.js';
import { checkExperimentIds } from './run-requests.js';
import {
  LIMITS,
  checkLength,
  isExperimentIdLike,
  noExperiment,
  validateKey,
  validateMaxResults,
  validateParam,
  validateRunTag,
} from './validation.js';

export interface CreateLoggedModelRequest {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Param[];
  tags?: Tag[];
}

export interface SearchLoggedModelsRequest {
  experimentIds: string[];
  filter?: string;
  datasets?: DatasetRef[];
  maxResults?: number;
  /** As MLflow sends it: a field name (`metrics.acc`, `creation_time`), optionally on one dataset. */
  orderBy?: { field_name: string; ascending?: boolean; dataset_name?: string; dataset_digest?: string }[];
  pageToken?: string;
}

/** The logged model to create; without a name it gets a generated one, like a run. */
export function checkCreateLoggedModel(
  req: CreateLoggedModelRequest,
  truncate: boolean,
): CreateLoggedModelInput {
  if (!isExperimentIdLike(req.experimentId)) throw noExperiment(req.experimentId);
  const name = req.name || generateRunName();
  checkLength('name', name, LIMITS.loggedModelName);
  if (req.modelType) checkLength('model_type', req.modelType, LIMITS.loggedModelType);
  if (req.sourceRunId) checkLength('source_run_id', req.sourceRunId, LIMITS.runId);
  return {
    experimentId: req.experimentId,
    name,
    modelType: req.modelType || undefined,
    sourceRunId: req.sourceRunId || undefined,
    params: (req.params ?? []).map((p) => validateParam(p, truncate)),
    tags: (req.tags ?? []).map((t) => validateRunTag(t, truncate)),
  };
}

export function checkFinalStatus(status: LoggedModelStatus): void {
  if (status !== 'LOGGED_MODEL_READY' && status !== 'LOGGED_MODEL_UPLOAD_FAILED') {
    throw invalidParam(
      `Invalid value "${status}" for parameter 'status': a logged model is finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
    );
  }
}

export function checkLoggedModelParams(params: Param[], truncate: boolean): Param[] {
  if (params.length > LIMITS.batchParams) {
    throw invalidParam(
      `At most ${LIMITS.batchParams} params can be logged per request, got ${params.length}.`,
    );
  }
  return params.map((p) => validateParam(p, truncate));
}

export function checkSearchLoggedModels(req: SearchLoggedModelsRequest): SearchLoggedModelsQuery {
  checkExperimentIds(req.experimentIds);
  const maxResults = validateMaxResults(req.maxResults, LIMITS.loggedModelsDefault, LIMITS.loggedModelsMax);
  for (const o of req.orderBy ?? []) validateKey(o.field_name, 'order_by.field_name');
  const filter = parseSearchFilter('logged_models', req.filter || undefined);
  const orderBy = (req.orderBy ?? []).map((o) => {
    const parsed = parseOrderByField('logged_models', o.field_name, o.ascending ?? true);
    if (parsed.type !== 'metric' || !o.dataset_name) return parsed;
    return { ...parsed, dataset: { dataset_name: o.dataset_name, dataset_digest: o.dataset_digest } };
  });
  return {
    experimentIds: req.experimentIds,
    filter,
    datasets: req.datasets,
    maxResults,
    orderBy,
    pageToken: req.pageToken || undefined,
  };
}
