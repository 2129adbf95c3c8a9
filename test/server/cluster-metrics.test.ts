/**
 * `cairn server --workers 2` as a real process: every scrape of /metrics, whichever worker the
 * kernel hands the connection to, reports the requests of the whole server, and the process
 * figures come once per worker, labelled with its slot.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/backends.js';
import { startServerProcess, type ServerProcess } from './cli-process.js';
import { rawRequest } from './helpers.js';

/** Sample lines of `name` whose labels include `labels`. */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const found: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^([^{\s]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k!, v!.replace(/^"|"$/g, '')] as const;
        }),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) found.push(Number(m[3]));
  }
  return found;
}

// Each request on a connection of its own, so the cluster spreads them over both workers.
const CLOSE = { connection: 'close', 'content-type': 'application/json' };

for (const backend of BACKENDS) {
  describe(`/metrics with --workers 2 (${backend})`, () => {
    let dir: string;
    let db: TestDatabase;
    let server: ServerProcess;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cairn-cluster-metrics-'));
      db = await createTestDatabase(backend, dir);
      server = await startServerProcess(['-w', '2', '--backend-store-uri', db.uri], dir, {}, 90_000);
    });
    after(async () => {
      if (server) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await db?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('counts every request of every worker in every scrape', { timeout: 120_000 }, async () => {
      const route = '/api/2.0/mlflow/experiments/create';
      const made = 24;
      for (let i = 0; i < made; i++) {
        const res = await rawRequest(server.url, 'POST', route, JSON.stringify({ name: `cm-${i}` }), CLOSE);
        assert.equal(res.status, 200, res.text);
      }
      const bad = await rawRequest(server.url, 'POST', route, '{}', CLOSE);
      assert.equal(bad.status, 400, 'a missing name is a user error');

      for (let scrape = 0; scrape < 6; scrape++) {
        const res = await rawRequest(server.url, 'GET', '/metrics', undefined, { connection: 'close' });
        assert.equal(res.status, 200, res.text);
        const text = res.text;
        assert.deepEqual(
          samples(text, 'cairn_http_requests_total', { method: 'POST', route, status: '200' }),
          [made],
          `scrape ${scrape}: one series holding all ${made} successful requests`,
        );
        assert.deepEqual(
          samples(text, 'cairn_http_requests_total', { method: 'POST', route, status: '400' }),
          [1],
          `scrape ${scrape}: the refused request`,
        );
        assert.deepEqual(
          samples(text, 'cairn_http_request_duration_seconds_count', { method: 'POST', route }),
          [made + 1],
          `scrape ${scrape}: the latency histogram covers every request`,
        );
        assert.deepEqual(
          samples(text, 'cairn_store_operation_duration_seconds_count', {
            store: 'tracking',
            operation: 'createExperiment',
            outcome: 'ok',
          }),
          [made],
          `scrape ${scrape}: store operations of both workers`,
        );
        assert.equal(
          (text.match(/^# HELP cairn_http_requests_total /gm) ?? []).length,
          1,
          'one header per metric family',
        );
        // The shared outbox is read by both workers: reported once, not doubled.
        assert.deepEqual(samples(text, 'cairn_webhook_outbox_depth'), [0], 'outbox depth once');
        // Process figures: one series per worker, labelled with its slot.
        const cpu = ['0', '1'].map((w) =>
          samples(text, 'cairn_process_cpu_user_seconds_total', { worker: w }),
        );
        assert.deepEqual(
          cpu.map((c) => c.length),
          [1, 1],
          `scrape ${scrape}: CPU time of each worker`,
        );
        assert.equal(samples(text, 'cairn_process_cpu_user_seconds_total').length, 2, 'no unlabelled sum');
        assert.equal(
          samples(text, 'cairn_process_start_time_seconds').length,
          2,
          'start time of each worker (not dropped as prom-client does for a sum)',
        );
      }

      // /health and /ready still answer from the worker that gets the connection.
      const health = await rawRequest(server.url, 'GET', '/health', undefined, { connection: 'close' });
      assert.equal(health.text, 'OK', 'liveness unchanged');
      const ready = await rawRequest(server.url, 'GET', '/ready', undefined, { connection: 'close' });
      assert.equal(ready.status, 200, ready.text);
    });
  });
}
