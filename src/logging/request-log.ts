/**
 * One log line per request, written when the answer is complete: method, route, path, status,
 * duration, client address, the user (once authentication has set the request's principal) and the
 * request id, which every answer also carries as `X-Request-Id`. The query string is left out: it
 * may hold values a log must not keep.
 *
 * The line's fields are fixed and none of them can hold a secret, so it is written through a
 * logger without the redaction pass (which walks every value of a line against every redacted
 * path); every other line keeps it. The request id comes first, where the request's own logger
 * puts it, so the line reads exactly as if written through `request.log`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { REQUEST_ID_LABEL } from './logger.js';

/** The authenticated user's name, once the authentication stage has set the request's principal. */
function userOf(request: FastifyRequest): string | null {
  const state = (request as FastifyRequest & { cairn?: { principal?: { username?: unknown } | null } }).cairn;
  const username = state?.principal?.username;
  return typeof username === 'string' ? username : null;
}

/** The request's path: without the query string, at most 500 characters. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.length > 500 ? path.slice(0, 500) : path;
}

export function registerRequestLog(app: FastifyInstance): void {
  const lines = app.log.child({}, { redact: [] });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const fields = {
      [REQUEST_ID_LABEL]: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: pathOf(request.url),
      status,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      client: request.ip,
      user: userOf(request),
    };
    if (status >= 500) lines.warn(fields, 'request');
    else lines.info(fields, 'request');
    done();
  });
}
