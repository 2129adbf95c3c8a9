/**
 * A page on any site can make the browser POST to this server with an HTML form (content types
 * `text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`) or a `no-cors` fetch
 * without a content type, and browsers send those without asking first. Browsers mark them with
 * the page's `Origin`, which the cross-origin guard checks; a form-like POST *without* an origin
 * must be JSON, have a content type a form cannot produce (an upload's
 * `application/octet-stream`), or carry `X-Requested-With`, a header forms cannot set. PUT, PATCH
 * and DELETE need a CORS preflight anyway. Routes that only accept JSON check that themselves.
 */
import type { FastifyInstance } from 'fastify';
import { MlflowError } from '../errors.js';
import { sendGuardError } from './guard-reply.js';

const FORM_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler refuses every body that is not `application/json` (the REST API). */
    jsonOnly?: boolean;
  }
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
}

export function registerFormPostGuard(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    // An origin has passed the cross-origin guard already (it runs first): the server's own pages.
    const headers = request.headers;
    if (headers['content-type'] === 'application/json') return done();
    if (headers['x-requested-with'] !== undefined || headers.origin !== undefined) return done();
    const media = String(headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim()
      .toLowerCase();
    // JSON (every API call) and uploads' own types are no form; routes taking only JSON refuse
    // the rest themselves.
    if (media === 'application/json' || request.routeOptions.config?.jsonOnly) return done();
    const formLike = media === '' ? hasBody(headers) : FORM_TYPES.has(media);
    if (!formLike) return done();
    sendGuardError(
      reply,
      new MlflowError(
        `Bad Request. Content-Type '${media || '(none)'}' is refused here because any web page can send it ` +
          'with a form. Send application/octet-stream (or the JSON / file type), or add an X-Requested-With header.',
        'INVALID_PARAMETER_VALUE',
      ),
    );
  });
}
