/**
 * Limits on connections, shared by the tracking and the scoring server: a client must send its
 * headers within `headersTimeoutMs`, a connection silent for `idleTimeoutMs` (also in the middle
 * of a body) is closed, and one client address may hold at most `maxConnectionsPerClient`
 * connections. An upload that keeps sending is never cut off. Closing a connection makes the
 * handler's streams fail, which removes partial files.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerOptions } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ConnectionLimits } from '../config/network-config.js';

/** The Fastify options that set the timeouts. */
export function connectionTimeoutOptions(limits: ConnectionLimits): {
  connectionTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  return {
    // Socket inactivity: a stalled body or an idle client.
    connectionTimeout: limits.idleTimeoutMs,
    // No cap on a whole request: a large upload may take long as long as bytes keep coming.
    requestTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks the headers deadline on this period: keep it a fraction of the timeout.
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}

/** Refuses (closes at once) connections beyond `max` per client address; 0 turns the cap off. */
export function capConnectionsPerClient(server: Server, max: number, log: FastifyBaseLogger): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      if (count === max) log.warn({ client: address, max }, 'connection cap reached for a client address');
      open.set(address, count + 1);
      socket.once('close', () => release(address));
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => release(address));
  });
  function release(address: string): void {
    const left = (open.get(address) ?? 1) - 1;
    if (left <= 0) open.delete(address);
    else open.set(address, left);
  }
}

/**
 * Once the app is closing, ends each keep-alive connection as soon as its request is answered.
 * Node's `close()` ends only the connections idle at that moment: one whose request was still in
 * flight would otherwise stay open until the keep-alive timeout (65 s) and hold up the shutdown
 * (a rolling restart waits on it, or kills the process).
 */
export function endConnectionsOnClose(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    const server = app.server;
    if (!server.listening) return done();
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    reaper.unref();
    server.once('close', () => clearInterval(reaper));
    done();
  });
}
