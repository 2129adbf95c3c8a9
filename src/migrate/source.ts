/**
 * What `cairn import` reads from: one reader per kind of source (a tracking server over HTTP, an
 * MLflow database, an MLflow file store, a Cairn export). Everything streams: runs one at a time,
 * metric history in batches, artifact files as streams, so memory does not grow with the source.
 */
import type { Readable } from 'node:stream';
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';

/** One artifact file of a run, relative to the run's artifact root. */
export interface ArtifactFile {
  path: string;
  size?: number;
  open(): Promise<Readable>;
}

/** Metric points are handed over in batches of about this many. */
export const METRIC_BATCH = 5000;

export interface MigrationSource {
  /** Names the source in messages (credentials removed). */
  readonly label: string;
  /** Totals when the source knows them cheaply (drives progress bars). */
  totals(): Promise<{ runs?: number }>;
  experiments(): AsyncIterable<ExperimentRecord>;
  runs(experiment: ExperimentRecord): AsyncIterable<RunRecord>;
  metrics(run: RunRecord): AsyncIterable<MetricPoint[]>;
  artifacts(run: RunRecord): AsyncIterable<ArtifactFile>;
  loggedModels(experiment: ExperimentRecord): AsyncIterable<LoggedModelRecord>;
  /** The files of a logged model, relative to its artifact location. */
  loggedModelArtifacts(model: LoggedModelRecord): AsyncIterable<ArtifactFile>;
  registeredModels(): AsyncIterable<RegisteredModelData>;
  close(): Promise<void>;
}

/** Groups a stream of points into batches of `size`. */
export async function* batched<T>(
  items: AsyncIterable<T> | Iterable<T>,
  size = METRIC_BATCH,
): AsyncIterable<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
