/**
 * Durable logging: the tracking server (a separate process) is stopped twice mid-training — once
 * with SIGTERM, once with SIGKILL — until the logger has gone offline and spooled records, then
 * restarted on the same port and database. Every logged point must arrive exactly once, in order,
 * and the loop must never throw. Run twice: talking to the server directly (connections refused
 * while it is down), and through a proxy that stays up and cuts connections instead (every failure
 * is then ambiguous) and counts how often each point was applied — the store ignores exact
 * duplicates, so only the wire shows a point sent twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cairn from '../../src/index.js';
import { ChildServer } from './fixtures/child-server.js';
import { freePort } from '../helpers/ports.js';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { FaultProxy } from './fixtures/fault-proxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const backend of BACKENDS) {
  for (const via of ['direct', 'proxy'] as const) {
    test(`a training loop survives two server outages; every point arrives exactly once, in order (${backend}, ${via})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cairn-outage-'));
      const spoolDir = join(dir, 'spool');
      const db = await createTestDatabase(backend, dir);
      const server = new ChildServer(await freePort(), db.uri, join(dir, 'artifacts'));
      await server.start();
      const proxy = via === 'proxy' ? new FaultProxy(server.url) : undefined;
      const url = proxy ? await proxy.start() : server.url;
      try {
        cairn.setTrackingUri(url);
        cairn.configureLogging({ spoolDir });
        await cairn.setExperiment('outage');
        const run = await cairn.startRun({ runName: 'outage-run' });
        const N = 6000;
        const outages = [
          { at: 1500, signal: 'SIGTERM' as const },
          { at: 4000, signal: 'SIGKILL' as const },
        ];
        for (let i = 0; i < N; i++) {
          run.logMetric('loss', 1 / (i + 1), { step: i });
          run.logMetric('acc', i / N, { step: i });
          if (i % 50 === 0) run.setTag('progress', String(i));
          if (i % 20 === 0) await sleep(1);
          const outage = outages.find((o) => o.at === i);
          if (outage) {
            if (proxy) {
              // The last batch before the outage is applied but its answer is lost.
              proxy.inject('drop-response');
              while (proxy.pendingFaults > 0) {
                run.logMetric('filler', i);
                await sleep(5);
              }
            }
            await server.stop(outage.signal);
            // Keep training while the server is away, until the logger has gone offline and spooled
            // what it could not send (however long that takes on a loaded machine), and a while more.
            let j = 0;
            let spooled = 0;
            let offline = 0;
            while (offline < 25 || spooled === 0) {
              assert.ok(j < 3000, `logger still not offline and spooling after ${j} heartbeats`);
              run.setTag('heartbeat', String(j++));
              await sleep(20);
              const s = run.loggingStatus();
              if (s.mode === 'offline') offline++;
              spooled = Math.max(spooled, s.spooled);
            }
            await server.start();
          }
        }
        run.setTag('progress', 'done');
        await cairn.endRun();
        await run.flush({ delivered: true, timeoutMs: 60_000 });
        assert.equal(run.pendingRecords(), 0);

        const client = new cairn.TrackingClient(server.url);
        for (const key of ['loss', 'acc']) {
          const history = await client.getMetricHistory(run.runId, key);
          assert.equal(history.length, N, `${key}: ${history.length} points instead of ${N}`);
          history.forEach((m, i) => {
            assert.equal(m.step, i, `${key}: point ${i} has step ${m.step}`);
            assert.equal(m.value, key === 'loss' ? 1 / (i + 1) : i / N);
          });
          if (proxy) {
            for (let i = 0; i < N; i++) {
              // Answered once; or never answered, when SIGKILL fell between the server's commit
              // of the point (the history above holds it) and its answer, and the logger found
              // it stored instead of sending it again.
              const applied = proxy.appliedCount(run.runId, key, i);
              const stored = applied === 1 || (applied === 0 && proxy.unansweredCount(run.runId, key, i) > 0);
              assert.ok(stored, `${key}@${i} applied ${applied} times`);
            }
          }
        }
        const finished = await client.getRun(run.runId);
        assert.equal(finished.info.status, 'FINISHED');
        const tags = new Map((finished.data.tags ?? []).map((t) => [t.key, t.value]));
        assert.equal(tags.get('progress'), 'done', 'the last tag value wins');
        assert.deepEqual(
          [...tags.keys()].filter((k) => k.startsWith('cairn.sdk.receipt.')),
          [],
          'receipts are removed once everything is delivered',
        );
        assert.deepEqual(
          (await readdir(spoolDir)).filter((f) => f.endsWith('.jsonl')),
          [],
          'spool emptied',
        );
        client.close();
      } finally {
        cairn.getClient().close();
        await proxy?.stop();
        await server.stop('SIGTERM');
        await db.drop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
}
