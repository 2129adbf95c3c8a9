/** Every TrackingClient method against a real server, plus retries and typed errors. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { TrackingClient, MlflowError, HttpError, TransportError } from '../../src/index.js';

let server: TestServer;
let client: TrackingClient;

for (const backend of BACKENDS) {
  describe(`tracking client (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      client = new TrackingClient(server.url);
    });

    after(async () => {
      client.close();
      await server.stop();
    });

    test('experiments: create, get, get-by-name, rename, tags, search/paging, delete, restore', async () => {
      const id = await client.createExperiment('exp-a', { tags: [{ key: 'team', value: 'fraud' }] });
      assert.match(id, /^\d+$/);
      const exp = await client.getExperiment(id);
      assert.equal(exp.name, 'exp-a');
      assert.equal(typeof exp.creation_time, 'number');
      assert.deepEqual(exp.tags, [{ key: 'team', value: 'fraud' }]);
      assert.equal((await client.getExperimentByName('exp-a')).experiment_id, id);

      await client.renameExperiment(id, 'exp-b');
      assert.equal((await client.getExperiment(id)).name, 'exp-b');
      await client.setExperimentTag(id, 'stage', 'dev');
      assert.ok((await client.getExperiment(id)).tags?.some((t) => t.key === 'stage' && t.value === 'dev'));
      await client.deleteExperimentTag(id, 'stage');
      assert.ok(!(await client.getExperiment(id)).tags?.some((t) => t.key === 'stage'));

      for (let i = 0; i < 5; i++) await client.createExperiment(`page-${i}`);
      const page = await client.searchExperiments({ max_results: 2, filter: "name LIKE 'page-%'" });
      assert.equal(page.items.length, 2);
      assert.ok(page.next_page_token);
      const all: string[] = [];
      for await (const e of client.iterExperiments({ max_results: 2, filter: "name LIKE 'page-%'" }))
        all.push(e.name);
      assert.deepEqual(all.sort(), ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);

      await client.deleteExperiment(id);
      assert.equal((await client.getExperiment(id)).lifecycle_stage, 'deleted');
      const deleted = await client.searchExperiments({ view_type: 'DELETED_ONLY' });
      assert.deepEqual(
        deleted.items.map((e) => e.experiment_id),
        [id],
      );
      await client.restoreExperiment(id);
      assert.equal((await client.getExperiment(id)).lifecycle_stage, 'active');
    });

    test('server errors surface as MlflowError with the code and the server message', async () => {
      await assert.rejects(client.getExperimentByName('no-such-experiment'), (err: unknown) => {
        assert.ok(err instanceof MlflowError && err instanceof HttpError);
        assert.equal(err.errorCode, 'RESOURCE_DOES_NOT_EXIST');
        assert.equal(err.status, 404);
        assert.match(err.message, /no-such-experiment/);
        return true;
      });
      await client.createExperiment('dup');
      await assert.rejects(client.createExperiment('dup'), { errorCode: 'RESOURCE_ALREADY_EXISTS' });
      await assert.rejects(
        client.searchRuns({ experiment_ids: ['0'], filter: 'metrics.a = 1 OR metrics.b = 2' }),
        {
          errorCode: 'INVALID_PARAMETER_VALUE',
        },
      );
    });

    test('runs: create, get, update, tags, params, metrics, batch, inputs, outputs, search, delete, restore', async () => {
      const exp = await client.createExperiment('runs-exp');
      const run = await client.createRun({
        experiment_id: exp,
        run_name: 'first',
        tags: [{ key: 'mlflow.user', value: 'alice' }],
      });
      const runId = run.info.run_id;
      assert.match(runId, /^[0-9a-f]{32}$/);
      assert.equal(run.info.status, 'RUNNING');
      assert.ok(run.info.start_time > 0);

      await client.logParam(runId, 'lr', '0.01');
      await client.setTag(runId, 'phase', 'train');
      await client.setTag(runId, 'gone', 'x');
      await client.deleteTag(runId, 'gone');
      await client.logMetric(runId, { key: 'loss', value: 0.5, timestamp: 1000, step: 0 });
      await client.logBatch(runId, {
        metrics: [
          { key: 'loss', value: 0.4, timestamp: 1001, step: 1 },
          { key: 'loss', value: 0.3, timestamp: 1002, step: 2 },
        ],
        params: [{ key: 'epochs', value: '3' }],
        tags: [{ key: 'phase', value: 'eval' }],
      });
      await client.logInputs(runId, [
        {
          dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '/data/iris.csv' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ]);
      await client.logModel(runId, {
        artifact_path: 'model',
        flavors: { onnx: {} },
        utc_time_created: '2024-01-01 00:00:00.000000',
        run_id: runId,
      });

      const got = await client.getRun(runId);
      const tags = new Map(got.data.tags?.map((t) => [t.key, t.value]));
      assert.equal(tags.get('phase'), 'eval');
      assert.equal(tags.has('gone'), false);
      assert.ok(
        tags.get('mlflow.log-model.history')?.includes('"artifact_path": "model"') ||
          tags.get('mlflow.log-model.history')?.includes('"artifact_path":"model"'),
      );
      assert.deepEqual(got.data.params?.map((p) => p.key).sort(), ['epochs', 'lr']);
      assert.deepEqual(got.data.metrics, [{ key: 'loss', value: 0.3, timestamp: 1002, step: 2 }]);
      assert.equal(got.inputs.dataset_inputs?.[0]?.dataset.name, 'iris');

      const history = await client.getMetricHistory(runId, 'loss');
      assert.deepEqual(
        history.map((m) => m.value),
        [0.5, 0.4, 0.3],
      );
      const firstPage = await client.getMetricHistoryPage(runId, 'loss', { max_results: 2 });
      assert.equal(firstPage.items.length, 2);
      assert.ok(firstPage.next_page_token);
      const paged: number[] = [];
      for await (const m of client.iterMetricHistory(runId, 'loss', 1)) paged.push(m.step);
      assert.deepEqual(paged, [0, 1, 2]);
      const bulk = await client.getMetricHistoryBulkInterval([runId], 'loss', { max_results: 10 });
      assert.deepEqual(
        bulk.map((m) => m.step),
        [0, 1, 2],
      );
      assert.equal(bulk[0]!.run_id, runId);

      const info = await client.updateRun(runId, { run_name: 'renamed' });
      assert.equal(info.run_name, 'renamed');
      const ended = await client.setTerminated(runId, 'FINISHED', 5000);
      assert.equal(ended.status, 'FINISHED');
      assert.equal(ended.end_time, 5000);

      const second = await client.createRun({ experiment_id: exp, run_name: 'second' });
      await client.logMetric(second.info.run_id, { key: 'loss', value: 0.9, timestamp: 1, step: 0 });
      const search = await client.searchRuns({ experiment_ids: [exp], filter: 'metrics.loss < 0.5' });
      assert.deepEqual(
        search.items.map((r) => r.info.run_id),
        [runId],
      );
      const ids: string[] = [];
      for await (const r of client.iterRuns({
        experiment_ids: [exp],
        max_results: 1,
        order_by: ['attributes.run_name ASC'],
      })) {
        ids.push(r.info.run_name);
      }
      assert.deepEqual(ids, ['renamed', 'second']);

      await client.deleteRun(second.info.run_id);
      assert.equal((await client.getRun(second.info.run_id)).info.lifecycle_stage, 'deleted');
      assert.equal((await client.searchRuns({ experiment_ids: [exp] })).items.length, 1);
      await client.restoreRun(second.info.run_id);
      assert.equal((await client.searchRuns({ experiment_ids: [exp] })).items.length, 2);
    });

    test('logged models: create, get, finalize, tags, params, search, delete; run outputs', async () => {
      const exp = await client.createExperiment('models-exp');
      const run = await client.createRun({ experiment_id: exp });
      const model = await client.createLoggedModel({
        experiment_id: exp,
        name: 'm1',
        source_run_id: run.info.run_id,
      });
      const modelId = model.info.model_id;
      assert.match(modelId, /^m-[0-9a-f]{32}$/);
      assert.equal(model.info.status, 'LOGGED_MODEL_PENDING');
      const ready = await client.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');
      assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
      await client.setLoggedModelTags(modelId, [{ key: 'k', value: 'v' }]);
      await client.logLoggedModelParams(modelId, [{ key: 'alpha', value: '1' }]);
      let got = await client.getLoggedModel(modelId);
      assert.ok(got.info.tags?.some((t) => t.key === 'k'));
      assert.ok(got.data.params?.some((p) => p.key === 'alpha'));
      await client.deleteLoggedModelTag(modelId, 'k');
      got = await client.getLoggedModel(modelId);
      assert.ok(!got.info.tags?.some((t) => t.key === 'k'));
      const found = await client.searchLoggedModels({ experiment_ids: [exp] });
      assert.deepEqual(
        found.items.map((m) => m.info.model_id),
        [modelId],
      );
      await client.logOutputs(run.info.run_id, [{ model_id: modelId, step: 0 }]);
      assert.equal((await client.getRun(run.info.run_id)).outputs?.model_outputs?.[0]?.model_id, modelId);
      await client.deleteLoggedModel(modelId);
      await assert.rejects(client.getLoggedModel(modelId), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    });

    test('health and version', async () => {
      assert.equal(await client.health(), true);
      assert.match(await client.serverVersion(), /\d+\.\d+/);
      const down = new TrackingClient('http://127.0.0.1:1', { retry: { maxAttempts: 1 } });
      assert.equal(await down.health(), false);
      down.close();
    });

    test('retries 503/429 with backoff, keeps connections alive, and stops at the limit', async () => {
      const flaky = await fakeServer((call, res) => {
        if (call > 2) return false;
        res.writeHead(call === 1 ? 503 : 429, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));
        return true;
      });
      const c = new TrackingClient(flaky.url, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
      const exp = await c.getExperiment('7');
      assert.equal(flaky.state.calls, 3);
      assert.equal(exp.creation_time, 5, 'int64 strings are normalized to numbers');
      assert.equal(flaky.state.sockets.size, 1, 'one keep-alive connection for all attempts');
      flaky.state.calls = -100;
      const limited = new TrackingClient(flaky.url, {
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      });
      await assert.rejects(
        limited.getExperiment('7'),
        (err: unknown) => err instanceof TransportError && !err.ambiguous,
      );
      c.close();
      limited.close();
      await flaky.close();
    });

    test('a gateway 502/504 is ambiguous: idempotent requests are retried, others fail as a TransportError', async () => {
      const gateway = await fakeServer((call, res) => {
        if (call % 3 === 0) return false;
        res.writeHead(call % 3 === 1 ? 502 : 504, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return true;
      });
      const c = new TrackingClient(gateway.url, { retry: { baseDelayMs: 1, maxDelayMs: 2 } });
      assert.equal((await c.getExperiment('7')).experiment_id, '7', 'a GET is retried past 502 and 504');
      assert.equal(gateway.state.calls, 3);
      // A metric point is not repeated blindly: the server behind the gateway may have stored it.
      gateway.state.calls = 0;
      await assert.rejects(
        c.logMetric('r1', { key: 'loss', value: 1, timestamp: 1, step: 0 }),
        (err: unknown) => err instanceof TransportError && err.ambiguous && err.status === 502,
      );
      assert.equal(gateway.state.calls, 1);
      c.close();
      await gateway.close();
    });

    test('an unreachable server gives a TransportError that says so', async () => {
      const c = new TrackingClient('http://127.0.0.1:1', { retry: { maxAttempts: 2, baseDelayMs: 1 } });
      await assert.rejects(c.getRun('abc'), (err: unknown) => {
        assert.ok(err instanceof TransportError);
        assert.equal(err.ambiguous, false);
        assert.match(err.message, /Cannot reach the tracking server at http:\/\/127\.0\.0\.1:1/);
        return true;
      });
      c.close();
      assert.throws(() => new TrackingClient('ftp://x'), /must be http/);
    });
  });
}

/**
 * A stand-in tracking server on a free port: `fail(call, res)` answers the call-th request itself
 * (true), or leaves it the answer of experiment 7. Counts calls (settable) and client sockets.
 */
async function fakeServer(fail: (call: number, res: http.ServerResponse) => boolean) {
  const state = { calls: 0, sockets: new Set<unknown>() };
  const server = http.createServer((req, res) => {
    state.sockets.add(req.socket);
    state.calls++;
    req.resume();
    if (fail(state.calls, res)) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        experiment: { experiment_id: '7', name: 'x', creation_time: '5', last_update_time: '6' },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
