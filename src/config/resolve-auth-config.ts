/**
 * Builds the access-control part of the server configuration from `cairn server` options and
 * the environment: `--auth` (or MLflow's `--app-name basic-auth`), the default permission, the
 * first admin from CAIRN_ADMIN_USERNAME / CAIRN_ADMIN_PASSWORD, and single sign-on.
 */
import { invalidParam } from '../errors.js';
import { PERMISSIONS, type Permission } from '../entities/auth.js';
import { defaultAuthConfig, type AuthConfig, type AuthOptions, type OidcConfig } from './auth-config.js';
import { flag, setting, type Env } from './env-values.js';

function permission(raw: string | undefined): Permission | undefined {
  if (raw === undefined) return undefined;
  const upper = raw.toUpperCase();
  if (!(PERMISSIONS as readonly string[]).includes(upper))
    throw invalidParam(`The default permission must be one of ${PERMISSIONS.join(', ')}, got '${raw}'.`);
  return upper as Permission;
}

function oidc(opts: AuthOptions, env: Env): OidcConfig | undefined {
  const issuer = setting(opts.oidcIssuer, 'OIDC_ISSUER', env);
  const audience = setting(opts.oidcAudience, 'OIDC_AUDIENCE', env);
  const jwksUri = setting(opts.oidcJwksUri, 'OIDC_JWKS_URI', env);
  const jwksFile = setting(opts.oidcJwksFile, 'OIDC_JWKS_FILE', env);
  if (!issuer && !audience && !jwksUri && !jwksFile) return undefined;
  if (!issuer || !audience)
    throw invalidParam('Single sign-on needs both --oidc-issuer and --oidc-audience.');
  if (!jwksUri && !jwksFile) throw invalidParam('Single sign-on needs --oidc-jwks-uri or --oidc-jwks-file.');
  return {
    issuer,
    audience,
    jwksUri,
    jwksFile,
    usernameClaim: setting(opts.oidcUsernameClaim, 'OIDC_USERNAME_CLAIM', env) ?? 'preferred_username',
    groupsClaim: setting(opts.oidcGroupsClaim, 'OIDC_GROUPS_CLAIM', env) ?? 'groups',
  };
}

/** The access-control configuration, or undefined when the server runs without `--auth`. */
export function resolveAuthConfig(opts: AuthOptions, env: Env): AuthConfig | undefined {
  const appName = setting(opts.appName, 'APP_NAME', env);
  if (appName !== undefined && appName !== 'basic-auth')
    throw invalidParam(`Unknown --app-name '${appName}': Cairn knows 'basic-auth' (the same as --auth).`);
  const enabled = (flag(opts.auth, 'AUTH', env) ?? false) || appName === 'basic-auth';
  if (!enabled) return undefined;
  const username = env.CAIRN_ADMIN_USERNAME || undefined;
  const password = env.CAIRN_ADMIN_PASSWORD || undefined;
  if (!!username !== !!password)
    throw invalidParam('Set both CAIRN_ADMIN_USERNAME and CAIRN_ADMIN_PASSWORD to create the first admin.');
  return defaultAuthConfig({
    defaultPermission:
      permission(setting(opts.authDefaultPermission, 'AUTH_DEFAULT_PERMISSION', env)) ?? 'READ',
    bootstrapAdmin: username && password ? { username, password } : undefined,
    oidc: oidc(opts, env),
  });
}
