/**
 * Tracking entities in their wire shape (MLflow proto field names, snake_case). Stores return
 * these and the server serializes them as they are; unset optional fields are left undefined and
 * so are omitted from JSON.
 */

export type LifecycleStage = 'active' | 'deleted';
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

/** The experiment runs go to when none is named (created with the database). */
export const DEFAULT_EXPERIMENT_ID = '0';
/** The tag that carries a run's name; the store keeps it and `run_name` in step. */
export const RUN_NAME_TAG = 'mlflow.runName';

export interface Tag {
  key: string;
  value: string;
}
export type ExperimentTag = Tag;
export type RunTag = Tag;
export type Param = Tag;

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  last_update_time: number;
  creation_time: number;
  tags?: ExperimentTag[];
}

/** A metric point. `value` is a number, or the string "NaN" on the wire. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  dataset_name?: string;
  dataset_digest?: string;
  model_id?: string;
  run_id?: string;
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface RunData {
  metrics?: Metric[];
  params?: Param[];
  tags?: RunTag[];
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags?: Tag[];
  dataset: Dataset;
}

export interface ModelInput {
  model_id: string;
}
export interface ModelOutput {
  model_id: string;
  step: number;
}

export interface RunInputs {
  dataset_inputs?: DatasetInput[];
  model_inputs?: ModelInput[];
}
export interface RunOutputs {
  model_outputs?: ModelOutput[];
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
  outputs?: RunOutputs;
}

export const LOGGED_MODEL_STATUSES = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface LoggedModelInfo {
  model_id: string;
  experiment_id: string;
  name: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  artifact_uri: string;
  status: LoggedModelStatus;
  creator_id?: number;
  model_type?: string;
  source_run_id?: string;
  status_message?: string;
  tags?: Tag[];
  registrations?: { name: string; version: string }[];
}

export interface LoggedModel {
  info: LoggedModelInfo;
  data: { params?: Param[]; metrics?: Metric[] };
}

/** A page of results; `next_page_token` is absent on the last page. */
export interface Page<T> {
  items: T[];
  next_page_token?: string;
}
