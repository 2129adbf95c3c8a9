/**
 * Browsers on other sites. CORS (`@fastify/cors`) tells a browser which other origins may read the
 * API's answers: by default none, only the server's own pages. Because a browser still *sends*
 * simple cross-site requests (a form post, a `no-cors` fetch) and only hides the answer, requests
 * that change state and carry a foreign `Origin` are refused outright with 403, before any work.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MlflowError } from '../errors.js';
import { sendGuardError } from './guard-reply.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
  const anyOrigin = opts.corsAllowedOrigins.includes('*');
  const listed = originMatcher(opts.corsAllowedOrigins);
  const allowedOrigin = (request: FastifyRequest): boolean => {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    return anyOrigin || isSameOrigin(origin, request.headers.host) || listed(origin);
  };

  app.addHook('onRequest', (request, reply, done) => {
    if (!STATE_CHANGING.has(request.method) || allowedOrigin(request)) return done();
    const origin = String(request.headers.origin).slice(0, 200);
    request.log.warn({ origin }, 'refused a cross-origin request');
    sendGuardError(
      reply,
      new MlflowError(
        `Cross-origin request from '${origin}' refused. Add the origin to --cors-allowed-origins to allow it.`,
        'PERMISSION_DENIED',
      ),
    );
  });

  // The plugin asks for options on every request: they are made once, so a request only picks
  // one (with `*` any site may read answers, so never with the user's cookies).
  const common = {
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
    strictPreflight: true,
  };
  const anySite = { ...common, origin: '*', credentials: false };
  const allowed = { ...common, origin: true, credentials: true };
  const refused = { ...common, origin: false, credentials: true };
  await app.register(cors, {
    hideOptionsRoute: true,
    delegator: (request, callback) =>
      callback(
        null,
        anyOrigin
          ? anySite
          : request.headers.origin !== undefined && allowedOrigin(request)
            ? allowed
            : refused,
      ),
  });
}
