/**
 * /metrics across the worker processes of `cairn server --workers N` (node:cluster). A scrape
 * reaches one worker, chosen by the kernel; that worker asks the primary, which collects every
 * live worker's figures (prom-client's JSON form) over the IPC channel and merges them with
 * prom-client's `AggregatorRegistry.aggregate`: the server's counters and histograms are summed
 * (each metric's own aggregator decides: the outbox depth, read from the shared database by every
 * worker, takes the largest), and the process figures (CPU, memory, event loop, GC) carry a
 * `worker` label — the worker's slot, 0 to N-1, kept by a restarted worker — and stay one series
 * per process, since their sum or average would mean nothing.
 *
 * A worker that does not answer within the timeout fails the scrape (503) rather than leaving
 * its counts out: a total that drops for one scrape would look like a counter reset.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { MlflowError } from '../errors.js';
import {
  METRICS_CONTENT_TYPE,
  metricsRegistry,
  processMetricsRegistry,
  setMetricsExposition,
} from './metrics.js';

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** IPC between the primary and the workers. */
type ClusterMetricsMessage =
  /** worker → primary: /metrics was called on me; answer with the whole cluster's figures. */
  | { type: 'cairn:metrics-scrape'; id: number }
  /** primary → every worker: send your figures. */
  | { type: 'cairn:metrics-collect'; id: number }
  /** worker → primary: my figures. */
  | { type: 'cairn:metrics-part'; id: number; metrics?: MetricJson[]; error?: string }
  /** primary → the scraped worker: the merged text, or why there is none. */
  | { type: 'cairn:metrics-text'; id: number; text?: string; error?: string };

const isClusterMetricsMessage = (msg: unknown): msg is ClusterMetricsMessage =>
  typeof msg === 'object' &&
  msg !== null &&
  typeof (msg as { type?: unknown }).type === 'string' &&
  (msg as { type: string }).type.startsWith('cairn:metrics-');

/** How long the primary waits for each worker, and a worker for the primary (ms). */
const DEFAULT_TIMEOUT_MS = 3000;

/**
 * In a worker: answers the primary's collection requests with this process's figures, the
 * process ones labelled `worker=<slot>`, and makes /metrics answer for the whole cluster.
 * Call before the server starts listening.
 */
export function joinClusterMetrics(slot: number, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  processMetricsRegistry.setDefaultLabels({ worker: String(slot) });
  const send = (msg: ClusterMetricsMessage): void => void process.send?.(msg);
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  let nextId = 0;

  process.on('message', (msg: unknown) => {
    if (!isClusterMetricsMessage(msg)) return;
    if (msg.type === 'cairn:metrics-collect') {
      void localFigures().then(
        (metrics) => send({ type: 'cairn:metrics-part', id: msg.id, metrics }),
        (err: unknown) => send({ type: 'cairn:metrics-part', id: msg.id, error: (err as Error).message }),
      );
    } else if (msg.type === 'cairn:metrics-text') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.text !== undefined) p?.resolve(msg.text);
      else p?.reject(unavailable(msg.error ?? 'no answer'));
    }
  });

  setMetricsExposition(
    () =>
      new Promise<string>((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(unavailable('the primary process did not answer'));
        }, timeoutMs * 2);
        pending.set(id, {
          resolve: (text) => {
            clearTimeout(timer);
            resolve(text);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
        send({ type: 'cairn:metrics-scrape', id });
      }),
  );
}

const unavailable = (why: string): MlflowError =>
  new MlflowError(
    `Metrics of the server's worker processes are not available: ${why}.`,
    'TEMPORARILY_UNAVAILABLE',
  );

async function localFigures(): Promise<MetricJson[]> {
  const [server, proc] = await Promise.all([
    metricsRegistry.getMetricsAsJSON(),
    processMetricsRegistry.getMetricsAsJSON(),
  ]);
  // One series per worker: whatever the metric's own aggregator (prom-client omits some,
  // averages others), keep each worker's value as it is.
  return [...server, ...proc.map((m) => ({ ...m, aggregator: 'first' as const }))];
}

/**
 * In the primary: answers the workers' scrape requests with the figures of every live worker,
 * merged. Returns the function that stops answering.
 */
export function serveClusterMetrics(timeoutMs = DEFAULT_TIMEOUT_MS): () => void {
  const collecting = new Map<number, (part: MetricJson[] | Error) => void>();
  let nextId = 0;

  const collectFrom = (worker: import('node:cluster').Worker): Promise<MetricJson[]> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        collecting.delete(id);
        reject(new Error(`worker process ${worker.process.pid} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      collecting.set(id, (part) => {
        clearTimeout(timer);
        collecting.delete(id);
        if (part instanceof Error) reject(part);
        else resolve(part);
      });
      worker.send({ type: 'cairn:metrics-collect', id } satisfies ClusterMetricsMessage);
    });

  const merged = async (): Promise<string> => {
    const live = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected());
    const parts = await Promise.all(live.map((w) => collectFrom(w!)));
    const registry = AggregatorRegistry.aggregate(parts);
    registry.setContentType(METRICS_CONTENT_TYPE);
    return registry.metrics();
  };

  const onMessage = (worker: import('node:cluster').Worker, msg: unknown): void => {
    if (!isClusterMetricsMessage(msg)) return;
    if (msg.type === 'cairn:metrics-part') {
      collecting.get(msg.id)?.(msg.metrics ?? new Error(msg.error ?? 'no figures'));
    } else if (msg.type === 'cairn:metrics-scrape') {
      void merged().then(
        (text) => reply(worker, { type: 'cairn:metrics-text', id: msg.id, text }),
        (err: unknown) =>
          reply(worker, { type: 'cairn:metrics-text', id: msg.id, error: (err as Error).message }),
      );
    }
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

function reply(worker: import('node:cluster').Worker, msg: ClusterMetricsMessage): void {
  if (worker.isConnected()) worker.send(msg);
}
