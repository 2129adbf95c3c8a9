import type { ServerConfig } from '../config/server-config.js';
import type { TrackingService } from '../tracking/tracking-service.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ArtifactService } from '../artifacts/artifact-service.js';

/** What request handlers can reach: the configuration and the domain services. */
export interface ServerContext {
  config: ServerConfig;
  tracking: TrackingService;
  registry: RegistryService;
  artifacts: ArtifactService;
}
