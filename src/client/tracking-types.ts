/** Request and response shapes of the TrackingClient (wire field names). */
import type { ArtifactFileInfo } from '../entities/artifacts.js';
import type { Param, RunStatus, RunTag, ViewType } from '../entities/tracking.js';

export interface SearchExperimentsRequest {
  filter?: string;
  order_by?: string[];
  view_type?: ViewType;
  max_results?: number;
  page_token?: string;
}

export interface SearchRunsRequest {
  experiment_ids: string[];
  filter?: string;
  run_view_type?: ViewType;
  order_by?: string[];
  max_results?: number;
  page_token?: string;
}

export interface CreateRunRequest {
  experiment_id: string;
  run_name?: string;
  start_time?: number;
  tags?: RunTag[];
  user_id?: string;
}

export interface UpdateRunRequest {
  status?: RunStatus;
  end_time?: number;
  run_name?: string;
}

/** A metric as the SDK accepts it: `value` may be NaN or ±Infinity. */
export interface MetricInput {
  key: string;
  value: number;
  timestamp: number;
  step?: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface LogBatchRequest {
  metrics?: MetricInput[];
  params?: Param[];
  tags?: RunTag[];
}

export type { ArtifactFileInfo } from '../entities/artifacts.js';

export interface ListArtifactsResponse {
  root_uri?: string;
  files: ArtifactFileInfo[];
  next_page_token?: string;
}

export interface SearchLoggedModelsRequest {
  experiment_ids: string[];
  filter?: string;
  datasets?: { dataset_name: string; dataset_digest?: string }[];
  order_by?: { field_name: string; ascending?: boolean; dataset_name?: string; dataset_digest?: string }[];
  max_results?: number;
  page_token?: string;
}

export interface Paged<T> {
  items: T[];
  next_page_token?: string;
}
