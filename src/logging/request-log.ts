/**
 * One log line per request, written when the answer is complete: method, route, path, status,
 * duration, client address, the user (once authentication has set `request.principal`) and the
 * request id, which every answer also carries as `X-Request-Id`. The query string is left out: it
 * may hold values a log must not keep.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The authenticated user's name, when the authentication stage has set `request.principal`. */
function userOf(request: FastifyRequest): string | undefined {
  const principal = (request as FastifyRequest & { principal?: { name?: unknown } }).principal;
  return typeof principal?.name === 'string' ? principal.name : undefined;
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const fields = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?', 1)[0]!.slice(0, 500),
      status,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      client: request.ip,
      user: userOf(request) ?? null,
    };
    if (status >= 500) request.log.warn(fields, 'request');
    else request.log.info(fields, 'request');
  });
}
