/**
 * Trains a linear regression by gradient descent on synthetic data (ml-matrix) and tracks it with
 * Cairn: params, per-epoch train/validation loss, the closed-form least-squares baseline, the
 * dataset, a loss-curve PNG, the learned weights as JSON and a YAML summary.
 *
 *   node --import tsx examples/sdk-regression/train.ts [--epochs 60] [--lr 0.2] [--samples 2000]
 *
 * Tracking server: env CAIRN_TRACKING_URI / MLFLOW_TRACKING_URI (default http://127.0.0.1:5000).
 */
import { parseArgs } from 'node:util';
import { Matrix, solve } from 'ml-matrix';
import * as cairn from '../../src/index.js';
import { plotLines } from './plot.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '60' },
    lr: { type: 'string', default: '0.2' },
    samples: { type: 'string', default: '2000' },
    experiment: { type: 'string', default: 'sdk-regression' },
  },
});
const epochs = Number(args.epochs);
const lr = Number(args.lr);
const samples = Number(args.samples);

/** Deterministic pseudo-random numbers so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const FEATURES = 4;
const TRUE_WEIGHTS = [2.5, -1.0, 0.5, 3.0];
const BIAS = 0.7;
const rand = rng(42);
const X = Matrix.zeros(samples, FEATURES);
const y = Matrix.zeros(samples, 1);
for (let i = 0; i < samples; i++) {
  let target = BIAS;
  for (let j = 0; j < FEATURES; j++) {
    const v = rand() * 2 - 1;
    X.set(i, j, v);
    target += TRUE_WEIGHTS[j]! * v;
  }
  y.set(i, 0, target + (rand() - 0.5) * 0.2);
}
const split = Math.floor(samples * 0.8);
const [Xtr, ytr] = [X.subMatrix(0, split - 1, 0, FEATURES - 1), y.subMatrix(0, split - 1, 0, 0)];
const [Xva, yva] = [X.subMatrix(split, samples - 1, 0, FEATURES - 1), y.subMatrix(split, samples - 1, 0, 0)];

const mse = (Xs: Matrix, ys: Matrix, w: Matrix, b: number): number => {
  const err = Xs.mmul(w).add(b).sub(ys);
  return err.clone().mul(err).sum() / Xs.rows;
};

await cairn.setExperiment(args.experiment!);
const result = await cairn.withRun(
  { runName: `gd-lr-${lr}`, description: 'Linear regression by gradient descent' },
  async (run) => {
    run.logParams({ epochs, lr, samples, features: FEATURES, optimizer: 'batch-gd' });
    run.setTag('model.family', 'linear');
    await run.logInput(
      {
        name: 'synthetic-linear',
        source: `rng(seed=42) n=${samples}`,
        sourceType: 'generated',
        schema: { features: FEATURES },
      },
      'training',
    );

    let w = Matrix.zeros(FEATURES, 1);
    let b = 0;
    const trainLoss: number[] = [];
    const valLoss: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const err = Xtr.mmul(w).add(b).sub(ytr);
      const gradW = Xtr.transpose()
        .mmul(err)
        .mul(2 / Xtr.rows);
      const gradB = (2 * err.sum()) / Xtr.rows;
      w = w.sub(gradW.mul(lr));
      b -= lr * gradB;
      trainLoss.push(mse(Xtr, ytr, w, b));
      valLoss.push(mse(Xva, yva, w, b));
      run.logMetrics({ train_mse: trainLoss.at(-1)!, val_mse: valLoss.at(-1)! }, { step: epoch });
    }

    // Closed-form least squares as the reference the gradient descent should approach.
    const withBias = (m: Matrix): Matrix =>
      new Matrix(m.rows, FEATURES + 1)
        .setSubMatrix(m, 0, 0)
        .setColumn(FEATURES, new Array<number>(m.rows).fill(1));
    const coef = solve(withBias(Xtr), ytr);
    const olsMse = withBias(Xva).mmul(coef).sub(yva).pow(2).sum() / Xva.rows;
    run.logMetric('baseline_ols_val_mse', olsMse);

    await run.logImage(
      plotLines([
        { values: trainLoss, color: [31, 119, 180] },
        { values: valLoss, color: [255, 127, 14] },
      ]),
      'plots/loss.png',
    );
    await run.logDict(
      { weights: w.to1DArray(), bias: b, true_weights: TRUE_WEIGHTS, true_bias: BIAS },
      'model/weights.json',
    );
    await run.logDict(
      { final: { train_mse: trainLoss.at(-1), val_mse: valLoss.at(-1), ols_val_mse: olsMse } },
      'summary.yaml',
    );
    return { runId: run.runId, valMse: valLoss.at(-1)!, olsMse };
  },
);

process.stdout.write(
  `run ${result.runId}: val_mse=${result.valMse.toFixed(5)} (closed form ${result.olsMse.toFixed(5)}) → ${cairn.getTrackingUri()}\n`,
);
cairn.getClient().close();
