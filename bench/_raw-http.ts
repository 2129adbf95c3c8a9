/**
 * A keep-alive HTTP/1.1 connection over a plain socket for load generators: requests go out
 * pre-encoded and responses are framed by Content-Length, which costs the generator far less CPU
 * than http.request or fetch, leaving more of the machine to the server being measured.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
}

export interface RawConnection {
  /** Sends one pre-encoded request and resolves with its response (one request at a time). */
  send(request: Buffer): Promise<RawResponse>;
  close(): void;
}

export async function connectRaw(host: string, port: number): Promise<RawConnection> {
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let buf: Buffer = Buffer.alloc(0);
  let done: ((res: RawResponse) => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (buf.length < end + 4 + len) return;
    const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
    buf = buf.subarray(end + 4 + len);
    const cb = done;
    done = undefined;
    cb?.({ status: Number(head.slice(9, 12)), body });
  });
  return {
    send: (request) =>
      new Promise((resolve) => {
        done = resolve;
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}

/** A pre-encoded JSON POST request. */
export function encodePost(host: string, path: string, body: Buffer): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}
