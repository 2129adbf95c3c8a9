/**
 * Runs a project: fetch the source, load the MLproject, resolve the entry point and parameters,
 * prepare the environment, create (or reuse) the tracking run with MLflow's tags, start the
 * command in its own process group, stream and keep its output, and end the run FINISHED,
 * FAILED or KILLED.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { RunStatus, Tag } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
import { loadProject, type ProjectSpec } from './mlproject.js';
import { findEntryPoint } from './entry-points.js';
import { renderCommand, resolveParameters } from './parameters.js';
import { fetchProject, type ProjectSource } from './sources.js';
import { prepareEnvironment, type EnvManagerOption } from './environments/prepare.js';
import { localEnvironment, type PreparedEnvironment } from './environments/environment.js';
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

export const OUTPUT_ARTIFACT = 'project_output.log';

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

export function projectTags(
  source: ProjectSource,
  spec: ProjectSpec,
  entryPoint: string,
  backend: string,
): Tag[] {
  const tags: Tag[] = [
    { key: 'mlflow.user', value: process.env.MLFLOW_TRACKING_USERNAME ?? userInfo().username },
    {
      key: 'mlflow.source.name',
      value: source.git?.repoUrl && source.uri !== source.dir ? source.uri : source.uri,
    },
    { key: 'mlflow.source.type', value: 'PROJECT' },
    { key: 'mlflow.project.entryPoint', value: entryPoint },
    { key: 'mlflow.project.backend', value: backend },
  ];
  if (source.git) {
    tags.push({ key: 'mlflow.source.git.commit', value: source.git.commit });
    if (source.git.repoUrl) {
      tags.push(
        { key: 'mlflow.source.git.repoURL', value: source.git.repoUrl },
        { key: 'mlflow.gitRepoURL', value: source.git.repoUrl },
      );
    }
    if (source.git.branch) {
      tags.push(
        { key: 'mlflow.source.git.branch', value: source.git.branch },
        { key: 'mlflow.gitBranchName', value: source.git.branch },
      );
    }
  }
  if (spec.name) tags.push({ key: 'mlflow.project.name', value: spec.name });
  return tags;
}

interface Prepared {
  source: ProjectSource;
  spec: ProjectSpec;
  entryPoint: string;
  command: string;
  params: Tag[];
  env: PreparedEnvironment;
}

/** Everything up to (not including) the tracking run: fails fast on bad input, before a run exists. */
export async function prepareProject(
  uri: string,
  opts: ProjectRunOptions,
  log: (l: string) => void,
  withEnvironment = true,
): Promise<Prepared> {
  const source = await fetchProject(uri, opts.version, opts.cwd);
  try {
    const spec = await loadProject(source.dir);
    const entryPoint = opts.entryPoint ?? 'main';
    const ep = findEntryPoint(spec, entryPoint);
    const resolved = resolveParameters(ep, opts.parameters ?? {}, opts.cwd ?? process.cwd());
    const command = renderCommand(ep, resolved);
    // Path parameters are logged as given, as MLflow does.
    const given = opts.parameters ?? {};
    const params = [
      ...Object.entries(resolved.declared).map(([key, value]) => ({ key, value: given[key] ?? value })),
      ...Object.entries(resolved.extra).map(([key, value]) => ({ key, value })),
    ];
    const env = withEnvironment
      ? await prepareEnvironment(spec, opts.envManager, log, opts.dockerArgs)
      : localEnvironment();
    return { source, spec, entryPoint, command, params, env };
  } catch (err) {
    await source.cleanup();
    throw err;
  }
}

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

  let runId: string;
  let experimentId: string;
  const tags = projectTags(source, spec, entryPoint, 'local');
  try {
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
    if (env.tag) await tracking.setTags(runId, [{ key: 'mlflow.project.env', value: env.tag }]);
  } catch (err) {
    await env.release();
    await source.cleanup();
    throw err;
  }

  const logDir = await mkdtemp(join(tmpdir(), 'cairn-run-log-'));
  const logPath = join(logDir, OUTPUT_ARTIFACT);
  const logFile = createWriteStream(logPath);
  const started = env.command(command, {
    dir: source.dir,
    env: {
      MLFLOW_RUN_ID: runId,
      MLFLOW_TRACKING_URI: tracking.trackingUri,
      MLFLOW_EXPERIMENT_ID: experimentId,
    },
  });
  log(`Running '${command}' in run ${runId}`);
  // Its own process group, so cancelling reaches every process the command starts.
  const child: ChildProcess = spawn(started.file, started.args, {
    cwd: started.cwd,
    env: started.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => {
    stdout.write(c);
    logFile.write(c);
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr.write(c);
    logFile.write(c);
  });

  let status: RunStatus = 'RUNNING';
  let cancelled = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      logFile.write(`cairn: could not start the command: ${err.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(signal ? null : code));
  });

  const finished = (async (): Promise<RunStatus> => {
    const code = await exited;
    const final: RunStatus = cancelled ? 'KILLED' : code === 0 ? 'FINISHED' : 'FAILED';
    await new Promise<void>((r) => logFile.end(r));
    try {
      await tracking
        .uploadArtifact(runId, logPath, '')
        .catch((err: Error) => log(`Could not store the output log: ${err.message}`));
      await tracking.endRun(runId, final);
    } finally {
      await env.release();
      await source.cleanup();
      await rm(logDir, { recursive: true, force: true });
    }
    status = final;
    log(
      `Run ${runId} ${final === 'FINISHED' ? 'succeeded' : final === 'KILLED' ? 'was cancelled' : `failed (exit code ${code})`}`,
    );
    return final;
  })();

  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  return {
    runId,
    experimentId,
    command,
    status: () => status,
    wait: () => finished,
    cancel: async () => {
      if (status !== 'RUNNING') return status;
      cancelled = true;
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 5000);
      try {
        return await finished;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function assertNoConflict(opts: ProjectRunOptions): void {
  if (opts.experimentId && opts.experimentName)
    throw invalidParam('Give --experiment-name or --experiment-id, not both.');
}
