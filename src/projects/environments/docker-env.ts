/** MLflow's `docker_env`: the command runs in a container of the given image, the project mounted. */
import { invalidParam } from '../../errors.js';
import { succeeds } from './exec.js';
import type { PreparedEnvironment, RunContext } from './environment.js';

export interface DockerEnvSpec {
  image: string;
  volumes: string[];
  environment: (string | [string, string])[];
}

export const CONTAINER_PROJECT_DIR = '/mlflow/projects/code';

/** The `docker run` arguments for a command (exported for tests: no engine runs here). */
export function dockerRunArgs(
  spec: DockerEnvSpec,
  cmd: string,
  ctx: RunContext,
  extraArgs: string[] = [],
): string[] {
  const args = [
    'run',
    '--rm',
    '--network',
    'host',
    '-v',
    `${ctx.dir}:${CONTAINER_PROJECT_DIR}`,
    '-w',
    CONTAINER_PROJECT_DIR,
  ];
  for (const v of spec.volumes) args.push('-v', v);
  for (const e of spec.environment) {
    if (typeof e === 'string')
      args.push('-e', e); // copied from the host environment by docker
    else args.push('-e', `${e[0]}=${e[1]}`);
  }
  for (const [k, v] of Object.entries(ctx.env)) args.push('-e', `${k}=${v}`);
  args.push(...extraArgs, spec.image, 'bash', '-c', cmd);
  return args;
}

export async function prepareDockerEnvironment(
  spec: DockerEnvSpec,
  extraArgs: string[] = [],
): Promise<PreparedEnvironment> {
  if (!(await succeeds('docker', ['info']))) {
    throw invalidParam(
      `This project needs Docker (docker_env image '${spec.image}'), but no Docker engine answers ('docker info' failed). Start Docker, or run with --env-manager local.`,
    );
  }
  return {
    manager: 'docker',
    tag: 'docker',
    command: (cmd, ctx) => ({
      file: 'docker',
      args: dockerRunArgs(spec, cmd, ctx, extraArgs),
      env: process.env,
      cwd: ctx.dir,
    }),
    release: async () => {},
  };
}
