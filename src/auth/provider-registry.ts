/**
 * Extension point `authenticationProvider` (interface version
 * `EXTENSION_API_VERSIONS.authenticationProvider`): verifies credentials sent with an
 * `Authorization` scheme of its own (`Authorization: ApiKey …`), for sites whose identities live
 * elsewhere. Basic and Bearer stay Cairn's (passwords, Cairn tokens, OIDC JWTs). An identity a
 * provider vouches for is treated like an SSO user: a password-less local user is created on first
 * sight so that grants can name it, and its groups are added to the ones kept in Cairn.
 */
import { invalidParam } from '../errors.js';
import { checkApiVersion } from '../version.js';

export interface ExternalIdentity {
  username: string;
  groups?: readonly string[];
}

export interface AuthenticationProvider {
  readonly apiVersion: number;
  /** A name for messages (e.g. the plugin's package name). */
  readonly name: string;
  /** `Authorization` schemes it answers for, case-insensitive (`apikey`). */
  readonly schemes: readonly string[];
  /** The identity behind `credential` (the header value after the scheme); null refuses it (401). */
  authenticate(credential: string, context: { clientAddress: string }): Promise<ExternalIdentity | null>;
}

const RESERVED = new Set(['basic', 'bearer']);
const providers = new Map<string, AuthenticationProvider>();

export function registerAuthenticationProvider(provider: AuthenticationProvider): void {
  const name = String(provider?.name ?? '');
  checkApiVersion('authenticationProvider', name, provider?.apiVersion);
  if (typeof provider.authenticate !== 'function') {
    throw invalidParam(`The authentication provider '${name}' has no authenticate() function.`);
  }
  const schemes = Array.isArray(provider.schemes) ? provider.schemes.map((s) => String(s).toLowerCase()) : [];
  if (schemes.length === 0) throw invalidParam(`The authentication provider '${name}' lists no schemes.`);
  for (const scheme of schemes) {
    if (!/^[a-z][a-z0-9._-]*$/.test(scheme)) {
      throw invalidParam(`'${scheme}' (from '${name}') is not an authorization scheme name.`);
    }
    if (RESERVED.has(scheme) || providers.has(scheme)) {
      throw invalidParam(`The authorization scheme '${scheme}' already has an authentication provider.`);
    }
  }
  for (const scheme of schemes) providers.set(scheme, provider);
}

/** The provider for an `Authorization` scheme (lower case), if one is registered. */
export function authenticationProviderFor(scheme: string): AuthenticationProvider | undefined {
  return providers.get(scheme);
}

/** Schemes accepted in `Authorization`, for error messages. */
export function authorizationSchemes(): string[] {
  return ['Basic', 'Bearer', ...[...providers.keys()].sort()];
}
