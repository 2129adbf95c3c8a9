import { randomUUID } from 'node:crypto';
import type { DatasetInput, ModelInput, ModelOutput } from '../../../entities/tracking.js';
import { type Exec, nextPos, num, type StoreContext, str } from './common.js';
import { activeRunRow } from './runs.js';

/**
 * Links datasets (created once per experiment, identified by name + digest) and logged models to
 * a run. Logging the same dataset to the same run again is a no-op: its first input tags stay.
 */
export async function logInputs(
  ctx: StoreContext,
  runId: string,
  datasets: readonly DatasetInput[],
  models: readonly ModelInput[],
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const run = await activeRunRow(tx, runId);
    await linkDatasets(ctx, tx, runId, num(run.experiment_id), datasets);
    await linkModels(
      ctx,
      tx,
      runId,
      'input',
      models.map((m) => ({ model_id: m.model_id, step: 0 })),
    );
  });
}

export async function logOutputs(
  ctx: StoreContext,
  runId: string,
  models: readonly ModelOutput[],
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await activeRunRow(tx, runId);
    await linkModels(ctx, tx, runId, 'output', models);
  });
}

export async function linkModels(
  ctx: StoreContext,
  tx: Exec,
  runId: string,
  direction: 'input' | 'output',
  models: readonly ModelOutput[],
): Promise<void> {
  const unique = new Map(models.map((m) => [m.model_id, m.step ?? 0]));
  if (!unique.size) return;
  await tx.run(
    ctx.db.dialect.insertIgnore(
      'run_models',
      ['run_uuid', 'direction', 'model_id', 'step', 'pos'],
      ['run_uuid', 'direction', 'model_id'],
      unique.size,
    ),
    [...unique].flatMap(([id, step]) => [runId, direction, id, step, nextPos()]),
  );
}

async function ensureDataset(
  ctx: StoreContext,
  tx: Exec,
  experimentId: number,
  input: DatasetInput,
): Promise<string> {
  const ds = input.dataset;
  const find = (): Promise<{ dataset_uuid: unknown }[]> =>
    tx.query('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?', [
      experimentId,
      ds.name,
      ds.digest ?? '',
    ]);
  const found = await find();
  if (found[0]) return str(found[0].dataset_uuid);
  await tx.run(
    ctx.db.dialect.insertIgnore(
      'datasets',
      [
        'dataset_uuid',
        'experiment_id',
        'name',
        'digest',
        'source_type',
        'source',
        'dataset_schema',
        'dataset_profile',
      ],
      ['experiment_id', 'name', 'digest'],
    ),
    [
      randomUUID(),
      experimentId,
      ds.name,
      ds.digest ?? '',
      ds.source_type ?? '',
      ds.source ?? '',
      ds.schema ?? null,
      ds.profile ?? null,
    ],
  );
  return str((await find())[0]!.dataset_uuid);
}

/** Links datasets to a run inside the caller's transaction (no-op for ones already linked). */
export async function linkDatasets(
  ctx: StoreContext,
  tx: Exec,
  runId: string,
  experimentId: number,
  datasets: readonly DatasetInput[],
): Promise<void> {
  for (const input of datasets) {
    const datasetUuid = await ensureDataset(ctx, tx, experimentId, input);
    const linked = await tx.query(
      'SELECT input_uuid FROM run_inputs WHERE run_uuid = ? AND dataset_uuid = ?',
      [runId, datasetUuid],
    );
    if (linked.length) continue;
    const inputUuid = randomUUID();
    await tx.run('INSERT INTO run_inputs (input_uuid, run_uuid, dataset_uuid, pos) VALUES (?, ?, ?, ?)', [
      inputUuid,
      runId,
      datasetUuid,
      nextPos(),
    ]);
    const tags = new Map((input.tags ?? []).map((t) => [t.key, t.value]));
    if (tags.size) {
      await tx.run(
        ctx.db.dialect.insertIgnore(
          'input_tags',
          ['input_uuid', 'tag_key', 'tag_value', 'pos'],
          ['input_uuid', 'tag_key'],
          tags.size,
        ),
        [...tags].flatMap(([k, v]) => [inputUuid, k, v, nextPos()]),
      );
    }
  }
}
