/**
 * Writes of `cairn import`: entities inserted with the ids and timestamps they had in the source.
 * Nothing existing is ever changed: callers ask what is present first and skip it. A run is
 * written in one transaction (row, params, tags, inputs, every metric point), so an interrupted
 * import leaves no half run behind and a re-run simply writes it again.
 */
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';

export type ExperimentPresence =
  | { state: 'absent' }
  /** The same id with the same name is there (e.g. the default experiment "0"). */
  | { state: 'present'; artifactLocation: string }
  | { state: 'clash'; reason: string };

export interface ImportStore {
  experimentPresence(experimentId: string, name: string): Promise<ExperimentPresence>;
  /** Inserts the experiment with its id; its artifact location in this store is `artifactLocation`. */
  insertExperiment(experiment: ExperimentRecord, artifactLocation: string): Promise<void>;
  /** The experiment a run id belongs to here, or null when the run is not here. */
  runExperiment(runId: string): Promise<string | null>;
  /** Inserts a run and everything of it in one transaction; returns the metric points written. */
  insertRun(run: RunRecord, artifactUri: string, metrics: AsyncIterable<MetricPoint[]>): Promise<number>;
  loggedModelExists(modelId: string): Promise<boolean>;
  insertLoggedModel(model: LoggedModelRecord, artifactLocation: string): Promise<void>;
  /** Creation time of the registered model of that name here, or null when there is none. */
  registeredModelCreationTime(name: string): Promise<number | null>;
  /** The version numbers of a registered model present here. */
  modelVersionNumbers(name: string): Promise<Set<number>>;
  /** Inserts the model (when `createModel`), the given versions, tags and the aliases whose version exists. */
  insertRegisteredModel(model: RegisteredModelData, createModel: boolean): Promise<void>;
}
