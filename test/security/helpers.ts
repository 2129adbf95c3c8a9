/** Raw-socket and log-capturing helpers of the network guard tests. */
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';

/** A log destination that keeps every JSON line it is given. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      this.raw.push(line);
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // text format: kept in `raw` only
      }
    }
    done();
  }

  requestLines(): Record<string, unknown>[] {
    return this.lines.filter((l) => l.msg === 'request');
  }
}

export interface RawExchange {
  /** Everything the server sent. */
  text: string;
  status: number;
  headers: Record<string, string>;
  /** Whether the server closed the connection (FIN or reset) within the wait. */
  closed: boolean;
  /** A reset (ECONNRESET / EPIPE) instead of a clean close. */
  reset: boolean;
}

function parseResponse(text: string): { status: number; headers: Record<string, string> } {
  const head = text.split('\r\n\r\n', 1)[0] ?? '';
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers };
}

/**
 * Opens a socket to `url`, writes `head` then `body` (in chunks, stopping at the first error) and
 * collects what comes back until the server closes or `waitMs` passes.
 */
export function rawExchange(
  url: string,
  head: string,
  body: Buffer = Buffer.alloc(0),
  opts: { waitMs?: number; localAddress?: string } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: opts.localAddress });
    const chunks: Buffer[] = [];
    let reset = false;
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, ...parseResponse(text), closed, reset });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') reset = true;
    });
    socket.on('close', () => finish(true));
    socket.on('connect', async () => {
      socket.write(head);
      for (let i = 0; i < body.length && !socket.destroyed; i += 64 * 1024) {
        if (!socket.write(body.subarray(i, i + 64 * 1024))) {
          await new Promise<void>((r) => {
            socket.once('drain', r);
            socket.once('close', r);
          });
        }
      }
    });
  });
}

/** A connected socket (for stalls), resolved once connected. */
export function openSocket(url: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` closes, or with false after `ms`. */
export function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
    // An unread socket never sees the end of the stream, so it would never close.
    socket.resume();
  });
}
