/**
 * Browsers on other sites. CORS tells a browser which other origins may read the API's answers:
 * by default none, only the server's own pages. Because a browser still *sends* simple
 * cross-site requests (a form post, a `no-cors` fetch) and only hides the answer, requests that
 * change state and carry a foreign `Origin` are refused outright with 403, before any work.
 *
 * The CORS headers are those `@fastify/cors` writes for the options below (reflected allowed
 * origin with credentials, or `*` without; `Vary: Origin`; strict preflights answered 204), set by
 * one hook whose header values are all fixed at start-up: a request without an `Origin` header
 * (every API client but a browser on another site) costs a header or two and no allocation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MlflowError } from '../errors.js';
import { sendGuardError } from './guard-reply.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The methods a preflight allows, and how long a browser may cache its answer (seconds). */
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const PREFLIGHT_MAX_AGE = '600';
/** Answer headers a page on an allowed origin may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'X-Request-Id';

/** True when `origin` (scheme://host[:port]) names the host the request was sent to. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

function originMatcher(allowed: string[]): (origin: string) => boolean {
  const res = allowed.map(
    (a) =>
      new RegExp(
        `^${a
          .toLowerCase()
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')}$`,
      ),
  );
  return (origin) => res.some((re) => re.test(origin.toLowerCase()));
}

export async function registerCrossOriginGuard(
  app: FastifyInstance,
  opts: { corsAllowedOrigins: string[] },
): Promise<void> {
  // With `*` any site may read answers, so never with the user's cookies.
  const anyOrigin = opts.corsAllowedOrigins.includes('*');
  const listed = originMatcher(opts.corsAllowedOrigins);
  const allowedOrigin = (origin: string, request: FastifyRequest): boolean =>
    anyOrigin || isSameOrigin(origin, request.headers.host) || listed(origin);

  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin === undefined) {
      // No browser on another site: answers carry no allowance, except to everyone with `*`.
      reply.header('Vary', 'Origin');
      if (!anyOrigin) return done();
      allowEveryone(reply);
      if (request.method === 'OPTIONS') return invalidPreflight(reply);
      return done();
    }
    const allowed = allowedOrigin(origin, request);
    if (!allowed && STATE_CHANGING.has(request.method)) {
      const shown = origin.slice(0, 200);
      request.log.warn({ origin: shown }, 'refused a cross-origin request');
      sendGuardError(
        reply,
        new MlflowError(
          `Cross-origin request from '${shown}' refused. Add the origin to --cors-allowed-origins to allow it.`,
          'PERMISSION_DENIED',
        ),
      );
      return;
    }
    reply.header('Vary', 'Origin');
    if (!allowed) return done();
    if (anyOrigin) allowEveryone(reply);
    else {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Allow-Credentials', 'true');
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    if (request.method !== 'OPTIONS') return done();
    // A preflight is answered here, before authentication: browsers send it without credentials.
    if (!origin || !request.headers['access-control-request-method']) return invalidPreflight(reply);
    reply.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
    reply.header('Vary', 'Origin, Access-Control-Request-Headers');
    const headers = request.headers['access-control-request-headers'];
    if (headers !== undefined) reply.header('Access-Control-Allow-Headers', headers);
    reply.header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
    // Safari needs a Content-Length for a 204, or it waits for a body.
    reply.code(204).header('Content-Length', '0').send();
  });

  // OPTIONS requests that are no allowed preflight reach the usual "no such endpoint" answer.
  app.options('*', (_request, reply) => {
    reply.callNotFound();
  });
}

function allowEveryone(reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', '*');
  reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
}

function invalidPreflight(reply: FastifyReply): void {
  reply.code(400).type('text/plain').send('Invalid Preflight Request');
}
