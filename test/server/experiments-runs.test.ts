/** Experiments and runs endpoints over real HTTP: success shapes field by field and error paths. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { assertError, assertOk, rawRequest, RUN_NAME } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of BACKENDS) {
  describe(`experiments and runs API (${backend})`, { timeout: 120_000 }, () => {
    let server: TestServer;
    const call = (method: string, path: string, payload?: Record<string, unknown>) =>
      api<Json>(server.url, method, path, payload);

    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => {
      await server.stop();
    });

    test('the default experiment exists with its exact fields', async () => {
      const res = await call('GET', 'experiments/get', { experiment_id: '0' });
      assertOk(res);
      const e = res.json.experiment;
      assert.deepEqual(Object.keys(e).sort(), [
        'artifact_location',
        'creation_time',
        'experiment_id',
        'last_update_time',
        'lifecycle_stage',
        'name',
      ]);
      assert.equal(e.experiment_id, '0');
      assert.equal(e.name, 'Default');
      assert.equal(e.artifact_location, 'mlflow-artifacts:/0');
      assert.equal(e.lifecycle_stage, 'active');
      assert.equal(typeof e.creation_time, 'number');
    });

    test('create, get, get-by-name, rename, tag and search an experiment', async () => {
      const created = await call('POST', 'experiments/create', {
        name: 'exp-a',
        tags: [{ key: 'team', value: 'ml' }],
      });
      assertOk(created);
      assert.deepEqual(Object.keys(created.json), ['experiment_id']);
      const id = created.json.experiment_id as string;
      assert.match(id, /^\d+$/);
      const got = (await call('GET', 'experiments/get', { experiment_id: id })).json.experiment;
      assert.equal(got.artifact_location, `mlflow-artifacts:/${id}`);
      assert.deepEqual(got.tags, [{ key: 'team', value: 'ml' }]);
      const byName = await call('GET', 'experiments/get-by-name', { experiment_name: 'exp-a' });
      assert.equal(byName.json.experiment.experiment_id, id);

      assertOk(await call('POST', 'experiments/update', { experiment_id: id, new_name: 'exp-a2' }));
      assert.equal(
        (await call('GET', 'experiments/get', { experiment_id: id })).json.experiment.name,
        'exp-a2',
      );
      assertOk(
        await call('POST', 'experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' }),
      );
      assertOk(await call('POST', 'experiments/set-experiment-tag', { experiment_id: id, key: 'empty' }));
      assertOk(await call('POST', 'experiments/delete-experiment-tag', { experiment_id: id, key: 'team' }));
      const tags = (await call('GET', 'experiments/get', { experiment_id: id })).json.experiment.tags;
      assert.deepEqual(tags, [
        { key: 'k', value: 'v' },
        { key: 'empty', value: '' },
      ]);

      const search = await call('POST', 'experiments/search', { filter: "name = 'exp-a2'" });
      assertOk(search);
      assert.deepEqual(Object.keys(search.json), ['experiments']);
      assert.equal(search.json.experiments[0].experiment_id, id);
      const viaGet = await call('GET', 'experiments/search', { filter: "name LIKE 'exp-%'", max_results: 5 });
      assert.equal(viaGet.json.experiments.length, 1);
      const none = await call('POST', 'experiments/search', { filter: "name = 'nothing-here'" });
      assert.deepEqual(none.json, {});
    });

    test('experiment errors', async () => {
      assertError(await call('POST', 'experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE', "'name'");
      assertError(await call('POST', 'experiments/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE');
      assertError(await call('POST', 'experiments/create', { name: 123 }), 400, 'INVALID_PARAMETER_VALUE');
      assertError(
        await call('POST', 'experiments/create', { name: 'x'.repeat(501) }),
        400,
        'INVALID_PARAMETER_VALUE',
        '500',
      );
      assertError(
        await call('POST', 'experiments/create', {
          name: 'bad-loc',
          artifact_location: 'runs:/abc/artifacts',
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertOk(await call('POST', 'experiments/create', { name: 'dup' }));
      assertError(await call('POST', 'experiments/create', { name: 'dup' }), 400, 'RESOURCE_ALREADY_EXISTS');
      const other = (await call('POST', 'experiments/create', { name: 'other' })).json.experiment_id;
      assertError(
        await call('POST', 'experiments/update', { experiment_id: other, new_name: 'dup' }),
        400,
        'RESOURCE_ALREADY_EXISTS',
      );
      assertError(
        await call('GET', 'experiments/get', { experiment_id: '987654321' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(
        await call('GET', 'experiments/get', { experiment_id: 'not-a-number' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(await call('GET', 'experiments/get', {}), 400, 'INVALID_PARAMETER_VALUE', 'experiment_id');
      assertError(
        await call('GET', 'experiments/get-by-name', { experiment_name: 'nope' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(
        await call('POST', 'experiments/set-experiment-tag', {
          experiment_id: other,
          key: 'k',
          value: 'v'.repeat(5001),
        }),
        400,
        'INVALID_PARAMETER_VALUE',
        '5000',
      );
      assertError(
        await call('POST', 'experiments/set-experiment-tag', {
          experiment_id: other,
          key: 'k'.repeat(251),
          value: 'v',
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'experiments/delete-experiment-tag', { experiment_id: other, key: 'missing' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertOk(await call('POST', 'experiments/delete', { experiment_id: other }));
      assertError(
        await call('POST', 'experiments/delete', { experiment_id: other }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(
        await call('POST', 'experiments/set-experiment-tag', { experiment_id: other, key: 'k', value: 'v' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'experiments/update', { experiment_id: other, new_name: 'renamed-deleted' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/create', { experiment_id: other }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertOk(await call('POST', 'experiments/restore', { experiment_id: other }));
      assertError(
        await call('POST', 'experiments/restore', { experiment_id: other }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    test('experiment search limits and bad input', async () => {
      assertOk(await call('POST', 'experiments/search', {}));
      assertOk(await call('GET', 'experiments/search'));
      for (const max of [0, -1, 50001]) {
        assertError(
          await call('POST', 'experiments/search', { max_results: max }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
      }
      assertError(
        await call('POST', 'experiments/search', { max_results: 'lots' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'experiments/search', { view_type: 'SOMETIMES' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      for (const filter of ["name = 'a' OR name = 'b'", 'name = ', 'metrics.acc > 1', 'name = golden']) {
        assertError(await call('POST', 'experiments/search', { filter }), 400, 'INVALID_PARAMETER_VALUE');
      }
      assertError(
        await call('POST', 'experiments/search', { page_token: 'garbage!' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      const page = await call('POST', 'experiments/search', { max_results: 1, view_type: 'ALL' });
      assert.equal(page.json.experiments.length, 1);
      assert.equal(typeof page.json.next_page_token, 'string');
    });

    test('runs/create: experiment_id is required, named in the 400', async () => {
      const res = await call('POST', 'runs/create', { run_name: 'nowhere', start_time: 1 });
      assertError(res, 400, 'INVALID_PARAMETER_VALUE');
      assert.match(res.json.message, /'experiment_id'/);
      const inDefault = await call('POST', 'runs/search', {
        experiment_ids: ['0'],
        filter: "attributes.run_name = 'nowhere'",
      });
      assert.deepEqual(inDefault.json.runs ?? [], []);
    });

    test('runs/create: default experiment, generated name, runName tag in sync', async () => {
      const res = await call('POST', 'runs/create', { experiment_id: '0', start_time: 1600000000000 });
      assertOk(res);
      assert.deepEqual(Object.keys(res.json.run).sort(), ['data', 'info', 'inputs']);
      const info = res.json.run.info;
      assert.deepEqual(Object.keys(info).sort(), [
        'artifact_uri',
        'experiment_id',
        'lifecycle_stage',
        'run_id',
        'run_name',
        'run_uuid',
        'start_time',
        'status',
        'user_id',
      ]);
      assert.equal(info.experiment_id, '0');
      assert.match(info.run_id, /^[0-9a-f]{32}$/);
      assert.equal(info.run_uuid, info.run_id);
      assert.match(info.run_name, RUN_NAME);
      assert.ok(info.run_name.length <= 20);
      assert.equal(info.status, 'RUNNING');
      assert.equal(info.user_id, '');
      assert.equal(info.start_time, 1600000000000);
      assert.equal(info.artifact_uri, `mlflow-artifacts:/0/${info.run_id}/artifacts`);
      assert.deepEqual(res.json.run.data, { tags: [{ key: 'mlflow.runName', value: info.run_name }] });
      assert.deepEqual(res.json.run.inputs, {});

      const got = await call('GET', 'runs/get', { run_id: info.run_id });
      assert.deepEqual(got.json.run.outputs, {});
      const byUuid = await call('GET', 'runs/get', { run_uuid: info.run_id });
      assert.equal(byUuid.json.run.info.run_id, info.run_id);

      const emptyTag = await call('POST', 'runs/create', {
        experiment_id: '0',
        tags: [{ key: 'mlflow.runName', value: '' }],
      });
      assert.match(emptyTag.json.run.info.run_name, RUN_NAME);
      assert.deepEqual(emptyTag.json.run.data.tags, [
        { key: 'mlflow.runName', value: emptyTag.json.run.info.run_name },
      ]);
      const viaTag = await call('POST', 'runs/create', {
        experiment_id: '0',
        tags: [{ key: 'mlflow.runName', value: 'tagged' }],
      });
      assert.equal(viaTag.json.run.info.run_name, 'tagged');
      assertError(
        await call('POST', 'runs/create', {
          experiment_id: '0',
          run_name: 'a',
          tags: [{ key: 'mlflow.runName', value: 'b' }],
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/create', {
          experiment_id: '0',
          tags: [{ key: 'k'.repeat(251), value: 'v' }],
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      const long = await call('POST', 'runs/create', {
        experiment_id: '0',
        tags: [{ key: 'long', value: 't'.repeat(8001) }],
      });
      assert.equal(long.json.run.data.tags.find((t: Json) => t.key === 'long').value.length, 8000);
      assertError(
        await call('POST', 'runs/create', { experiment_id: '987654321' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      assertError(
        await call('POST', 'runs/create', { experiment_id: '0', start_time: 'yesterday' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/create', { experiment_id: '0', run_name: 7 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
    });

    test('runs/update, set-tag rename, delete and restore', async () => {
      const runId = (await call('POST', 'runs/create', { experiment_id: '0', run_name: 'r1', start_time: 5 }))
        .json.run.info.run_id;
      const upd = await call('POST', 'runs/update', {
        run_id: runId,
        status: 'FINISHED',
        end_time: 10,
        run_name: 'r1b',
      });
      assertOk(upd);
      assert.equal(upd.json.run_info.status, 'FINISHED');
      assert.equal(upd.json.run_info.end_time, 10);
      assert.equal(upd.json.run_info.run_name, 'r1b');
      let run = (await call('GET', 'runs/get', { run_id: runId })).json.run;
      assert.equal(run.data.tags.find((t: Json) => t.key === 'mlflow.runName').value, 'r1b');
      assertOk(await call('POST', 'runs/set-tag', { run_id: runId, key: 'mlflow.runName', value: 'r1c' }));
      run = (await call('GET', 'runs/get', { run_id: runId })).json.run;
      assert.equal(run.info.run_name, 'r1c');
      assertError(
        await call('POST', 'runs/update', { run_id: runId, status: 'EXPLODED' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertOk(await call('POST', 'runs/update', { run_uuid: runId, status: 4 }));
      assert.equal((await call('GET', 'runs/get', { run_id: runId })).json.run.info.status, 'FAILED');

      assertOk(await call('POST', 'runs/delete', { run_id: runId }));
      assertOk(await call('POST', 'runs/delete', { run_id: runId }));
      assert.equal(
        (await call('GET', 'runs/get', { run_id: runId })).json.run.info.lifecycle_stage,
        'deleted',
      );
      for (const [path, body] of [
        ['runs/log-metric', { key: 'm', value: 1, timestamp: 1 }],
        ['runs/log-parameter', { key: 'p', value: 'v' }],
        ['runs/set-tag', { key: 't', value: 'v' }],
        ['runs/update', { status: 'FINISHED' }],
        ['runs/log-batch', { params: [{ key: 'p', value: 'v' }] }],
      ] as const) {
        assertError(
          await call('POST', path, { run_id: runId, ...body }),
          400,
          'INVALID_PARAMETER_VALUE',
          'active',
        );
      }
      assertOk(await call('POST', 'runs/restore', { run_id: runId }));
      assertOk(await call('POST', 'runs/restore', { run_id: runId }));
      assert.equal(
        (await call('GET', 'runs/get', { run_id: runId })).json.run.info.lifecycle_stage,
        'active',
      );

      const unknown = '0123456789abcdef0123456789abcdef';
      for (const path of ['runs/delete', 'runs/restore', 'runs/update']) {
        assertError(await call('POST', path, { run_id: unknown }), 404, 'RESOURCE_DOES_NOT_EXIST');
      }
      assertError(await call('GET', 'runs/get', { run_id: unknown }), 404, 'RESOURCE_DOES_NOT_EXIST');
      assertError(await call('GET', 'runs/get', { run_id: 'not a run id' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      assertError(await call('GET', 'runs/get', {}), 400, 'INVALID_PARAMETER_VALUE', 'run_id');
      assertError(
        await call('POST', 'runs/delete-tag', { run_id: runId, key: 'missing' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    test('runs/search filters, order and errors', async () => {
      const exp = (await call('POST', 'experiments/create', { name: 'search-exp' })).json.experiment_id;
      for (const [i, lr] of ['0.1', '0.01'].entries()) {
        const id = (
          await call('POST', 'runs/create', { experiment_id: exp, run_name: `s${i}`, start_time: 100 + i })
        ).json.run.info.run_id;
        assertOk(
          await call('POST', 'runs/log-batch', {
            run_id: id,
            metrics: [{ key: 'acc', value: i, timestamp: 1 }],
            params: [{ key: 'lr', value: lr }],
          }),
        );
      }
      const all = await call('POST', 'runs/search', { experiment_ids: [exp] });
      assert.deepEqual(
        all.json.runs.map((r: Json) => r.info.run_name),
        ['s1', 's0'],
      );
      assert.deepEqual(Object.keys(all.json.runs[0]).sort(), ['data', 'info', 'inputs', 'outputs']);
      const filtered = await call('POST', 'runs/search', {
        experiment_ids: [exp],
        filter: "params.lr = '0.1'",
      });
      assert.deepEqual(
        filtered.json.runs.map((r: Json) => r.info.run_name),
        ['s0'],
      );
      const ordered = await call('POST', 'runs/search', {
        experiment_ids: [Number(exp)],
        order_by: ['metrics.acc ASC'],
      });
      assert.equal(ordered.json.runs[0].info.run_name, 's0');
      assert.deepEqual((await call('POST', 'runs/search', {})).json, {});
      assert.deepEqual((await call('POST', 'runs/search', { experiment_ids: ['987654321'] })).json, {});
      assertError(
        await call('POST', 'runs/search', { experiment_ids: ['abc'] }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/search', { experiment_ids: [exp], max_results: 50001 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/search', { experiment_ids: [exp], max_results: 0 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/search', { experiment_ids: [exp], run_view_type: 'NONE' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      for (const filter of [
        'metrics.acc > 0 OR metrics.acc < 0',
        'params.lr = 0.1',
        'foo.bar = 1',
        'metrics.acc >',
      ]) {
        assertError(
          await call('POST', 'runs/search', { experiment_ids: [exp], filter }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
      }
      assertError(
        await call('POST', 'runs/search', { experiment_ids: [exp], order_by: ['attributes.bogus'] }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      assertError(
        await call('POST', 'runs/search', { experiment_ids: [exp], page_token: 'xyz' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      const res = await call('GET', 'runs/search', { experiment_ids: exp });
      assert.equal(res.status, 405);
      assert.equal(res.json.error_code, 'BAD_REQUEST');
    });

    test('transport: bad JSON, content types, prefixes and unknown routes', async () => {
      const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
        rawRequest(server.url, 'POST', '/api/2.0/mlflow/experiments/create', body, headers);
      for (const body of ['{"name": "x",', '[{"name": "x"}]', '"just a string"', '{"value": NaN}', '12']) {
        const res = await post(body);
        assert.equal(res.status, 400, body);
        assert.equal(res.contentType, 'application/json');
        assert.ok(JSON.parse(res.text).error_code);
      }
      assert.equal((await post('{"name": "noct"}', {})).status, 400);
      assert.equal((await post('{"name": "text"}', { 'content-type': 'text/plain' })).status, 400);
      const charset = await post('{"name": "charset"}', {
        'content-type': 'application/json; charset=utf-8',
      });
      assert.equal(charset.status, 200);
      const nul = await post('{"name": "a\\u0000b"}');
      assert.equal(nul.status, 400);
      for (const path of [
        'logged-models/a%00b',
        'runs/get?run_id=a%00b',
        'experiments/get-by-name?experiment_name=%00',
      ]) {
        const res = await rawRequest(server.url, 'GET', `/api/2.0/mlflow/${path}`);
        assert.equal(res.status, 400, path);
        assert.equal(JSON.parse(res.text).error_code, 'INVALID_PARAMETER_VALUE');
      }
      for (const prefix of ['/ajax-api/2.0/mlflow/', '/api/2.0/preview/mlflow/']) {
        const res = await rawRequest(server.url, 'GET', `${prefix}experiments/get?experiment_id=0`);
        assert.equal(res.status, 200, prefix);
      }
      const unknown = await rawRequest(server.url, 'GET', '/api/2.0/mlflow/nonexistent/endpoint');
      assert.equal(unknown.status, 404);
      assert.equal(JSON.parse(unknown.text).error_code, 'ENDPOINT_NOT_FOUND');
      const health = await rawRequest(server.url, 'GET', '/health');
      assert.equal(health.text, 'OK');
      const features = await call('GET', 'server-features');
      assert.deepEqual(features.json, { workspaces_enabled: false });
    });
  });
}
