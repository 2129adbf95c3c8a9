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
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions.config?.jsonOnly) return;
    // An origin has passed the cross-origin guard already (it runs first): the server's own pages.
    if (request.headers['x-requested-with'] !== undefined || request.headers.origin !== undefined) return;
    const media = String(request.headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim()
      .toLowerCase();
    const formLike = media === '' ? hasBody(request.headers) : FORM_TYPES.has(media);
    if (!formLike) return;
    return sendGuardError(
      reply,
      new MlflowError(
        `Bad Request. Content-Type '${media || '(none)'}' is refused here because any web page can send it ` +
          'with a form. Send application/octet-stream (or the JSON / file type), or add an X-Requested-With header.',
        'INVALID_PARAMETER_VALUE',
      ),
    );
  });
}
