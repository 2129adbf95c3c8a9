/**
 * The durable webhook outbox across processes: three `cairn server` instances on one database
 * share the deliveries. The instance holding a delivery is SIGKILLed while the receiver keeps
 * the request open; another instance takes the delivery over once the lease runs out, with the
 * same delivery id. Every event reaches the receiver, and each model's events arrive in order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { startServerProcess, type ServerProcess } from '../server/cli-process.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { verifyWebhookSignature } from '../../src/registry/webhooks/signature.js';
import { makeRun, ok } from './helpers.js';

interface Arrival {
  deliveryId: string;
  event: string;
  model: string;
  version: string;
  answered: number | 'held';
  signed: boolean;
}

const SECRET = 'outbox-secret';
const MODELS = ['alpha', 'beta', 'gamma'];
const VERSIONS = 6;

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of BACKENDS) {
  describe(`webhook outbox across three server processes (${backend})`, () => {
    let tmp: string;
    let db: TestDatabase;
    let receiver: Server;
    let receiverUrl: string;
    const instances: ServerProcess[] = [];
    const arrivals: Arrival[] = [];
    let holdNext = true;

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'cairn-outbox-'));
      db = await createTestDatabase(backend, tmp);
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const json = JSON.parse(body) as { data: { name?: string; version?: string } };
          const deliveryId = String(req.headers['x-cairn-delivery-id']);
          const arrival: Arrival = {
            deliveryId,
            event: String(req.headers['x-cairn-event']),
            model: String(json.data.name),
            version: String(json.data.version ?? ''),
            answered: 200,
            signed: verifyWebhookSignature(
              SECRET,
              {
                signature: String(req.headers['x-cairn-signature']),
                deliveryId,
                timestamp: String(req.headers['x-cairn-timestamp']),
              },
              body,
            ),
          };
          // The first delivery of beta's version 2 is held open: its sender will be killed.
          if (holdNext && arrival.model === 'beta' && arrival.version === '2') {
            holdNext = false;
            arrival.answered = 'held';
            arrivals.push(arrival);
            return;
          }
          arrivals.push(arrival);
          res.writeHead(200).end('ok');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const env = {
        CAIRN_SECRET_KEY: 'outbox-test-key-0123456789abcdef0123456789',
        CAIRN_WEBHOOK_TIMEOUT_MS: '2000',
        CAIRN_WEBHOOK_LEASE_MS: '3000',
        CAIRN_WEBHOOK_POLL_MS: '200',
        CAIRN_WEBHOOK_RETRY_DELAY_MS: '100',
      };
      const args = [
        '--backend-store-uri',
        db.uri,
        '--artifacts-destination',
        join(tmp, 'artifacts'),
        '--webhook-allowed-hosts',
        '127.0.0.1',
      ];
      // The first instance creates the schema; the other two start together.
      instances.push(await startServerProcess(args, tmp, env));
      instances.push(
        ...(await Promise.all([startServerProcess(args, tmp, env), startServerProcess(args, tmp, env)])),
      );
    });

    after(async () => {
      for (const p of instances) {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGTERM');
          await p.exited;
        }
      }
      receiver?.closeAllConnections();
      await new Promise<void>((r) => receiver?.close(() => r()));
      await db?.drop();
      await rm(tmp, { recursive: true, force: true });
    });

    it('delivers every event once the killed instance lease expires, in order per model', async () => {
      const urls = instances.map((p) => p.url);
      await ok(urls[0]!, 'POST', 'webhooks/create', {
        name: 'outbox',
        url: receiverUrl,
        secret: SECRET,
        events: ['registered_model.created', 'model_version.created'],
      });
      const { runId } = await makeRun(urls[1]!);
      // Calls rotate over the instances, so every instance writes events.
      let call = 0;
      const next = () => urls[call++ % urls.length]!;
      for (const m of MODELS) await ok(next(), 'POST', 'registered-models/create', { name: m });
      for (let v = 1; v <= VERSIONS; v++) {
        for (const m of MODELS) {
          await ok(next(), 'POST', 'model-versions/create', { name: m, source: `runs:/${runId}/model` });
        }
      }

      await until('the held delivery', () => arrivals.some((a) => a.answered === 'held'));
      const held = arrivals.find((a) => a.answered === 'held')!;
      // The instance holding the lease is the one sending it: its pid is part of the owner id.
      const sql = openDatabase(db.uri);
      let owner: string;
      try {
        const rows = await sql.query(
          'SELECT lease_owner FROM registry_webhook_deliveries WHERE delivery_id = ?',
          [held.deliveryId],
        );
        owner = String(rows[0]?.lease_owner);
      } finally {
        await sql.close();
      }
      const pid = Number(owner.split(':')[1]);
      const victim = instances.find((p) => p.child.pid === pid);
      assert.ok(victim, `the lease owner ${owner} is one of the three instances`);
      victim.child.kill('SIGKILL');
      assert.equal(await victim.exited, 'SIGKILL');

      const expected = MODELS.length * (1 + VERSIONS);
      const accepted = () => new Set(arrivals.filter((a) => a.answered === 200).map((a) => a.deliveryId));
      await until('every delivery accepted', () => accepted().size === expected);

      // Taken over with the same delivery id, so the receiver can drop duplicates.
      assert.ok(
        arrivals.some((a) => a.deliveryId === held.deliveryId && a.answered === 200),
        'the held delivery was sent again by another instance',
      );
      assert.ok(
        arrivals.every((a) => a.signed),
        'every delivery is signed with the webhook secret',
      );
      for (const m of MODELS) {
        const seen: string[] = [];
        for (const a of arrivals) {
          if (a.model !== m || a.answered !== 200 || seen.includes(`${a.event}:${a.version}`)) continue;
          seen.push(`${a.event}:${a.version}`);
        }
        assert.deepEqual(seen, [
          'registered_model.created:',
          ...Array.from({ length: VERSIONS }, (_, i) => `model_version.created:${i + 1}`),
        ]);
      }
      // Nothing is left pending, and the delivery log shows each outcome. The receiver accepts a
      // delivery before its sender records the answer (on a busy machine, a while before; and an
      // attempt that outlived its lease is not kept: the delivery is sent again).
      const live = urls.filter((_, i) => instances[i] !== victim);
      const hooks = await ok(live[0]!, 'GET', 'webhooks/list');
      let statuses: string[] = [];
      const settled = async () => {
        const log = await ok(live[0]!, 'GET', 'webhooks/deliveries', {
          webhook_id: hooks.webhooks[0].webhook_id,
          max_results: 1000,
        });
        statuses = log.deliveries.map((d: { status: string }) => d.status);
        return statuses.length === expected && statuses.every((s) => s !== 'PENDING');
      };
      await until('every delivery recorded', settled);
      assert.deepEqual(
        statuses.filter((s) => s !== 'SUCCEEDED'),
        [],
        `every delivery succeeded: ${statuses.join(', ')}`,
      );
      const metrics = await fetch(`${live[0]}/metrics`).then((r) => r.text());
      assert.match(metrics, /^cairn_webhook_outbox_depth 0$/m);
    });
  });
}
