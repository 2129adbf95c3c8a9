/** Writes a tiny TensorFlow.js graph model (y = x @ [[1],[2],[3]]) as model.json + weights.bin. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeGraphModel(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'cairn-tests',
    convertedBy: null,
    modelTopology: {
      node: [
        {
          name: 'x',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } },
        },
        {
          name: 'W',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_FLOAT' },
            value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '1' }] } } },
          },
        },
        {
          name: 'y',
          op: 'MatMul',
          input: ['x', 'W'],
          attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } },
        },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      { paths: ['group1-shard1of1.bin'], weights: [{ name: 'W', shape: [3, 1], dtype: 'float32' }] },
    ],
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeFile(join(dir, 'group1-shard1of1.bin'), new Uint8Array(new Float32Array([1, 2, 3]).buffer));
  return join(dir, 'model.json');
}
