/**
 * What `cairn gc` needs from the stores: deleted runs and experiments old enough to go, the model
 * versions that may still point at their artifacts, and guarded permanent removal. Removal is in
 * two steps so a killed collection resumes where it stopped: `mark*` moves a row from `deleted`
 * to `purging` (only if it is still deleted and old enough, so a restore always wins), then the
 * artifacts go, then `delete*Rows` removes the rows. A `purging` row is listed again by the next
 * collection whatever its age and cannot be restored.
 */
export interface GcRunCandidate {
  runId: string;
  experimentId: string;
  artifactUri: string;
  stage: 'deleted' | 'purging';
  deletedTime: number | null;
}

export interface GcExperimentCandidate {
  experimentId: string;
  name: string;
  artifactLocation: string;
  stage: 'deleted' | 'purging';
  deletedTime: number | null;
}

/** Where a registered model version's files are (as registered and as resolved). */
export interface ModelVersionReference {
  name: string;
  version: number;
  source: string;
  storageLocation: string | null;
  runId: string | null;
  modelId: string | null;
}

export interface GarbageStore {
  /** Runs in `purging`, or `deleted` at or before `cutoff`, with run id > `after`, by run id. */
  runCandidates(cutoff: number, after: string, limit: number): Promise<GcRunCandidate[]>;
  /** Experiments likewise, with id > `after` (numeric order); never the default experiment 0. */
  experimentCandidates(cutoff: number, after: number, limit: number): Promise<GcExperimentCandidate[]>;
  /** Every registered model version's locations (re-read per batch: versions may be added). */
  modelVersionReferences(): Promise<ModelVersionReference[]>;
  /** Logged model ids of an experiment (model versions may point at them). */
  loggedModelIds(experimentId: string): Promise<string[]>;
  /** Runs of the experiment that are not candidates (active, or deleted after `cutoff`). */
  blockingRuns(experimentId: string, cutoff: number): Promise<string[]>;
  /** Marks runs `purging`; returns the ids now purging (restored or too recent ones are left). */
  markRunsPurging(runIds: string[], cutoff: number): Promise<string[]>;
  /** Removes the rows of runs in `purging`. */
  deleteRunRows(runIds: string[]): Promise<void>;
  /** Marks an experiment `purging` if still deleted, old enough and without runs. */
  markExperimentPurging(experimentId: string, cutoff: number): Promise<boolean>;
  /** Removes an experiment in `purging` and its tags, datasets and logged models. */
  deleteExperimentRows(experimentId: string): Promise<void>;
}
