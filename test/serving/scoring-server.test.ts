import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tensor } from '../../src/models/data.js';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { saveModel } from '../../src/models/save.js';
import { startScoringServer, type RunningScoringServer } from '../../src/serving/server.js';
import { matrixModel, threeInputModel, threeInputScore } from '../models/helpers/onnx-builder.js';
import { ONNX_TABULAR_MODEL as FIXTURE } from '../helpers/fixtures.js';

const FIXTURE_PREDICTIONS = '{"predictions": [{"score": -1.3500001430511475}, {"score": -1.0}]}';

interface Answer {
  status: number;
  type: string;
  text: string;
  json: { error_code?: string; message?: string; predictions?: unknown };
}

async function post(url: string, body: string, contentType = 'application/json'): Promise<Answer> {
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
  const res = await fetch(`${url}/invocations`, { method: 'POST', body, headers });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    text,
    json: type.startsWith('application/json') && text.trim() ? JSON.parse(text) : {},
  };
}

function assertError(a: Answer, status: number, code: string, ...fragments: string[]): void {
  assert.equal(a.status, status, a.text);
  assert.equal(a.json.error_code, code, a.text);
  for (const f of fragments)
    assert.ok(a.json.message!.includes(f), `"${a.json.message}" should contain "${f}"`);
}

describe('scoring server with the MLflow-written ONNX fixture', () => {
  let model: Model;
  let server: RunningScoringServer;
  before(async () => {
    model = await loadModelFromDir(FIXTURE);
    server = await startScoringServer(model, { port: 0, maxRequestBytes: 4096 });
  });
  after(async () => {
    await server.close();
    await model.close();
  });

  it('answers the serving input example exactly like MLflow', async () => {
    const a = await post(server.url, await readFile(join(FIXTURE, 'serving_input_example.json'), 'utf8'));
    assert.equal(a.status, 200);
    assert.match(a.type, /^application\/json/);
    assert.equal(a.text, FIXTURE_PREDICTIONS);
  });

  it('answers dataframe_records and CSV the same way', async () => {
    const records = await post(
      server.url,
      '{"dataframe_records": [{"amount": 12.5, "age": 31}, {"amount": 100, "age": 45}]}',
    );
    assert.equal(records.text, FIXTURE_PREDICTIONS);
    const csv = await post(server.url, 'amount,age\n12.5,31\n100,45\n', 'text/csv');
    assert.equal(csv.status, 200);
    assert.equal(csv.text, FIXTURE_PREDICTIONS);
  });

  it('answers the fixture error cases with MLflow status and error codes', async () => {
    assertError(
      await post(server.url, '{"dataframe_records": [{"amount": 12.5}]}'),
      400,
      'INVALID_PARAMETER_VALUE',
      "missing inputs ['age']",
    );
    assertError(
      await post(server.url, '{"dataframe_records": [{"amount": "abc", "age": 3}]}'),
      400,
      'BAD_REQUEST',
      'column amount',
      'float32',
    );
    assertError(await post(server.url, '{nope'), 400, 'BAD_REQUEST', 'valid JSON');
    assertError(
      await post(server.url, '{"foo": 1}'),
      400,
      'BAD_REQUEST',
      "'dataframe_split', 'dataframe_records', 'instances', 'inputs'",
      "['foo']",
    );
  });

  it('answers /ping, /health and /version', async () => {
    for (const path of ['/ping', '/health']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '\n');
    }
    const v = await fetch(`${server.url}/version`);
    assert.equal(v.status, 200);
    assert.match(await v.text(), /^\d+\.\d+\.\d+/);
  });
});

describe('scoring server request formats and errors', () => {
  let tmp: string;
  let tabular: Model;
  let matrix: Model;
  let server: RunningScoringServer;
  let matrixServer: RunningScoringServer;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cairn-serving-'));
    await saveModel(join(tmp, 'tabular'), {
      flavor: 'onnx',
      onnxBytes: threeInputModel(),
      inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
    });
    await saveModel(join(tmp, 'matrix'), {
      flavor: 'onnx',
      onnxBytes: matrixModel(),
      inputExample: new Tensor('float32', [1, 3], Float32Array.from([1, 2, 3])),
    });
    tabular = await loadModelFromDir(join(tmp, 'tabular'));
    matrix = await loadModelFromDir(join(tmp, 'matrix'));
    server = await startScoringServer(tabular, {
      port: 0,
      maxRequestBytes: 64 * 1024,
      batch: { maxSize: 64, maxDelayMs: 2 },
    });
    matrixServer = await startScoringServer(matrix, { port: 0 });
  });
  after(async () => {
    await server.close();
    await matrixServer.close();
    await tabular.close();
    await matrix.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const expected = (rows: number[][]): string =>
    JSON.stringify({ predictions: rows.map(([a, b, c]) => ({ score: threeInputScore(a!, b!, c!) })) });
  const same = (a: Answer, rows: number[][]): void => {
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, JSON.parse(expected(rows)));
  };

  it('accepts every request format', async () => {
    const rows = [
      [1, 2, 3],
      [0.5, -4, 10],
    ];
    same(
      await post(
        server.url,
        JSON.stringify({ dataframe_split: { columns: ['x1', 'x2', 'x3'], data: rows } }),
      ),
      rows,
    );
    same(
      await post(
        server.url,
        JSON.stringify({
          dataframe_split: {
            index: [7, 8],
            columns: ['x3', 'x2', 'x1'],
            data: rows.map((r) => [...r].reverse()),
          },
        }),
      ),
      rows,
    );
    same(
      await post(
        server.url,
        JSON.stringify({ dataframe_records: rows.map(([x1, x2, x3]) => ({ x1, x2, x3, extra: 'ignored' })) }),
      ),
      rows,
    );
    same(
      await post(server.url, JSON.stringify({ instances: rows.map(([x1, x2, x3]) => ({ x1, x2, x3 })) })),
      rows,
    );
    same(
      await post(server.url, JSON.stringify({ inputs: { x1: [1, 0.5], x2: [2, -4], x3: [3, 10] } })),
      rows,
    );
    same(
      await post(server.url, JSON.stringify({ inputs: rows.map(([x1, x2, x3]) => ({ x1, x2, x3 })) })),
      rows,
    );
    same(await post(server.url, 'x3,x1,x2\r\n3,1,2\r\n10,0.5,-4\r\n', 'text/csv; charset=utf-8'), rows);
    same(
      await post(
        server.url,
        JSON.stringify({
          dataframe_split: { columns: ['x1', 'x2', 'x3'], data: rows },
          params: { ignored: 1 },
        }),
      ),
      rows,
    );
  });

  it('answers tensor models with predictions keyed by output name', async () => {
    const a = await post(
      matrixServer.url,
      JSON.stringify({
        inputs: [
          [1, 1, 1],
          [2, 0, 0],
        ],
      }),
    );
    assert.equal(a.status, 200, a.text);
    assert.equal(a.text, '{"predictions": {"output": [[6.5], [2.5]]}}');
    const b = await post(matrixServer.url, JSON.stringify({ instances: [[1, 1, 1]] }));
    assert.equal(b.text, '{"predictions": {"output": [[6.5]]}}');
    const c = await post(
      matrixServer.url,
      JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 1, 1]] } }),
    );
    assert.equal(c.text, '{"predictions": {"output": [[6.5]]}}');
    assertError(
      await post(matrixServer.url, JSON.stringify({ inputs: [[1, 1]] })),
      400,
      'INVALID_PARAMETER_VALUE',
      'Shape of input (1, 2)',
    );
    assertError(
      await post(matrixServer.url, JSON.stringify({ inputs: [[1, 1, 1], [1]] })),
      400,
      'INVALID_PARAMETER_VALUE',
      'same length',
    );
    assertError(
      await post(matrixServer.url, JSON.stringify({ inputs: [['a', 1, 1]] })),
      400,
      'INVALID_PARAMETER_VALUE',
      'float32',
    );
  });

  it('rejects malformed bodies with 400 JSON errors', async () => {
    assertError(await post(server.url, '[1, 2]'), 400, 'BAD_REQUEST', 'Received a list');
    assertError(await post(server.url, '"text"'), 400, 'BAD_REQUEST', 'unexpected input type');
    assertError(
      await post(server.url, '{"inputs": [], "instances": []}'),
      400,
      'BAD_REQUEST',
      "['inputs', 'instances']",
    );
    assertError(
      await post(server.url, '{"dataframe_split": [[1, 2, 3]]}'),
      400,
      'BAD_REQUEST',
      'must be a dictionary. Got list',
    );
    assertError(
      await post(server.url, '{"dataframe_split": {"columns": ["x1"]}}'),
      400,
      'BAD_REQUEST',
      "must have 'data' field",
    );
    assertError(
      await post(server.url, '{"dataframe_split": {"columns": ["x1", "x2"], "data": [[1]]}}'),
      400,
      'BAD_REQUEST',
      '2 columns passed',
    );
    assertError(
      await post(server.url, '{"dataframe_records": {"x1": 1}}'),
      400,
      'BAD_REQUEST',
      'Got dictionary',
    );
    assertError(
      await post(server.url, '{"dataframe_records": [1, 2]}'),
      400,
      'BAD_REQUEST',
      "'records' format",
    );
    assertError(
      await post(server.url, '{"instances": [{"x1": 1, "x2": 2, "x3": 3}, {"x1": 1}]}'),
      400,
      'BAD_REQUEST',
      'not the same',
    );
    assertError(
      await post(server.url, 'x1,x2,x3\n1,2\n', 'text/csv'),
      400,
      'BAD_REQUEST',
      'expected 3 fields',
    );
    assertError(await post(server.url, '', 'text/csv'), 400, 'BAD_REQUEST', 'header row');
    // Like pandas' astype, a boolean in a float column is 1.0 / 0.0.
    same(await post(server.url, '{"dataframe_records": [{"x1": 1, "x2": 2, "x3": true}]}'), [[1, 2, 1]]);
  });

  it('answers 415 for unsupported content types and 413 past the size limit', async () => {
    for (const type of [
      'text/plain',
      'application/json; charset=latin-1',
      'application/json; format=pandas-split',
      '',
    ]) {
      const a = await post(server.url, '{"inputs": []}', type);
      assert.equal(a.status, 415, `${type}: ${a.text}`);
    }
    const big = JSON.stringify({
      dataframe_split: { columns: ['x1', 'x2', 'x3'], data: Array.from({ length: 20000 }, () => [1, 2, 3]) },
    });
    const a = await post(server.url, big);
    assertError(a, 413, 'RESOURCE_EXHAUSTED', 'too large');
    const res = await fetch(`${server.url}/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error_code: string }).error_code, 'ENDPOINT_NOT_FOUND');
  });

  it('batches concurrent requests and still answers each one correctly', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const calls = (text: string): number => Number(/^cairn_scoring_model_calls_total (\d+)/m.exec(text)![1]);
    const n = 48;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        post(
          server.url,
          JSON.stringify({ dataframe_split: { columns: ['x1', 'x2', 'x3'], data: [[i, i + 1, i / 2]] } }),
        ),
      ),
    );
    answers.forEach((a, i) => same(a, [[i, i + 1, i / 2]]));
    // One bad request inside a batch fails alone.
    const mixed = await Promise.all([
      post(server.url, JSON.stringify({ dataframe_records: [{ x1: 1, x2: 2, x3: 3 }] })),
      post(server.url, JSON.stringify({ dataframe_records: [{ x1: 'bad', x2: 2, x3: 3 }] })),
      post(server.url, JSON.stringify({ dataframe_records: [{ x1: 4, x2: 5, x3: 6 }] })),
    ]);
    same(mixed[0]!, [[1, 2, 3]]);
    assertError(mixed[1]!, 400, 'BAD_REQUEST', 'column x1');
    same(mixed[2]!, [[4, 5, 6]]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const modelCalls = calls(metrics) - calls(before);
    assert.ok(modelCalls < n, `expected fewer model calls than ${n} requests, got ${modelCalls}`);
    assert.match(metrics, /cairn_scoring_requests_total\{status="200"\} \d+/);
    assert.match(metrics, /cairn_scoring_requests_total\{status="400"\} \d+/);
    assert.match(metrics, /# TYPE cairn_scoring_request_duration_seconds histogram/);
  });
});

describe('scoring server params and unwrapped bodies (js_function model)', () => {
  let tmp: string;
  let model: Model;
  let server: RunningScoringServer;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cairn-serving-js-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(tmp, 'echo.mjs'),
      [
        'export async function predict(_state, input, params) {',
        '  if (input.rowCount && input.toRecords()[0].x === -1) await new Promise((r) => setTimeout(r, 1500));',
        '  if (input && input.prompt !== undefined) return { completion: `${input.prompt}!`, temperature: params.temperature };',
        '  return input.toRecords().map((r) => r.x * params.scale);',
        '}',
      ].join('\n'),
    );
    await saveModel(join(tmp, 'model'), {
      flavor: 'js_function',
      code: join(tmp, 'echo.mjs'),
      inputExample: [{ x: 1.5 }],
      inputExampleParams: { scale: 2, temperature: 0.5 },
      rowWise: true,
    });
    model = await loadModelFromDir(join(tmp, 'model'));
    server = await startScoringServer(model, { port: 0, batch: { maxSize: 64, maxDelayMs: 0 } });
  });
  after(async () => {
    await server.close();
    await model.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('passes params (defaults filled in) and rejects params of the wrong type', async () => {
    const a = await post(
      server.url,
      JSON.stringify({ dataframe_records: [{ x: 1.5 }, { x: 4 }], params: { scale: 10 } }),
    );
    assert.equal(a.text, '{"predictions": [15, 40]}');
    const b = await post(server.url, JSON.stringify({ dataframe_records: [{ x: 1.5 }] }));
    assert.equal(b.text, '{"predictions": [3]}');
    assertError(
      await post(server.url, JSON.stringify({ dataframe_records: [{ x: 1 }], params: { scale: 'big' } })),
      400,
      'INVALID_PARAMETER_VALUE',
      "'scale'",
    );
  });

  it('fails a prediction that outlives --timeout with 504 DEADLINE_EXCEEDED', async () => {
    const slow = await startScoringServer(model, { port: 0, timeoutSeconds: 0.2 });
    try {
      const a = await post(slow.url, JSON.stringify({ dataframe_records: [{ x: -1 }] }));
      assertError(a, 504, 'DEADLINE_EXCEEDED', 'did not finish within 0.2 s');
      const b = await post(slow.url, JSON.stringify({ dataframe_records: [{ x: 1 }] }));
      assert.equal(b.status, 200);
    } finally {
      await slow.close();
    }
  });

  it('answers LLM-style bodies without the predictions wrapper', async () => {
    const a = await post(server.url, JSON.stringify({ prompt: 'hi', temperature: 0.9 }));
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, { completion: 'hi!', temperature: 0.9 });
  });
});
