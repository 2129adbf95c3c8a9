/**
 * Everything a project run needs before a tracking run exists: the fetched source, its
 * MLproject, the entry point's rendered command and logged parameters, the prepared environment,
 * and the MLflow tags that describe the run. Bad input fails here, before a run is created.
 */
import { userInfo } from 'node:os';
import type { Tag } from '../entities/tracking.js';
import { loadProject, type ProjectSpec } from './mlproject.js';
import { findEntryPoint } from './entry-points.js';
import { renderCommand, resolveParameters } from './parameters.js';
import { fetchProject, type ProjectSource } from './sources.js';
import { prepareEnvironment } from './environments/prepare.js';
import { localEnvironment, type PreparedEnvironment } from './environments/environment.js';
import type { ProjectRunOptions } from './project-run.js';

export interface PreparedProject {
  source: ProjectSource;
  spec: ProjectSpec;
  entryPoint: string;
  command: string;
  params: Tag[];
  env: PreparedEnvironment;
}

/** Fetches, loads and resolves a project; the caller owns `source.cleanup()` and `env.release()`. */
export async function prepareProject(
  uri: string,
  opts: ProjectRunOptions,
  log: (l: string) => void,
  withEnvironment = true,
): Promise<PreparedProject> {
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

/** The MLflow system tags of a project run (source, git commit, entry point, backend). */
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
