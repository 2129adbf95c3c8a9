/**
 * Builds the server configuration once, strictly, from `cairn server` options and the
 * environment (`CAIRN_<NAME>`, then `MLFLOW_<NAME>`). Every malformed value is an error at start-up.
 */
import { resolve } from 'node:path';
import { invalidParam } from '../errors.js';
import { flag, integer, parseBoolean, pattern, setting, type Env } from './env-values.js';
import { readLogConfig, readNetworkConfig, type NetworkOptions } from './network-config.js';
import { defaultServerConfig, SERVER_DEFAULTS, type ServerConfig } from './server-config.js';
import type { AuthOptions } from './auth-config.js';
import { resolveAuthConfig } from './resolve-auth-config.js';
import { parseAllowedHostList } from './allowed-hosts.js';
import { jsonBodyBytes, parseJsonBodyLimits } from './json-body-limits.js';

/** The `cairn server` options as commander hands them over (strings and switches). */
export interface ServerOptions extends AuthOptions, NetworkOptions {
  backendStoreUri?: string;
  registryStoreUri?: string;
  defaultArtifactRoot?: string;
  artifactsDestination?: string;
  serveArtifacts?: boolean;
  artifactsOnly?: boolean;
  host?: string;
  port?: string;
  workers?: string;
  webhookAllowedHosts?: string;
  dbPoolSize?: string;
  maxJsonBody?: string;
  jsonBodyLimits?: string;
}

const HAS_SCHEME = /^[a-z][\w+.-]+:\/\//i;

export function resolveServerConfig(
  opts: ServerOptions,
  env: Env = process.env,
): ServerConfig & { workers: number } {
  const serveArtifacts = flag(opts.serveArtifacts, 'SERVE_ARTIFACTS', env) ?? true;
  const backendStoreUri =
    setting(opts.backendStoreUri, 'BACKEND_STORE_URI', env) ?? SERVER_DEFAULTS.backendStoreUri;
  const destination =
    setting(opts.artifactsDestination, 'ARTIFACTS_DESTINATION', env) ?? SERVER_DEFAULTS.artifactsDestination;
  // A URI (s3://...) is kept as is; a local folder is made absolute so the banner is unambiguous.
  const artifactsDestination = HAS_SCHEME.test(destination) ? destination : resolve(destination);
  const config = defaultServerConfig({
    host: setting(opts.host, 'HOST', env) ?? SERVER_DEFAULTS.host,
    port: integer(setting(opts.port, 'PORT', env), 'Port', 0, 65535) ?? SERVER_DEFAULTS.port,
    backendStoreUri,
    registryStoreUri: setting(opts.registryStoreUri, 'REGISTRY_STORE_URI', env) ?? backendStoreUri,
    dbPoolSize: integer(
      setting(opts.dbPoolSize, 'DB_POOL_SIZE', env),
      'The database pool size (--db-pool-size)',
      1,
      1000,
    ),
    defaultArtifactRoot:
      setting(opts.defaultArtifactRoot, 'DEFAULT_ARTIFACT_ROOT', env) ??
      (serveArtifacts ? SERVER_DEFAULTS.proxiedArtifactRoot : artifactsDestination),
    artifactsDestination,
    serveArtifacts,
    artifactsOnly: flag(opts.artifactsOnly, 'ARTIFACTS_ONLY', env) ?? false,
    maxBodyBytes:
      jsonBodyBytes(setting(opts.maxJsonBody, 'MAX_JSON_BODY', env), '--max-json-body') ??
      SERVER_DEFAULTS.maxBodyBytes,
    jsonBodyLimits: parseJsonBodyLimits(
      setting(opts.jsonBodyLimits, 'JSON_BODY_LIMITS', env),
      '--json-body-limits',
    ),
    truncateLongValues:
      parseBoolean(setting(undefined, 'TRUNCATE_LONG_VALUES', env), 'TRUNCATE_LONG_VALUES') ?? true,
    modelVersionSourcePattern: pattern(
      env.CAIRN_MODEL_VERSION_SOURCE_REGEX || env.MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX,
      'The model version source pattern (CAIRN_MODEL_VERSION_SOURCE_REGEX)',
    ),
    network: readNetworkConfig(opts, env),
    log: readLogConfig(opts, env),
    webhooks: {
      maxAttempts:
        integer(env.CAIRN_WEBHOOK_MAX_ATTEMPTS, 'CAIRN_WEBHOOK_MAX_ATTEMPTS', 1, 100) ??
        SERVER_DEFAULTS.webhooks.maxAttempts,
      retryDelayMs:
        integer(env.CAIRN_WEBHOOK_RETRY_DELAY_MS, 'CAIRN_WEBHOOK_RETRY_DELAY_MS', 0, 3_600_000) ??
        SERVER_DEFAULTS.webhooks.retryDelayMs,
      timeoutMs:
        integer(env.CAIRN_WEBHOOK_TIMEOUT_MS, 'CAIRN_WEBHOOK_TIMEOUT_MS', 1, 600_000) ??
        SERVER_DEFAULTS.webhooks.timeoutMs,
      pollMs:
        integer(env.CAIRN_WEBHOOK_POLL_MS, 'CAIRN_WEBHOOK_POLL_MS', 10, 600_000) ??
        SERVER_DEFAULTS.webhooks.pollMs,
      leaseMs:
        integer(env.CAIRN_WEBHOOK_LEASE_MS, 'CAIRN_WEBHOOK_LEASE_MS', 1000, 3_600_000) ??
        SERVER_DEFAULTS.webhooks.leaseMs,
      allowedHosts: parseAllowedHostList(
        setting(opts.webhookAllowedHosts, 'WEBHOOK_ALLOWED_HOSTS', env),
        '--webhook-allowed-hosts',
      ),
    },
    auth: resolveAuthConfig(opts, env),
  });
  if (config.artifactsOnly && !config.serveArtifacts) {
    throw invalidParam(
      '--artifacts-only needs the artifact proxy: do not combine it with --no-serve-artifacts.',
    );
  }
  const workers = integer(setting(opts.workers, 'WORKERS', env), 'Workers', 1, 64) ?? SERVER_DEFAULTS.workers;
  return { ...config, workers };
}
