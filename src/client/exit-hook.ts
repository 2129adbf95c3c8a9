/**
 * Last-chance persistence: loggers still holding records when the process ends write them to
 * their spool synchronously, on normal exit and on SIGINT/SIGTERM.
 */
export interface Spoolable {
  spoolEverythingSync(): void;
}

const live = new Set<Spoolable>();
let exitHookInstalled = false;

function install(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Whatever is still in memory when the process exits goes to the spool, synchronously.
  process.on('exit', () => {
    for (const logger of live) logger.spoolEverythingSync();
  });
  // Ctrl-C and `kill` end a process without 'exit' handlers running. When the application does
  // not handle the signal itself, spool first, then let the signal take its default course.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, function onSignal() {
      if (process.listenerCount(signal) > 1) return;
      for (const logger of live) logger.spoolEverythingSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    });
  }
}

export function trackUntilExit(logger: Spoolable): void {
  install();
  live.add(logger);
}

export function untrack(logger: Spoolable): void {
  live.delete(logger);
}
