/**
 * Webhook secrets at rest: the stored column never holds the secret, deliveries are still signed
 * with it, a key rotation (CAIRN_SECRET_KEY + CAIRN_SECRET_KEY_PREVIOUS) re-seals stored secrets
 * at start-up, a server without the right key refuses to start, and server databases without a
 * key refuse new secrets instead of storing them in plain text.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { defaultServerConfig, SERVER_DEFAULTS } from '../../src/config/server-config.js';
import { openDatabase, sqlitePath } from '../../src/store/sql/open-database.js';
import { verifyWebhookSignature } from '../../src/registry/webhooks/signature.js';
import { failsInvalid, ok } from './helpers.js';

const KEY_A = 'key-a-0123456789abcdef0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef0123456789abcdef';
const SECRET = 'very-secret-signing-value-42';

function withKeys<T>(
  current: string | undefined,
  previous: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = [process.env.CAIRN_SECRET_KEY, process.env.CAIRN_SECRET_KEY_PREVIOUS];
  const set = (name: string, v: string | undefined) => {
    if (v === undefined) delete process.env[name];
    else process.env[name] = v;
  };
  set('CAIRN_SECRET_KEY', current);
  set('CAIRN_SECRET_KEY_PREVIOUS', previous);
  return fn().finally(() => {
    set('CAIRN_SECRET_KEY', saved[0]);
    set('CAIRN_SECRET_KEY_PREVIOUS', saved[1]);
  });
}

for (const backend of BACKENDS) {
  describe(`webhook secrets at rest (${backend})`, () => {
    let tmp: string;
    let db: TestDatabase;
    let receiver: Server;
    let receiverUrl: string;
    const received: { headers: Record<string, unknown>; body: string }[] = [];

    const start = (current: string | undefined, previous?: string): Promise<RunningServer> =>
      withKeys(current, previous, () =>
        startServer(
          defaultServerConfig({
            port: 0,
            backendStoreUri: db.uri,
            registryStoreUri: db.uri,
            artifactsDestination: join(tmp, 'artifacts'),
            webhooks: { ...SERVER_DEFAULTS.webhooks, allowedHosts: ['127.0.0.1'] },
          }),
        ),
      );

    const storedSecret = async (): Promise<string> => {
      const sql = openDatabase(db.uri);
      try {
        const rows = await sql.query('SELECT secret FROM registry_webhooks');
        return String(rows[0]?.secret);
      } finally {
        await sql.close();
      }
    };

    const signedWith = (secret: string): boolean => {
      const last = received.at(-1)!;
      return verifyWebhookSignature(
        secret,
        {
          signature: String(last.headers['x-cairn-signature']),
          deliveryId: String(last.headers['x-cairn-delivery-id']),
          timestamp: String(last.headers['x-cairn-timestamp']),
        },
        last.body,
      );
    };

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'cairn-secrets-'));
      db = await createTestDatabase(backend, tmp);
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push({ headers: req.headers, body });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    });
    after(async () => {
      await new Promise<void>((r) => receiver?.close(() => r()));
      await db?.drop();
      await rm(tmp, { recursive: true, force: true });
    });

    it('stores only ciphertext, signs with the secret, and rotates keys at start-up', async () => {
      let s = await start(KEY_A);
      let id: string;
      try {
        id = (
          await ok(s.url, 'POST', 'webhooks/create', {
            name: 'signed',
            url: receiverUrl,
            secret: SECRET,
            events: ['registered_model.created'],
          })
        ).webhook.webhook_id;
        const sealedA = await storedSecret();
        assert.ok(!sealedA.includes(SECRET), 'the stored column holds no plain text');
        assert.ok(!sealedA.includes(Buffer.from(SECRET).toString('base64').slice(0, 12)));
        assert.match(sealedA, /^enc:v1:/);
        assert.equal((await ok(s.url, 'POST', 'webhooks/test', { webhook_id: id })).result.success, true);
        assert.ok(signedWith(SECRET), 'signed with the original secret');
      } finally {
        await s.close();
      }
      const sealedA = await storedSecret();

      // A server with another key only cannot open the secret: it refuses to start.
      await assert.rejects(start(KEY_B), /CAIRN_SECRET_KEY_PREVIOUS/);

      // Rotation: new key, old key as previous. Start-up re-seals with the new key.
      s = await start(KEY_B, KEY_A);
      try {
        const sealedB = await storedSecret();
        assert.notEqual(sealedB, sealedA);
        assert.notEqual(sealedB.split(':')[2], sealedA.split(':')[2], 'sealed under another key id');
        await ok(s.url, 'POST', 'webhooks/test', { webhook_id: id });
        assert.ok(signedWith(SECRET));
      } finally {
        await s.close();
      }
      // The old key is no longer needed.
      s = await start(KEY_B);
      try {
        await ok(s.url, 'POST', 'webhooks/test', { webhook_id: id });
        assert.ok(signedWith(SECRET));
      } finally {
        await s.close();
      }
      await assert.rejects(start('short'), /at least 32 characters/);
    });

    it('without CAIRN_SECRET_KEY: a key file for SQLite, refusal for server databases', async () => {
      if (backend === 'sqlite') {
        // The rows sealed above use KEY_B, so start on a fresh SQLite file.
        const fresh = join(tmp, 'fresh.db');
        const s = await withKeys(undefined, undefined, () =>
          startServer(
            defaultServerConfig({
              port: 0,
              backendStoreUri: `sqlite:///${fresh}`,
              registryStoreUri: `sqlite:///${fresh}`,
              artifactsDestination: join(tmp, 'artifacts'),
            }),
          ),
        );
        try {
          await ok(s.url, 'POST', 'webhooks/create', {
            name: 'k',
            url: receiverUrl,
            secret: SECRET,
            events: ['registered_model.created'],
          });
          const keyFile = `${sqlitePath(`sqlite:///${fresh}`)}.secret-key`;
          assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
        } finally {
          await s.close();
        }
        return;
      }
      // Secrets are stored: the server will not start without the key.
      await assert.rejects(start(undefined), /no CAIRN_SECRET_KEY is set/);
      // Without stored secrets it starts, and refuses new secrets rather than storing them.
      const sql = openDatabase(db.uri);
      await sql.run('UPDATE registry_webhooks SET secret = NULL');
      await sql.close();
      const s = await start(undefined);
      try {
        await failsInvalid(
          s.url,
          'POST',
          'webhooks/create',
          { name: 'x', url: receiverUrl, secret: SECRET, events: ['registered_model.created'] },
          /CAIRN_SECRET_KEY/,
        );
      } finally {
        await s.close();
      }
    });
  });
}
