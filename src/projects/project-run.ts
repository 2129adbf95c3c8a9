/** What every project backend (local, kubernetes) takes and returns, and opening its tracking run. */
import type { RunStatus, Tag } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
import type { EnvManagerOption } from './environments/prepare.js';
import type { ProjectTracking } from './project-tracking.js';

export interface ProjectRunOptions {
  entryPoint?: string;
  version?: string;
  parameters?: Record<string, string>;
  experimentId?: string;
  experimentName?: string;
  runId?: string;
  runName?: string;
  envManager?: EnvManagerOption;
  /** Extra `docker run` arguments (`-A name=value`). */
  dockerArgs?: string[];
  /** Where relative `path` parameters are resolved from. */
  cwd?: string;
  /** Receives the project's output and Cairn's progress lines; default: this process's stdout/stderr. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Milliseconds between SIGTERM and SIGKILL when cancelling. */
  killGraceMs?: number;
}

export interface ProjectRun {
  readonly runId: string;
  readonly experimentId: string;
  /** The rendered shell command. */
  readonly command: string;
  /** RUNNING until the process ends. */
  status(): RunStatus;
  /** Resolves with the final status once the run has ended and its log is stored. */
  wait(): Promise<RunStatus>;
  /** Stops the process group (SIGTERM, then SIGKILL) and ends the run KILLED. */
  cancel(): Promise<RunStatus>;
}

export function assertNoConflict(opts: ProjectRunOptions): void {
  if (opts.experimentId && opts.experimentName)
    throw invalidParam('Give --experiment-name or --experiment-id, not both.');
}

/**
 * The tracking run a project runs in: the one named by `opts.runId` (its tags are set), or a
 * new one in the resolved experiment. Logs the parameters, then `runTags` (environment tags).
 */
export async function openProjectRun(
  tracking: ProjectTracking,
  opts: Pick<ProjectRunOptions, 'runId' | 'runName' | 'experimentId' | 'experimentName'>,
  tags: Tag[],
  params: Tag[],
  runTags: Tag[],
): Promise<{ runId: string; experimentId: string }> {
  let runId: string;
  let experimentId: string;
  if (opts.runId) {
    const existing = await tracking.getRun(opts.runId);
    runId = existing.runId;
    experimentId = existing.experimentId;
    await tracking.setTags(runId, tags);
  } else {
    experimentId = await tracking.resolveExperiment(opts);
    ({ runId } = await tracking.createRun(experimentId, opts.runName, tags));
  }
  await tracking.logParams(runId, params);
  if (runTags.length) await tracking.setTags(runId, runTags);
  return { runId, experimentId };
}

/** The environment a project command gets so that its own logging goes to the run. */
export function runEnvironment(
  tracking: ProjectTracking,
  runId: string,
  experimentId: string,
): Record<string, string> {
  return {
    MLFLOW_RUN_ID: runId,
    MLFLOW_TRACKING_URI: tracking.trackingUri,
    MLFLOW_EXPERIMENT_ID: experimentId,
  };
}
