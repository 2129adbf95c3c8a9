/**
 * Webhook targets on a real server over real sockets: non-public targets are refused unless
 * allowed (checked on the resolved address, so a name pointing at 127.0.0.1 is refused too),
 * redirects are not followed, an allowed private target's answer is never shown, and a receiver
 * streaming an endless body neither hangs the call nor grows the server's memory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SERVER_DEFAULTS } from '../../src/config/server-config.js';
import { startServerProcess, type ServerProcess } from '../server/cli-process.js';
import { ok } from '../registry/helpers.js';
import { get as httpGet } from 'node:http';
import {
  guardedAgent,
  MAX_RESPONSE_BYTES,
  OutgoingTargetRefused,
  postBounded,
} from '../../src/security/outgoing-http.js';

interface Receiver {
  url: string;
  hits: number;
  /** Bytes the handler managed to write before the client went away. */
  written: number;
  closed: Promise<void>[];
  server: Server;
  close(): Promise<void>;
}

async function startReceiver(
  handler: (res: ServerResponse, r: Receiver, req: IncomingMessage) => void,
): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    hits: 0,
    written: 0,
    closed: [],
    server: createServer((req, res) => {
      r.hits++;
      r.closed.push(new Promise((resolve) => res.on('close', () => resolve())));
      req.resume();
      req.on('end', () => handler(res, r, req));
    }),
    close: () =>
      new Promise<void>((resolve) => {
        r.server.closeAllConnections();
        r.server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}

/** Writes 64 KiB chunks for as long as the client reads. */
function endless(res: ServerResponse, r: Receiver): void {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const pump = (): void => {
    while (!res.destroyed) {
      r.written += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

async function createHook(base: string, url: string): Promise<string> {
  const w = await ok(base, 'POST', 'webhooks/create', {
    name: `h${Math.random()}`,
    url,
    events: ['registered_model.created'],
  });
  return String(w.webhook.webhook_id);
}

const testHook = async (base: string, id: string) =>
  (await ok(base, 'POST', 'webhooks/test', { webhook_id: id })).result as {
    success: boolean;
    response_status?: number;
    response_body?: string;
    error_message?: string;
  };

describe('webhook targets without an allow-list', () => {
  let s: TestServer;
  let receiver: Receiver;
  before(async () => {
    s = await startTestServer('sqlite');
    receiver = await startReceiver((res) => res.writeHead(200).end('internal data'));
  });
  after(async () => {
    await s?.stop();
    await receiver?.close();
  });

  it('refuses loopback, private and link-local targets without connecting', async () => {
    const port = new URL(receiver.url).port;
    for (const url of [
      receiver.url,
      `http://localhost:${port}/hook`, // a name: refused on the address it resolves to
      `http://[::1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/hook',
      'http://192.168.0.1/hook',
      'http://[fd00::1]/hook',
      'http://0.0.0.0/hook',
    ]) {
      const result = await testHook(s.url, await createHook(s.url, url));
      assert.equal(result.success, false, url);
      assert.match(String(result.error_message), /Target refused/, url);
      assert.equal(result.response_body, undefined);
    }
    assert.equal(receiver.hits, 0, 'the receiver on 127.0.0.1 was never reached');
  });

  it('gives up a refused event delivery at once instead of retrying', async () => {
    const id = await createHook(s.url, receiver.url);
    await ok(s.url, 'POST', 'registered-models/create', { name: 'refused-model' });
    await s.ctx.registry.dispatcher.idle();
    const log = await ok(s.url, 'GET', 'webhooks/deliveries', { webhook_id: id });
    const d = log.deliveries.find((x: { event: string }) => x.event === 'registered_model.created');
    assert.equal(d.status, 'FAILED');
    assert.equal(d.attempts, 1);
    assert.match(d.error, /not a public address/);
    assert.equal(receiver.hits, 0);
  });
});

describe('webhook targets allowed by --webhook-allowed-hosts', () => {
  let s: TestServer;
  let target: Receiver;
  let redirecting: Receiver;
  before(async () => {
    s = await startTestServer('sqlite', {
      webhooks: { ...SERVER_DEFAULTS.webhooks, allowedHosts: ['127.0.0.1'] },
    });
    target = await startReceiver((res) => res.writeHead(200).end('internal data'));
    redirecting = await startReceiver((res) =>
      res.writeHead(302, { Location: target.url }).end('moved: internal data'),
    );
  });
  after(async () => {
    await s?.stop();
    await target?.close();
    await redirecting?.close();
  });

  it('reaches the allowed host but never shows a private answer', async () => {
    const result = await testHook(s.url, await createHook(s.url, target.url));
    assert.equal(result.success, true);
    assert.equal(result.response_status, 200);
    assert.equal(result.response_body, undefined, 'the body of a private target is not returned');
    assert.equal(target.hits, 1);
  });

  it('does not follow redirects', async () => {
    const before = target.hits;
    const result = await testHook(s.url, await createHook(s.url, redirecting.url));
    assert.equal(result.success, false);
    assert.equal(result.response_status, 302);
    assert.match(String(result.error_message), /redirects are not followed/);
    assert.equal(target.hits, before, 'the redirect target was not contacted');
  });

  it('still refuses hosts outside the list', async () => {
    const result = await testHook(s.url, await createHook(s.url, 'http://10.0.0.1/x'));
    assert.equal(result.success, false);
    assert.match(String(result.error_message), /Target refused/);
  });
});

describe('bounded reads of webhook answers', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver(endless);
  });
  after(async () => receiver?.close());

  it('reads a few KiB of an endless body, then closes the connection', async () => {
    const res = await postBounded(
      receiver.url,
      { allowedHosts: ['127.0.0.1'] },
      { headers: {}, body: '{}', timeoutMs: 5000 },
    );
    assert.equal(res.status, 200);
    assert.ok(res.bodyPrefix.length <= MAX_RESPONSE_BYTES);
    assert.ok(res.bodyPrefix.startsWith('xxxx'));
    assert.equal(res.remoteIsPublic, false);
    await receiver.closed.at(-1);
    // Socket buffers let the receiver get ahead a little; nowhere near what it would stream.
    assert.ok(receiver.written < 16 * 1024 * 1024, `receiver wrote ${receiver.written} bytes`);
  });

  it('keeps the server process memory flat under endless answers (real server process)', async (t) => {
    let server: ServerProcess | undefined;
    const tmp = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/cairn-rss-'));
    try {
      server = await startServerProcess(
        [
          '--backend-store-uri',
          `sqlite:///${tmp}/m.db`,
          '--artifacts-destination',
          `${tmp}/a`,
          '--webhook-allowed-hosts',
          '127.0.0.1',
        ],
        tmp,
      );
      const rss = async (): Promise<number> => {
        const status = await readFile(`/proc/${server!.child.pid}/status`, 'utf8');
        return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
      };
      const id = await createHook(server.url, receiver.url);
      await testHook(server.url, id); // warm-up: code paths loaded
      const baseline = await rss();
      const writtenBefore = receiver.written;
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        const result = await testHook(server.url, id);
        assert.equal(result.success, true);
        assert.equal(result.response_body, undefined);
      }
      const elapsed = Date.now() - started;
      const grown = (await rss()) - baseline;
      t.diagnostic(
        `RSS ${Math.round(baseline / 1048576)} MiB, +${Math.round(grown / 1048576)} MiB after 20 calls in ${elapsed} ms; receiver wrote ${receiver.written - writtenBefore} bytes`,
      );
      assert.ok(grown < 50 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1048576)} MiB`);
      assert.ok(elapsed < 15_000, `20 test calls took ${elapsed} ms`);
      const perCall = (receiver.written - writtenBefore) / 20;
      assert.ok(perCall < 16 * 1024 * 1024, `receiver streamed ${perCall} bytes per call`);
    } finally {
      if (server) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await import('node:fs/promises').then((fs) => fs.rm(tmp, { recursive: true, force: true }));
    }
  });
});

describe('the guarded agent of clients that talk to one named server (cairn import --from)', () => {
  const fetchWith = (url: string, agent: ReturnType<typeof guardedAgent>) =>
    new Promise<number>((resolve, reject) => {
      httpGet(url, { agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });

  it('reaches the named host, and refuses another non-public address without connecting', async () => {
    const named = await startReceiver((res) => res.end('ok'));
    const other = createServer((req, res) => res.end('should not be reached'));
    let connections = 0;
    other.on('connection', () => connections++);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
    const agent = guardedAgent('http:', { allowedHosts: ['127.0.0.1'] });
    try {
      assert.equal(await fetchWith(named.url, agent), 200);
      const port = (other.address() as AddressInfo).port;
      await assert.rejects(fetchWith(`http://127.0.0.2:${port}/`, agent), OutgoingTargetRefused);
      await assert.rejects(fetchWith(`http://[::1]:${port}/`, agent), OutgoingTargetRefused);
      assert.equal(connections, 0);
    } finally {
      agent.destroy();
      other.close();
      await named.close();
    }
  });
});
