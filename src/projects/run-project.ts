/**
 * Runs a project locally: prepare it (prepare-project.ts), open the tracking run with MLflow's
 * tags (project-run.ts), start the command in its own process group with its output kept
 * (project-process.ts), and end the run FINISHED, FAILED or KILLED with the output stored.
 */
import type { RunStatus } from '../entities/tracking.js';
import { prepareProject, projectTags, type PreparedProject } from './prepare-project.js';
import { openProjectRun, runEnvironment, type ProjectRun, type ProjectRunOptions } from './project-run.js';
import {
  createOutputLog,
  startProjectProcess,
  type OutputLog,
  type ProjectProcess,
} from './project-process.js';
import type { ProjectTracking } from './project-tracking.js';

export async function runProject(
  uri: string,
  tracking: ProjectTracking,
  opts: ProjectRunOptions = {},
): Promise<ProjectRun> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const log = (line: string): void => void stderr.write(`=== ${line}\n`);
  const prepared = await prepareProject(uri, opts, log);
  const { source, spec, entryPoint, command, params, env } = prepared;

  let run: { runId: string; experimentId: string };
  try {
    const envTags = env.tag ? [{ key: 'mlflow.project.env', value: env.tag }] : [];
    run = await openProjectRun(
      tracking,
      opts,
      projectTags(source, spec, entryPoint, 'local'),
      params,
      envTags,
    );
  } catch (err) {
    await env.release();
    await source.cleanup();
    throw err;
  }
  const { runId, experimentId } = run;

  const output = await createOutputLog();
  const started = env.command(command, {
    dir: source.dir,
    env: runEnvironment(tracking, runId, experimentId),
  });
  log(`Running '${command}' in run ${runId}`);
  const proc = startProjectProcess(started, { stdout, stderr, log: output });

  let status: RunStatus = 'RUNNING';
  let cancelled = false;
  const finished = finishRun(tracking, runId, prepared, proc, output, log, {
    wasCancelled: () => cancelled,
    ended: (final) => (status = final),
  });

  return {
    runId,
    experimentId,
    command,
    status: () => status,
    wait: () => finished,
    cancel: async () => {
      if (status !== 'RUNNING') return status;
      cancelled = true;
      proc.killGroup('SIGTERM');
      const timer = setTimeout(() => proc.killGroup('SIGKILL'), opts.killGraceMs ?? 5000);
      try {
        return await finished;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Waits for the command to end, stores its output log, ends the run with the final status and
 * frees what the run held (environment, fetched source, log file).
 */
async function finishRun(
  tracking: ProjectTracking,
  runId: string,
  { env, source }: PreparedProject,
  proc: ProjectProcess,
  output: OutputLog,
  log: (line: string) => void,
  state: { wasCancelled: () => boolean; ended: (final: RunStatus) => void },
): Promise<RunStatus> {
  const code = await proc.exited;
  const final: RunStatus = state.wasCancelled() ? 'KILLED' : code === 0 ? 'FINISHED' : 'FAILED';
  await output.close();
  try {
    await tracking
      .uploadArtifact(runId, output.path, '')
      .catch((err: Error) => log(`Could not store the output log: ${err.message}`));
    await tracking.endRun(runId, final);
  } finally {
    await env.release();
    await source.cleanup();
    await output.remove();
  }
  state.ended(final);
  log(
    `Run ${runId} ${final === 'FINISHED' ? 'succeeded' : final === 'KILLED' ? 'was cancelled' : `failed (exit code ${code})`}`,
  );
  return final;
}
