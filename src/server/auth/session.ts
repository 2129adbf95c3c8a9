/**
 * Web UI sessions: `auth/login` checks a password and sets an HttpOnly, SameSite=Lax session
 * cookie (Secure when the request came over https) holding a session token, plus a readable CSRF
 * cookie. A state-changing request authenticated by the cookie must repeat the CSRF value in the
 * `X-CSRF-Token` header, which a cross-site form or image cannot do.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_TOKEN_NAME } from '../../auth/authenticator.js';
import { permissionDenied } from '../../auth/access-control.js';
import type { Principal } from '../../auth/principal.js';
import { generateToken, hashToken } from '../../auth/tokens.js';
import type { AuthRuntime } from './runtime.js';

export const SESSION_COOKIE = 'cairn_session';
export const CSRF_COOKIE = 'cairn_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The CSRF value bound to a session (derived, so nothing more is stored). */
export const csrfFor = (sessionSecret: string): string =>
  createHash('sha256').update(`csrf\u0000${sessionSecret}`).digest('base64url');

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The principal of the session cookie, if any; enforces the CSRF header on writes. */
export async function sessionPrincipal(
  request: FastifyRequest,
  auth: AuthRuntime,
): Promise<Principal | null> {
  const secret = readCookie(request, SESSION_COOKIE);
  if (!secret) return null;
  const principal = await auth.authenticator.fromSession(secret);
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameText(sent, csrfFor(secret)))
      throw permissionDenied('Missing or invalid CSRF token (send the X-CSRF-Token header).');
  }
  return principal;
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

function cookie(
  name: string,
  value: string,
  request: FastifyRequest,
  opts: { httpOnly: boolean; maxAgeS: number },
) {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${opts.maxAgeS}`,
    'SameSite=Lax',
    ...(opts.httpOnly ? ['HttpOnly'] : []),
    ...(isHttps(request) ? ['Secure'] : []),
  ].join('; ');
}

/** Starts a session for a verified principal; answers the CSRF value for the UI to send back. */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  auth: AuthRuntime,
  principal: Principal,
): Promise<{ csrf_token: string; expiry_time: number }> {
  const token = generateToken();
  const expiry = Date.now() + auth.config.sessionTtlMs;
  await auth.store.createToken({
    tokenId: token.tokenId,
    userId: principal.userId!,
    name: SESSION_TOKEN_NAME,
    tokenHash: token.hash,
    scope: 'admin',
    expiryTime: expiry,
  });
  const maxAgeS = Math.floor(auth.config.sessionTtlMs / 1000);
  const csrf = csrfFor(token.secret);
  reply.header('Set-Cookie', [
    cookie(SESSION_COOKIE, token.secret, request, { httpOnly: true, maxAgeS }),
    cookie(CSRF_COOKIE, csrf, request, { httpOnly: false, maxAgeS }),
  ]);
  return { csrf_token: csrf, expiry_time: expiry };
}

/** Revokes the session of the cookie (if any) and clears both cookies. */
export async function endSession(
  request: FastifyRequest,
  reply: FastifyReply,
  auth: AuthRuntime,
): Promise<void> {
  const secret = readCookie(request, SESSION_COOKIE);
  if (secret) {
    const token = await auth.store.findTokenByHash(hashToken(secret));
    if (token && token.revokedTime === null) await auth.store.revokeToken(token.tokenId);
    auth.invalidate();
  }
  reply.header('Set-Cookie', [
    cookie(SESSION_COOKIE, '', request, { httpOnly: true, maxAgeS: 0 }),
    cookie(CSRF_COOKIE, '', request, { httpOnly: false, maxAgeS: 0 }),
  ]);
}
