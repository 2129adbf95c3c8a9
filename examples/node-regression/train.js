// Linear regression by gradient descent (ml-matrix), tracked with Cairn.
// Run it as a project:   cairn run ./examples/node-regression -e train -P epochs=50 -P lr=0.05
// The project runner passes MLFLOW_RUN_ID / MLFLOW_TRACKING_URI, so the run below is the project's run.
import { parseArgs } from 'node:util';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix } from 'ml-matrix';
import * as cairn from 'cairn-ml';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '50' },
    lr: { type: 'string', default: '0.05' },
    samples: { type: 'string', default: '1000' },
  },
});
const epochs = Math.round(Number(values.epochs));
const lr = Number(values.lr);
const n = Math.round(Number(values.samples));

// Reproducible synthetic data: y = 3·x1 − 2·x2 + 0.5 + noise.
let seed = 42;
const rand = () => ((seed = (seed * 1664525 + 1013904223) % 4294967296) / 4294967296);
const X = Matrix.zeros(n, 3);
const y = Matrix.zeros(n, 1);
for (let i = 0; i < n; i++) {
  const x1 = rand() * 2 - 1;
  const x2 = rand() * 2 - 1;
  X.setRow(i, [x1, x2, 1]);
  y.set(i, 0, 3 * x1 - 2 * x2 + 0.5 + (rand() - 0.5) * 0.1);
}

/** A small SVG line chart of the loss curve, logged as an artifact. */
function lossChart(losses) {
  const w = 480, h = 240, pad = 32;
  const max = Math.max(...losses), min = Math.min(...losses);
  const pts = losses
    .map((v, i) => `${pad + (i / Math.max(1, losses.length - 1)) * (w - 2 * pad)},${h - pad - ((v - min) / (max - min || 1)) * (h - 2 * pad)}`)
    .join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="18">training MSE by epoch (${losses.length} epochs)</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#888"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#888"/>
<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${pts}"/>
<text x="${pad}" y="${h - 10}">0</text><text x="${w - pad - 20}" y="${h - 10}">${losses.length - 1}</text>
</svg>\n`;
}

// Standalone (`node train.js`), log to an experiment of its own; under `cairn run` the run already exists.
if (!process.env.MLFLOW_RUN_ID) await cairn.setExperiment('node-regression');
await cairn.withRun({ runName: `lr-${lr}` }, async (run) => {
  run.logParams({ epochs, lr, samples: n, model: 'linear-regression' });
  let w = Matrix.zeros(3, 1);
  const losses = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const err = X.mmul(w).sub(y);
    const mse = err.clone().mul(err).sum() / n;
    const grad = X.transpose().mmul(err).mul(2 / n);
    w = w.sub(grad.mul(lr));
    losses.push(mse);
    run.logMetric('mse', mse, { step: epoch });
  }
  const final = X.mmul(w).sub(y);
  const finalMse = final.clone().mul(final).sum() / n;
  run.logMetric('final_mse', finalMse);
  const weights = { weights: w.getColumn(0).slice(0, 2), bias: w.get(2, 0) };
  await run.logText(lossChart(losses), 'plots/loss.svg');
  // The model itself, in the MLmodel format: servable with `cairn models serve -m runs:/<run id>/model`.
  const weightsFile = join(await mkdtemp(join(tmpdir(), 'weights-')), 'weights.json');
  await writeFile(weightsFile, JSON.stringify(weights));
  await cairn.models.logModel(run, 'model', {
    flavor: 'js_function',
    code: fileURLToPath(new URL('./linear_model.mjs', import.meta.url)),
    artifacts: { weights: weightsFile },
    inputExample: [{ x1: 0.5, x2: -0.25 }],
    rowWise: true,
  });
  console.log(`trained ${epochs} epochs: final MSE ${finalMse.toFixed(5)}, weights ${w.getColumn(0).map((v) => v.toFixed(3)).join(', ')}`);
});
