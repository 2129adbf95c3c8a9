/**
 * Where the servers' log lines go by default: standard output, written asynchronously. A
 * synchronous write per line (what `process.stdout` does for files, pipes and terminals) costs a
 * system call per request; here a line is handed to the file descriptor at once when no write is
 * in flight, and lines that arrive while one is gather into the next write. Under load that is one
 * write per few dozen lines; when idle a line still goes out straight away.
 *
 * Nothing is lost on the way out: what is still buffered is written synchronously when the process
 * exits (also after an uncaught exception) and when it receives SIGTERM, SIGINT or SIGHUP. Only a
 * SIGKILL can lose the lines of the write in flight.
 */
import pino from 'pino';

/**
 * Writes of at most PIPE_BUF bytes, each holding whole lines: the kernel writes them to a pipe
 * atomically, so the lines of several processes sharing one standard output (`--workers`) never
 * interleave mid-line.
 */
const MAX_WRITE_BYTES = 4096;
/**
 * Lines held while standard output does not keep up (a stalled pipe or terminal), beyond which
 * new lines are dropped rather than growing memory without bound.
 */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** Signals whose default action ends the process: the buffer is flushed before it does. */
const FATAL_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

type Destination = ReturnType<typeof pino.destination>;

let stdout: Destination | undefined;

/** The process's one asynchronous standard-output destination (made on first use). */
export function standardOutput(): Destination {
  if (stdout) return stdout;
  // pino flushes an asynchronous destination synchronously on the process's 'exit' event.
  const stream = pino.destination({
    dest: 1,
    sync: false,
    maxWrite: MAX_WRITE_BYTES,
    maxLength: MAX_BUFFERED_BYTES,
  });
  let dropped = false;
  stream.on('drop', () => {
    if (dropped) return;
    dropped = true;
    process.stderr.write('cairn: standard output does not keep up; log lines are being dropped.\n');
  });
  flushOnFatalSignals(stream);
  stdout = stream;
  return stream;
}

/**
 * Flushes `stream` when a signal that ends the process arrives. Where the process has its own
 * handler for the signal (`cairn server` shuts down gracefully), that handler stays in charge;
 * otherwise the signal is raised again once flushed, so the process ends as it would have.
 */
function flushOnFatalSignals(stream: Destination): void {
  for (const signal of FATAL_SIGNALS) {
    const onSignal = (): void => {
      flushNow(stream);
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function flushNow(stream: Destination): void {
  try {
    stream.flushSync();
  } catch {
    // A write in flight (EAGAIN) or a closed descriptor: the 'exit' flush tries again.
  }
}
