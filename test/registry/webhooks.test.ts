/**
 * Registry webhooks against a real local HTTP receiver: signatures verify, 500s are retried with
 * backoff, a model's events arrive in order, a dead receiver never blocks the registry, and the
 * test-delivery call reports what the receiver said.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SERVER_DEFAULTS } from '../../src/config/server-config.js';
import { verifyWebhookSignature } from '../../src/registry/webhooks/signature.js';
import { failsInvalid, failsNotFound, makeRun, ok } from './helpers.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  json: { entity: string; action: string; data: Record<string, unknown> };
  answered: number;
}

/** A receiver whose answer per request is decided by `respond` (default 200). */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  respond: (r: Omit<Received, 'answered'>) => number;
  close(): Promise<void>;
  server: Server;
}> {
  const state = {
    received: [] as Received[],
    respond: (() => 200) as (r: Omit<Received, 'answered'>) => number,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const item = { headers: req.headers, body, json: JSON.parse(body) as Received['json'] };
      const status = state.respond(item);
      state.received.push({ ...item, answered: status });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return state.received;
    },
    set respond(fn) {
      state.respond = fn;
    },
    get respond() {
      return state.respond;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
    server,
  };
}

const SECRET = 's3cr3t-key';
const TEST_SECRET_KEY = 'test-key-0123456789abcdef0123456789abcdef';

for (const backend of BACKENDS) {
  describe(`registry webhooks (${backend})`, () => {
    let s: TestServer;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    before(async () => {
      process.env.CAIRN_SECRET_KEY = TEST_SECRET_KEY;
      // The receivers listen on 127.0.0.1, which webhooks may only reach when allowed.
      s = await startTestServer(backend, {
        webhooks: {
          ...SERVER_DEFAULTS.webhooks,
          maxAttempts: 4,
          retryDelayMs: 40,
          allowedHosts: ['127.0.0.1'],
        },
      });
      receiver = await startReceiver();
    });
    after(async () => {
      await s?.stop();
      await receiver?.close();
      delete process.env.CAIRN_SECRET_KEY;
    });

    it('manages webhooks and validates input', async () => {
      const created = await ok(s.url, 'POST', 'webhooks/create', {
        name: 'ci',
        url: receiver.url,
        events: ['model_version.created', 'model_version_alias.created'],
        secret: 'x',
        description: 'to CI',
      });
      const w = created.webhook;
      assert.equal(w.status, 'ACTIVE');
      assert.equal(w.has_secret, true);
      assert.equal('secret' in w, false);
      assert.deepEqual((await ok(s.url, 'GET', 'webhooks/get', { webhook_id: w.webhook_id })).webhook, w);
      const listed = await ok(s.url, 'GET', 'webhooks/list');
      assert.deepEqual(
        listed.webhooks.map((x: { webhook_id: string }) => x.webhook_id),
        [w.webhook_id],
      );
      const upd = await ok(s.url, 'PATCH', 'webhooks/update', {
        webhook_id: w.webhook_id,
        status: 'disabled',
        name: 'ci2',
      });
      assert.equal(upd.webhook.status, 'DISABLED');
      assert.equal(upd.webhook.name, 'ci2');
      await failsInvalid(
        s.url,
        'POST',
        'webhooks/create',
        { name: 'x', url: 'ftp://a/b', events: ['model_version.created'] },
        /http/,
      );
      await failsInvalid(
        s.url,
        'POST',
        'webhooks/create',
        { name: 'x', url: receiver.url, events: ['model.exploded'] },
        /model.exploded/,
      );
      await failsInvalid(s.url, 'POST', 'webhooks/create', { name: 'x', url: receiver.url, events: [] });
      await failsInvalid(s.url, 'POST', 'webhooks/create', {
        url: receiver.url,
        events: ['model_version.created'],
      });
      await failsInvalid(s.url, 'PATCH', 'webhooks/update', { webhook_id: w.webhook_id, status: 'sleepy' });
      await ok(s.url, 'DELETE', 'webhooks/delete', { webhook_id: w.webhook_id });
      await failsNotFound(s.url, 'GET', 'webhooks/get', { webhook_id: w.webhook_id });
      await failsNotFound(s.url, 'DELETE', 'webhooks/delete', { webhook_id: w.webhook_id });
    });

    it('delivers signed events in order per model, retrying 500s', async () => {
      const { runId } = await makeRun(s.url);
      const hook = (
        await ok(s.url, 'POST', 'webhooks/create', {
          name: 'ordered',
          url: receiver.url,
          secret: SECRET,
          events: [
            'registered_model.created',
            'model_version.created',
            'model_version_alias.created',
            'model_version.stage_transitioned',
            'model_version_tag.set',
          ],
        })
      ).webhook;
      // The first delivery of version 1 fails twice with 500 before it succeeds.
      const failuresLeft = new Map<string, number>();
      receiver.respond = (r) => {
        const id = String(r.headers['x-cairn-delivery-id']);
        if (r.json.action === 'created' && r.json.entity === 'model_version' && r.json.data.version === '1') {
          const left = failuresLeft.get(id) ?? 2;
          failuresLeft.set(id, left - 1);
          if (left > 0) return 500;
        }
        return 200;
      };
      const started = Date.now();
      await ok(s.url, 'POST', 'registered-models/create', { name: 'hooked' });
      for (let i = 0; i < 6; i++) {
        await ok(s.url, 'POST', 'model-versions/create', { name: 'hooked', source: `runs:/${runId}/model` });
      }
      await ok(s.url, 'POST', 'registered-models/alias', { name: 'hooked', alias: 'champion', version: '3' });
      await ok(s.url, 'POST', 'model-versions/transition-stage', {
        name: 'hooked',
        version: '3',
        stage: 'Production',
      });
      await ok(s.url, 'POST', 'model-versions/set-tag', {
        name: 'hooked',
        version: '3',
        key: 'k',
        value: 'v',
      });
      // The registry calls returned before the receiver had accepted everything.
      await s.ctx.registry.dispatcher.idle();
      assert.ok(Date.now() - started >= 40 + 80, 'backoff delays were applied');

      const mine = receiver.received.filter((r) => r.json.data.name === 'hooked');
      for (const r of mine) {
        assert.equal(
          verifyWebhookSignature(
            SECRET,
            {
              signature: String(r.headers['x-cairn-signature']),
              deliveryId: String(r.headers['x-cairn-delivery-id']),
              timestamp: String(r.headers['x-cairn-timestamp']),
            },
            r.body,
          ),
          true,
          'signature verifies',
        );
        assert.equal(r.headers['x-mlflow-signature'], r.headers['x-cairn-signature']);
        assert.equal(
          verifyWebhookSignature(
            'wrong',
            {
              signature: String(r.headers['x-cairn-signature']),
              deliveryId: String(r.headers['x-cairn-delivery-id']),
              timestamp: String(r.headers['x-cairn-timestamp']),
            },
            r.body,
          ),
          false,
        );
      }
      const accepted = mine
        .filter((r) => r.answered === 200)
        .map((r) => `${r.headers['x-cairn-event']}:${String(r.json.data.version ?? '')}`);
      assert.deepEqual(accepted, [
        'registered_model.created:',
        'model_version.created:1',
        'model_version.created:2',
        'model_version.created:3',
        'model_version.created:4',
        'model_version.created:5',
        'model_version.created:6',
        'model_version_alias.created:3',
        'model_version.stage_transitioned:3',
        'model_version_tag.set:3',
      ]);
      // Version 1's delivery was attempted three times with the same id.
      const v1 = mine.filter(
        (r) =>
          r.json.entity === 'model_version' && r.json.action === 'created' && r.json.data.version === '1',
      );
      assert.deepEqual(
        v1.map((r) => r.answered),
        [500, 500, 200],
      );
      assert.equal(new Set(v1.map((r) => r.headers['x-cairn-delivery-id'])).size, 1);

      const log = await ok(s.url, 'GET', 'webhooks/deliveries', { webhook_id: hook.webhook_id });
      assert.equal(log.deliveries.length, 10);
      assert.ok(log.deliveries.every((d: { status: string }) => d.status === 'SUCCEEDED'));
      const retried = log.deliveries.find(
        (d: { delivery_id: string }) => d.delivery_id === v1[0]!.headers['x-cairn-delivery-id'],
      );
      assert.equal(retried.attempts, 3);
      assert.equal(retried.payload.data.version, '1');
      await ok(s.url, 'DELETE', 'webhooks/delete', { webhook_id: hook.webhook_id });
    });

    it('gives up after the last attempt and never blocks the registry', async () => {
      const dead = await startReceiver();
      const deadUrl = dead.url;
      await dead.close();
      const always500 = (
        await ok(s.url, 'POST', 'webhooks/create', {
          name: 'fails',
          url: receiver.url,
          events: ['registered_model.created'],
        })
      ).webhook;
      const unreachable = (
        await ok(s.url, 'POST', 'webhooks/create', {
          name: 'dead',
          url: deadUrl,
          events: ['registered_model.created'],
        })
      ).webhook;
      receiver.respond = () => 500;
      const t0 = Date.now();
      await ok(s.url, 'POST', 'registered-models/create', { name: 'unblocked' });
      assert.ok(Date.now() - t0 < 2000, 'the registry call did not wait for deliveries');
      await s.ctx.registry.dispatcher.idle();
      const failed = await ok(s.url, 'GET', 'webhooks/deliveries', { webhook_id: always500.webhook_id });
      assert.equal(failed.deliveries[0].status, 'FAILED');
      assert.equal(failed.deliveries[0].attempts, 4);
      assert.equal(failed.deliveries[0].response_status, 500);
      const deadLog = await ok(s.url, 'GET', 'webhooks/deliveries', { webhook_id: unreachable.webhook_id });
      assert.equal(deadLog.deliveries[0].status, 'FAILED');
      assert.equal(deadLog.deliveries[0].attempts, 4);
      assert.ok(deadLog.deliveries[0].error);

      // Test deliveries report the receiver's answer.
      const bad = await ok(s.url, 'POST', 'webhooks/test', { webhook_id: always500.webhook_id });
      assert.equal(bad.result.success, false);
      assert.equal(bad.result.response_status, 500);
      receiver.respond = () => 200;
      const good = await ok(s.url, 'POST', 'webhooks/test', { webhook_id: always500.webhook_id });
      assert.equal(good.result.success, true);
      assert.equal(good.result.response_status, 200);
      assert.equal(receiver.received.at(-1)!.headers['x-cairn-event'], 'webhook.test');
      const unreach = await ok(s.url, 'POST', 'webhooks/test', { webhook_id: unreachable.webhook_id });
      assert.equal(unreach.result.success, false);
      assert.ok(unreach.result.error_message);
      await failsNotFound(s.url, 'POST', 'webhooks/test', { webhook_id: 'nope' });

      // A disabled webhook receives nothing.
      await ok(s.url, 'PATCH', 'webhooks/update', { webhook_id: always500.webhook_id, status: 'DISABLED' });
      const before = receiver.received.length;
      await ok(s.url, 'POST', 'registered-models/create', { name: 'quiet' });
      await s.ctx.registry.dispatcher.idle();
      assert.equal(receiver.received.filter((r) => r.json.data.name === 'quiet').length, 0);
      assert.equal(receiver.received.length, before);
    });
  });
}
