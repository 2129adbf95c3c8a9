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
import { runProject } from '../projects/run-project.js';
import { assertNoConflict, type ProjectRun, type ProjectRunOptions } from '../projects/project-run.js';
import { runProjectOnKubernetes } from '../projects/backends/kubernetes-run.js';
import { parseKubernetesConfig } from '../projects/backends/kubernetes.js';
import { invalidParam } from '../errors.js';

export type { ProjectRun, ProjectRunOptions } from '../projects/project-run.js';

export interface RunOptions extends ProjectRunOptions {
  /** Tracking server; default: the SDK's tracking URI (CAIRN_TRACKING_URI / MLFLOW_TRACKING_URI). */
  trackingUri?: string;
  /** `local` (default) or `kubernetes`. */
  backend?: 'local' | 'kubernetes';
  /** Backend settings; for kubernetes: `kube-job-template-path`, optional `kube-context`, `repository-uri`. */
  backendConfig?: Record<string, unknown>;
}

export async function run(uri: string, options: RunOptions = {}): Promise<ProjectRun> {
  assertNoConflict(options);
  const client = new TrackingClient(options.trackingUri ?? getTrackingUri());
  const tracking = clientTracking(client);
  const backend = options.backend ?? 'local';
  let handle: ProjectRun;
  if (backend === 'local') handle = await runProject(uri, tracking, options);
  else if (backend === 'kubernetes')
    handle = await runProjectOnKubernetes(
      uri,
      tracking,
      parseKubernetesConfig(options.backendConfig ?? {}),
      options,
    );
  else throw invalidParam(`Unknown backend '${String(backend)}': expected local or kubernetes.`);
  void handle.wait().finally(() => client.close());
  return handle;
}
