/**
 * Extension point `projectBackend` (interface version `EXTENSION_API_VERSIONS.projectBackend`):
 * where `cairn run -b NAME` / `cairn.projects.run(uri, { backend })` runs a project. The built-in
 * `local` and `kubernetes` backends register here (backends/builtin.ts) as plugins' backends do.
 */
import { invalidParam } from '../../errors.js';
import { checkApiVersion } from '../../version.js';
import type { ProjectRun, ProjectRunOptions } from '../project-run.js';
import type { ProjectTracking } from '../project-tracking.js';

export interface ProjectBackend {
  readonly apiVersion: number;
  /** The name given to `-b` (letters, digits, `_`, `-`). */
  readonly name: string;
  /**
   * Starts the project at `uri` in a tracking run and returns its handle. `config` is the
   * backend's `--backend-config` object, to be validated by the backend.
   */
  run(
    uri: string,
    tracking: ProjectTracking,
    config: Record<string, unknown>,
    opts: ProjectRunOptions,
  ): Promise<ProjectRun>;
}

const backends = new Map<string, ProjectBackend>();

/** Adds a backend. Throws for an interface version this Cairn does not implement or a taken name. */
export function registerProjectBackend(backend: ProjectBackend): void {
  const name = typeof backend?.name === 'string' ? backend.name : '';
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw invalidParam(
      `A project backend needs a name of letters, digits, '_' or '-' (got ${JSON.stringify(name)}).`,
    );
  }
  checkApiVersion('projectBackend', name, backend.apiVersion);
  if (typeof backend.run !== 'function')
    throw invalidParam(`The project backend '${name}' has no run() function.`);
  if (backends.has(name)) throw invalidParam(`A project backend named '${name}' is already registered.`);
  backends.set(name, backend);
}

/** The names of the registered backends, sorted. */
export function projectBackendNames(): string[] {
  return [...backends.keys()].sort();
}

/** The backend called `name`. Throws 400 for an unknown one. */
export function projectBackendFor(name: string): ProjectBackend {
  const backend = backends.get(name);
  if (!backend) {
    throw invalidParam(`Unknown backend '${name}': expected one of ${projectBackendNames().join(', ')}.`);
  }
  return backend;
}
