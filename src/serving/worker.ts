/** Entry point of one scoring worker process (forked by `serveModelDir` with `--workers` > 1). */
import { loadModelFromDir } from '../models/model.js';
import {
  startScoringServer,
  WORKER_CONFIG_ENV,
  type RunningScoringServer,
  type WorkerConfig,
  type WorkerMessage,
} from './server.js';

const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as WorkerConfig;
const send = (msg: WorkerMessage): void => {
  process.send?.(msg);
};
const pending = new Map<number, (text: string) => void>();
let nextId = 0;
let server: RunningScoringServer | undefined;

process.on('message', (msg: WorkerMessage) => {
  if (msg.type === 'metrics-collect')
    send({ type: 'metrics-reply', id: msg.id, text: server?.metrics.render() ?? '' });
  if (msg.type === 'metrics-response') pending.get(msg.id)?.(msg.text);
});

/** A scrape of this worker answers for all workers: the primary gathers them. */
function collectMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('metrics collection timed out'));
    }, 3000);
    pending.set(id, (text) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(text);
    });
    send({ type: 'metrics-request', id });
  });
}

try {
  const model = await loadModelFromDir(config.modelDir);
  server = await startScoringServer(model, { ...config, collectMetrics });
  send({ type: 'listening', url: server.url });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server!
      .close()
      .then(() => model.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  send({ type: 'error', error: (err as Error).message });
  process.exit(1);
}
