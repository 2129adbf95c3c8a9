/**
 * Where the servers' log lines go by default: standard output, one write per event-loop turn.
 * `process.stdout` makes a system call per line (it writes synchronously to files, pipes and
 * terminals), which under load is a visible part of a small request's cost. Here the lines of a
 * turn (every request answered in it) are gathered and written together once the turn's I/O
 * callbacks have run, still synchronously: handing each write to libuv's thread pool instead
 * (`pino.destination({ sync: false })`) was measured to cost more CPU per line than it saves,
 * because every write wakes a thread.
 *
 * Nothing is lost on the way out: a turn's lines wait for the end of that turn only, and are
 * written at once when the process exits (also after an uncaught exception) or receives SIGTERM,
 * SIGINT or SIGHUP. Writes hold whole lines and at most PIPE_BUF bytes, so the lines of several
 * processes sharing one standard output (`--workers`) never interleave mid-line.
 */
import { writeSync } from 'node:fs';

/** The most bytes the kernel writes to a pipe atomically. */
const PIPE_BUF = 4096;
/** Characters gathered before they are written without waiting for the end of the turn. */
const FLUSH_AT = 64 * 1024;
/** How long to wait before retrying a write that a full non-blocking pipe refused. */
const RETRY_MS = 1;

/** Signals whose default action ends the process: the lines are written before it does. */
const FATAL_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Lines for a file descriptor, written once per event-loop turn (see the file comment). */
export class TurnBufferedLines {
  private pending = '';
  private scheduled = false;
  /** Set once the descriptor is gone (the reader of the pipe went away): lines are dropped. */
  private closed = false;
  private readonly flushTurn = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly fd: number) {}

  /** Takes one or more whole lines, each ending with a newline. */
  write(lines: string): boolean {
    if (this.closed) return true;
    this.pending += lines;
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushTurn);
    }
    return true;
  }

  /** Writes every gathered line now. */
  flush(): void {
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    if (this.closed) return;
    let start = 0;
    // A turn's lines usually fit one atomic write: written as they are, without a copy into a
    // buffer first. A failed or partial write continues below, from the bytes written.
    const size = Buffer.byteLength(text, 'utf8');
    if (size <= PIPE_BUF) {
      try {
        start = writeSync(this.fd, text);
      } catch {
        start = 0;
      }
      if (start === size) return;
    }
    const bytes = Buffer.from(text, 'utf8');
    while (start < bytes.length) {
      let end = bytes.length;
      if (end - start > PIPE_BUF) {
        // Cut after the last newline that fits; a single longer line goes out whole.
        const newline = bytes.lastIndexOf(0x0a, start + PIPE_BUF - 1);
        end = newline >= start ? newline + 1 : bytes.indexOf(0x0a, start) + 1 || bytes.length;
      }
      start = this.writeAll(bytes, start, end);
      if (this.closed) return;
    }
  }

  /** Writes bytes[start, end) (retrying partial writes and a full pipe); returns `end`. */
  private writeAll(bytes: Buffer, start: number, end: number): number {
    while (start < end) {
      try {
        start += writeSync(this.fd, bytes, start, end - start);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A non-blocking pipe is full: wait for its reader, as a blocking write would.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
          continue;
        }
        // EPIPE, EBADF: nobody reads these lines any more.
        this.closed = true;
        this.pending = '';
        return end;
      }
    }
    return end;
  }
}

let stdout: TurnBufferedLines | undefined;

/** The process's one buffered standard-output destination (made on first use). */
export function standardOutput(): TurnBufferedLines {
  if (stdout) return stdout;
  const lines = new TurnBufferedLines(1);
  process.on('exit', () => lines.flush());
  for (const signal of FATAL_SIGNALS) {
    // Where the process has its own handler (`cairn server` shuts down gracefully), that handler
    // stays in charge; otherwise the signal is raised again once flushed, so the process ends as
    // it would have.
    const onSignal = (): void => {
      lines.flush();
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
  stdout = lines;
  return lines;
}
