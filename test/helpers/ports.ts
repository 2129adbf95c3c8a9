/**
 * A free TCP port on 127.0.0.1 for a server a test starts (and may stop and start again on the
 * same port). It is picked below the kernel's ephemeral range (/proc/sys/net/ipv4/
 * ip_local_port_range), which the kernel never hands out on its own: while such a server is down,
 * no outgoing connection can take its port, and a client retrying against it cannot connect to
 * itself (a TCP self-connect, which happens on localhost when the kernel gives the client's socket
 * the very port it is calling, and which then keeps the server from listening again).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const PICKS = 200;

function ephemeralRangeStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 0 ? first : 32768;
  } catch {
    return 32768;
  }
}

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const address = srv.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      srv.close(() => resolve(bound));
    });
  });
}

export async function freePort(): Promise<number> {
  const high = Math.min(ephemeralRangeStart(), 65536) - 1;
  const low = Math.max(10_000, high - 12_000);
  if (high - low >= 1000) {
    for (let i = 0; i < PICKS; i++) {
      const port = await listenOnce(low + Math.floor(Math.random() * (high - low + 1)));
      if (port !== undefined) return port;
    }
  }
  // No room below the ephemeral range (or all of it taken): any port the kernel offers.
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
