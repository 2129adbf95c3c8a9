/**
 * The portable shapes of `cairn import` / `cairn export`: what every reader produces and the
 * writer stores, and (as JSON) the lines of an export. Ids and timestamps are kept as they were.
 */
import type { ModelVersionStage, ModelVersionStatus } from './registry.js';
import type { DatasetInput, LifecycleStage, LoggedModelStatus, Param, RunStatus, Tag } from './tracking.js';

export interface ExperimentRecord {
  experimentId: string;
  name: string;
  /** Where the source kept the experiment's files (informative: files move with the import). */
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface RunRecord {
  runId: string;
  experimentId: string;
  name: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  deletedTime: number | null;
  /** The run's artifact root in the source (read from there; the target gets its own). */
  artifactUri: string;
  params: Param[];
  tags: Tag[];
  datasets: DatasetInput[];
  modelInputs: string[];
  modelOutputs: { modelId: string; step: number }[];
}

/** One metric point; `value` may be NaN or ±Infinity. */
export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface LoggedModelRecord {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTime: number;
  lastUpdatedTime: number;
  status: LoggedModelStatus;
  lifecycleStage: LifecycleStage;
  modelType: string;
  sourceRunId: string;
  statusMessage: string;
  params: Param[];
  tags: Tag[];
  /** Metrics logged against the model (absent in exports written before they were carried). */
  metrics?: LoggedModelMetricPoint[];
}

/** A metric point of a logged model: which run logged it, on which dataset (empty when none). */
export interface LoggedModelMetricPoint extends MetricPoint {
  runId: string;
  datasetName: string;
  datasetDigest: string;
}

export interface ModelVersionData {
  version: number;
  creationTime: number;
  lastUpdatedTime: number;
  description: string | null;
  userId: string | null;
  stage: ModelVersionStage;
  source: string;
  /** Where the files live when `source` is an indirection that was resolved at creation. */
  storageLocation: string | null;
  runId: string | null;
  runLink: string | null;
  modelId: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  tags: Tag[];
}

export interface RegisteredModelData {
  name: string;
  creationTime: number;
  lastUpdatedTime: number;
  description: string | null;
  userId: string | null;
  tags: Tag[];
  aliases: { alias: string; version: number }[];
  versions: ModelVersionData[];
}
