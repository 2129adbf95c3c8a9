/**
 * Environment files of a model directory. Cairn flavors run on Node, described by `node_env.yaml`;
 * flavors that MLflow's Python tooling can also serve (onnx) additionally get the Python files
 * MLflow expects (`conda.yaml`, `python_env.yaml`, `requirements.txt`).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MLFLOW_COMPAT_VERSION, VERSION } from '../version.js';

export const NODE_ENV_FILE = 'node_env.yaml';
export const CONDA_FILE = 'conda.yaml';
export const PYTHON_ENV_FILE = 'python_env.yaml';
export const REQUIREMENTS_FILE = 'requirements.txt';
/** The Python version written into python_env.yaml for MLflow's virtualenv manager. */
export const DEFAULT_PYTHON_VERSION = '3.11.7';

export interface NodeEnvironment {
  node: string;
  dependencies: Record<string, string>;
}

export async function writeNodeEnv(
  modelDir: string,
  dependencies: Record<string, string> = {},
): Promise<NodeEnvironment> {
  const env: NodeEnvironment = { node: '>=20', dependencies: { cairn: VERSION, ...dependencies } };
  await writeFile(join(modelDir, NODE_ENV_FILE), stringify(env, { indentSeq: false }));
  return env;
}

/** Writes MLflow's three Python environment files for the given pip requirements. */
export async function writePythonEnv(modelDir: string, pipRequirements: string[]): Promise<void> {
  const requirements = [`mlflow==${MLFLOW_COMPAT_VERSION}`, ...pipRequirements];
  const conda = {
    channels: ['conda-forge'],
    dependencies: [`python=${DEFAULT_PYTHON_VERSION}`, 'pip', { pip: requirements }],
    name: 'mlflow-env',
  };
  const pythonEnv = {
    python: DEFAULT_PYTHON_VERSION,
    build_dependencies: ['pip', 'setuptools', 'wheel'],
    dependencies: ['-r requirements.txt'],
  };
  await writeFile(join(modelDir, CONDA_FILE), stringify(conda, { indentSeq: false }));
  await writeFile(join(modelDir, PYTHON_ENV_FILE), stringify(pythonEnv, { indentSeq: false }));
  await writeFile(join(modelDir, REQUIREMENTS_FILE), `${requirements.join('\n')}\n`);
}
