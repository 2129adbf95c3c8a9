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
  const allowedOrigin = (origin: string | undefined, host: string | undefined): boolean => {
    if (origin === undefined) return true;
    return anyOrigin || isSameOrigin(origin, host) || listed(origin);
  };

  // The request whose origin the plugin is about to ask about (see below).
  let resolving: FastifyRequest | undefined;

  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (!STATE_CHANGING.has(request.method) || allowedOrigin(origin, request.headers.host)) {
      resolving = request;
      return done();
    }
    const shown = String(origin).slice(0, 200);
    request.log.warn({ origin: shown }, 'refused a cross-origin request');
    sendGuardError(
      reply,
      new MlflowError(
        `Cross-origin request from '${shown}' refused. Add the origin to --cors-allowed-origins to allow it.`,
        'PERMISSION_DENIED',
      ),
    );
  });

  // The plugin's options are fixed (with `*` any site may read answers, so never with the
  // user's cookies); only the verdict on the request's origin varies. Options chosen per request
  // (the plugin's delegator) are copied and extended by the plugin on every request, which V8
  // runs on a slow path: about 5 µs a request. Whether an origin is the server's own depends on
  // the request's Host, but the plugin asks about the Origin header alone, so the hook above
  // names the request: the plugin's hook runs right after it, synchronously. Should the two ever
  // not match, only the listed origins are allowed (never more than the rule).
  await app.register(cors, {
    hideOptionsRoute: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
    strictPreflight: true,
    credentials: !anyOrigin,
    origin: (origin: string | undefined, callback: (err: Error | null, allow: string | boolean) => void) => {
      const request = resolving;
      resolving = undefined;
      if (anyOrigin) return callback(null, '*');
      if (origin === undefined) return callback(null, false);
      const host = request?.headers.origin === origin ? request.headers.host : undefined;
      callback(null, allowedOrigin(origin, host));
    },
  });
}
