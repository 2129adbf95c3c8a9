/**
 * The settings of one tracking server process. This is a plain type defined low so that the
 * server, the services and the stores can all take the parts they need; `resolveServerConfig`
 * (resolve-server-config.ts) builds it once from the command line and the environment.
 */
import type { AuthConfig } from './auth-config.js';

import { LOG_DEFAULTS, NETWORK_DEFAULTS, type LogConfig, type NetworkConfig } from './network-config.js';

/** Webhook delivery settings (retries, timeouts, the outbox worker, allowed targets). */
export interface WebhookDeliveryConfig {
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; doubled on each further retry. */
  retryDelayMs: number;
  /** Longest a receiver may take to answer one attempt. */
  timeoutMs: number;
  /** How often an idle instance looks in the outbox for due deliveries. */
  pollMs: number;
  /** How long a claimed delivery stays with the instance that claimed it (at least timeout + 1 s). */
  leaseMs: number;
  /**
   * Non-public hosts, IPs and CIDR ranges webhooks may reach (`--webhook-allowed-hosts`). Public
   * addresses are always allowed; loopback, private and link-local ones only when listed.
   */
  allowedHosts: readonly string[];
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Backend store URI: sqlite:///path.db, postgresql://..., mysql://... */
  backendStoreUri: string;
  /**
   * Connections each PostgreSQL/MySQL store opens at most (`--db-pool-size`); SQLite has none.
   * Undefined takes the store's default (`DEFAULT_POOL_SIZE` in src/store/sql/database.ts).
   */
  dbPoolSize?: number;
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
  /** Largest accepted JSON request body, in bytes (routes that need more say so in src/security/). */
  maxBodyBytes: number;
  /** Per-route JSON body limits in bytes, by endpoint path (`runs/log-batch`); they win over the rest. */
  jsonBodyLimits: Record<string, number>;
  /** Over-long param and tag values are truncated (MLflow's default) rather than refused. */
  truncateLongValues: boolean;
  /** A regular expression every model version source must match; undefined accepts all. */
  modelVersionSourcePattern?: string;
  webhooks: WebhookDeliveryConfig;
  /** Access control (`--auth`); undefined serves everyone without credentials, as before. */
  auth?: AuthConfig;
  network: NetworkConfig;
  log: LogConfig;
}

/** The one place the defaults of `cairn server` are written down. */
export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 5000,
  backendStoreUri: 'sqlite:///mlruns.db',
  artifactsDestination: './mlartifacts',
  proxiedArtifactRoot: 'mlflow-artifacts:/',
  maxBodyBytes: 1024 * 1024,
  workers: 1,
  webhooks: {
    maxAttempts: 5,
    retryDelayMs: 1000,
    timeoutMs: 10_000,
    pollMs: 1000,
    leaseMs: 15_000,
    allowedHosts: [],
  },
} as const;

/**
 * A complete configuration from the defaults and `overrides` (for tests and embedding). The
 * registry store follows the backend store and the artifact root follows the proxy setting
 * unless they are given.
 */
export function defaultServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const serveArtifacts = overrides.serveArtifacts ?? true;
  const backendStoreUri = overrides.backendStoreUri ?? SERVER_DEFAULTS.backendStoreUri;
  const artifactsDestination = overrides.artifactsDestination ?? SERVER_DEFAULTS.artifactsDestination;
  return {
    host: SERVER_DEFAULTS.host,
    port: SERVER_DEFAULTS.port,
    backendStoreUri,
    registryStoreUri: backendStoreUri,
    defaultArtifactRoot: serveArtifacts ? SERVER_DEFAULTS.proxiedArtifactRoot : artifactsDestination,
    artifactsDestination,
    serveArtifacts,
    artifactsOnly: false,
    maxBodyBytes: SERVER_DEFAULTS.maxBodyBytes,
    jsonBodyLimits: {},
    truncateLongValues: true,
    ...overrides,
    webhooks: { ...SERVER_DEFAULTS.webhooks, ...overrides.webhooks },
    network: { ...NETWORK_DEFAULTS, ...overrides.network },
    log: { ...LOG_DEFAULTS, ...overrides.log },
  };
}
