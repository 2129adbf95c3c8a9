/** Settings of one tracking server process (from `cairn server` options / environment). */
export interface ServerConfig {
  host: string;
  port: number;
  /** Backend store URI: sqlite:///path.db, postgresql://..., mysql://... */
  backendStoreUri: string;
  /** Registry store URI; defaults to the backend store URI. */
  registryStoreUri: string;
  /** Root for new experiments' artifact locations (e.g. `mlflow-artifacts:/` or `s3://bucket/path`). */
  defaultArtifactRoot: string;
  /** Where the artifact proxy stores files (a local path or `s3://...`). */
  artifactsDestination: string;
  serveArtifacts: boolean;
  artifactsOnly: boolean;
  /** Directory of the built web UI, served at `/`; undefined to serve no UI. */
  uiDir?: string;
  /** Largest accepted JSON request body, in bytes. */
  maxBodyBytes: number;
  /**
   * Non-public hosts webhooks may reach (names, IPs, CIDR ranges); public addresses are always
   * allowed. Empty by default: loopback, private and link-local targets are refused.
   */
  webhookAllowedHosts: string[];
}

/** The defaults of `cairn server`: SQLite in ./mlruns.db and proxied artifacts in ./mlartifacts. */
export function defaultServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const serveArtifacts = overrides.serveArtifacts ?? true;
  const backendStoreUri = overrides.backendStoreUri ?? 'sqlite:///mlruns.db';
  const artifactsDestination = overrides.artifactsDestination ?? './mlartifacts';
  return {
    host: '127.0.0.1',
    port: 5000,
    backendStoreUri,
    registryStoreUri: backendStoreUri,
    defaultArtifactRoot: serveArtifacts ? 'mlflow-artifacts:/' : artifactsDestination,
    artifactsDestination,
    serveArtifacts,
    artifactsOnly: false,
    maxBodyBytes: 32 * 1024 * 1024,
    webhookAllowedHosts: [],
    ...overrides,
  };
}
