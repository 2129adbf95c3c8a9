/** The scoring server answers its own failures with a generic 500 and logs them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { buildScoringApp } from '../../src/serving/app.js';
import { ONNX_TABULAR_MODEL } from '../helpers/fixtures.js';

describe('scoring server internal errors', () => {
  let model: Model;
  before(async () => {
    model = await loadModelFromDir(ONNX_TABULAR_MODEL);
  });
  after(async () => {
    await model.close();
  });

  it('answers a TypeError of its own code with 500 and a generic message, and logs it', async () => {
    // Stands for a bug in Cairn's input preparation (the real code cannot be made to fail).
    model.prepareInput = () => {
      throw new TypeError('cannot read properties of undefined (secret detail)');
    };
    const { app } = buildScoringApp(model);
    const logged: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/invocations',
        headers: { 'content-type': 'application/json' },
        payload: '{"dataframe_records": [{"x1": 1, "x2": 2, "x3": 3}]}',
      });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), { error_code: 'INTERNAL_ERROR', message: 'Internal server error.' });
      assert.ok(!res.body.includes('secret detail'));
    } finally {
      process.stderr.write = write;
      await app.close();
    }
    assert.ok(
      logged.some((l) => l.includes('TypeError') && l.includes('secret detail')),
      logged.join(''),
    );
  });
});
