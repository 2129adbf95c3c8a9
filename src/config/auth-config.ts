/** Access-control settings of a tracking server (`cairn server --auth ...`). */
import type { Permission } from '../entities/auth.js';

export interface OidcConfig {
  /** Expected `iss` of accepted JWTs. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** Where the issuer publishes its signing keys; the file wins when both are set. */
  jwksUri?: string;
  /** A JWKS JSON file with the signing keys (for issuers the server cannot reach). */
  jwksFile?: string;
  /** Claim holding the user name (default `preferred_username`, then `sub`). */
  usernameClaim: string;
  /** Claim holding the list of group names (default `groups`). */
  groupsClaim: string;
}

export interface AuthConfig {
  /** Permission of a user on a resource without any grant. */
  defaultPermission: Permission;
  /** How long a verified credential and a user's grants are reused without asking the store. */
  cacheTtlMs: number;
  /** Lifetime of a web session created by `auth/login`. */
  sessionTtlMs: number;
  /** Created (as admin) at start when no user of that name exists; never a built-in default. */
  bootstrapAdmin?: { username: string; password: string };
  oidc?: OidcConfig;
  /** Failed logins allowed per user name and client address within the window. */
  loginLimit: { maxFailures: number; windowMs: number; maxEntries: number };
}

export function defaultAuthConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    defaultPermission: 'READ',
    cacheTtlMs: 10_000,
    sessionTtlMs: 12 * 60 * 60 * 1000,
    loginLimit: { maxFailures: 10, windowMs: 60_000, maxEntries: 10_000 },
    ...overrides,
  };
}

/** The `cairn server` options of access control, as commander hands them over. */
export interface AuthOptions {
  auth?: boolean;
  appName?: string;
  authDefaultPermission?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcJwksUri?: string;
  oidcJwksFile?: string;
  oidcUsernameClaim?: string;
  oidcGroupsClaim?: string;
}
