/**
 * The rows of `dataframe_split.data` are taken into columns while the body is read
 * (src/serving/json-body.ts, src/models/split-rows.ts), and large answers are written a chunk of
 * rows at a time (predictionsChunks). Both must give exactly what the whole-body path gives:
 * JSON.parse then parseScoringBody, and one predictionsResponse string.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { DataFrame, Tensor, isDataFrame } from '../../src/models/data.js';
import { parseJsonRequest, parseScoringBody } from '../../src/models/scoring-input.js';
import { predictionsChunks, predictionsJson, predictionsResponse } from '../../src/models/serialize.js';
import type { ColumnType, Schema } from '../../src/models/signature/types.js';
import { SplitRows } from '../../src/models/split-rows.js';
import { readScoringJson } from '../../src/serving/json-body.js';

const LIMITS = { maxBytes: 1 << 20, maxRows: 10_000, maxDepth: 32 };

/** Reads `text` as the scoring server does, fed in pieces of `piece` bytes. */
async function streamed(text: string, piece = 7): Promise<unknown> {
  const buf = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += piece) pieces.push(buf.subarray(i, i + piece));
  return (await readScoringJson(Readable.from(pieces), buf.length, LIMITS)).value;
}

const columns = (type: ColumnType, names = ['a', 'b']): Schema => ({
  kind: 'columns',
  inputs: names.map((name) => ({ name, type, required: true })),
});

/** A parsed frame (or error) in a comparable form: column kinds are part of the result. */
function describeResult(run: () => unknown): unknown {
  try {
    const input = (run() as { input: unknown }).input;
    if (!isDataFrame(input)) return { input };
    return {
      columns: input.columns,
      rowCount: input.rowCount,
      data: input.data.map((c) => ({
        kind: c.constructor.name,
        values: Array.from(c as ArrayLike<unknown>),
      })),
    };
  } catch (err) {
    return { error: (err as Error).message, code: (err as { errorCode?: string }).errorCode };
  }
}

describe('dataframe_split rows read as columns', () => {
  const bodies = [
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5], [-0.0, 1e300], [3, -4]]}}',
    '{"dataframe_split": {"data": [[1, 2], [3, 4]]}}',
    // A string, a null, a boolean and a list cell: those columns become plain lists.
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], ["x", 4], [5, null]]}}',
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, true], [2, [3]]]}}',
    // Rows of other widths, scalars and empty rows: back to lists, same errors as before.
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3], [4, 5]]}}',
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], 3]}}',
    '{"dataframe_split": {"data": [1, 2, 3]}}',
    '{"dataframe_split": {"columns": ["a"], "data": [[], []]}}',
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2, 3], [4, 5, 6]]}}',
    '{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2], [4, 5]]}}',
    // The last of repeated keys wins, as with JSON.parse.
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]], "data": [[3, 4], [5, 6]]}}',
    '{"dataframe_split": {"columns": ["a", "b"], "data": [[9, 9]]}, "dataframe_split": {"data": [[7, 8]]}}',
    '{"dataframe_split": {"columns": ["b", "a"], "data": [[1, 2], [3, 4]], "index": [0, 1]}, "params": {"k": 1}}',
    '{"dataframe_split": {"columns": ["a", "b"], "data": []}}',
  ];
  const schemas: [string, Schema | undefined][] = [
    ['no schema', undefined],
    ['double columns', columns('double')],
    ['float columns', columns('float')],
    ['long columns', columns('long')],
    ['string columns', columns('string')],
  ];

  for (const [label, schema] of schemas) {
    it(`gives what JSON.parse gives (${label})`, async () => {
      for (const text of bodies) {
        const value = await streamed(text);
        const got = describeResult(() => parseScoringBody(value, schema?.inputs ? schema : undefined));
        const want = describeResult(() => parseJsonRequest(text, schema));
        assert.deepEqual(got, want, `${text} with ${label}`);
      }
    });
  }

  it('keeps numeric rows as Float64Array columns and a column with other values as a list', async () => {
    const value = (await streamed(
      '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"], [3, 4]]}}',
    )) as { dataframe_split: { data: unknown } };
    const rows = value.dataframe_split.data;
    assert.ok(rows instanceof SplitRows, 'numeric rows should be read as columns');
    assert.equal(rows.rowCount, 3, 'three rows');
    assert.ok(rows.columns[0] instanceof Float64Array, 'a column of numbers is a Float64Array');
    assert.deepEqual(rows.columns[1], ['x', 'y', 4], 'a column with a string is a plain list');
  });

  it('still refuses a request past the row limit with 413', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `[${i}, ${i}]`).join(', ');
    const buf = Buffer.from(`{"dataframe_split": {"columns": ["a", "b"], "data": [${rows}]}}`);
    await assert.rejects(
      readScoringJson(Readable.from([buf]), buf.length, { ...LIMITS, maxRows: 10 }),
      (err: Error & { httpStatus?: number }) => err.httpStatus === 413 && /at most 10/.test(err.message),
      'more rows than --max-request-rows should be refused with 413',
    );
  });
});

describe('answers written a chunk of rows at a time', () => {
  const outputs: [string, unknown][] = [
    [
      'a frame of floats and other values',
      new DataFrame(
        ['score', 'label', 'n'],
        [Float32Array.from([1, 2.5, -0, NaN, 3]), ['a', 'b"q', null, 'd', 'e'], [1, 2, 3, 4, 5]],
        5,
      ),
    ],
    ['an empty frame', new DataFrame(['score'], [new Float32Array(0)], 0)],
    ['a 1-D tensor', new Tensor('float32', [5], Float32Array.from([1, 2, 3, 4.5, -1]))],
    [
      'a 3-D tensor',
      new Tensor(
        'int32',
        [4, 2, 2],
        Int32Array.from({ length: 16 }, (_, i) => i),
      ),
    ],
    ['a scalar tensor', new Tensor('float64', [], Float64Array.from([2]))],
    [
      'a dict of tensors',
      {
        out: new Tensor('float64', [4, 1], Float64Array.from([1, 2, 3, 4])),
        idx: new Tensor('int64', [4], BigInt64Array.from([1n, 2n, 3n, 4n])),
      },
    ],
    ['a list', [1, 'x', { a: [1, 2] }, null, 2.5]],
    ['a typed array', Float64Array.from([1, 2, 3, 4, 5, 6, 7])],
    ['bytes', Buffer.from('bytes')],
    ['an object', { a: 1, b: [1, 2] }],
    ['a number', 3],
  ];
  for (const [label, output] of outputs) {
    it(`joins to the same text as the whole answer: ${label}`, () => {
      for (const chunk of [1, 2, 3, 1000]) {
        assert.equal(
          [...predictionsChunks(output, true, chunk)].join(''),
          predictionsResponse(output),
          `wrapped, ${chunk} rows a chunk`,
        );
        assert.equal(
          [...predictionsChunks(output, false, chunk)].join(''),
          predictionsJson(output),
          `bare, ${chunk} rows a chunk`,
        );
      }
    });
  }

  it('makes pieces of at most the chunk size', () => {
    const frame = new DataFrame(['score'], [Float32Array.from({ length: 10 }, (_, i) => i)], 10);
    const pieces = [...predictionsChunks(frame, true, 4)];
    assert.deepEqual(
      pieces,
      [
        '{"predictions": ',
        '[',
        '{"score": 0.0}, {"score": 1.0}, {"score": 2.0}, {"score": 3.0}',
        ', {"score": 4.0}, {"score": 5.0}, {"score": 6.0}, {"score": 7.0}',
        ', {"score": 8.0}, {"score": 9.0}',
        ']',
        '}',
      ],
      'ten rows in pieces of four',
    );
  });
});
