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
  // A handful of (route, method, status) combinations recur: their series are looked up without
  // making a key string per request.
  const observers = new Map<string, Map<string, Map<number, RequestObserver>>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    const status = reply.statusCode;
    let byMethod = observers.get(route);
    if (!byMethod) observers.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let observer = byStatus.get(status);
    if (!observer) {
      observer = {
        requests: httpMetrics.requests.series({ method, route, status: String(status) }),
        duration: httpMetrics.duration.series({ method, route }),
      };
      byStatus.set(status, observer);
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
