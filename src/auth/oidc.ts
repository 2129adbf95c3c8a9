/**
 * Single sign-on: JWT bearer tokens issued by an OpenID Connect provider, verified with `jose`
 * (signature against the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`). The user name and groups
 * come from configurable claims.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { invalidParam } from '../errors.js';
import type { OidcConfig } from '../config/auth-config.js';
import { unauthenticated, type BearerVerifier } from './authenticator.js';

/** Algorithms accepted from an identity provider (never `none`, never HMAC with a public key). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function claimText(payload: Record<string, unknown>, claim: string): string | undefined {
  const v = payload[claim];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export async function createOidcVerifier(config: OidcConfig): Promise<BearerVerifier> {
  let keys: Parameters<typeof jwtVerify>[1];
  if (config.jwksFile) {
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(await readFile(config.jwksFile, 'utf8')) as JSONWebKeySet;
    } catch (err) {
      throw invalidParam(`Cannot read the JWKS file ${config.jwksFile}: ${(err as Error).message}`);
    }
    keys = createLocalJWKSet(jwks);
  } else if (config.jwksUri) {
    keys = createRemoteJWKSet(new URL(config.jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  } else {
    throw invalidParam('Single sign-on needs the issuer keys: give --oidc-jwks-uri or --oidc-jwks-file.');
  }
  return {
    async verify(jwt) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(jwt, keys, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: ALGORITHMS,
        }));
      } catch (err) {
        // The reason (expired, wrong audience...) helps the caller; the token itself is never echoed.
        const reason = err instanceof errors.JOSEError ? err.code : 'invalid token';
        throw unauthenticated(`Invalid SSO token (${reason}).`);
      }
      const username = claimText(payload, config.usernameClaim) ?? claimText(payload, 'sub');
      if (!username) throw unauthenticated(`The SSO token has no '${config.usernameClaim}' claim.`);
      const rawGroups = payload[config.groupsClaim];
      const groups = Array.isArray(rawGroups)
        ? rawGroups.filter((g): g is string => typeof g === 'string')
        : [];
      return { username, groups };
    },
  };
}
