/**
 * The realistic sweep of the UI benchmark: 303 runs — 3 parent runs with 100 nested child runs
 * each — with 4 params, 6 metrics of up to 2,000 steps each, a small artifact per run (an MLmodel
 * file and a JSON report) and a registered model with a version from the best run. Runs and
 * metrics go through the tracking service in-process (createRun + logBatch, the code behind the
 * REST API); artifacts and the registry through the REST API.
 */
import type { TrackingService } from '../src/tracking/tracking-service.js';
import { call, parallel, uploadArtifact } from '../test/ui/helpers.js';

export const SWEEP_PARENTS = 3;
export const SWEEP_CHILDREN = 100;
export const SWEEP_METRICS = ['train_loss', 'val_loss', 'val_acc', 'lr', 'grad_norm', 'throughput'];
export const SWEEP_MAX_STEPS = 2000;

export interface Sweep {
  experimentId: string;
  runIds: string[];
  /** Metric points written. */
  points: number;
}

/** Steps of child `i`: between 500 and 2,000 (early-stopped trials are shorter). */
const stepsOf = (i: number) => 500 + ((i * 613) % (SWEEP_MAX_STEPS - 499));

function value(metric: string, i: number, s: number): number {
  const rate = 1 + (i % 7) / 3;
  switch (metric) {
    case 'train_loss':
      return 2 * Math.exp((-s * rate) / 600) + 0.05 + 0.02 * Math.sin(s / 13 + i);
    case 'val_loss':
      return 2 * Math.exp((-s * rate) / 700) + 0.08 + 0.03 * Math.sin(s / 29 + i);
    case 'val_acc':
      return 0.95 - 0.85 * Math.exp((-s * rate) / 650) - (i % 11) / 200;
    case 'lr':
      return 0.001 * (1 + (i % 5)) * Math.cos((Math.PI * s) / (2 * SWEEP_MAX_STEPS));
    case 'grad_norm':
      return 1 / (1 + s / 100) + 0.1 * Math.abs(Math.sin(s + i));
    default:
      return 900 + 50 * Math.sin(s / 7 + i);
  }
}

export async function seedSweep(base: string, tracking: TrackingService): Promise<Sweep> {
  const experimentId = (
    await call<{ experiment_id: string }>(base, 'POST', 'experiments/create', { name: 'ui-bench-sweep' })
  ).experiment_id;
  const t0 = Date.now() - 3_600_000;
  const runIds: string[] = [];
  let points = 0;
  for (let p = 0; p < SWEEP_PARENTS; p++) {
    const parent = await tracking.createRun({
      experimentId,
      runName: `sweep-${'abc'[p]}`,
      startTime: t0 + p,
      tags: [{ key: 'mlflow.user', value: 'ana' }],
    });
    runIds.push(parent.info.run_id);
    const children = Array.from({ length: SWEEP_CHILDREN }, (_x, c) => p * SWEEP_CHILDREN + c);
    await parallel(4, children, async (i) => {
      const run = await tracking.createRun({
        experimentId,
        runName: `trial-${String(i).padStart(3, '0')}`,
        startTime: t0 + 1000 + i * 1000,
        tags: [
          { key: 'mlflow.parentRunId', value: parent.info.run_id },
          { key: 'mlflow.user', value: 'ana' },
          { key: 'mlflow.source.name', value: 'train.py' },
        ],
      });
      const id = run.info.run_id;
      runIds.push(id);
      await tracking.logBatch(
        id,
        [],
        [
          { key: 'lr', value: String(0.001 * (1 + (i % 5))) },
          { key: 'batch_size', value: String([32, 64, 128, 256][i % 4]) },
          { key: 'optimizer', value: ['adam', 'sgd', 'rmsprop'][i % 3]! },
          { key: 'layers', value: String(2 + (i % 6)) },
        ],
        [],
      );
      // All six metrics step by step, 1,000 points per call (MLflow's batch limit).
      const steps = stepsOf(i);
      let batch: { key: string; value: number; timestamp: number; step: number }[] = [];
      for (let s = 0; s < steps; s++) {
        for (const m of SWEEP_METRICS)
          batch.push({ key: m, value: value(m, i, s), timestamp: t0 + 1000 + i * 1000 + s * 50, step: s });
        if (batch.length >= 996) {
          await tracking.logBatch(id, batch, [], []);
          points += batch.length;
          batch = [];
        }
      }
      if (batch.length) {
        await tracking.logBatch(id, batch, [], []);
        points += batch.length;
      }
      await uploadArtifact(base, id, 'model/MLmodel', `artifact_path: model\nrun_id: ${id}\nflavors: {}\n`);
      await uploadArtifact(base, id, 'report.json', JSON.stringify({ trial: i, steps }));
      await tracking.updateRun(id, { status: 'FINISHED', endTime: t0 + 1000 + i * 1000 + steps * 50 });
    });
    await tracking.updateRun(parent.info.run_id, { status: 'FINISHED', endTime: Date.now() });
  }
  await call(base, 'POST', 'registered-models/create', { name: 'ui-bench-model' });
  await call(base, 'POST', 'model-versions/create', {
    name: 'ui-bench-model',
    source: `runs:/${runIds[1]}/model`,
    run_id: runIds[1],
  });
  return { experimentId, runIds, points };
}
