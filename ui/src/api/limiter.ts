/**
 * At most `concurrency` tasks at a time, started in the order they were queued. A task whose
 * signal aborts while it waits is dropped without running.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now, and waiting. */
  readonly active: number;
  readonly waiting: number;
}

export function createLimiter(concurrency: number): Limiter {
  let active = 0;
  const queue: { start(): void; signal?: AbortSignal }[] = [];
  const next = (): void => {
    while (active < concurrency && queue.length) {
      const item = queue.shift()!;
      if (!item.signal?.aborted) item.start();
    }
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const item = {
          signal,
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            active++;
            task()
              .then(resolve, reject)
              .finally(() => {
                active--;
                next();
              });
          },
        };
        const onAbort = () => {
          const i = queue.indexOf(item);
          if (i >= 0) queue.splice(i, 1);
          reject(new DOMException('Aborted', 'AbortError'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(item);
        next();
      });
    },
  };
}
