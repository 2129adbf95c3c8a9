/** Batch prediction reads a JSON scoring body with the scoring server's parser. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameFromJsonDocument } from '../../src/models/batch/readers.js';
import { parseJsonRequest } from '../../src/models/scoring-input.js';
import { DataFrame } from '../../src/models/data.js';
import type { Schema } from '../../src/models/signature/types.js';
import { MlflowError } from '../../src/errors.js';

const schema: Schema = {
  kind: 'columns',
  inputs: [
    { name: 'a', type: 'long', required: true },
    { name: 'b', type: 'string', required: true },
  ],
};

const records = (v: unknown): unknown =>
  v instanceof DataFrame ? v.toRecords() : Array.isArray(v) ? DataFrame.fromRecords(v).toRecords() : v;

describe('scoring input in batch and serving', () => {
  it('reads a dataframe_split of scalars as one column instead of crashing', () => {
    const body = { dataframe_split: { data: [1, 2] } };
    const frame = frameFromJsonDocument(body);
    assert.deepEqual(frame.columns, ['0']);
    assert.deepEqual(frame.toRecords(), records(parseJsonRequest(JSON.stringify(body), undefined).input));
  });

  it('refuses malformed bodies with a 400-style error, never a TypeError', () => {
    for (const body of [
      { dataframe_split: { data: [[1, 2], 3] } },
      { dataframe_split: { data: 'x' } },
      { dataframe_split: 5 },
      { dataframe_records: [1, 2] },
      { instances: [1, 2] },
      { inputs: { a: [1, 2], b: ['x'] } },
      { inputs: 'text' },
      42,
    ]) {
      assert.throws(
        () => frameFromJsonDocument(body),
        (err: unknown) => err instanceof MlflowError && err.httpStatus === 400,
        JSON.stringify(body),
      );
    }
  });

  it('gives instances and inputs the same meaning in batch and serving', () => {
    const rows = [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ];
    for (const body of [
      { instances: rows },
      { inputs: { a: [1, 2], b: ['x', 'y'] } },
      { inputs: rows },
      { dataframe_records: rows },
      {
        dataframe_split: {
          columns: ['a', 'b'],
          data: [
            [1, 'x'],
            [2, 'y'],
          ],
        },
      },
    ]) {
      const served: unknown = parseJsonRequest(JSON.stringify(body), schema).input;
      assert.deepEqual(frameFromJsonDocument(body).toRecords(), records(served), JSON.stringify(body));
      assert.deepEqual(frameFromJsonDocument(body).toRecords(), rows, JSON.stringify(body));
    }
  });
});
