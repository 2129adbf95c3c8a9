import { randomUUID } from 'node:crypto';
import {
  RUN_NAME_TAG,
  type Run,
  type RunInfo,
  type RunStatus,
  type RunTag,
} from '../../../entities/tracking.js';
import { invalidParam, notFound } from '../../../errors.js';
import type { Row } from '../database.js';
import type { CreateRunInput } from '../../tracking-store.js';
import { appendPath, type Exec, num, queryIn, type StoreContext, str } from './common.js';
import { requireActiveExperiment } from './experiments.js';
import { loadRuns, RUN_COLUMNS, runInfoFromRow } from './run-loader.js';
import { upsertRunTags } from './run-tags.js';
import { runSortFacts } from './sort-keys.js';

export const runNotFound = (runId: string): Error => notFound(`Run with id=${runId} not found`);

export async function runRow(ex: Exec, runId: string): Promise<Row> {
  const rows = await ex.query(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_uuid = ?`, [runId]);
  if (!rows[0]) throw runNotFound(runId);
  return rows[0];
}

/** The run row of an active run; unknown → RESOURCE_DOES_NOT_EXIST, deleted → INVALID_PARAMETER_VALUE. */
export async function activeRunRow(ex: Exec, runId: string): Promise<Row> {
  const row = await runRow(ex, runId);
  if (row.lifecycle_stage !== 'active') throw inactiveRun(runId, row);
  return row;
}

const inactiveRun = (runId: string, row: Row): Error =>
  invalidParam(
    `The run ${runId} must be in the 'active' state. Current state is ${str(row.lifecycle_stage)}.`,
  );

/**
 * The columns `activeRunsFrom` reads. Writes that only need to know which runs are active select
 * these rather than RUN_COLUMNS: a group statement's answer is then two short columns per run,
 * not ten, for the driver to describe and parse.
 */
export const RUN_STATE_COLUMNS = 'run_uuid, lifecycle_stage';

/** What writing a run's metrics, params and tags reads of its row (see `runSortFacts`). */
export const RUN_WRITE_COLUMNS = `run_pk, experiment_id, start_time, ${RUN_STATE_COLUMNS}`;

/**
 * `activeRunRow` of many runs in one query, for writing to them: each id maps to its row (of
 * RUN_WRITE_COLUMNS) or to the error `activeRunRow` would throw.
 */
export async function activeRunRows(ex: Exec, runIds: readonly string[]): Promise<Map<string, Row | Error>> {
  const rows = await queryIn(
    ex,
    (p) => `SELECT ${RUN_WRITE_COLUMNS} FROM runs WHERE run_uuid IN (${p})`,
    runIds,
  );
  return activeRunsFrom(rows, runIds);
}

/**
 * Maps each id to its row among `rows` (of RUN_STATE_COLUMNS at least), or to the error
 * `activeRunRow` would throw.
 */
export function activeRunsFrom(rows: readonly Row[], runIds: readonly string[]): Map<string, Row | Error> {
  const found = new Map(rows.map((r) => [str(r.run_uuid), r]));
  const out = new Map<string, Row | Error>();
  for (const id of runIds) {
    const row = found.get(id);
    out.set(id, !row ? runNotFound(id) : row.lifecycle_stage !== 'active' ? inactiveRun(id, row) : row);
  }
  return out;
}

export async function createRun(ctx: StoreContext, input: CreateRunInput): Promise<Run> {
  const runId = randomUUID().replace(/-/g, '');
  const tags: RunTag[] = [...input.tags];
  if (input.runName && !tags.some((t) => t.key === RUN_NAME_TAG)) {
    tags.push({ key: RUN_NAME_TAG, value: input.runName });
  }
  const runName = input.runName || tags.find((t) => t.key === RUN_NAME_TAG)?.value || '';
  return ctx.db.transaction(async (tx) => {
    const exp = await requireActiveExperiment(tx, input.experimentId);
    const artifactUri = input.artifactUri ?? appendPath(str(exp.artifact_location), runId, 'artifacts');
    await tx.run(
      `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, 'active', ?)`,
      [runId, num(exp.experiment_id), runName, input.userId ?? '', input.startTime ?? 0, artifactUri],
    );
    const facts = { runId, experimentId: num(exp.experiment_id), startTime: input.startTime ?? 0 };
    await upsertRunTags(ctx, tx, facts, tags);
    // The new run is fully known here: answer without reading it back.
    const merged = new Map<string, string>();
    for (const t of tags) merged.set(t.key, t.value);
    const run: Run = {
      info: {
        run_id: runId,
        run_uuid: runId,
        run_name: merged.get(RUN_NAME_TAG) ?? runName,
        experiment_id: String(exp.experiment_id),
        user_id: input.userId ?? '',
        status: 'RUNNING',
        start_time: input.startTime ?? 0,
        artifact_uri: artifactUri,
        lifecycle_stage: 'active',
      },
      data: {},
      inputs: {},
    };
    if (merged.size) run.data.tags = [...merged].map(([key, value]) => ({ key, value }));
    return run;
  });
}

export async function getRun(ctx: StoreContext, runId: string): Promise<Run> {
  const row = await runRow(ctx.db, runId);
  return (await loadRuns(ctx.db, [row]))[0]!;
}

export async function updateRun(
  ctx: StoreContext,
  runId: string,
  update: { status?: RunStatus; endTime?: number; runName?: string },
): Promise<RunInfo> {
  return ctx.db.transaction(async (tx) => {
    const row = await activeRunRow(tx, runId);
    const sets: string[] = [];
    const params: (string | number)[] = [];
    if (update.status !== undefined) {
      sets.push('status = ?');
      params.push(update.status);
    }
    if (update.endTime !== undefined) {
      sets.push('end_time = ?');
      params.push(update.endTime);
    }
    if (update.runName) {
      sets.push('name = ?');
      params.push(update.runName);
      await upsertRunTags(ctx, tx, runSortFacts(row), [{ key: RUN_NAME_TAG, value: update.runName }], false);
    }
    if (sets.length)
      await tx.run(`UPDATE runs SET ${sets.join(', ')} WHERE run_uuid = ?`, [...params, runId]);
    return runInfoFromRow(await runRow(tx, runId));
  });
}

/** Soft delete; deleting a deleted run is a no-op (as restoring an active one). */
export async function deleteRun(ctx: StoreContext, runId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await runRow(tx, runId);
    await tx.run(
      `UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ?, deleted_with_experiment = 0 WHERE run_uuid = ? AND lifecycle_stage = 'active'`,
      [Date.now(), runId],
    );
  });
}

export async function restoreRun(ctx: StoreContext, runId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await runRow(tx, runId);
    if (row.lifecycle_stage === 'purging') {
      throw invalidParam(`The run ${runId} is being permanently deleted by garbage collection.`);
    }
    await tx.run(
      `UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL, deleted_with_experiment = 0 WHERE run_uuid = ?`,
      [runId],
    );
  });
}

export async function deleteTag(ctx: StoreContext, runId: string, key: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await activeRunRow(tx, runId);
    const res = await tx.run('DELETE FROM tags WHERE run_uuid = ? AND tag_key = ?', [runId, key]);
    if (!res.changes) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  });
}
