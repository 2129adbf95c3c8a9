/** MLflow's `conda_env`: used when conda is installed; a clear error otherwise. */
import { readFile } from 'node:fs/promises';
import { invalidParam } from '../../errors.js';
import { cachedEnvironment, specHash } from './cache.js';
import { runSetup, succeeds } from './exec.js';
import type { PreparedEnvironment } from './environment.js';

export async function prepareCondaEnvironment(
  file: string,
  log: (l: string) => void,
): Promise<PreparedEnvironment> {
  const conda = process.env.MLFLOW_CONDA_HOME ? `${process.env.MLFLOW_CONDA_HOME}/bin/conda` : 'conda';
  if (!(await succeeds(conda, ['--version']))) {
    throw invalidParam(
      `This project declares a conda environment (${file}), but conda is not installed. Install conda, or run with --env-manager virtualenv or --env-manager local.`,
    );
  }
  const { dir } = await cachedEnvironment(
    `conda-${specHash(await readFile(file))}`,
    (envDir) =>
      runSetup(conda, ['env', 'create', '--quiet', '-p', envDir, '-f', file], { cwd: process.cwd() }, log),
    log,
  );
  return {
    manager: 'conda',
    tag: 'conda',
    command: (cmd, ctx) => ({
      file: conda,
      args: ['run', '--no-capture-output', '-p', dir, 'bash', '-c', cmd],
      env: { ...process.env, ...ctx.env },
      cwd: ctx.dir,
    }),
    release: async () => {},
  };
}
