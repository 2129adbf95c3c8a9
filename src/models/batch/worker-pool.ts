/**
 * A pool of batch-prediction worker processes, each with its own copy of the model.
 *
 * Child processes rather than worker threads: the flavors run native code (onnxruntime-node,
 * whose addon and thread pool are per process and not documented as safe to load in several
 * threads of one process) and tfjs (whose backend and memory are global to the JS realm); a
 * process gets its own copy of each, exactly as a one-worker run has, and a crash or an
 * out-of-memory in the native code ends one worker with an exit code the parent reports,
 * instead of taking the whole command down. The scoring server's `--workers` uses processes for
 * the same reasons. A task names what to read (a byte or row range of the input file, or the
 * bytes themselves for standard input) and the part file to write; the worker reads, parses,
 * scores, renders and writes it, so all of that is spread over the cores, and only the part's
 * row count comes back over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MlflowError, isErrorCode } from '../../errors.js';
import type { ChunkTask } from './chunk-task.js';
import type { OutputFormat, PartInfo } from './writers.js';

export type ToWorker =
  | {
      type: 'init';
      modelDir: string;
      options: { format: OutputFormat; chunkSize: number; params?: Record<string, unknown> };
    }
  /** Score `task` into the part file at `part`. */
  | { type: 'task'; index: number; task: ChunkTask; part: string };

export type FromWorker =
  /** The model is loaded; `rowWise`: its predictions do not depend on how rows are grouped. */
  | { type: 'ready'; rowWise: boolean }
  /** The part of task `index` is written. */
  | { type: 'result'; index: number; part: PartInfo }
  | { type: 'error'; index?: number; message: string; code: string };

interface Pending {
  resolve: (part: PartInfo) => void;
  reject: (err: Error) => void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  exited = false;

  constructor(
    readonly id: number,
    readonly child: ChildProcess,
  ) {}
}

/**
 * A message to a worker that has just died fails (EPIPE) before its exit is seen; the task stays
 * pending, and the exit handler fails it with the exit code or signal, which says what happened.
 */
const sendFailed = (): void => undefined;

const errorOf = (message: string, code: string): MlflowError =>
  new MlflowError(message, isErrorCode(code) ? code : 'INTERNAL_ERROR');

export class PredictionWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private next = 0;
  /** The first failure; once set every task is refused with it. */
  private failure: Error | undefined;
  private closing = false;
  /**
   * Resolves when every worker has loaded the model. Tasks may be sent before: a worker scores
   * them once its model is loaded, so the caller reads its input meanwhile.
   */
  readonly ready: Promise<{ rowWise: boolean }>;

  private constructor(count: number, init: Extract<ToWorker, { type: 'init' }>) {
    this.ready = this.launch(count, init);
    // Awaited by the caller; marked handled so a failure before that is not reported twice.
    this.ready.catch(() => undefined);
  }

  /** Starts `count` workers; each loads the model (see `ready`). */
  static start(count: number, init: Extract<ToWorker, { type: 'init' }>): PredictionWorkerPool {
    return new PredictionWorkerPool(count, init);
  }

  private async launch(
    count: number,
    init: Extract<ToWorker, { type: 'init' }>,
  ): Promise<{ rowWise: boolean }> {
    const self = fileURLToPath(import.meta.url);
    const exec = self.replace(/worker-pool\.(ts|js)$/, 'predict-worker.$1');
    // Running from TypeScript sources (a development checkout): workers need the same loader.
    const execArgv =
      exec.endsWith('.ts') && !process.execArgv.some((a) => a.includes('tsx'))
        ? [...process.execArgv, '--import', import.meta.resolve('tsx')]
        : process.execArgv;
    const ready: Promise<boolean>[] = [];
    for (let id = 0; id < count; id++) {
      // The worker's stdout goes to stderr: standard output may be the predictions.
      const child = fork(exec, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 2, 2, 'ipc'] });
      const worker = new PoolWorker(id, child);
      this.workers.push(worker);
      ready.push(this.watch(worker));
      child.send(init, sendFailed);
    }
    const rowWise = await Promise.all(ready);
    return { rowWise: rowWise.every(Boolean) };
  }

  /** Resolves when the worker has loaded the model (with its `rowWise`); afterwards routes its messages. */
  private watch(worker: PoolWorker): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let started = false;
      worker.child.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          started = true;
          resolve(msg.rowWise);
        } else if (msg.type === 'result') {
          const p = worker.pending.get(msg.index);
          worker.pending.delete(msg.index);
          p?.resolve(msg.part);
        } else if (msg.index === undefined) {
          const err = errorOf(`The model could not be loaded in a worker process: ${msg.message}`, msg.code);
          this.failure ??= err;
          reject(err);
        } else {
          const err = errorOf(msg.message, msg.code);
          this.failure ??= err;
          const p = worker.pending.get(msg.index);
          worker.pending.delete(msg.index);
          p?.reject(err);
        }
      });
      worker.child.on('exit', (code, signal) => {
        worker.exited = true;
        if (this.closing && worker.pending.size === 0) return;
        const err = new MlflowError(
          `A prediction worker process stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})` +
            (worker.pending.size ? ` while scoring chunk ${Math.min(...worker.pending.keys()) + 1}.` : '.'),
        );
        this.failure ??= err;
        if (!started) reject(err);
        for (const p of worker.pending.values()) p.reject(err);
        worker.pending.clear();
      });
    });
  }

  /** Scores chunk `index` into the part file `part` on the least busy worker. */
  run(index: number, task: ChunkTask, part: string): Promise<PartInfo> {
    if (this.failure) return Promise.reject(this.failure);
    let worker = this.workers[this.next++ % this.workers.length]!;
    for (const w of this.workers) if (w.pending.size < worker.pending.size) worker = w;
    return new Promise<PartInfo>((resolve, reject) => {
      worker.pending.set(index, { resolve, reject });
      worker.child.send({ type: 'task', index, task, part } satisfies ToWorker, sendFailed);
    });
  }

  /**
   * Fails the pool with `reason` (an interruption, or a failure in the caller) unless it failed
   * already: every task is refused with it, and `close()` then kills the workers at once.
   */
  fail(reason: Error): void {
    this.failure ??= reason;
    for (const w of this.workers) {
      for (const p of w.pending.values()) p.reject(this.failure);
      w.pending.clear();
    }
  }

  /** Why the pool failed, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Stops the workers: politely when all went well, at once after a failure. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.exited) return;
        const exited = new Promise((r) => w.child.once('exit', r));
        if (this.failure) w.child.kill('SIGKILL');
        else if (w.child.connected) w.child.disconnect();
        else w.child.kill('SIGTERM');
        await exited;
      }),
    );
  }
}
