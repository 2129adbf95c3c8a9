/**
 * `cairn.projects.run(uri, options)`: runs a project and returns a handle.
 *
 * @example
 * ```ts
 * import * as cairn from 'cairn-ml';
 * const run = await cairn.projects.run('./examples/node-regression', {
 *   entryPoint: 'train',
 *   parameters: { epochs: '50', lr: '0.01' },
 *   experimentName: 'demo',
 * });
 * console.log(run.runId, await run.wait()); // 'FINISHED' | 'FAILED' | 'KILLED'
 * ```
 */
import { TrackingClient } from './tracking-client.js';
import { getTrackingUri } from './fluent.js';
import { clientTracking } from './project-tracking.js';
import { assertNoConflict, type ProjectRun } from '../projects/project-run.js';
import type { ProjectRunOptions } from '../projects/project-run.js';
import { projectBackendFor } from '../projects/backends/backend-registry.js';
import '../projects/backends/builtin.js';

export type { ProjectRun, ProjectRunOptions } from '../projects/project-run.js';

export interface RunOptions extends ProjectRunOptions {
  /** Tracking server; default: the SDK's tracking URI (CAIRN_TRACKING_URI / MLFLOW_TRACKING_URI). */
  trackingUri?: string;
  /** `local` (default), `kubernetes`, or a backend a loaded plugin registered. */
  backend?: string;
  /** Backend settings; for kubernetes: `kube-job-template-path`, optional `kube-context`, `repository-uri`. */
  backendConfig?: Record<string, unknown>;
}

export async function run(uri: string, options: RunOptions = {}): Promise<ProjectRun> {
  assertNoConflict(options);
  const backend = projectBackendFor(options.backend ?? 'local');
  const client = new TrackingClient(options.trackingUri ?? getTrackingUri());
  const tracking = clientTracking(client);
  let handle: ProjectRun;
  try {
    handle = await backend.run(uri, tracking, options.backendConfig ?? {}, options);
  } catch (err) {
    await client.close();
    throw err;
  }
  void handle.wait().finally(() => client.close());
  return handle;
}
