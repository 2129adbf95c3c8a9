import type { ServerConfig } from '../config/server-config.js';
import type { TrackingService } from '../tracking/tracking-service.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { AuthRuntime } from './auth/runtime.js';

/** One readiness check's result (`/ready`). */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/** What request handlers can reach: the configuration and the domain services. */
export interface ServerContext {
  config: ServerConfig;
  tracking: TrackingService;
  registry: RegistryService;
  artifacts: ArtifactService;
  /** Access control, when the server runs with `--auth`. */
  auth?: AuthRuntime;
  /** Runs the readiness checks (database reachable, schema current, artifact store reachable). */
  readiness?(): Promise<ReadinessCheck[]>;
}
