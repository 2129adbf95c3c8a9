/**
 * The observation stage of the request pipeline: Prometheus metrics for every request (by route
 * pattern, never by raw URL, so the label set stays small and holds no names or ids), and the
 * operator endpoints `/metrics` and `/ready`. `/health` (in app.ts) stays pure liveness: it
 * answers as long as the process serves HTTP, while `/ready` also needs the databases, the schema
 * and the artifact store.
 *
 * Who may read them: neither exposes a secret, an experiment, a run or a user name; they do tell
 * request volumes and what the server depends on. Keep them on the internal network (scrapers
 * and probes call them without credentials); the access-control table maps these routes by the
 * constants below.
 */
import type { FastifyInstance } from 'fastify';
import { httpMetrics, METRICS_CONTENT_TYPE, metricsExposition } from '../observability/metrics.js';
import type { ServerContext } from './context.js';

export const METRICS_ROUTE = '/metrics';
export const READY_ROUTE = '/ready';
/** Operator routes that carry no user data (for the access-control table). */
export const OPERATOR_ROUTES = [METRICS_ROUTE, READY_ROUTE] as const;

interface RequestObserver {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

export function registerObservation(app: FastifyInstance, ctx: ServerContext): void {
  const observers = new Map<string, RequestObserver>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    const status = reply.statusCode;
    // A handful of (method, route, status) combinations recur: their label sets are made once.
    const key = `${status} ${method} ${route}`;
    let observer = observers.get(key);
    if (!observer) {
      observer = {
        requests: httpMetrics.requests.labels({ method, route, status: String(status) }),
        duration: httpMetrics.duration.labels({ method, route }),
      };
      observers.set(key, observer);
    }
    observer.requests.inc();
    observer.duration.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get(METRICS_ROUTE, async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(await metricsExposition()),
  );

  app.get(READY_ROUTE, async (_request, reply) => {
    const checks = ctx.readiness ? await ctx.readiness() : [];
    const ready = checks.every((c) => c.ok);
    return reply
      .code(ready ? 200 : 503)
      .type('application/json')
      .send({ status: ready ? 'ready' : 'not ready', checks });
  });
}
