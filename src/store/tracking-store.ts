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
import type { Filter, OrderBy } from '../search/ast.js';

/**
 * Searches reach the store parsed: filters and order-by clauses are read by the search grammar
 * (`src/search/`) in the tracking service, as the registry service does for its searches. Page
 * tokens stay opaque here: the store writes them and reads them back.
 */
export interface SearchExperimentsQuery {
  viewType: ViewType;
  maxResults: number;
  filter?: Filter;
  orderBy?: OrderBy[];
  pageToken?: string;
}

export interface SearchRunsQuery {
  experimentIds: string[];
  filter?: Filter;
  viewType: ViewType;
  maxResults: number;
  orderBy?: OrderBy[];
  pageToken?: string;
}

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  runName: string;
  startTime: number;
  tags: RunTag[];
  /** Filled by the store from the experiment's artifact location when absent. */
  artifactUri?: string;
}

/** Downsampled history: per bucket of steps, the first/min/max/last points, so spikes stay visible. */
export interface SampledHistoryQuery {
  runIds: string[];
  key: string;
  /** Number of buckets over [startStep, endStep]; a history with fewer points is returned whole. */
  maxPoints: number;
  startStep?: number;
  endStep?: number;
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name: string;
  modelType?: string;
  sourceRunId?: string;
  params: Param[];
  tags: Tag[];
  /** Milliseconds since the epoch; defaults to now (an import keeps the original time). */
  creationTime?: number;
}

/** A dataset named by logged-model search: metrics are compared or ordered as logged on it. */
export interface DatasetRef {
  dataset_name: string;
  dataset_digest?: string;
}

/** An order-by term of logged-model search; a metric may be ordered by its value on one dataset. */
export interface LoggedModelOrderBy extends OrderBy {
  dataset?: DatasetRef;
}

export interface SearchLoggedModelsQuery {
  experimentIds: string[];
  filter?: Filter;
  datasets?: DatasetRef[];
  maxResults: number;
  orderBy?: LoggedModelOrderBy[];
  pageToken?: string;
}

/**
 * Persistence of experiments, runs, metrics, params, tags, inputs and logged models.
 * Arguments are already validated by the tracking service; the store enforces what needs the
 * data (existence, uniqueness, lifecycle, param immutability) and throws MlflowError.
 */
export interface TrackingStore {
  /** Creates the schema / default experiment when missing. */
  init(): Promise<void>;
  close(): Promise<void>;

  createExperiment(name: string, artifactLocation: string | undefined, tags: Tag[]): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Prefers the active experiment with this name over a deleted one; null when none. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  setExperimentTag(experimentId: string, tag: Tag): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;
  searchExperiments(query: SearchExperimentsQuery): Promise<Page<Experiment>>;

  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  /** Writes metrics, params and tags of one run in one transaction. */
  logBatch(runId: string, metrics: Metric[], params: Param[], tags: RunTag[]): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  logInputs(runId: string, datasets: DatasetInput[], models: ModelInput[]): Promise<void>;
  logOutputs(runId: string, models: ModelOutput[]): Promise<void>;
  searchRuns(query: SearchRunsQuery): Promise<Page<Run>>;
  /** Active runs per experiment id (0 for ids that name no experiment). */
  countActiveRuns(experimentIds: string[]): Promise<Map<string, number>>;

  getMetricHistory(
    runId: string,
    key: string,
    maxResults: number | undefined,
    pageToken?: string,
  ): Promise<Page<Metric>>;
  getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    maxResults: number,
    startStep?: number,
    endStep?: number,
  ): Promise<Metric[]>;
  getSampledMetricHistory(query: SampledHistoryQuery): Promise<Metric[]>;

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: Param[]): Promise<void>;
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<Page<LoggedModel>>;
}
