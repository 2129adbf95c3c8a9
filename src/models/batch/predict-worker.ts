/**
 * Entry point of one batch-prediction worker process (forked by worker-pool.ts). It loads the
 * model once, then scores the chunks it is sent, one at a time, each into the part file the
 * task names, and tells the parent the part is written. It ends when the parent closes the channel
 * (or dies): the task it is scoring then is its last.
 */
import { MlflowError } from '../../errors.js';
import { loadModelFromDir, type Model } from '../model.js';
import { ChunkScorer } from './chunk-task.js';
import type { ToWorker, FromWorker } from './worker-pool.js';

// After a failure the parent may close the channel while this process still finishes a task:
// what it would send then has no reader (the callback takes the error instead of an 'error' event).
const send = (msg: FromWorker): void => {
  if (process.connected) process.send?.(msg, undefined, {}, () => undefined);
};
let model: Model | undefined;
let scorer: ChunkScorer | undefined;
// Tasks are scored in arrival order; the parent pipelines a few so this process never waits.
let queue: Promise<void> = Promise.resolve();

const failure = (err: unknown): { message: string; code: string } =>
  err instanceof MlflowError
    ? { message: err.message, code: err.errorCode }
    : { message: (err as Error)?.message ?? String(err), code: 'INTERNAL_ERROR' };

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    queue = queue.then(async () => {
      try {
        model = await loadModelFromDir(msg.modelDir);
        scorer = new ChunkScorer(model, msg.options);
        send({ type: 'ready', rowWise: model.rowWise });
      } catch (err) {
        send({ type: 'error', ...failure(err) });
      }
    });
    return;
  }
  queue = queue.then(async () => {
    // Nobody would read the part: the parent has gone (or closed the channel after a failure).
    if (!process.connected) return;
    try {
      if (!scorer) throw new Error('the model is not loaded');
      send({ type: 'result', index: msg.index, part: await scorer.score(msg.task, msg.part) });
    } catch (err) {
      send({ type: 'error', index: msg.index, ...failure(err) });
    }
  });
});

// Ctrl-C reaches the whole process group: the parent decides what happens (it stops the workers
// and removes the parts), so that a worker's death is not reported as a crash.
process.on('SIGINT', () => undefined);

process.once('disconnect', () => {
  void queue.then(() => model?.close()).finally(() => process.exit(0));
});
