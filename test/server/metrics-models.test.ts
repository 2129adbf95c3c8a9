/** Metrics, params, batches, inputs, log-model and logged models over real HTTP. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { assertError, assertOk, rawRequest } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of BACKENDS) {
  describe(`metrics, params and logged models API (${backend})`, { timeout: 120_000 }, () => {
    let server: TestServer;
    let runId: string;
    const call = (method: string, path: string, payload?: Record<string, unknown>) =>
      api<Json>(server.url, method, path, payload);
    const latest = async (key: string) =>
      ((await call('GET', 'runs/get', { run_id: runId })).json.run.data.metrics as Json[]).find(
        (m) => m.key === key,
      );

    before(async () => {
      server = await startTestServer(backend);
      runId = (await call('POST', 'runs/create', { experiment_id: '0', run_name: 'metrics' })).json.run.info
        .run_id;
    });
    after(async () => {
      await server.stop();
    });

    test('log-metric: values, special numbers and the latest value per key', async () => {
      for (const [value, step, ts] of [
        [0.5, 0, 10],
        [0.7, 1, 20],
        [0.9, 2, 30],
      ] as const) {
        assertOk(
          await call('POST', 'runs/log-metric', { run_id: runId, key: 'acc', value, timestamp: ts, step }),
        );
      }
      assert.deepEqual(await latest('acc'), { key: 'acc', value: 0.9, timestamp: 30, step: 2 });
      assertOk(
        await call('POST', 'runs/log-metric', { run_id: runId, key: 'nan', value: 'NaN', timestamp: 1 }),
      );
      assertOk(
        await call('POST', 'runs/log-metric', { run_id: runId, key: 'inf', value: 'Infinity', timestamp: 1 }),
      );
      assertOk(
        await call('POST', 'runs/log-metric', {
          run_uuid: runId,
          key: 'ninf',
          value: '-Infinity',
          timestamp: 1,
        }),
      );
      assertOk(
        await call('POST', 'runs/log-metric', { run_id: runId, key: 'str', value: '2.5', timestamp: '7' }),
      );
      assertOk(
        await call('POST', 'runs/log-metric', {
          run_id: runId,
          key: 'neg/step-a:b',
          value: 1,
          timestamp: 1,
          step: -5,
        }),
      );
      assert.equal((await latest('nan'))?.value, 'NaN');
      assert.equal((await latest('inf'))?.value, 1.7976931348623157e308);
      assert.equal((await latest('ninf'))?.value, -1.7976931348623157e308);
      assert.deepEqual(await latest('str'), { key: 'str', value: 2.5, timestamp: 7, step: 0 });
      assert.equal((await latest('neg/step-a:b'))?.step, -5);
    });

    test('log-metric errors', async () => {
      const base = { run_id: runId, key: 'm', value: 1, timestamp: 1 };
      const bad: [Record<string, unknown>, number, string][] = [
        [{ ...base, value: true }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, value: 'high' }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, step: 1.5 }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, timestamp: -1 }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, timestamp: 'now' }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, timestamp: undefined }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, value: undefined }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, key: undefined }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, run_id: undefined }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, key: 'k'.repeat(251) }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, key: 'bad#key!' }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, key: '../escape' }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, key: 'a//b' }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, key: 'trailing/' }, 400, 'INVALID_PARAMETER_VALUE'],
        [{ ...base, run_id: '0123456789abcdef0123456789abcdef' }, 404, 'RESOURCE_DOES_NOT_EXIST'],
      ];
      for (const [body, status, code] of bad)
        assertError(await call('POST', 'runs/log-metric', body), status, code);
      assertOk(await call('POST', 'runs/log-metric', { ...base, key: 'k'.repeat(250) }));
      const bare = await rawRequest(
        server.url,
        'POST',
        '/api/2.0/mlflow/runs/log-metric',
        `{"run_id": "${runId}", "key": "bare", "value": NaN, "timestamp": 1}`,
        { 'content-type': 'application/json' },
      );
      assert.equal(bare.status, 400);
      assert.equal(await latest('bare'), undefined);
    });

    test('params: write once, truncation, types', async () => {
      assertOk(await call('POST', 'runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.5' }));
      assertOk(await call('POST', 'runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.5' }));
      assertError(
        await call('POST', 'runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.9' }),
        400,
        'INVALID_PARAMETER_VALUE',
        'Changing param values is not allowed',
      );
      assertOk(
        await call('POST', 'runs/log-parameter', { run_id: runId, key: 'long', value: 'p'.repeat(6001) }),
      );
      assertOk(await call('POST', 'runs/log-parameter', { run_id: runId, key: 'novalue' }));
      assertOk(
        await call('POST', 'runs/set-tag', { run_id: runId, key: 'longtag', value: 't'.repeat(8001) }),
      );
      assertError(
        await call('POST', 'runs/log-parameter', { run_id: runId, key: 'n', value: 5 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/log-parameter', { run_id: runId, key: 'k'.repeat(251), value: 'v' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      const data = (await call('GET', 'runs/get', { run_id: runId })).json.run.data;
      const params = Object.fromEntries(data.params.map((p: Json) => [p.key, p.value]));
      assert.equal(params.alpha, '0.5');
      assert.equal(params.long.length, 6000);
      assert.equal(params.novalue, '');
      assert.equal(data.tags.find((t: Json) => t.key === 'longtag').value.length, 8000);
    });

    test('log-batch: writes, limits and errors', async () => {
      const batchRun = (await call('POST', 'runs/create', { experiment_id: '0' })).json.run.info.run_id;
      assertOk(
        await call('POST', 'runs/log-batch', {
          run_id: batchRun,
          metrics: [
            { key: 'bm', value: 1.5, timestamp: 1, step: 0 },
            { key: 'bm', value: 2.5, timestamp: 2, step: 1 },
            { key: 'bn', value: 'NaN', timestamp: 3 },
          ],
          params: [{ key: 'bp', value: 'x' }],
          tags: [
            { key: 'bt', value: '1' },
            { key: 'bt', value: '2' },
          ],
        }),
      );
      const data = (await call('GET', 'runs/get', { run_id: batchRun })).json.run.data;
      assert.deepEqual(data.params, [{ key: 'bp', value: 'x' }]);
      assert.equal(data.tags.find((t: Json) => t.key === 'bt').value, '2');
      assertOk(await call('POST', 'runs/log-batch', { run_id: batchRun }));
      const metric = (n: number, key = 'many') =>
        Array.from({ length: n }, (_, i) => ({ key, value: i, timestamp: 1, step: i }));
      const kv = (n: number, p: string) =>
        Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: 'v' }));
      assertOk(await call('POST', 'runs/log-batch', { run_id: batchRun, metrics: metric(1000) }));
      const limits: [Record<string, unknown>, string][] = [
        [{ metrics: metric(1001) }, '1000 metrics'],
        [{ params: kv(101, 'p') }, '100 params'],
        [{ tags: kv(101, 't') }, '100 tags'],
        [{ metrics: metric(950), params: kv(51, 'q') }, 'in total'],
        [
          {
            params: [
              { key: 'dup', value: '1' },
              { key: 'dup', value: '1' },
            ],
          },
          'Duplicate parameter keys',
        ],
        [{ params: [{ key: 'bp', value: 'changed' }] }, 'Changing param values'],
        [{ metrics: [{ key: 'x', value: 1 }] }, 'metrics[0].timestamp'],
        [{ metrics: [{ key: 'x', value: 'abc', timestamp: 1 }] }, 'metrics[0].value'],
        [{ metrics: { key: 'x' } }, 'metrics'],
        [
          {
            metrics: [{ key: 'v', value: 1, timestamp: 1, step: 1 }],
            tags: [{ key: 'k'.repeat(300), value: 'v' }],
          },
          'key',
        ],
      ];
      for (const [body, message] of limits) {
        assertError(
          await call('POST', 'runs/log-batch', { run_id: batchRun, ...body }),
          400,
          'INVALID_PARAMETER_VALUE',
          message,
        );
      }
      const huge = { run_id: batchRun, params: [{ key: 'huge', value: 'x'.repeat(1_000_001) }] };
      assertError(
        await call('POST', 'runs/log-batch', huge),
        400,
        'INVALID_PARAMETER_VALUE',
        '1000000 bytes',
      );
      assertError(
        await call('POST', 'runs/log-batch', {
          run_id: '0123456789abcdef0123456789abcdef',
          params: [{ key: 'a', value: 'b' }],
        }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(
        await call('POST', 'runs/log-batch', { params: [] }),
        400,
        'INVALID_PARAMETER_VALUE',
        'run_id',
      );
    });

    test('metric histories: whole, paged, bulk, bulk-interval and sampled', async () => {
      const hRun = (await call('POST', 'runs/create', { experiment_id: '0' })).json.run.info.run_id;
      const points = Array.from({ length: 1000 }, (_, i) => ({
        key: 'h',
        value: i,
        timestamp: 1000 + i,
        step: i,
      }));
      assertOk(await call('POST', 'runs/log-batch', { run_id: hRun, metrics: points }));
      const whole = await call('GET', 'metrics/get-history', { run_id: hRun, metric_key: 'h' });
      assert.equal(whole.json.metrics.length, 1000);
      assert.equal(whole.json.next_page_token, undefined);
      assert.deepEqual(whole.json.metrics[0], { key: 'h', value: 0, timestamp: 1000, step: 0 });
      const page1 = await call('GET', 'metrics/get-history', {
        run_id: hRun,
        metric_key: 'h',
        max_results: 600,
      });
      assert.equal(page1.json.metrics.length, 600);
      const page2 = await call('GET', 'metrics/get-history', {
        run_id: hRun,
        metric_key: 'h',
        max_results: 600,
        page_token: page1.json.next_page_token,
      });
      assert.equal(page2.json.metrics.length, 400);
      assert.equal(page2.json.metrics[0].step, 600);
      assert.equal(page2.json.next_page_token, undefined);
      assert.deepEqual(
        (await call('GET', 'metrics/get-history', { run_id: hRun, metric_key: 'nope' })).json,
        {},
      );
      assertError(
        await call('GET', 'metrics/get-history', { run_id: hRun, metric_key: 'h', max_results: 'ten' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('GET', 'metrics/get-history', { run_id: hRun, metric_key: 'h', page_token: 'garbage' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('GET', 'metrics/get-history', { run_id: hRun }),
        400,
        'INVALID_PARAMETER_VALUE',
        'metric_key',
      );
      assertError(
        await call('GET', 'metrics/get-history', {
          run_id: '0123456789abcdef0123456789abcdef',
          metric_key: 'h',
        }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );

      const sampled = await call('GET', 'metrics/get-history-bulk-interval', {
        run_ids: [hRun],
        metric_key: 'h',
        max_results: 5,
      });
      const steps = sampled.json.metrics.map((m: Json) => m.step);
      assert.equal(steps[0], 0);
      assert.equal(steps[steps.length - 1], 999);
      assert.ok(sampled.json.metrics.every((m: Json) => m.run_id === hRun));
      const range = await call('GET', 'metrics/get-history-bulk-interval', {
        run_ids: [hRun],
        metric_key: 'h',
        start_step: 10,
        end_step: 15,
      });
      assert.deepEqual(
        range.json.metrics.map((m: Json) => m.step),
        [10, 11, 12, 13, 14, 15],
      );
      const intervalErrors: Record<string, unknown>[] = [
        { run_ids: [hRun], metric_key: 'h', start_step: 10 },
        { run_ids: [hRun], metric_key: 'h', start_step: 20, end_step: 10 },
        { run_ids: [hRun], metric_key: 'h', max_results: 2501 },
        { run_ids: [hRun], metric_key: 'h', max_results: 0 },
        { metric_key: 'h' },
        { run_ids: [hRun] },
        { run_ids: Array.from({ length: 101 }, (_, i) => String(i).padStart(32, '0')), metric_key: 'h' },
      ];
      for (const q of intervalErrors) {
        assertError(
          await call('GET', 'metrics/get-history-bulk-interval', q),
          400,
          'INVALID_PARAMETER_VALUE',
        );
      }
      assertError(
        await call('GET', 'metrics/get-history-bulk-interval', {
          run_ids: ['0123456789abcdef0123456789abcdef'],
          metric_key: 'h',
        }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );

      const bulk = await api<Json>(server.url, 'GET', '/ajax-api/2.0/mlflow/metrics/get-history-bulk', {
        run_id: [hRun, runId],
        metric_key: 'h',
      });
      assertOk(bulk);
      assert.equal(bulk.json.metrics.length, 1000);
      assert.equal(bulk.json.metrics[999].run_id, hRun);

      const chart = await call('GET', 'metrics/get-history-sampled', {
        run_ids: [hRun],
        metric_key: 'h',
        max_points: 50,
      });
      assertOk(chart);
      assert.ok(chart.json.metrics.length > 0 && chart.json.metrics.length <= 1000);
      assert.ok(chart.json.metrics.every((m: Json) => m.run_id === hRun && m.key === 'h'));
      const sampledSteps = chart.json.metrics.map((m: Json) => m.step);
      assert.ok(sampledSteps.includes(0) && sampledSteps.includes(999), 'first and last points are kept');
      assertError(
        await call('GET', 'metrics/get-history-sampled', { run_ids: [hRun], metric_key: 'h', max_points: 0 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('GET', 'metrics/get-history-sampled', { metric_key: 'h' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
    });

    test('log-inputs, outputs and log-model', async () => {
      const dataset = {
        name: 'ds',
        digest: 'abc123',
        source_type: 'local',
        source: '{"uri": "x"}',
        schema: '{}',
      };
      assertOk(
        await call('POST', 'runs/log-inputs', {
          run_id: runId,
          datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }],
        }),
      );
      const inputs = (await call('GET', 'runs/get', { run_id: runId })).json.run.inputs;
      assert.deepEqual(inputs.dataset_inputs, [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset },
      ]);
      const noDigest = { name: 'bad', source_type: 'local', source: '{}' };
      assertError(
        await call('POST', 'runs/log-inputs', { run_id: runId, datasets: [{ dataset: noDigest }] }),
        400,
        'INVALID_PARAMETER_VALUE',
        'digest',
      );
      assertError(
        await call('POST', 'runs/log-inputs', {
          run_id: runId,
          datasets: [{ dataset: { ...dataset, digest: 'd'.repeat(37) } }],
        }),
        400,
        'INVALID_PARAMETER_VALUE',
        '36',
      );

      const model = {
        artifact_path: 'model',
        flavors: { onnx: {} },
        utc_time_created: '2026-01-01',
        run_id: runId,
      };
      assertOk(await call('POST', 'runs/log-model', { run_id: runId, model_json: JSON.stringify(model) }));
      assertOk(
        await call('POST', 'runs/log-model', {
          run_id: runId,
          model_json: JSON.stringify({ ...model, artifact_path: 'm2' }),
        }),
      );
      const tags = (await call('GET', 'runs/get', { run_id: runId })).json.run.data.tags as Json[];
      const history = JSON.parse(tags.find((t) => t.key === 'mlflow.log-model.history')!.value);
      assert.deepEqual(
        history.map((m: Json) => m.artifact_path),
        ['model', 'm2'],
      );
      assertError(
        await call('POST', 'runs/log-model', { run_id: runId, model_json: '{"artifact_path": "x"}' }),
        400,
        'INVALID_PARAMETER_VALUE',
        'flavors',
      );
      assertError(
        await call('POST', 'runs/log-model', { run_id: runId, model_json: 'not json' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/log-model', { run_id: runId }),
        400,
        'INVALID_PARAMETER_VALUE',
        'model_json',
      );
    });

    test('logged models: create, finalize, tags, params, search, delete', async () => {
      const created = await call('POST', 'logged-models', {
        experiment_id: '0',
        name: 'lm',
        model_type: 'onnx',
        source_run_id: runId,
        params: [{ key: 'alpha', value: '0.5' }],
        tags: [{ key: 'stage', value: 'candidate' }],
      });
      assertOk(created);
      const info = created.json.model.info;
      assert.match(info.model_id, /^m-[0-9a-f]{32}$/);
      assert.equal(info.status, 'LOGGED_MODEL_PENDING');
      assert.equal(info.artifact_uri, `mlflow-artifacts:/0/models/${info.model_id}/artifacts`);
      assert.deepEqual(info.tags, [{ key: 'stage', value: 'candidate' }]);
      assert.deepEqual(created.json.model.data, { params: [{ key: 'alpha', value: '0.5' }] });
      const id = info.model_id as string;
      const generated = await call('POST', 'logged-models', { experiment_id: '0' });
      assert.match(generated.json.model.info.name, /^[a-z]+-[a-z]+-\d{1,3}$/);

      const finalized = await call('PATCH', `logged-models/${id}`, { status: 'LOGGED_MODEL_READY' });
      assert.equal(finalized.json.model.info.status, 'LOGGED_MODEL_READY');
      assertError(
        await call('PATCH', `logged-models/${id}`, {
          model_id: generated.json.model.info.model_id,
          status: 'LOGGED_MODEL_READY',
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('PATCH', `logged-models/${id}`, { status: 'DONE' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(await call('PATCH', `logged-models/${id}`, {}), 400, 'INVALID_PARAMETER_VALUE', 'status');
      assertOk(await call('PATCH', `logged-models/${id}/tags`, { tags: [{ key: 'k2', value: 'v2' }] }));
      assertOk(await call('DELETE', `logged-models/${id}/tags/k2`));
      assertError(await call('DELETE', `logged-models/${id}/tags/missing`), 404, 'RESOURCE_DOES_NOT_EXIST');
      assertOk(await call('POST', `logged-models/${id}/params`, { params: [{ key: 'beta', value: '1' }] }));
      assertError(
        await call('POST', `logged-models/${id}/params`, { params: [{ key: 'alpha', value: '0.9' }] }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      const got = (await call('GET', `logged-models/${id}`)).json.model;
      assert.deepEqual(got.data.params, [
        { key: 'alpha', value: '0.5' },
        { key: 'beta', value: '1' },
      ]);

      const search = await call('POST', 'logged-models/search', {
        experiment_ids: ['0'],
        filter: "name = 'lm'",
      });
      assert.deepEqual(
        search.json.models.map((m: Json) => m.info.model_id),
        [id],
      );
      assertError(
        await call('POST', 'logged-models/search', {}),
        400,
        'INVALID_PARAMETER_VALUE',
        'experiment_ids',
      );
      assertError(
        await call('POST', 'logged-models/search', { experiment_ids: ['0'], filter: 'name ==' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );

      assertOk(await call('POST', 'runs/outputs', { run_id: runId, models: [{ model_id: id, step: 3 }] }));
      const outputs = (await call('GET', 'runs/get', { run_id: runId })).json.run.outputs;
      assert.deepEqual(outputs, { model_outputs: [{ model_id: id, step: 3 }] });

      assertOk(await call('DELETE', `logged-models/${id}`));
      assertError(await call('GET', `logged-models/${id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
      assertError(
        await call('POST', 'logged-models', { experiment_id: '987654321' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(
        await call('POST', 'logged-models', { name: 'x' }),
        400,
        'INVALID_PARAMETER_VALUE',
        'experiment_id',
      );
      assertError(await call('GET', 'logged-models/not-a-model'), 404, 'RESOURCE_DOES_NOT_EXIST');
      assertError(
        await call('POST', 'logged-models', { experiment_id: '0', source_run_id: 'r'.repeat(51) }),
        400,
        'INVALID_PARAMETER_VALUE',
        'source_run_id',
      );
      assertError(
        await call('POST', 'runs/log-metric', {
          run_id: runId,
          key: 'm',
          value: 1,
          timestamp: 1,
          model_id: 'm'.repeat(65),
        }),
        400,
        'INVALID_PARAMETER_VALUE',
        'model_id',
      );
      assertError(
        await call('POST', 'runs/outputs', {
          run_id: runId,
          models: [{ model_id: 'm'.repeat(65), step: 0 }],
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/outputs', { run_id: runId }),
        400,
        'INVALID_PARAMETER_VALUE',
        'models',
      );
    });
  });
}
