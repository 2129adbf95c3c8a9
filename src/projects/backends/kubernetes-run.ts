/** Runs a project as a Kubernetes Job and mirrors the Job's status onto the tracking run. */
import type { RunStatus } from '../../entities/tracking.js';
import { invalidParam } from '../../errors.js';
import type { ProjectTracking } from '../project-tracking.js';
import { prepareProject, projectTags } from '../prepare-project.js';
import { openProjectRun, runEnvironment, type ProjectRun, type ProjectRunOptions } from '../project-run.js';
import {
  buildJobManifest,
  followJob,
  jobName,
  kubectlCli,
  loadJobTemplate,
  submitJob,
  type Kubectl,
  type KubernetesConfig,
} from './kubernetes.js';

export async function runProjectOnKubernetes(
  uri: string,
  tracking: ProjectTracking,
  config: KubernetesConfig,
  opts: ProjectRunOptions & { kubectl?: Kubectl; pollIntervalMs?: number } = {},
): Promise<ProjectRun> {
  const log = (line: string): void => void (opts.stderr ?? process.stderr).write(`=== ${line}\n`);
  const prepared = await prepareProject(uri, opts, log, false);
  const { source, spec, entryPoint, command, params } = prepared;
  try {
    const image = config.repositoryUri ?? (spec.env.kind === 'docker_env' ? spec.env.image : undefined);
    if (!image) {
      throw invalidParam(
        "The kubernetes backend runs a container image: give 'repository-uri' in the backend config or declare docker_env in the MLproject.",
      );
    }
    const template = await loadJobTemplate(config.jobTemplatePath);
    // A Job always gets a new run: --run-id is for local runs.
    const { runId, experimentId } = await openProjectRun(
      tracking,
      { ...opts, runId: undefined },
      projectTags(source, spec, entryPoint, 'kubernetes'),
      params,
      [
        { key: 'mlflow.project.env', value: 'docker' },
        { key: 'mlflow.docker.image.uri', value: image },
      ],
    );
    const manifest = buildJobManifest(template, {
      name: jobName(spec.name, runId),
      image,
      command,
      env: runEnvironment(tracking, runId, experimentId),
    });
    const kubectl = opts.kubectl ?? kubectlCli(config.kubeContext);
    let job;
    try {
      job = await submitJob(kubectl, manifest);
    } catch (err) {
      await tracking.endRun(runId, 'FAILED');
      throw err;
    }
    log(`Submitted Job ${job.namespace}/${job.name} for run ${runId}`);
    const abort = new AbortController();
    let status: RunStatus = 'RUNNING';
    const finished = (async (): Promise<RunStatus> => {
      let final: RunStatus;
      try {
        final = await followJob(kubectl, job, {
          intervalMs: opts.pollIntervalMs ?? 5000,
          signal: abort.signal,
        });
      } catch (err) {
        log(`Lost track of the Job: ${(err as Error).message}`);
        final = 'FAILED';
      }
      await tracking.endRun(runId, final);
      status = final;
      return final;
    })();
    return {
      runId,
      experimentId,
      command,
      status: () => status,
      wait: () => finished,
      cancel: async () => {
        abort.abort();
        return finished;
      },
    };
  } finally {
    await source.cleanup();
  }
}
