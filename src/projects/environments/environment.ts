/**
 * A prepared project environment: how to run a command inside it. Environments are created once
 * and cached under a key derived from their spec's content (see `cache.ts`).
 */
export type EnvManager = 'local' | 'node' | 'virtualenv' | 'conda' | 'docker';

export interface RunContext {
  /** Project directory (the command's working directory). */
  dir: string;
  /** Variables to pass to the command (MLFLOW_RUN_ID, MLFLOW_TRACKING_URI, ...). */
  env: Record<string, string>;
}

export interface PreparedEnvironment {
  manager: EnvManager;
  /** Value of the `mlflow.project.env` tag; undefined for the local environment (MLflow sets none). */
  tag?: string;
  /** The process to start for a shell command, with its environment. */
  command(
    shellCommand: string,
    ctx: RunContext,
  ): { file: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string };
  /** Undoes changes made to the project folder for the run (e.g. a node_modules link). */
  release(): Promise<void>;
}

export const shell = (cmd: string): { file: string; args: string[] } => ({
  file: '/bin/bash',
  args: ['-c', cmd],
});

/**
 * The `command` of an environment whose tools live in one folder: the shell command runs with that
 * folder first on PATH (PATH as it is when the command starts) and any extra variables set.
 */
export function pathPrefixedCommand(
  binDir: string,
  extraEnv: Record<string, string> = {},
): PreparedEnvironment['command'] {
  return (cmd, ctx) => ({
    ...shell(cmd),
    env: { ...process.env, ...ctx.env, ...extraEnv, PATH: `${binDir}:${process.env.PATH ?? ''}` },
    cwd: ctx.dir,
  });
}

export function localEnvironment(): PreparedEnvironment {
  return {
    manager: 'local',
    command: (cmd, ctx) => ({ ...shell(cmd), env: { ...process.env, ...ctx.env }, cwd: ctx.dir }),
    release: async () => {},
  };
}
