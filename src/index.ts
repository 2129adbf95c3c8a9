/**
 * Cairn's TypeScript SDK: `import * as cairn from 'cairn-ml'`.
 *
 * The fluent API (setTrackingUri, setExperiment, startRun/withRun, logMetric, ...) covers training
 * code; `TrackingClient` is the typed low-level client of the tracking REST API.
 */
export {
  setTrackingUri,
  getTrackingUri,
  getClient,
  configureLogging,
  setExperiment,
  startRun,
  endRun,
  withRun,
  activeRun,
  logParam,
  logParams,
  logMetric,
  logMetrics,
  setTag,
  setTags,
  logArtifact,
  logArtifacts,
  logText,
  logDict,
  logImage,
  logInput,
  downloadArtifacts,
  flush,
  pendingRecords,
  loggingStatus,
  type StartRunOptions,
} from './client/fluent.js';
export { ActiveRun, type DatasetSpec, type MetricOptions, type ParamValue } from './client/active-run.js';
export type { SystemMetricsOptions } from './client/system-metrics/sampler.js';
export { autolog, type AutologOptions } from './client/autolog/autolog.js';
export { autologTfjs, type TfjsAutologOptions } from './client/autolog/tfjs.js';
export { autologMljs, type MljsAutologOptions } from './client/autolog/mljs.js';
export {
  TrackingClient,
  paginate,
  type CreateRunRequest,
  type LogBatchRequest,
  type MetricInput,
  type Paged,
  type SearchExperimentsRequest,
  type SearchRunsRequest,
  type UpdateRunRequest,
  type ArtifactFileInfo,
} from './client/tracking-client.js';
export { ArtifactClient, type TransferProgress } from './client/artifacts.js';
export { artifactRepositoryFor, registerArtifactRepository } from './artifacts/repository-registry.js';
export type { ArtifactRepository } from './artifacts/artifact-repository.js';
export { HttpError, TransportError, type RetryPolicy, type TransportOptions } from './client/http.js';
export { RunLogger, type LoggerStatus, type RunLoggerOptions } from './client/run-logger.js';
export { syncSpools, type SyncReport } from './client/sync.js';
export { MlflowError, type ErrorCode } from './errors.js';
export type * from './entities/tracking.js';

/** Model registry client (`cairn.registry.RegistryClient`, model URIs, webhooks). */
export * as registry from './client/registry-api.js';
/** Reproducible project runs (`cairn.projects.run(uri, options)`). */
export * as projects from './client/projects.js';
/** Models: save, log, load and register models; batch prediction (`cairn.models.logModel(run, 'model', ...)`). */
export * as models from './client/models.js';
/** Plugins (docs/plugins.md): the types a plugin package implements, and loading plugins in a script. */
export type { CairnPlugin } from './plugins/plugin.js';
export type { AuthenticationProvider, ExternalIdentity } from './auth/provider-registry.js';
export type { Flavor, FlavorModel } from './models/flavors/flavor.js';
export type { ArtifactRepositoryProvider, RepositoryOptions } from './artifacts/repository-registry.js';
export type {
  Deployment,
  DeploymentChange,
  DeploymentClient,
  DeploymentHost,
  DeploymentModel,
  DeploymentTarget,
} from './plugins/deployment-target.js';
export type { ProjectBackend } from './projects/backends/backend-registry.js';
export type { ProjectTracking } from './projects/project-tracking.js';
export type { StoreDatabaseDriver } from './store/sql/open-database.js';
export type { SqlDatabase } from './store/sql/database.js';
export type {
  OpenedStore,
  RegistryStoreOptions,
  RegistryStoreProvider,
  TrackingStoreOptions,
  TrackingStoreProvider,
} from './store/store-registry.js';
export type { TrackingStore } from './store/tracking-store.js';
export type { RegistryStore } from './store/registry-store.js';
export type { Clause, Filter, OrderBy } from './search/ast.js';
export { loadPlugins, loadConfiguredPlugins } from './plugins/load-plugins.js';
export { EXTENSION_API_VERSIONS } from './version.js';
