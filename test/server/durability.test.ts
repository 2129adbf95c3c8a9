/**
 * Durability: a client logs batches to a server process while it is killed with SIGKILL. After a
 * restart on the same SQLite file, every batch acknowledged with 200 is present and the database
 * passes `PRAGMA integrity_check`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { api } from '../helpers/server.js';
import { startServerProcess } from './cli-process.js';

const POINTS_PER_BATCH = 200;

test('every acknowledged log-batch survives a SIGKILL of the server', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-durability-'));
  const dbFile = join(dir, 'store.db');
  const args = [
    '--backend-store-uri',
    `sqlite:///${dbFile}`,
    '--artifacts-destination',
    join(dir, 'artifacts'),
  ];
  try {
    const first = await startServerProcess(args, dir);
    const runId = (
      (await api(first.url, 'POST', 'runs/create', { experiment_id: '0', run_name: 'durable' })).json.run as {
        info: { run_id: string };
      }
    ).info.run_id;

    const acknowledged: number[] = [];
    let next = 0;
    let killed = false;
    // Four concurrent writers, so the kill lands while several transactions are in flight.
    const writer = async () => {
      while (!killed) {
        const batch = next++;
        const metrics = Array.from({ length: POINTS_PER_BATCH }, (_, i) => ({
          key: 'loss',
          value: batch + i / 1000,
          timestamp: 1600000000000 + batch,
          step: batch * POINTS_PER_BATCH + i,
        }));
        try {
          const res = await api(first.url, 'POST', 'runs/log-batch', {
            run_id: runId,
            metrics,
            params: [{ key: `p${batch}`, value: String(batch) }],
            tags: [{ key: 'last_batch', value: String(batch) }],
          });
          if (res.status === 200) acknowledged.push(batch);
          else throw new Error(`log-batch ${batch} answered ${res.status}: ${res.text}`);
        } catch (err) {
          if (!killed) throw err;
        }
      }
    };
    const writers = Promise.all([writer(), writer(), writer(), writer()]);
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    await writers;
    assert.ok(acknowledged.length >= 40);

    const second = await startServerProcess(args, dir);
    try {
      const history = await api(second.url, 'GET', 'metrics/get-history', {
        run_id: runId,
        metric_key: 'loss',
      });
      assert.equal(history.status, 200);
      const steps = new Set((history.json.metrics as { step: number }[]).map((m) => m.step));
      const run = (await api(second.url, 'GET', 'runs/get', { run_id: runId })).json.run as {
        data: { params?: { key: string; value: string }[] };
      };
      const params = new Set((run.data.params ?? []).map((p) => p.key));
      const missing: number[] = [];
      for (const batch of acknowledged) {
        const complete =
          params.has(`p${batch}`) &&
          Array.from({ length: POINTS_PER_BATCH }, (_, i) => batch * POINTS_PER_BATCH + i).every((s) =>
            steps.has(s),
          );
        if (!complete) missing.push(batch);
      }
      assert.deepEqual(
        missing,
        [],
        `${missing.length} of ${acknowledged.length} acknowledged batches were lost`,
      );
      // A batch is all or nothing: no partially written batch may be visible.
      for (const key of params) {
        const batch = Number(key.slice(1));
        const count = Array.from({ length: POINTS_PER_BATCH }, (_, i) => batch * POINTS_PER_BATCH + i).filter(
          (s) => steps.has(s),
        ).length;
        assert.equal(count, POINTS_PER_BATCH, `batch ${batch} is partially stored`);
      }
      process.stdout.write(
        `# ${acknowledged.length} acknowledged batches, all present after SIGKILL and restart\n`,
      );
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
    const db = new Database(dbFile, { readonly: true });
    try {
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
