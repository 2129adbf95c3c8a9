/**
 * Asynchronous logging semantics against a real server: batching within MLflow's limits, order,
 * params write-once, refused batches, and exactly-once delivery when a log-batch answer is lost
 * (the server applied it) or the request is cut before reaching the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { TrackingClient, RunLogger, MlflowError } from '../../src/index.js';
import { FaultProxy } from './fixtures/fault-proxy.js';

let server: TestServer;
let proxy: FaultProxy;
let client: TrackingClient;
let direct: TrackingClient;
let spoolDir: string;
let experimentId: string;

for (const backend of BACKENDS) {
  describe(`async run logger (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      proxy = new FaultProxy(server.url);
      client = new TrackingClient(await proxy.start());
      direct = new TrackingClient(server.url);
      spoolDir = await mkdtemp(join(tmpdir(), 'cairn-spool-'));
      experimentId = await direct.createExperiment('logger-tests');
    });

    after(async () => {
      client.close();
      direct.close();
      await proxy.stop();
      await server.stop();
      await rm(spoolDir, { recursive: true, force: true });
    });

    async function newRun(): Promise<string> {
      return (await direct.createRun({ experiment_id: experimentId })).info.run_id;
    }

    test('metric calls return at once and are coalesced into log-batch requests within the limits', async () => {
      const runId = await newRun();
      const logger = new RunLogger(client, runId, { spoolDir, maxInFlight: 1 });
      proxy.batches.length = 0;
      for (let i = 0; i < 2500; i++) logger.logMetric('loss', i, i, 1000 + i);
      for (let i = 0; i < 150; i++) logger.logParam(`p${i}`, String(i));
      assert.ok(logger.pendingRecords() >= 2650, 'nothing is sent synchronously');
      await logger.flush();
      assert.equal(logger.pendingRecords(), 0);
      const batches = proxy.batches.splice(0);
      for (const b of batches) {
        assert.ok(b.metrics <= 1000 && b.params <= 100 && b.tags <= 100, JSON.stringify(b));
        assert.ok(b.metrics + b.params + b.tags <= 1000 && b.bytes < 1_000_000);
      }
      assert.equal(
        batches.reduce((n, b) => n + b.metrics, 0),
        2500,
      );
      assert.equal(
        batches.reduce((n, b) => n + b.params, 0),
        150,
      );
      assert.ok(batches.length <= 5, `2650 records in ${batches.length} requests`);
      assert.ok(
        batches.every((b) => b.metrics === 0 || b.params === 0),
        'params travel apart from metrics',
      );
      const history = await direct.getMetricHistory(runId, 'loss');
      assert.deepEqual(
        history.map((m) => m.step),
        [...Array(2500).keys()],
      );
      const run = await direct.getRun(runId);
      assert.equal(run.data.params?.length, 150);
      await logger.end('FINISHED');
      const ended = await direct.getRun(runId);
      assert.equal(ended.info.status, 'FINISHED');
      assert.ok(
        !(ended.data.tags ?? []).some((t) => t.key.startsWith('cairn.sdk.receipt.')),
        'receipts removed',
      );
    });

    test('receipt tags that cannot be deleted at the end are reported, not silently left', async () => {
      const runId = await newRun();
      const errors: Error[] = [];
      const logger = new RunLogger(client, runId, { spoolDir, onError: (e) => errors.push(e) });
      logger.logMetric('m', 1, 0);
      proxy.forbidden.add('/runs/delete-tag');
      try {
        await logger.end('FINISHED');
      } finally {
        proxy.forbidden.delete('/runs/delete-tag');
      }
      assert.ok(proxy.forbiddenCount >= 1, 'the delete was attempted');
      const receipts = ((await direct.getRun(runId)).data.tags ?? []).filter((t) =>
        t.key.startsWith('cairn.sdk.receipt.'),
      );
      assert.equal(receipts.length, 1, 'the receipt is still on the run');
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof MlflowError);
      assert.equal(errors[0].errorCode, 'PERMISSION_DENIED');
      assert.ok(errors[0].message.includes(receipts[0]!.key), errors[0].message);
      assert.match(logger.status().lastError ?? '', /could not be deleted/);
      assert.equal((await direct.getRun(runId)).info.status, 'FINISHED');
    });

    test('tag writes keep their order (last value wins) with several batches in flight', async () => {
      const runId = await newRun();
      const logger = new RunLogger(client, runId, { spoolDir, maxInFlight: 4 });
      for (let i = 0; i < 3000; i++) {
        logger.logMetric('m', i, i);
        if (i % 7 === 0) logger.setTag('state', `v${i}`);
        if (i % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      await logger.end('FINISHED');
      const run = await direct.getRun(runId);
      assert.equal(run.data.tags?.find((t) => t.key === 'state')?.value, `v${2996}`);
      assert.equal((await direct.getMetricHistory(runId, 'm')).length, 3000);
    });

    test('params are write-once: same value is a no-op, another value throws at once', async () => {
      const runId = await newRun();
      const logger = new RunLogger(client, runId, { spoolDir });
      logger.logParam('lr', '0.1');
      logger.logParam('lr', '0.1');
      assert.throws(
        () => logger.logParam('lr', '0.2'),
        (err: unknown) => {
          assert.ok(err instanceof MlflowError);
          assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
          assert.match(err.message, /Changing param values is not allowed/);
          return true;
        },
      );
      assert.throws(() => logger.logMetric('bad key!', 1), MlflowError);
      assert.throws(() => logger.logMetric('x', 1, 1.5), /step must be an integer/);
      await logger.end('FINISHED');
      const run = await direct.getRun(runId);
      assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.1' }]);
    });

    test('non-finite values travel as MLflow expects', async () => {
      const runId = await newRun();
      const logger = new RunLogger(client, runId, { spoolDir });
      logger.logMetric('x', NaN, 0);
      logger.logMetric('x', Infinity, 1);
      logger.logMetric('x', -Infinity, 2);
      await logger.end('FINISHED');
      const values = (await direct.getMetricHistory(runId, 'x')).map((m) => m.value);
      assert.ok(Number.isNaN(values[0]));
      assert.ok(values[1]! > 1e308 && values[2]! < -1e308);
    });

    test('a batch the server refuses is reported, not retried, and does not block the rest', async () => {
      const runId = await newRun();
      await direct.deleteRun(runId);
      const errors: Error[] = [];
      const logger = new RunLogger(client, runId, { spoolDir, onError: (e) => errors.push(e) });
      logger.logMetric('m', 1, 0);
      await logger.flush();
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof MlflowError);
      assert.equal(logger.status().rejected, 1);
      assert.equal(logger.pendingRecords(), 0);
    });

    test('a param the server refuses does not take the metrics logged beside it down', async () => {
      const runId = await newRun();
      await direct.logParam(runId, 'lr', '0.5');
      const errors: Error[] = [];
      const logger = new RunLogger(client, runId, { spoolDir, onError: (e) => errors.push(e) });
      logger.logMetric('m', 1, 0);
      logger.logParam('lr', '0.1');
      logger.logMetric('m', 2, 1);
      await logger.end('FINISHED');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /lr/);
      assert.deepEqual(
        (await direct.getMetricHistory(runId, 'm')).map((m) => m.value),
        [1, 2],
      );
      assert.equal((await direct.getRun(runId)).info.status, 'FINISHED');
    });

    test('a lost answer (server applied the batch) is not resent: exactly once', async () => {
      const runId = await newRun();
      const logger = new RunLogger(client, runId, { spoolDir, maxInFlight: 1 });
      for (let i = 0; i < 100; i++) logger.logMetric('m', i, i);
      proxy.inject('drop-response');
      await logger.flush();
      assert.equal(logger.status().mode, 'offline', 'an ambiguous failure moves the logger offline');
      for (let i = 100; i < 200; i++) logger.logMetric('m', i, i);
      await logger.flush({ delivered: true, timeoutMs: 30_000 });
      const steps = (await direct.getMetricHistory(runId, 'm')).map((m) => m.step);
      assert.deepEqual(steps, [...Array(200).keys()]);
      // The store ignores exact duplicates, so check the wire: each point was applied once.
      for (let i = 0; i < 200; i++)
        assert.equal(proxy.appliedCount(runId, 'm', i), 1, `point ${i} applied once`);
      await logger.end('FINISHED');
      assert.deepEqual(
        (await readdir(spoolDir)).filter((f) => f.includes(runId)),
        [],
      );
    });

    test('a request cut before reaching the server is resent: no loss', async () => {
      const runId = await newRun();
      const logger = new RunLogger(client, runId, { spoolDir, maxInFlight: 1 });
      for (let i = 0; i < 100; i++) logger.logMetric('m', i, i);
      // The first send and the first two replays are cut: each time the fate is unknown, the receipt
      // shows the batch was not applied, so it is sent again.
      for (let i = 0; i < 3; i++) proxy.inject('drop-request');
      await logger.flush({ delivered: true, timeoutMs: 30_000 });
      const steps = (await direct.getMetricHistory(runId, 'm')).map((m) => m.step);
      assert.deepEqual(steps, [...Array(100).keys()]);
      for (let i = 0; i < 100; i++)
        assert.equal(proxy.appliedCount(runId, 'm', i), 1, `point ${i} applied once`);
      await logger.end('FINISHED');
    });
  });
}
