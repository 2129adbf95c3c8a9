/** Wire types shared with the server (type-only, erased from the bundle). */
export type {
  Experiment,
  Run,
  RunInfo,
  RunData,
  RunStatus,
  Metric,
  Tag,
  DatasetInput,
  ViewType,
} from '../../../src/entities/tracking.js';

/** What every search endpoint takes (the endpoint-specific arguments extend it). */
export interface SearchArgs {
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
  maxResults?: number;
}

export type { ArtifactFileInfo as ArtifactFile } from '../../../src/entities/artifacts.js';

/** A metric point as returned by history endpoints (`value` may be the string "NaN"). */
export interface HistoryPoint {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  run_id: string;
}
