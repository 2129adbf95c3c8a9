import { invalidParam } from '../../errors.js';
import type { ProjectSpec } from '../mlproject.js';
import { localEnvironment, type PreparedEnvironment } from './environment.js';
import { prepareNodeEnvironment } from './node-env.js';
import { preparePythonEnvironment } from './python-env.js';
import { prepareDockerEnvironment } from './docker-env.js';
import { prepareCondaEnvironment } from './conda-env.js';

export const ENV_MANAGERS = ['local', 'node', 'virtualenv', 'conda', 'docker'] as const;
export type EnvManagerOption = (typeof ENV_MANAGERS)[number];

/**
 * Prepares the project's environment: the one its MLproject declares, or the one forced by
 * `--env-manager` (`local` runs in the current environment whatever is declared).
 */
export async function prepareEnvironment(
  spec: ProjectSpec,
  manager: EnvManagerOption | undefined,
  log: (l: string) => void,
  dockerArgs: string[] = [],
): Promise<PreparedEnvironment> {
  if (manager && !(ENV_MANAGERS as readonly string[]).includes(manager)) {
    throw invalidParam(`Unknown --env-manager '${manager}': expected one of ${ENV_MANAGERS.join(', ')}.`);
  }
  if (manager === 'local') return localEnvironment();
  const env = spec.env;
  if (env.kind === 'docker_env') {
    if (manager && manager !== 'docker')
      throw invalidParam(
        `This project declares docker_env; --env-manager ${manager} cannot run it (use docker or local).`,
      );
    return prepareDockerEnvironment(env, dockerArgs);
  }
  if (manager === 'docker') throw invalidParam('--env-manager docker needs a project with a docker_env.');
  if (manager === 'virtualenv' || (!manager && env.kind === 'python_env')) {
    return preparePythonEnvironment(spec.dir, env.kind === 'python_env' ? env.file : undefined, log);
  }
  if (manager === 'conda' || (!manager && env.kind === 'conda_env')) {
    if (env.kind !== 'conda_env')
      throw invalidParam('--env-manager conda needs a project with a conda_env file.');
    return prepareCondaEnvironment(env.file, log);
  }
  if (manager === 'node' || (!manager && env.kind === 'node_env')) {
    if (env.kind !== 'node_env')
      throw invalidParam('--env-manager node needs a project with a package.json (node_env).');
    return prepareNodeEnvironment(spec.dir, env.file, log);
  }
  return localEnvironment();
}
