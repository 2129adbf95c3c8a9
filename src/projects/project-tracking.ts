/** What a project run needs from the tracking server. Implemented over the SDK's TrackingClient. */
import type { RunStatus, Tag } from '../entities/tracking.js';

export interface ProjectTracking {
  /** The tracking URI passed to the project's process as MLFLOW_TRACKING_URI. */
  readonly trackingUri: string;
  /** The experiment to use: by id, by name (created when missing), or the default. */
  resolveExperiment(opts: { experimentId?: string; experimentName?: string }): Promise<string>;
  createRun(
    experimentId: string,
    runName: string | undefined,
    tags: Tag[],
  ): Promise<{ runId: string; experimentId: string }>;
  /** An existing run (for --run-id); throws when it does not exist. */
  getRun(runId: string): Promise<{ runId: string; experimentId: string; status: RunStatus }>;
  logParams(runId: string, params: Tag[]): Promise<void>;
  setTags(runId: string, tags: Tag[]): Promise<void>;
  endRun(runId: string, status: RunStatus): Promise<void>;
  uploadArtifact(runId: string, localFile: string, artifactDir: string): Promise<void>;
}
