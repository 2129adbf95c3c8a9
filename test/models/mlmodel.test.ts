import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  mlModelToDict,
  parseMlModel,
  readMlModel,
  stringifyMlModel,
  writeMlModel,
} from '../../src/models/mlmodel.js';
import { summarizeMlModel } from '../../src/models/summary.js';
import { ONNX_TABULAR_MODEL as FIXTURE } from '../helpers/fixtures.js';

describe('MLmodel files', () => {
  it('reads the MLflow-written fixture and writes it back with the same content', async () => {
    const text = await readFile(join(FIXTURE, 'MLmodel'), 'utf8');
    const model = parseMlModel(text);
    assert.equal(model.model_uuid, '8c4edbed4bea47bfb664c5025e14eb80');
    assert.equal(model.utc_time_created, '2026-11-26 05:38:54.502018');
    assert.equal(model.model_id, null);
    assert.equal(model.extra.prompts, null, 'unknown keys are kept');
    assert.equal(model.signature?.inputs?.kind, 'columns');
    const again = stringifyMlModel(model);
    assert.deepEqual(parse(again), parse(text), 'same YAML document after a round trip');
  });

  it('round-trips through a directory and the log-model dict', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cairn-mlmodel-'));
    try {
      await cp(FIXTURE, join(tmp, 'm'), { recursive: true });
      const model = await readMlModel(join(tmp, 'm'));
      model.run_id = 'abc';
      model.artifact_path = 'model';
      await writeMlModel(join(tmp, 'm'), model);
      const back = await readMlModel(join(tmp, 'm'));
      assert.equal(back.run_id, 'abc');
      const dict = mlModelToDict(back);
      assert.equal(typeof (dict.signature as Record<string, unknown>).inputs, 'string');
      assert.deepEqual(parseMlModel(dict), back);
      await writeFile(join(tmp, 'm', 'MLmodel'), '- not a mapping\n');
      await assert.rejects(readMlModel(join(tmp, 'm')), /not a YAML mapping/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('summarises flavors, signature and input example for display', async () => {
    const s = summarizeMlModel(await readFile(join(FIXTURE, 'MLmodel'), 'utf8'));
    assert.deepEqual(
      s.flavors.map((f) => f.name),
      ['onnx', 'python_function'],
    );
    assert.equal(s.flavors[1]!.details.loader_module, 'mlflow.onnx');
    assert.deepEqual(s.signature, {
      kind: 'columns',
      inputs: [
        { name: 'amount', type: 'float', required: true },
        { name: 'age', type: 'float', required: true },
      ],
      outputs: [{ name: 'score', type: 'float', required: true }],
      params: [],
    });
    assert.deepEqual(s.inputExample, {
      path: 'input_example.json',
      type: 'dataframe',
      servingPath: 'serving_input_example.json',
    });
    assert.equal(s.sizeBytes, 464);
    assert.deepEqual(s.warnings, []);
    const broken = summarizeMlModel({ flavors: { onnx: {} }, signature: { inputs: '[{"type": "tensor"}' } });
    assert.equal(broken.flavors.length, 1);
    assert.equal(broken.warnings.length, 1);
  });
});
