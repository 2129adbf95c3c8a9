import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { MlflowError } from '../../src/errors.js';
import { DataFrame, Tensor, isDataFrame, isTensor, isTensorDict } from '../../src/models/data.js';
import { loadTf } from '../../src/models/flavors/tfjs.js';
import { loadInputExample } from '../../src/models/input-example.js';
import { readMlModel } from '../../src/models/mlmodel.js';
import { loadModelFromDir } from '../../src/models/model.js';
import { saveModel } from '../../src/models/save.js';
import { schemaToJson } from '../../src/models/signature/types.js';
import { matrixModel, threeInputModel, threeInputScore } from './helpers/onnx-builder.js';
import { writeGraphModel } from './helpers/tfjs-graph.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-flavors-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('onnx flavor', () => {
  it('saves an MLflow-compatible directory and round-trips predictions', async () => {
    const dir = join(tmp, 'onnx-tabular');
    const example = [
      { x1: 1.5, x2: 2, x3: 3.25 },
      { x1: -1, x2: 0.5, x3: 10 },
    ];
    await saveModel(dir, { flavor: 'onnx', onnxBytes: threeInputModel(), inputExample: example });
    const yaml = parse(await readFile(join(dir, 'MLmodel'), 'utf8')) as {
      flavors: Record<string, Record<string, unknown>>;
      signature: Record<string, string>;
      saved_input_example_info: unknown;
    };
    assert.equal(yaml.flavors.onnx!.data, 'model.onnx');
    assert.equal(yaml.flavors.python_function!.loader_module, 'mlflow.onnx');
    assert.equal(
      yaml.signature.inputs,
      '[{"type": "double", "name": "x1", "required": true}, {"type": "double", "name": "x2", "required": true}, {"type": "double", "name": "x3", "required": true}]',
    );
    assert.equal(yaml.signature.outputs, '[{"type": "float", "name": "score", "required": true}]');
    assert.deepEqual(yaml.saved_input_example_info, {
      artifact_path: 'input_example.json',
      type: 'dataframe',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
    });
    for (const f of ['conda.yaml', 'python_env.yaml', 'requirements.txt', 'node_env.yaml', 'model.onnx']) {
      await readFile(join(dir, f));
    }
    assert.match(
      await readFile(join(dir, 'MLmodel'), 'utf8'),
      /utc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}'/,
    );
    const model = await loadModelFromDir(dir);
    assert.equal(model.flavor, 'onnx');
    const out = await model.predict(example);
    assert.ok(isDataFrame(out));
    assert.deepEqual(Array.from(out.column('score') as Float32Array), [
      threeInputScore(1.5, 2, 3.25),
      threeInputScore(-1, 0.5, 10),
    ]);
    const ex = await loadInputExample(dir, model.metadata);
    assert.ok(isDataFrame(ex!.input));
    assert.deepEqual((ex!.input as DataFrame).toRecords(), example);
    await model.close();
  });

  it('answers tensors keyed by output name for a tensor signature', async () => {
    const dir = join(tmp, 'onnx-matrix');
    const example = new Tensor('float32', [2, 3], Float32Array.from([1, 1, 1, 2, 0, 0]));
    await saveModel(dir, { flavor: 'onnx', onnxBytes: matrixModel(), inputExample: example });
    const model = await loadModelFromDir(dir);
    assert.deepEqual(schemaToJson(model.signature!.inputs!), [
      { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 3] } },
    ]);
    const out = await model.predict([
      [1, 1, 1],
      [2, 0, 0],
    ]);
    assert.ok(isTensorDict(out));
    assert.deepEqual(out.output!.shape, [2, 1]);
    assert.deepEqual(out.output!.toNested(), [[6.5], [2.5]]);
    await assert.rejects(
      model.predict([[1, 2]]),
      (e: unknown) => e instanceof MlflowError && /Shape of input/.test(e.message),
    );
    await model.close();
  });

  it('scores a large frame in slices of rows with the result of whole runs', async () => {
    const rows = 150_001; // more than two slices of 65,536 rows, the last one short
    const value = (r: number, c: number): number => ((r * (c + 3)) % 1009) / 8 - 40;
    const three = join(tmp, 'onnx-large-three');
    await saveModel(three, { flavor: 'onnx', onnxBytes: threeInputModel() });
    const model = await loadModelFromDir(three);
    // Float32Array columns reach the graph as views of each slice; Float64Array ones are converted.
    for (const Ctor of [Float32Array, Float64Array]) {
      const data = [0, 1, 2].map((c) => {
        const col = new Ctor(rows);
        for (let r = 0; r < rows; r++) col[r] = value(r, c);
        return col;
      });
      const out = await model.predictPrepared(new DataFrame(['x1', 'x2', 'x3'], data, rows));
      assert.ok(isDataFrame(out), 'a frame in, a frame out');
      const score = out.column('score') as Float32Array;
      assert.equal(score.length, rows, `${Ctor.name}: one score per row`);
      for (let r = 0; r < rows; r++) {
        const expected = threeInputScore(data[0]![r]!, data[1]![r]!, data[2]![r]!);
        if (score[r] !== expected)
          assert.fail(`${Ctor.name}: row ${r} scored ${score[r]}, expected ${expected}`);
      }
    }
    await model.close();

    // One input fed the whole matrix: compared with runs of 1,000 rows, which are not sliced.
    const matrixDir = join(tmp, 'onnx-large-matrix');
    await saveModel(matrixDir, { flavor: 'onnx', onnxBytes: matrixModel() });
    const matrix = await loadModelFromDir(matrixDir);
    const frame = new DataFrame(
      ['a', 'b', 'c'],
      [0, 1, 2].map((c) => Array.from({ length: rows }, (_, r) => value(r, c))),
      rows,
    );
    const whole = (await matrix.predictPrepared(frame)) as DataFrame;
    assert.deepEqual(whole.columns, ['output'], 'the output column');
    const got = whole.data[0] as Float32Array;
    assert.equal(got.length, rows, 'one output per row');
    for (let start = 0; start < rows; start += 1000) {
      const part = (await matrix.predictPrepared(frame.slice(start, start + 1000))) as DataFrame;
      const want = part.data[0] as Float32Array;
      for (let i = 0; i < want.length; i++) {
        if (got[start + i] !== want[i]) assert.fail(`row ${start + i}: ${got[start + i]} against ${want[i]}`);
      }
    }
    await matrix.close();
  });

  it('refuses to overwrite a non-empty directory', async () => {
    await assert.rejects(
      saveModel(join(tmp, 'onnx-matrix'), { flavor: 'onnx', onnxBytes: matrixModel() }),
      (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_ALREADY_EXISTS',
    );
  });
});

describe('js_function flavor', () => {
  it('copies the module and artifacts into the model and calls load/predict with params', async () => {
    const src = join(tmp, 'src');
    await rm(src, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(src, { recursive: true }));
    await writeFile(join(src, 'helper.mjs'), 'export const scale = (x, a) => x * a;\n');
    await writeFile(
      join(src, 'model.mjs'),
      [
        "import { readFile } from 'node:fs/promises';",
        "import { scale } from './helper.mjs';",
        "export async function load(ctx) { return JSON.parse(await readFile(ctx.artifacts.weights, 'utf8')); }",
        'export function predict(w, input, params) {',
        '  return input.toRecords().map((r) => scale(r.x, w.a) + params.offset);',
        '}',
      ].join('\n'),
    );
    await writeFile(join(src, 'weights.json'), JSON.stringify({ a: 3 }));
    const dir = join(tmp, 'js-model');
    await saveModel(dir, {
      flavor: 'js_function',
      code: join(src, 'model.mjs'),
      codePaths: [join(src, 'helper.mjs')],
      artifacts: { weights: join(src, 'weights.json') },
      inputExample: [{ x: 1.5 }, { x: 2 }],
      inputExampleParams: { offset: 0.5 },
      rowWise: true,
    });
    await rm(src, { recursive: true, force: true }); // the model must not depend on the original files
    const meta = await readMlModel(dir);
    assert.equal(meta.flavors.js_function!.entry, 'code/model.mjs');
    // Outputs 5 and 6.5 for the example: a list of numbers is one unnamed double column.
    assert.deepEqual(schemaToJson(meta.signature!.outputs!), [{ type: 'double', required: true }]);
    assert.equal(meta.signature!.params![0]!.name, 'offset');
    const model = await loadModelFromDir(dir);
    assert.equal(model.flavor, 'js_function');
    assert.equal(model.rowWise, true);
    assert.deepEqual(await model.predict([{ x: 2 }, { x: 10 }]), [6.5, 30.5]);
    assert.deepEqual(await model.predict([{ x: 2 }], { offset: 1 }), [7]);
    await assert.rejects(model.predict([{ y: 2 }]), /Model is missing inputs \['x'\]/);
  });

  it('fails clearly when the module has no predict', async () => {
    const src = join(tmp, 'bad.mjs');
    await writeFile(src, 'export const nothing = 1;\n');
    const dir = join(tmp, 'js-bad');
    await saveModel(dir, { flavor: 'js_function', code: src });
    await assert.rejects(loadModelFromDir(dir), /does not export a predict function/);
  });
});

describe('tfjs flavor', () => {
  it('round-trips a layers model', async () => {
    const tf = await loadTf();
    const net = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    net.setWeights([tf.tensor2d([[1], [2], [3]]), tf.tensor1d([0.5])]);
    const dir = join(tmp, 'tfjs-layers');
    const example = new Tensor('float32', [1, 3], Float32Array.from([1, 1, 1]));
    await saveModel(dir, { flavor: 'tfjs', model: net, inputExample: example });
    const model = await loadModelFromDir(dir);
    assert.equal(model.flavor, 'tfjs');
    const out = await model.predict([
      [1, 1, 1],
      [2, 0, 0],
    ]);
    assert.ok(isTensor(out));
    assert.deepEqual(out.toNested(), [[6.5], [2.5]]);
    assert.deepEqual(schemaToJson(model.signature!.outputs!), [
      { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] } },
    ]);
    await model.close();
  });

  it('round-trips a graph model from model.json and weight shards', async () => {
    const json = await writeGraphModel(join(tmp, 'graph-src'));
    const dir = join(tmp, 'tfjs-graph');
    await saveModel(dir, { flavor: 'tfjs', modelJsonPath: json });
    await rm(join(tmp, 'graph-src'), { recursive: true, force: true });
    const meta = await readMlModel(dir);
    assert.equal(meta.flavors.tfjs!.format, 'graph-model');
    const model = await loadModelFromDir(dir);
    const out = await model.predict(new Tensor('float32', [2, 3], Float32Array.from([1, 1, 1, 0, 0, 1])));
    assert.ok(isTensor(out));
    assert.deepEqual(out.toNested(), [[6], [3]]);
    await model.close();
  });
});

describe('model loading', () => {
  it('names the flavors found when none can be loaded', async () => {
    const dir = join(tmp, 'sklearn');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(
      join(dir, 'MLmodel'),
      'flavors:\n  sklearn: {pickled_model: model.pkl}\n  python_function: {loader_module: mlflow.sklearn}\n',
    );
    await assert.rejects(loadModelFromDir(dir), /no flavor Cairn can load \(found: sklearn, python_function/);
    await assert.rejects(loadModelFromDir(join(tmp, 'missing')), /Could not find an "MLmodel"/);
  });
});
