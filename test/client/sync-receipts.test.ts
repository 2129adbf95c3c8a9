/**
 * After an offline spool is synced (`cairn sync`, or the SDK's replay of leftover spools), the
 * delivery receipt tags of the spool's writer are deleted once the run's end is delivered; a run
 * whose end is still to come keeps them, and so do other writers of the same run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECEIPT_PREFIX, sendBatch } from '../../src/client/delivery.js';
import { Spool, type SpoolBatch } from '../../src/client/spool.js';
import { syncSpools } from '../../src/client/sync.js';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const batch = (id: number, slot: number, from: number, to: number, uncertain = false): SpoolBatch => ({
  t: 'batch',
  id,
  slot,
  uncertain,
  metrics: Array.from({ length: to - from }, (_, i) => ({
    key: 'loss',
    value: from + i,
    timestamp: 1000,
    step: from + i,
  })),
  params: [],
  tags: [],
});

for (const backend of BACKENDS) {
  describe(`sync deletes receipt tags (${backend})`, () => {
    let server: TestServer;
    let client: TrackingClient;
    let spoolDir: string;

    before(async () => {
      server = await startTestServer(backend);
      client = new TrackingClient(server.url);
      spoolDir = await mkdtemp(join(tmpdir(), 'cairn-sync-receipts-'));
    });
    after(async () => {
      client.close();
      await server?.stop();
      await rm(spoolDir, { recursive: true, force: true });
    });

    const receiptKeys = async (runId: string): Promise<string[]> =>
      ((await client.getRun(runId)).data.tags ?? [])
        .map((t) => t.key)
        .filter((k) => k.startsWith(RECEIPT_PREFIX))
        .sort();

    test('a synced spool that ends its run leaves no receipt tags of its writer', async () => {
      const exp = await client.createExperiment(`receipts-${backend}`);
      const runId = (await client.createRun({ experiment_id: exp })).info.run_id;
      // Another writer of the same run (still logging) has a receipt of its own.
      await sendBatch(client, runId, 'otherw01', batch(1, 0, 1000, 1001));
      // The process applied batch 1 (slot 0) and batch 2 (slot 1) but its answers were lost;
      // batch 3 and the run end never left it.
      await sendBatch(client, runId, 'deadbeef', batch(1, 0, 0, 100));
      await sendBatch(client, runId, 'deadbeef', batch(2, 1, 100, 200));
      const spool = Spool.create(spoolDir, { run_id: runId, writer: 'deadbeef', tracking_uri: server.url });
      spool.addBatch(batch(1, 0, 0, 100, true));
      spool.addBatch(batch(2, 1, 100, 200, true));
      spool.addBatch(batch(3, 0, 200, 250));
      spool.addEnd({ t: 'end', id: 4, status: 'FINISHED', end_time: 5000 });
      spool.unlock();
      assert.deepEqual(await receiptKeys(runId), [
        'cairn.sdk.receipt.deadbeef.0',
        'cairn.sdk.receipt.deadbeef.1',
        'cairn.sdk.receipt.otherw01.0',
      ]);

      const report = await syncSpools({ dir: spoolDir, runId });
      assert.equal(report.spools.length, 1);
      const [r] = report.spools;
      assert.deepEqual(
        [r!.delivered, r!.skippedAsDelivered, r!.removed, r!.receiptsDeleted, r!.error],
        [1, 2, true, true, undefined],
      );
      assert.equal(existsSync(spool.file), false);
      // Exactly once, the run ended, and only the other writer's receipt is left.
      const steps = (await client.getMetricHistory(runId, 'loss')).map((m) => m.step);
      assert.deepEqual(steps, [...[...Array(250).keys()], 1000]);
      const run = await client.getRun(runId);
      assert.equal(run.info.status, 'FINISHED');
      assert.deepEqual(await receiptKeys(runId), ['cairn.sdk.receipt.otherw01.0']);
    });

    test('a spool without the run end keeps its receipts (later batches still need them)', async () => {
      const exp = await client.createExperiment(`receipts-open-${backend}`);
      const runId = (await client.createRun({ experiment_id: exp })).info.run_id;
      const spool = Spool.create(spoolDir, { run_id: runId, writer: 'cafe0003', tracking_uri: server.url });
      spool.addBatch(batch(1, 0, 0, 10));
      spool.unlock();
      const report = await syncSpools({ dir: spoolDir, runId });
      assert.deepEqual(
        report.spools.map((s) => [s.delivered, s.removed, s.receiptsDeleted]),
        [[1, true, false]],
      );
      assert.deepEqual(await receiptKeys(runId), ['cairn.sdk.receipt.cafe0003.0']);
      assert.equal((await client.getRun(runId)).info.status, 'RUNNING');
    });
  });
}
