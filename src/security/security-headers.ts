/**
 * Security headers on every answer (`helmet`): no framing by other sites
 * (`X-Frame-Options` and CSP `frame-ancestors`), `nosniff`, `Referrer-Policy`, and a Content
 * Security Policy that lets the bundled web UI load its own scripts and styles only. HSTS is left
 * to the TLS-terminating proxy: on plain HTTP it means nothing, and a wrong one locks users out.
 *
 * The headers come from `helmet`, asked once at start-up: none of them depends on the request,
 * so each answer only copies the fixed list (running helmet's middleware chain per request, or
 * the Fastify wrapper that even rebuilds it, is a measurable part of a log-metric call's CPU).
 * They are set as Fastify reply headers, which Node writes in one pass with the others.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The headers `middleware` sets on an answer, as [lower-case name, value] pairs. */
function headersSetBy(middleware: Middleware): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let failure: unknown;
  middleware(
    { headers: {} } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (err) => (failure = err),
  );
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return [...headers];
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = headersSetBy(
    helmet({
      hsts: false,
      // A plain-HTTP server (the default) must not make browsers rewrite its URLs to https.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Charts and layout set inline style attributes.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'self'"],
        },
      },
      frameguard: { action: 'sameorigin' },
      referrerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }) as Middleware,
  );
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.header(name, value);
    done();
  });
}
