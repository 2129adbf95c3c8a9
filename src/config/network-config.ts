/**
 * Settings of the network guard (Host and Origin checks, security headers, limits, timeouts) and
 * of the request log. Part of `ServerConfig`; the scoring server takes the same logging and
 * connection settings. `readNetworkConfig` / `readLogConfig` parse them strictly from
 * `cairn server` options and the environment.
 */
import { invalidParam } from '../errors.js';
import { flag, integer, setting, type Env } from './env-values.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';

export interface LogConfig {
  level: LogLevel;
  format: LogFormat;
}

/** Timeouts and the per-address connection cap: shared by the tracking and the scoring server. */
export interface ConnectionLimits {
  /** Longest a client may take to send the request line and headers. */
  headersTimeoutMs: number;
  /** Longest a connection may stay silent (no byte received or sent), also mid-body. */
  idleTimeoutMs: number;
  /** Open connections allowed per client address; 0 for no cap. */
  maxConnectionsPerClient: number;
}

export interface NetworkConfig extends ConnectionLimits {
  /**
   * Accepted `Host` header values (`*` wildcards allowed, `*` alone accepts any). Undefined: the
   * listen address, localhost and private addresses.
   */
  allowedHosts?: string[];
  /** Origins other than the server's own allowed to call the API from a browser (`*` for any). */
  corsAllowedOrigins: string[];
  /** Turns off the Host, Origin and form checks and the security headers (for a fronting proxy). */
  disableSecurityMiddleware: boolean;
  /**
   * Where experiments may keep artifacts (local folders or URI prefixes). Undefined: the default
   * artifact root and the artifacts destination.
   */
  allowedArtifactRoots?: string[];
}

export const LOG_DEFAULTS: LogConfig = { level: 'info', format: 'json' };

export const NETWORK_DEFAULTS: NetworkConfig = {
  corsAllowedOrigins: [],
  disableSecurityMiddleware: false,
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxConnectionsPerClient: 256,
};

/** The network and logging options of `cairn server` (and `cairn models serve` for logging). */
export interface NetworkOptions {
  allowedHosts?: string;
  corsAllowedOrigins?: string;
  disableSecurityMiddleware?: boolean;
  allowedArtifactRoots?: string;
  headersTimeout?: string;
  idleTimeout?: string;
  maxConnectionsPerClient?: string;
  logLevel?: string;
  logFormat?: string;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

function seconds(raw: string | undefined, what: string): number | undefined {
  const value = integer(raw, what, 1, 86_400);
  return value === undefined ? undefined : value * 1000;
}

export function readLogConfig(opts: NetworkOptions, env: Env): LogConfig {
  const level = (setting(opts.logLevel, 'LOG_LEVEL', env) ?? LOG_DEFAULTS.level).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw invalidParam(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'.`);
  }
  const format = (setting(opts.logFormat, 'LOG_FORMAT', env) ?? LOG_DEFAULTS.format).toLowerCase();
  if (format !== 'json' && format !== 'text') {
    throw invalidParam(`--log-format must be json or text, got '${format}'.`);
  }
  return { level: level as LogLevel, format };
}

export function readNetworkConfig(opts: NetworkOptions, env: Env): NetworkConfig {
  // MLflow 3.5+ reads MLFLOW_SERVER_<NAME> for these three; accepted too so its settings carry over.
  const origins =
    list(
      setting(opts.corsAllowedOrigins, 'CORS_ALLOWED_ORIGINS', env) ?? env.MLFLOW_SERVER_CORS_ALLOWED_ORIGINS,
    ) ?? [];
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/i.test(origin.replace(/\*/g, 'x'))) {
      throw invalidParam(
        `--cors-allowed-origins: '${origin}' is not an origin (scheme://host[:port], e.g. https://app.example.com).`,
      );
    }
  }
  return {
    allowedHosts: list(setting(opts.allowedHosts, 'ALLOWED_HOSTS', env) ?? env.MLFLOW_SERVER_ALLOWED_HOSTS),
    corsAllowedOrigins: origins,
    disableSecurityMiddleware:
      flag(opts.disableSecurityMiddleware, 'DISABLE_SECURITY_MIDDLEWARE', env) ??
      flag(undefined, 'SERVER_DISABLE_SECURITY_MIDDLEWARE', env) ??
      NETWORK_DEFAULTS.disableSecurityMiddleware,
    allowedArtifactRoots: list(setting(opts.allowedArtifactRoots, 'ALLOWED_ARTIFACT_ROOTS', env)),
    headersTimeoutMs:
      seconds(setting(opts.headersTimeout, 'HEADERS_TIMEOUT', env), '--headers-timeout') ??
      NETWORK_DEFAULTS.headersTimeoutMs,
    idleTimeoutMs:
      seconds(setting(opts.idleTimeout, 'IDLE_TIMEOUT', env), '--idle-timeout') ??
      NETWORK_DEFAULTS.idleTimeoutMs,
    maxConnectionsPerClient:
      integer(
        setting(opts.maxConnectionsPerClient, 'MAX_CONNECTIONS_PER_CLIENT', env),
        '--max-connections-per-client',
        0,
        1_000_000,
      ) ?? NETWORK_DEFAULTS.maxConnectionsPerClient,
  };
}
