/**
 * The Prometheus metrics of a server process (prom-client). Metric objects live here, at the
 * bottom of the layers, so the store, the artifact service and the webhook worker can record
 * what they do without knowing about HTTP; `src/server/observation.ts` serves them at /metrics.
 * Values are per process; with `cairn server --workers N` a scrape of any worker answers for all
 * of them (cluster-metrics.ts). Prometheus scrapes every instance and sums.
 */
import { Transform, pipeline, type Readable } from 'node:stream';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from './labelled-series.js';

/** What the server does: requests, store calls, artifact bytes (summed over worker processes). */
export const metricsRegistry = new Registry();
/** The process itself: CPU, memory, event loop, GC (labelled per worker process, never summed). */
export const processMetricsRegistry = new Registry();
collectDefaultMetrics({ register: processMetricsRegistry, prefix: 'cairn_' });

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

/** This process's figures in the Prometheus text format. */
export async function processExposition(): Promise<string> {
  const [server, proc] = await Promise.all([metricsRegistry.metrics(), processMetricsRegistry.metrics()]);
  return `${server}\n${proc}`;
}

let exposition: () => Promise<string> = processExposition;

/** What /metrics answers: this process's figures, or the whole cluster's once a worker has joined it. */
export function metricsExposition(): Promise<string> {
  return exposition();
}

/** Replaces what /metrics answers in this process (cluster-metrics.ts: ask the primary). */
export function setMetricsExposition(source: () => Promise<string>): void {
  exposition = source;
}

/** Recorded on every request: see labelled-series.ts for why these are not prom-client's own. */
export const httpMetrics = {
  requests: new SeriesCounter({
    name: 'cairn_http_requests_total',
    help: 'HTTP requests by route pattern, method and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [metricsRegistry],
  }),
  duration: new SeriesHistogram({
    name: 'cairn_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route pattern and method.',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metricsRegistry],
  }),
};

export const storeMetrics = {
  // One or more per request: a series of its own kind, as the request metrics.
  operations: new SeriesHistogram({
    name: 'cairn_store_operation_duration_seconds',
    help: 'Duration of store operations (one per store method call), by store and operation.',
    labelNames: ['store', 'operation', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [metricsRegistry],
  }),
  groupCommitSize: new Histogram({
    name: 'cairn_store_group_commit_size',
    help: 'Number of log-batch calls committed together (group commit: one transaction, on PostgreSQL one statement).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [metricsRegistry],
  }),
};

export const artifactMetrics = {
  bytes: new Counter({
    name: 'cairn_artifact_bytes_total',
    help: 'Artifact bytes received from clients (in) and sent to clients (out) by this server.',
    labelNames: ['direction'] as const,
    registers: [metricsRegistry],
  }),
};

export const webhookMetrics = {
  attempts: new Counter({
    name: 'cairn_webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts made by this instance, by outcome (success, failure).',
    labelNames: ['outcome'] as const,
    registers: [metricsRegistry],
  }),
  failed: new Counter({
    name: 'cairn_webhook_deliveries_failed_total',
    help: 'Webhook deliveries given up by this instance after their last attempt.',
    registers: [metricsRegistry],
  }),
};

/** Pool figures a database reports (PostgreSQL and MySQL pools; SQLite has none). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface LiveSources {
  pools: { name: string; stats(): PoolStats | undefined }[];
  outboxDepth(): Promise<number>;
}

/** Sources of the gauges read at scrape time (one per server built in this process). */
const liveSources = new Set<LiveSources>();

new Gauge({
  name: 'cairn_db_pool_connections',
  help: 'Database pool connections by database (tracking, registry) and state (total, idle, waiting clients).',
  labelNames: ['database', 'state'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    const sums = new Map<string, PoolStats>();
    for (const source of liveSources) {
      for (const p of source.pools) {
        const s = p.stats();
        if (!s) continue;
        const sum = sums.get(p.name) ?? { total: 0, idle: 0, waiting: 0 };
        sums.set(p.name, {
          total: sum.total + s.total,
          idle: sum.idle + s.idle,
          waiting: sum.waiting + s.waiting,
        });
      }
    }
    for (const [database, s] of sums) {
      this.set({ database, state: 'total' }, s.total);
      this.set({ database, state: 'idle' }, s.idle);
      this.set({ database, state: 'waiting' }, s.waiting);
    }
  },
});

new Gauge({
  name: 'cairn_webhook_outbox_depth',
  help: 'Webhook deliveries waiting in the outbox (not yet delivered or given up), all instances.',
  registers: [metricsRegistry],
  // Every worker process reads the same shared outbox: a sum would count it N times.
  aggregator: 'max',
  async collect() {
    let depth = 0;
    for (const source of liveSources) {
      try {
        depth += await source.outboxDepth();
      } catch {
        // Database unreachable: /ready reports it.
      }
    }
    this.set(depth);
  },
});

/**
 * Registers what the gauges read at scrape time: database pools and the webhook outbox depth (a
 * query: the depth of the outbox shared by all instances). Returns the function that removes them.
 */
export function registerLiveGauges(sources: LiveSources): () => void {
  liveSources.add(sources);
  return () => liveSources.delete(sources);
}

/**
 * Wraps every method of `target` that returns a promise so its duration is recorded under
 * `store` and the method name. Each method is wrapped once, and its labelled series are made on
 * first use: a store call (one or more per request) only reads the clock twice and observes.
 */
export function timedStore<T extends object>(target: T, store: string): T {
  const wrapped = new Map<string, { method: unknown; timed: unknown }>();
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const known = wrapped.get(prop);
      if (known?.method === value) return known.timed;
      const timed = timedMethod(obj, value as (...a: unknown[]) => unknown, store, prop);
      wrapped.set(prop, { method: value, timed });
      return timed;
    },
  });
}

function timedMethod(
  obj: object,
  method: (...a: unknown[]) => unknown,
  store: string,
  operation: string,
): (...args: unknown[]) => unknown {
  let ok: { observe(seconds: number): void } | undefined;
  let failed: { observe(seconds: number): void } | undefined;
  return (...args: unknown[]) => {
    const start = performance.now();
    const result: unknown = method.apply(obj, args);
    if (!(result instanceof Promise)) return result;
    return result.then(
      (v: unknown) => {
        ok ??= storeMetrics.operations.series({ store, operation, outcome: 'ok' });
        ok.observe((performance.now() - start) / 1000);
        return v;
      },
      (err: unknown) => {
        failed ??= storeMetrics.operations.series({ store, operation, outcome: 'error' });
        failed.observe((performance.now() - start) / 1000);
        throw err;
      },
    );
  };
}

/** Passes `source` through, counting its bytes as artifact traffic in `direction`. */
export function countArtifactBytes(source: Readable, direction: 'in' | 'out'): Readable {
  const counter = artifactMetrics.bytes.labels({ direction });
  const through = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.inc(chunk.length);
      done(null, chunk);
    },
  });
  return pipeline(source, through, () => undefined);
}
