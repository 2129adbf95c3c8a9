/**
 * Sends thousands of randomized malformed requests (seeded, so a failure can be replayed) and
 * checks that every answer is a 4xx with an MLflow error body, never a 5xx or a hang, and that
 * the server is healthy and its data intact afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer } from '../helpers/server.js';
import { rawRequest } from './helpers.js';
import { prng } from '../helpers/prng.js';

const SEED = Number(process.env.CAIRN_FUZZ_SEED ?? 20261126);
const COUNT = Number(process.env.CAIRN_FUZZ_COUNT ?? 2200);

type FieldType = 'text' | 'id' | 'runid' | 'int' | 'double' | 'list';
interface Spec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** Required fields with valid values (the `$run`/`$exp`/`$model` markers are real ids). */
  required: Record<string, [FieldType, unknown]>;
  optional?: Record<string, FieldType>;
}

const SPECS: Spec[] = [
  {
    method: 'POST',
    path: 'experiments/create',
    required: { name: ['text', 'fuzz-exp'] },
    optional: { artifact_location: 'text', tags: 'list' },
  },
  { method: 'GET', path: 'experiments/get', required: { experiment_id: ['id', '$exp'] } },
  { method: 'GET', path: 'experiments/get-by-name', required: { experiment_name: ['text', 'fuzz-base'] } },
  {
    method: 'POST',
    path: 'experiments/update',
    required: { experiment_id: ['id', '$exp'], new_name: ['text', 'fuzz-base'] },
  },
  {
    method: 'POST',
    path: 'experiments/set-experiment-tag',
    required: { experiment_id: ['id', '$exp'], key: ['text', 'k'] },
    optional: { value: 'text' },
  },
  {
    method: 'POST',
    path: 'experiments/delete-experiment-tag',
    required: { experiment_id: ['id', '$exp'], key: ['text', 'missing-tag'] },
  },
  {
    method: 'POST',
    path: 'experiments/search',
    required: {},
    optional: { max_results: 'int', filter: 'text', order_by: 'list', view_type: 'text', page_token: 'text' },
  },
  {
    method: 'POST',
    path: 'runs/search',
    required: {},
    optional: {
      experiment_ids: 'list',
      max_results: 'int',
      filter: 'text',
      order_by: 'list',
      run_view_type: 'text',
      page_token: 'text',
    },
  },
  {
    method: 'POST',
    path: 'runs/update',
    required: { run_id: ['runid', '$run'] },
    optional: { status: 'text', end_time: 'int', run_name: 'text' },
  },
  { method: 'GET', path: 'runs/get', required: { run_id: ['runid', '$run'] } },
  {
    method: 'POST',
    path: 'runs/log-metric',
    required: {
      run_id: ['runid', '$run'],
      key: ['text', 'm'],
      value: ['double', 1.5],
      timestamp: ['int', 1600000000000],
    },
    optional: { step: 'int' },
  },
  {
    method: 'POST',
    path: 'runs/log-parameter',
    required: { run_id: ['runid', '$run'], key: ['text', 'base-param'] },
    optional: { value: 'text' },
  },
  {
    method: 'POST',
    path: 'runs/set-tag',
    required: { run_id: ['runid', '$run'], key: ['text', 't'] },
    optional: { value: 'text' },
  },
  {
    method: 'POST',
    path: 'runs/delete-tag',
    required: { run_id: ['runid', '$run'], key: ['text', 'missing-tag'] },
  },
  {
    method: 'POST',
    path: 'runs/log-batch',
    required: { run_id: ['runid', '$run'] },
    optional: { metrics: 'list', params: 'list', tags: 'list' },
  },
  {
    method: 'POST',
    path: 'runs/log-inputs',
    required: { run_id: ['runid', '$run'] },
    optional: { datasets: 'list' },
  },
  {
    method: 'POST',
    path: 'runs/log-model',
    required: {
      run_id: ['runid', '$run'],
      model_json: ['text', '{"artifact_path":"m","flavors":{},"utc_time_created":"now","run_id":"x"}'],
    },
  },
  {
    method: 'POST',
    path: 'runs/outputs',
    required: { run_id: ['runid', '$run'], models: ['list', [{ model_id: '$model', step: 0 }]] },
  },
  {
    method: 'GET',
    path: 'metrics/get-history',
    required: { run_id: ['runid', '$run'], metric_key: ['text', 'm'] },
    optional: { max_results: 'int', page_token: 'text' },
  },
  {
    method: 'GET',
    path: 'metrics/get-history-bulk-interval',
    required: { run_ids: ['runid', '$run'], metric_key: ['text', 'm'] },
    optional: { max_results: 'int', start_step: 'int', end_step: 'int' },
  },
  {
    method: 'GET',
    path: 'metrics/get-history-sampled',
    required: { run_ids: ['runid', '$run'], metric_key: ['text', 'm'] },
    optional: { max_points: 'int' },
  },
  {
    method: 'POST',
    path: 'logged-models',
    required: { experiment_id: ['id', '$exp'] },
    optional: { name: 'text', params: 'list', tags: 'list' },
  },
  {
    method: 'POST',
    path: 'logged-models/search',
    required: { experiment_ids: ['list', ['$exp']] },
    optional: { filter: 'text', max_results: 'int', order_by: 'list' },
  },
  { method: 'PATCH', path: 'logged-models/$model', required: { status: ['text', 'LOGGED_MODEL_READY'] } },
  { method: 'PATCH', path: 'logged-models/$model/tags', required: {}, optional: { tags: 'list' } },
];

const FILTER_TOKENS = [
  'metrics.acc',
  'params.lr',
  'tags.`a b`',
  'attributes.status',
  'name',
  'run_name',
  'datasets.name',
  'foo.bar',
  '=',
  '!=',
  '>',
  '<=',
  'LIKE',
  'ILIKE',
  'IN',
  'NOT IN',
  'AND',
  "'x'",
  '"y"',
  '0.5',
  '1e309',
  "('a', 'b')",
  '`',
  '%',
  '--',
  ';',
  'DROP TABLE runs',
  "'; DELETE FROM runs; --",
  '\u00e9',
  '\ud83d\ude00',
];
/** Appended to every random filter so that it can never be valid. */
const FILTER_BREAKERS = [' OR x', ' AND', ' (', ' = =', " 'unterminated", ' >', ' IN (', ' metrics.'];

function generator(rand: () => number, ids: Record<string, string>) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const randomText = (max = 40): string => {
    const alphabet = Array.from('abcXYZ019 ._-/:%\\\'"`<>{}[]$\u00e9\u4e2d\ud83d\ude00\n\t');
    let s = '';
    const n = Math.floor(rand() * max);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith('$')) return ids[v.slice(1)] ?? v;
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  /** A value every reader of this type rejects (or that names nothing, for ids). */
  const wrongValue = (type: FieldType, get: boolean): unknown => {
    if (get) {
      const byType: Record<FieldType, unknown[]> = {
        text: [''],
        id: ['', `no-such-${randomText(8)}x`, '-1', '1e3'],
        runid: ['', `zz${randomText(20)}`, '../../etc/passwd'],
        int: ['abc', '1.5', '9'.repeat(30), '--1', ''],
        double: ['abc', 'true'],
        list: [''],
      };
      return pick(byType[type]);
    }
    const byType: Record<FieldType, unknown[]> = {
      text: [123, true, {}, [{}], '', null, [1, 2]],
      id: [true, {}, [{}], '', null, -1.5, 'x'.repeat(5000), `no-such-${randomText(8)}x`],
      runid: [true, {}, [{}], '', null, 'x'.repeat(5000), 3.25],
      int: ['abc', 1.5, true, {}, [1.5], 1e20, 'NaN', -Infinity],
      double: ['abc', true, {}, [], 'NaN NaN', '1.2.3'],
      list: ['str', { a: 1 }, [null], ['x'], [{ key: 123 }], [{ value: 'v' }], true, [true]],
    };
    return pick(byType[type]);
  };

  return (): {
    method: string;
    path: string;
    body?: string;
    headers?: Record<string, string>;
    what: string;
  } => {
    const kind = rand();
    if (kind < 0.08) {
      // Random methods and paths, including traversal and encoding tricks.
      const method = pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
      const prefix = pick([
        '/api/2.0/mlflow/',
        '/ajax-api/2.0/mlflow/',
        '/api/2.0/mlflow-artifacts/artifacts/',
        '/api/2.0/preview/mlflow/',
      ]);
      const tail = pick([
        '../../etc/passwd',
        '%2e%2e/%2e%2e/x',
        '..%2F..%2Fx',
        'a/%00/b',
        'runs//get',
        'experiments/../runs/get',
        `no-such-${encodeURIComponent(randomText(5))}`,
        'x'.repeat(3000),
        '%ZZ',
        'runs/get/extra',
      ]);
      // Under the artifact proxy most names are valid files: only escapes are sure to be refused.
      const escapes = [
        '../../etc/passwd',
        '%2e%2e/%2e%2e/x',
        '..%2F..%2Fx',
        'a/%00/b',
        '%ZZ',
        `a/../../${'x'.repeat(3000)}`,
      ];
      const path = prefix + (prefix.includes('artifacts') ? pick(escapes) : tail);
      return { method, path, what: `path ${method} ${path.slice(0, 60)}` };
    }
    const spec = pick(SPECS);
    const path = `/api/2.0/mlflow/${spec.path.replace('$model', ids.model!)}`;
    if (kind < 0.14 && spec.method !== 'GET') {
      const body = pick([
        '{',
        '{"a":',
        '[1,2]',
        '"str"',
        'null',
        '{"value": NaN}',
        '\u0000',
        '{"x": 1}}',
        randomText(30) + '{',
      ]);
      return {
        method: spec.method,
        path,
        body,
        headers: { 'content-type': 'application/json' },
        what: `bad json ${spec.path} ${body}`,
      };
    }
    if (kind < 0.17 && spec.method === 'POST') {
      return {
        method: 'POST',
        path,
        body: '{"name":"x"}',
        headers: { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data']) },
        what: `content type ${spec.path}`,
      };
    }
    if (kind < 0.2) {
      const method = spec.method === 'GET' ? pick(['PATCH', 'DELETE', 'PUT']) : pick(['PUT', 'OPTIONS']);
      return { method, path, what: `method ${method} ${spec.path}` };
    }
    // A well-shaped request with exactly one guaranteed defect (plus random unknown fields).
    const fields: Record<string, unknown> = {};
    for (const [name, [, value]] of Object.entries(spec.required)) fields[name] = resolve(value);
    for (const [name, type] of Object.entries(spec.optional ?? {})) {
      if (rand() < 0.3)
        fields[name] = type === 'int' ? Math.floor(rand() * 5) + 1 : type === 'list' ? [] : undefined;
    }
    for (let i = Math.floor(rand() * 3); i > 0; i--) fields[`x_${randomText(6)}`] = randomText(20);
    const requiredNames = Object.keys(spec.required);
    const isSearch = spec.path.endsWith('search');
    let what: string;
    const defect = rand();
    if (isSearch && defect < 0.45) {
      let filter = '';
      for (let i = Math.floor(rand() * 6); i >= 0; i--) filter += `${pick(FILTER_TOKENS)} `;
      fields.filter = filter + pick(FILTER_BREAKERS);
      what = `filter ${fields.filter as string}`;
    } else if (isSearch || requiredNames.length === 0 || defect < 0.6) {
      const optionalInts = Object.entries(spec.optional ?? {}).filter(([, t]) => t === 'int' || t === 'list');
      if (optionalInts.length && (requiredNames.length === 0 || rand() < 0.5)) {
        const [name, type] = pick(optionalInts);
        fields[name] =
          spec.method === 'GET' ? pick(['abc', '1.5', '-5', '0']) : pick([-5, 0, 'abc', 1.5, 1e20]);
        if (name === 'max_points' || name === 'max_results')
          fields[name] = pick(spec.method === 'GET' ? ['abc', '-5', '0', '1.5'] : [-5, 0, 'abc', 1.5, 1e20]);
        if (name === 'start_step' || name === 'end_step') fields[name] = spec.method === 'GET' ? 'abc' : 1.5;
        if (name === 'step') fields[name] = pick([1.5, 'abc', true]);
        if (name === 'end_time') fields[name] = pick([-5, 'abc', 1.5]);
        if (type === 'list') fields[name] = wrongValue('list', false);
        what = `bad ${name}=${JSON.stringify(fields[name])}`;
      } else if (requiredNames.length) {
        const name = pick(requiredNames);
        if (rand() < 0.5) delete fields[name];
        else fields[name] = wrongValue(spec.required[name]![0], spec.method === 'GET');
        what = `required ${name}=${JSON.stringify(fields[name])?.slice(0, 40)}`;
      } else {
        fields.view_type = 'SOMETIMES';
        fields.run_view_type = 'SOMETIMES';
        what = 'bad view type';
      }
    } else {
      const name = pick(requiredNames);
      const type = spec.required[name]![0];
      if (type === 'text' && (name === 'key' || name === 'metric_key') && rand() < 0.5) {
        fields[name] = pick([
          'k'.repeat(251 + Math.floor(rand() * 5000)),
          '../escape',
          'a//b',
          '/abs',
          'bad#key!',
          '.',
        ]);
        // A key that breaks the rules names nothing: reading it must still find the run missing.
        if (name === 'metric_key') {
          if ('run_id' in fields) fields.run_id = 'zz-not-a-run';
          if ('run_ids' in fields) fields.run_ids = 'zz-not-a-run';
        }
      } else if (rand() < 0.4) delete fields[name];
      else fields[name] = wrongValue(type, spec.method === 'GET');
      what = `required ${name}=${JSON.stringify(fields[name])?.slice(0, 40)}`;
    }
    if (spec.method === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v])
          q.append(k, typeof item === 'string' ? item : JSON.stringify(item));
      }
      return { method: 'GET', path: `${path}?${q}`, what: `${spec.path} ${what}` };
    }
    return {
      method: spec.method,
      path,
      body: JSON.stringify(fields),
      headers: { 'content-type': 'application/json' },
      what: `${spec.path} ${what}`,
    };
  };
}

for (const backend of BACKENDS) {
  test(
    `${COUNT} randomized malformed requests answer 4xx MLflow errors (${backend})`,
    { timeout: 300_000 },
    async () => {
      const server = await startTestServer(backend);
      try {
        const exp = (await api(server.url, 'POST', 'experiments/create', { name: 'fuzz-base' })).json
          .experiment_id as string;
        const run = (
          await api(server.url, 'POST', 'runs/create', { experiment_id: exp, run_name: 'fuzz-run' })
        ).json.run as { info: { run_id: string } };
        const model = (
          await api(server.url, 'POST', 'logged-models', { experiment_id: exp, name: 'fuzz-model' })
        ).json.model as { info: { model_id: string } };
        await api(server.url, 'POST', 'runs/log-parameter', {
          run_id: run.info.run_id,
          key: 'base-param',
          value: 'v',
        });
        const next = generator(prng(SEED), { exp, run: run.info.run_id, model: model.info.model_id });
        const problems: string[] = [];
        const statuses = new Map<number, number>();
        for (let i = 0; i < COUNT; i++) {
          const req = next();
          const res = await rawRequest(server.url, req.method, req.path, req.body, req.headers).catch(
            (err: Error) => {
              throw new Error(`request #${i} (${req.what}) could not be sent: ${err.message}`);
            },
          );
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          let body: Record<string, unknown> | undefined;
          try {
            body = JSON.parse(res.text) as Record<string, unknown>;
          } catch {
            body = undefined;
          }
          const ok =
            res.status >= 400 &&
            res.status < 500 &&
            res.contentType === 'application/json' &&
            typeof body?.error_code === 'string' &&
            typeof body?.message === 'string';
          if (!ok) problems.push(`#${i} ${req.what} -> ${res.status} ${res.text.slice(0, 160)}`);
        }
        process.stdout.write(`# ${backend}: status counts ${JSON.stringify(Object.fromEntries(statuses))}\n`);
        assert.deepEqual(
          problems.slice(0, 30),
          [],
          `${problems.length} of ${COUNT} requests were not 4xx MLflow errors`,
        );

        const health = await rawRequest(server.url, 'GET', '/health');
        assert.equal(health.status, 200);
        assert.equal(health.text, 'OK');
        const after = await api(server.url, 'GET', 'runs/get', { run_id: run.info.run_id });
        assert.equal(after.status, 200);
        const data = (after.json.run as { data: { params?: { key: string; value: string }[] } }).data;
        assert.deepEqual(data.params, [{ key: 'base-param', value: 'v' }]);
      } finally {
        await server.stop();
      }
    },
  );
}
