import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '../../src/errors.js';
import { DataFrame, Tensor, isDataFrame, isTensorDict } from '../../src/models/data.js';
import { enforceSchema } from '../../src/models/signature/enforce.js';
import { inferSchema, inferSignature } from '../../src/models/signature/infer.js';
import { enforceParams } from '../../src/models/signature/params.js';
import {
  schemaFromJson,
  schemaToJson,
  signatureFromMlmodel,
  signatureToMlmodel,
  type Schema,
} from '../../src/models/signature/types.js';

function rejects(fn: () => unknown, code: string, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MlflowError, `expected MlflowError, got ${String(err)}`);
    assert.equal(err.errorCode, code, err.message);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" should contain "${f}"`);
    return true;
  });
}

const cols = (...specs: [string, string, boolean?][]): Schema =>
  schemaFromJson(specs.map(([name, type, required]) => ({ name, type, required: required ?? true })));

describe('signature inference', () => {
  it('infers column types from records like pandas would', () => {
    const schema = inferSchema([
      { amount: 12.5, age: 31, name: 'a', ok: true, tags: ['x'], when: new Date(0) },
      { amount: 100, age: 45, name: null, ok: false, tags: ['y', 'z'], when: new Date(1) },
    ]);
    assert.deepEqual(schemaToJson(schema), [
      { type: 'double', name: 'amount', required: true },
      { type: 'long', name: 'age', required: true },
      { type: 'string', name: 'name', required: false },
      { type: 'boolean', name: 'ok', required: true },
      { type: 'array', items: { type: 'string' }, name: 'tags', required: true },
      { type: 'datetime', name: 'when', required: true },
    ]);
  });

  it('infers typed-array columns with their dtype', () => {
    const schema = inferSchema({
      a: new Float32Array([1]),
      b: new Float64Array([1]),
      c: new Int32Array([1]),
      d: new BigInt64Array([1n]),
    });
    assert.deepEqual(
      schema.inputs.map((c) => (c as { type: unknown }).type),
      ['float', 'double', 'integer', 'long'],
    );
  });

  it('infers tensor specs with a variable first dimension', () => {
    const t = new Tensor('float32', [2, 3], new Float32Array(6));
    assert.deepEqual(schemaToJson(inferSchema(t)), [
      { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 3] } },
    ]);
    assert.deepEqual(schemaToJson(inferSchema({ img: t })), [
      { name: 'img', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 3] } },
    ]);
    assert.deepEqual(
      schemaToJson(
        inferSchema([
          [1.5, 2],
          [3, 4],
        ]),
      ),
      [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 2] } }],
    );
  });

  it('infers a params schema and round-trips the MLmodel form', () => {
    const sig = inferSignature([{ x: 1.5 }], undefined, { temperature: 0.5, stops: ['a'] });
    const stored = signatureToMlmodel(sig);
    assert.equal(stored.inputs, '[{"type": "double", "name": "x", "required": true}]');
    assert.equal(
      stored.params,
      '[{"name": "temperature", "default": 0.5, "shape": null, "type": "double"}, {"name": "stops", "default": ["a"], "shape": [-1], "type": "string"}]',
    );
    assert.deepEqual(signatureFromMlmodel(stored), sig);
  });

  it('rejects mixed types and mixed column/tensor specs', () => {
    rejects(() => inferSchema([{ a: 1 }, { a: 'x' }]), 'INVALID_PARAMETER_VALUE', 'long', 'string');
    rejects(
      () =>
        schemaFromJson([
          { type: 'double', name: 'a' },
          { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } },
        ]),
      'INVALID_PARAMETER_VALUE',
      'mixes',
    );
  });
});

describe('column schema enforcement', () => {
  const schema = cols(['amount', 'float'], ['age', 'double'], ['count', 'long'], ['name', 'string', false]);

  it('converts, reorders and drops extra columns', () => {
    const out = enforceSchema([{ extra: 1, count: 3, age: 31, amount: 12.5 }], schema);
    assert.ok(isDataFrame(out));
    assert.deepEqual(out.columns, ['amount', 'age', 'count']);
    assert.ok(out.data[0] instanceof Float32Array);
    assert.ok(out.data[1] instanceof Float64Array);
    assert.deepEqual(out.data[2], [3]);
  });

  it('names every missing required column and the extra ones', () => {
    rejects(
      () => enforceSchema([{ amount: 1, other: 2 }], schema),
      'INVALID_PARAMETER_VALUE',
      "Model is missing inputs ['age', 'count'].",
      "Note that there were extra inputs: ['other']",
    );
  });

  it('lets an optional column be missing or null', () => {
    const out = enforceSchema([{ amount: 1, age: 2, count: 3, name: null }], schema) as DataFrame;
    assert.deepEqual(out.column('name'), [null]);
  });

  it('names the column and the types when a value cannot be converted', () => {
    rejects(
      () => enforceSchema([{ amount: 'abc', age: 1, count: 1 }], schema),
      'BAD_REQUEST',
      'column amount',
      "'float32'",
      'abc',
    );
    rejects(
      () => enforceSchema([{ amount: 1, age: 1, count: 1.5 }], schema),
      'BAD_REQUEST',
      'column count',
      "'int64'",
    );
    rejects(() => enforceSchema([{ amount: 1, age: 1, count: null }], schema), 'BAD_REQUEST', 'column count');
  });

  it('accepts numeric text (CSV) and int → float widening', () => {
    const out = enforceSchema({ amount: ['1.5'], age: [2], count: ['7'] }, schema) as DataFrame;
    assert.equal((out.data[0] as Float32Array)[0], 1.5);
    assert.equal((out.data[1] as Float64Array)[0], 2);
    assert.deepEqual(out.data[2], [7]);
  });

  it('applies MLflow upcast rules to typed arrays', () => {
    const s = cols(['f', 'float'], ['d', 'double'], ['i', 'integer'], ['l', 'long']);
    const ok = enforceSchema(
      { f: new Float32Array([1]), d: new Int32Array([2]), i: new Int16Array([3]), l: new Int32Array([4]) },
      s,
    ) as DataFrame;
    assert.ok(ok.data[1] instanceof Float64Array, 'int32 → double is a safe conversion');
    assert.ok(ok.data[2] instanceof Int32Array, 'int16 → int32 is an upcast');
    const base = {
      f: new Float32Array([1]),
      d: new Float64Array([1]),
      i: new Int32Array([1]),
      l: new BigInt64Array([1n]),
    };
    rejects(
      () => enforceSchema({ ...base, f: new Float64Array([1]) }, s),
      'INVALID_PARAMETER_VALUE',
      'column f',
      'float64 to float32',
    );
    rejects(
      () => enforceSchema({ ...base, i: new Float64Array([1]) }, s),
      'INVALID_PARAMETER_VALUE',
      'column i',
      'float64 to int32',
    );
    rejects(
      () => enforceSchema({ ...base, d: new BigInt64Array([1n]) }, s),
      'INVALID_PARAMETER_VALUE',
      'column d',
      'int64 to float64',
    );
    rejects(
      () => enforceSchema({ ...base, l: new Float32Array([1]) }, s),
      'INVALID_PARAMETER_VALUE',
      'column l',
      'float32 to int64',
    );
    rejects(
      () => enforceSchema({ ...base, i: new Uint32Array([1]) }, s),
      'INVALID_PARAMETER_VALUE',
      'uint32 to int32',
    );
  });

  it('checks booleans, binary, datetime and compound types', () => {
    const s = schemaFromJson([
      { name: 'b', type: 'boolean' },
      { name: 'bin', type: 'binary' },
      { name: 't', type: 'datetime' },
      { name: 'arr', type: 'array', items: { type: 'long' } },
      { name: 'obj', type: 'object', properties: { k: { type: 'string', required: true } } },
    ]);
    const out = enforceSchema(
      [{ b: 'true', bin: 'aGk=', t: '2024-01-02T00:00:00Z', arr: [1, 2], obj: { k: 'v' } }],
      s,
    ) as DataFrame;
    assert.deepEqual(out.column('b'), [true]);
    assert.equal(Buffer.from((out.column('bin') as Uint8Array[])[0]!).toString(), 'hi');
    assert.ok((out.column('t') as Date[])[0] instanceof Date);
    rejects(
      () => enforceSchema([{ b: 'maybe', bin: '', t: 0, arr: [], obj: { k: 'v' } }], s),
      'BAD_REQUEST',
      'column b',
    );
    rejects(
      () => enforceSchema([{ b: true, bin: '', t: 0, arr: [1.5], obj: { k: 'v' } }], s),
      'INVALID_PARAMETER_VALUE',
      'dtype long',
    );
    rejects(
      () => enforceSchema([{ b: true, bin: '', t: 0, arr: [], obj: {} }], s),
      'INVALID_PARAMETER_VALUE',
      'Missing required properties',
    );
  });

  it('checks only the column count for unnamed schemas', () => {
    const s = schemaFromJson([{ type: 'double' }, { type: 'double' }]);
    const out = enforceSchema([[1, 2, 3]], s) as DataFrame;
    assert.equal(out.columns.length, 2);
    rejects(() => enforceSchema([[1]], s), 'INVALID_PARAMETER_VALUE', 'declares 2 inputs', 'only has 1');
  });
});

describe('tensor schema enforcement', () => {
  const unnamed = schemaFromJson([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 3] } }]);
  const named = schemaFromJson([
    { name: 'a', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } },
    { name: 'b', type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1, 2] } },
  ]);

  it('casts JSON lists to the spec dtype and checks the shape', () => {
    const t = enforceSchema(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      unnamed,
    ) as Tensor;
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [2, 3]);
    rejects(
      () => enforceSchema([[1, 2]], unnamed),
      'INVALID_PARAMETER_VALUE',
      'Shape of input (1, 2) does not match expected shape (-1, 3)',
    );
    rejects(() => enforceSchema([[1, 2], [3]], unnamed), 'INVALID_PARAMETER_VALUE', 'same length');
  });

  it('requires the exact dtype for typed tensors', () => {
    rejects(
      () => enforceSchema(new Tensor('float64', [1, 3], new Float64Array(3)), unnamed),
      'INVALID_PARAMETER_VALUE',
      'dtype of input float64 does not match expected dtype float32',
    );
  });

  it('maps named inputs and DataFrame columns to tensors', () => {
    const out = enforceSchema(
      {
        a: [1.5, 2],
        b: [
          [1, 2],
          [3, 4],
        ],
      },
      named,
    );
    assert.ok(isTensorDict(out));
    assert.equal(out.b!.dtype, 'int64');
    assert.deepEqual(out.b!.shape, [2, 2]);
    rejects(() => enforceSchema({ a: [1] }, named), 'INVALID_PARAMETER_VALUE', "missing inputs ['b']");
    const frame = enforceSchema(DataFrame.fromRecords([{ a: 1, b: [1, 2] }]), named);
    assert.ok(isTensorDict(frame));
    assert.deepEqual(frame.a!.shape, [1]);
  });

  it('turns a multi-column DataFrame into the unnamed (-1, n) tensor', () => {
    const t = enforceSchema(DataFrame.fromRecords([{ x: 1, y: 2, z: 3 }]), unnamed) as Tensor;
    assert.deepEqual(Array.from(t.data as Float32Array), [1, 2, 3]);
    rejects(
      () => enforceSchema(DataFrame.fromRecords([{ x: 1, y: 2 }]), unnamed),
      'INVALID_PARAMETER_VALUE',
      '(-1, number_of_dataframe_columns)',
    );
  });
});

describe('params enforcement', () => {
  const schema = inferSignature(undefined, undefined, { temperature: 0.5, top_k: 3, stop: ['x'] }).params!;

  it('fills defaults, converts values and ignores unknown params', () => {
    const { params, ignored } = enforceParams({ top_k: 5, unknown: 1 }, schema);
    assert.deepEqual(params, { temperature: 0.5, top_k: 5, stop: ['x'] });
    assert.deepEqual(ignored, ['unknown']);
  });

  it('rejects wrong types and shapes with the param name', () => {
    assert.throws(
      () => enforceParams({ top_k: 1.5 }, schema),
      /Failed to validate type and shape for 'top_k'/,
    );
    assert.throws(() => enforceParams({ stop: 'x' }, schema), /'stop'.*list/);
    assert.throws(() => enforceParams({ temperature: [1] }, schema), /'temperature'.*scalar/);
    assert.throws(() => enforceParams([1], schema), /Params must be a dictionary/);
  });

  it('ignores every param when the model has no params schema', () => {
    assert.deepEqual(enforceParams({ a: 1 }, undefined), { params: {}, ignored: ['a'] });
  });
});
