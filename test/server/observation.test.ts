/**
 * Operator endpoints on a real server: `/metrics` in Prometheus text format with request,
 * store, pool, group-commit, outbox and artifact figures; `/ready` that fails when the artifact
 * store is down or the schema is older than the server, while `/health` stays up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMoto, useMotoEnvironment, type MotoServer } from '../artifacts/moto.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { makeRun, ok } from '../registry/helpers.js';

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([^{\s]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k!, v!.replace(/^"|"$/g, '')];
        }),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

const metrics = async (base: string): Promise<{ type: string; text: string }> => {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  return { type: res.headers.get('content-type') ?? '', text: await res.text() };
};

for (const backend of BACKENDS) {
  describe(`/metrics and /ready (${backend})`, () => {
    let s: TestServer;
    let moto: MotoServer;

    before(async () => {
      moto = await startMoto();
      useMotoEnvironment(moto.endpoint);
      await moto.createBucket('observed');
      s = await startTestServer(backend, { artifactsDestination: 's3://observed/artifacts' });
    });
    after(async () => {
      await s?.stop();
      await moto?.stop();
    });

    it('counts requests by route, store operations, artifact bytes and pools', async () => {
      const before = (await metrics(s.url)).text;
      const route = '/api/2.0/mlflow/experiments/create';
      const { runId } = await makeRun(s.url);
      await ok(s.url, 'POST', 'runs/log-batch', {
        run_id: runId,
        metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
      });
      const payload = Buffer.alloc(12345, 'a');
      const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/obs/file.bin`, {
        method: 'PUT',
        body: payload,
      });
      assert.equal(put.status, 200);
      const got = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/obs/file.bin`);
      assert.equal((await got.arrayBuffer()).byteLength, payload.length);
      // Twice: the second call goes through the timing wrapper made by the first.
      for (let i = 0; i < 2; i++) {
        const missing = await fetch(`${s.url}/api/2.0/mlflow/runs/get?run_id=${'f'.repeat(32)}`);
        assert.equal(missing.status, 404, await missing.text());
      }

      const { type, text } = await metrics(s.url);
      assert.match(type, /^text\/plain; version=0\.0\.4/);
      const delta = (name: string, labels: Record<string, string> = {}) =>
        sample(text, name, labels) - sample(before, name, labels);
      assert.equal(delta('cairn_http_requests_total', { method: 'POST', route, status: '200' }), 1);
      assert.ok(delta('cairn_http_request_duration_seconds_count', { method: 'POST', route }) >= 1);
      assert.match(
        text,
        /cairn_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/api\/2\.0\/mlflow\/experiments\/create"\}/,
      );
      assert.equal(
        delta('cairn_store_operation_duration_seconds_count', {
          store: 'tracking',
          operation: 'createExperiment',
          outcome: 'ok',
        }),
        1,
      );
      assert.equal(
        delta('cairn_store_operation_duration_seconds_count', {
          store: 'tracking',
          operation: 'getRun',
          outcome: 'error',
        }),
        2,
        'a failing store call is timed under outcome="error", each time',
      );
      assert.equal(delta('cairn_artifact_bytes_total', { direction: 'in' }), payload.length);
      assert.equal(delta('cairn_artifact_bytes_total', { direction: 'out' }), payload.length);
      assert.match(text, /^cairn_webhook_outbox_depth 0$/m);
      assert.match(text, /^cairn_process_resident_memory_bytes \d+/m);
      if (backend === 'sqlite') {
        assert.ok(delta('cairn_store_group_commit_size_count') >= 1, 'group commits are observed');
      } else {
        assert.ok(sample(text, 'cairn_db_pool_connections', { database: 'tracking', state: 'total' }) >= 1);
      }
      // Raw ids never become labels.
      assert.ok(!text.includes(runId));
    });

    it('is ready when the database, schema and artifact store are, and says which is not', async () => {
      const ready = await fetch(`${s.url}/ready`);
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { status: string; checks: { name: string; ok: boolean }[] };
      assert.equal(body.status, 'ready');
      assert.deepEqual(
        body.checks.map((c) => [c.name, c.ok]),
        [
          ['tracking-database', true],
          ['tracking-schema', true],
          ['artifact-store', true],
        ],
      );

      // A schema older than this server (as during a rolling upgrade) is not ready.
      const sql = openDatabase(s.ctx.config.backendStoreUri);
      const top = await sql.query<{ v: number }>('SELECT MAX(version) AS v FROM cairn_schema_version');
      const newest = Number(top[0]!.v);
      const row = await sql.query('SELECT name, applied_at FROM cairn_schema_version WHERE version = ?', [
        newest,
      ]);
      await sql.run('DELETE FROM cairn_schema_version WHERE version = ?', [newest]);
      try {
        const stale = await fetch(`${s.url}/ready`);
        assert.equal(stale.status, 503);
        const checks = ((await stale.json()) as { checks: { name: string; ok: boolean; detail?: string }[] })
          .checks;
        const schema = checks.find((c) => c.name === 'tracking-schema')!;
        assert.equal(schema.ok, false);
        assert.match(String(schema.detail), new RegExp(`needs ${newest}`));
      } finally {
        await sql.run('INSERT INTO cairn_schema_version (version, name, applied_at) VALUES (?, ?, ?)', [
          newest,
          String(row[0]!.name),
          Number(row[0]!.applied_at),
        ]);
        await sql.close();
      }
      assert.equal((await fetch(`${s.url}/ready`)).status, 200);

      // The object store goes away: not ready, but still alive.
      await moto.stop();
      const down = await fetch(`${s.url}/ready`);
      assert.equal(down.status, 503);
      const checks = ((await down.json()) as { checks: { name: string; ok: boolean }[] }).checks;
      assert.equal(checks.find((c) => c.name === 'artifact-store')!.ok, false);
      assert.equal(checks.find((c) => c.name === 'tracking-database')!.ok, true);
      const health = await fetch(`${s.url}/health`);
      assert.equal(health.status, 200);
    });
  });
}
