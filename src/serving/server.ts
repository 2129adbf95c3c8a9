/**
 * Starting the scoring server: in this process, or as `workers` processes sharing one port
 * (node:cluster), each with its own copy of the model. SIGTERM/SIGINT stop accepting connections,
 * let in-flight requests finish, release the model and exit.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { loadModelFromDir, type Model } from '../models/model.js';
import { buildScoringApp, type ScoringAppOptions } from './app.js';
import { mergeExpositions, type ScoringMetrics } from './metrics.js';

/** IPC between the primary and scoring workers (metrics are gathered from every worker). */
export type WorkerMessage =
  | { type: 'listening'; url: string }
  | { type: 'error'; error: string }
  | { type: 'metrics-request'; id: number }
  | { type: 'metrics-collect'; id: number }
  | { type: 'metrics-reply'; id: number; text: string }
  | { type: 'metrics-response'; id: number; text: string };

export interface ScoringServerOptions extends ScoringAppOptions {
  host?: string;
  port?: number;
}

export interface RunningScoringServer {
  url: string;
  port: number;
  metrics: ScoringMetrics;
  close(): Promise<void>;
}

/** Serves an already loaded model from this process. */
export async function startScoringServer(
  model: Model,
  opts: ScoringServerOptions = {},
): Promise<RunningScoringServer> {
  const { app, metrics } = buildScoringApp(model, opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 5000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 5000);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    metrics,
    close: async () => {
      await app.close();
    },
  };
}

/** Settings a worker process receives through its environment. */
export interface WorkerConfig extends ScoringServerOptions {
  modelDir: string;
}

export const WORKER_CONFIG_ENV = 'CAIRN_SCORING_WORKER_CONFIG';

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

/**
 * Runs the server until a signal stops it. With `workers` > 1 this process becomes the primary:
 * it forks the workers and restarts any that dies unexpectedly.
 */
export async function serveModelDir(
  modelDir: string,
  opts: ScoringServerOptions & { workers?: number; onListening?: (url: string) => void },
): Promise<void> {
  const workers = Math.max(1, opts.workers ?? 1);
  if (workers === 1) {
    const model = await loadModelFromDir(modelDir);
    const server = await startScoringServer(model, opts);
    opts.onListening?.(server.url);
    onShutdown(async () => {
      await server.close();
      await model.close();
    });
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const exec = self.replace(/server\.(ts|js)$/, 'worker.$1');
  const config: WorkerConfig = { ...opts, modelDir, port: opts.port ?? 5000 };
  delete (config as { onListening?: unknown }).onListening;
  // Running from TypeScript sources (a development checkout): workers need the same loader.
  const execArgv =
    exec.endsWith('.ts') && !process.execArgv.some((a) => a.includes('tsx'))
      ? [...process.execArgv, '--import', import.meta.resolve('tsx')]
      : process.execArgv;
  cluster.setupPrimary({ exec, execArgv, silent: false });
  let stopping = false;
  let listening = 0;
  const replies = new Map<number, (text: string) => void>();
  let nextId = 0;
  // Asks every live worker for its metrics and sends the merged text to the one that was scraped.
  const gatherMetrics = async (
    requestId: number,
    requester: import('node:cluster').Worker,
  ): Promise<void> => {
    const live = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
    const texts = await Promise.all(
      live.map(
        (w) =>
          new Promise<string>((done) => {
            const id = ++nextId;
            const timer = setTimeout(() => {
              replies.delete(id);
              done('');
            }, 2000);
            replies.set(id, (text) => {
              clearTimeout(timer);
              replies.delete(id);
              done(text);
            });
            w!.send({ type: 'metrics-collect', id } satisfies WorkerMessage);
          }),
      ),
    );
    if (!requester.isDead()) {
      requester.send({
        type: 'metrics-response',
        id: requestId,
        text: mergeExpositions(texts.filter(Boolean)),
      } satisfies WorkerMessage);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const fork = (id: number): void => {
      const worker = cluster.fork({
        [WORKER_CONFIG_ENV]: JSON.stringify({ ...config, metricLabels: { worker: String(id) } }),
      });
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'listening' && ++listening === workers) {
          opts.onListening?.(msg.url);
          resolve();
        }
        if (msg.type === 'error') reject(new Error(msg.error));
        if (msg.type === 'metrics-request') void gatherMetrics(msg.id, worker);
        if (msg.type === 'metrics-reply') replies.get(msg.id)?.(msg.text);
      });
      worker.on('exit', (code) => {
        if (!stopping && listening >= workers) {
          process.stderr.write(`cairn: scoring worker ${id} exited with code ${code}; restarting it\n`);
          listening--;
          fork(id);
        }
      });
    };
    for (let i = 0; i < workers; i++) fork(i);
  });
  onShutdown(async () => {
    stopping = true;
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (!w || w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
  });
}
