/**
 * Security headers on every answer (`helmet`): no framing by other sites
 * (`X-Frame-Options` and CSP `frame-ancestors`), `nosniff`, `Referrer-Policy`, and a Content
 * Security Policy that lets the bundled web UI load its own scripts and styles only. HSTS is left
 * to the TLS-terminating proxy: on plain HTTP it means nothing, and a wrong one locks users out.
 *
 * The headers come from `helmet`, built once here: the Fastify wrapper of it builds the whole
 * middleware (parsing every CSP directive) again on each request, a measurable part of a
 * log-metric call's CPU time.
 */
import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

export function registerSecurityHeaders(app: FastifyInstance): void {
  const applyHeaders = helmet({
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
  });
  app.addHook('onRequest', (request, reply, done) => {
    applyHeaders(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
  });
}
