import type { Experiment, Tag } from '../../../entities/tracking.js';
import { alreadyExists, invalidParam, notFound } from '../../../errors.js';
import type { Row } from '../database.js';
import {
  appendPath,
  type Exec,
  nextPos,
  num,
  parseExperimentId,
  queryIn,
  type StoreContext,
  str,
} from './common.js';

export const DEFAULT_EXPERIMENT_NAME = 'Default';

const EXPERIMENT_COLUMNS =
  'experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time';

export const experimentNotFound = (id: string): Error => notFound(`No Experiment with id=${id} exists`);

export function experimentFromRow(row: Row, tags: Tag[] = []): Experiment {
  const e: Experiment = {
    experiment_id: String(row.experiment_id),
    name: str(row.name),
    artifact_location: str(row.artifact_location),
    // An experiment being purged by `cairn gc` ('purging') is shown as deleted.
    lifecycle_stage: row.lifecycle_stage === 'active' ? 'active' : 'deleted',
    last_update_time: num(row.last_update_time),
    creation_time: num(row.creation_time),
  };
  if (tags.length) e.tags = tags;
  return e;
}

/** Loads the tags of many experiments in one query, in the order they were first set. */
export async function loadExperimentTags(ex: Exec, ids: readonly number[]): Promise<Map<string, Tag[]>> {
  const byId = new Map<string, Tag[]>();
  if (!ids.length) return byId;
  const rows = await queryIn(
    ex,
    (p) =>
      `SELECT experiment_id, tag_key, tag_value FROM experiment_tags WHERE experiment_id IN (${p}) ORDER BY experiment_id, pos`,
    ids,
  );
  for (const r of rows) {
    const id = String(r.experiment_id);
    let list = byId.get(id);
    if (!list) byId.set(id, (list = []));
    list.push({ key: str(r.tag_key), value: str(r.tag_value) });
  }
  return byId;
}

export async function experimentsFromRows(ex: Exec, rows: Row[]): Promise<Experiment[]> {
  const tags = await loadExperimentTags(
    ex,
    rows.map((r) => num(r.experiment_id)),
  );
  return rows.map((r) => experimentFromRow(r, tags.get(String(r.experiment_id))));
}

/** The experiment row, or a RESOURCE_DOES_NOT_EXIST error. */
export async function experimentRow(ex: Exec, experimentId: string): Promise<Row> {
  const id = parseExperimentId(experimentId);
  const rows =
    id === null
      ? []
      : await ex.query(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE experiment_id = ?`, [id]);
  if (!rows[0]) throw experimentNotFound(experimentId);
  return rows[0];
}

export async function requireActiveExperiment(ex: Exec, experimentId: string): Promise<Row> {
  const row = await experimentRow(ex, experimentId);
  if (row.lifecycle_stage !== 'active') {
    throw invalidParam(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${str(row.lifecycle_stage)}.`,
    );
  }
  return row;
}

export async function getExperiment(ctx: StoreContext, experimentId: string): Promise<Experiment> {
  const row = await experimentRow(ctx.db, experimentId);
  return (await experimentsFromRows(ctx.db, [row]))[0]!;
}

export async function getExperimentByName(ctx: StoreContext, name: string): Promise<Experiment | null> {
  // Names are unique (also across deleted experiments), so there is at most one.
  const rows = await ctx.db.query(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?`, [name]);
  if (!rows.length) return null;
  return (await experimentsFromRows(ctx.db, rows))[0]!;
}

const duplicateName = (name: string): Error => alreadyExists(`Experiment(name=${name}) already exists.`);

async function insertExperiment(
  ex: Exec,
  ctx: StoreContext,
  name: string,
  artifactLocation: string | undefined,
  now: number,
  explicitId?: number,
): Promise<number> {
  const location = artifactLocation || null;
  let id: number;
  if (explicitId !== undefined) {
    await ex.run(
      `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, 'active', ?, ?)`,
      [explicitId, name, location, now, now],
    );
    id = explicitId;
  } else {
    id = await ctx.db.dialect.insertReturningId(
      ex,
      'experiments',
      ['name', 'artifact_location', 'lifecycle_stage', 'creation_time', 'last_update_time'],
      [name, location, 'active', now, now],
      'experiment_id',
    );
  }
  if (!location) {
    await ex.run('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?', [
      appendPath(ctx.defaultArtifactRoot, String(id)),
      id,
    ]);
  }
  return id;
}

export async function createExperiment(
  ctx: StoreContext,
  name: string,
  artifactLocation: string | undefined,
  tags: Tag[],
): Promise<string> {
  const now = Date.now();
  try {
    return await ctx.db.transaction(async (tx) => {
      const existing = await tx.query('SELECT experiment_id FROM experiments WHERE name = ?', [name]);
      if (existing.length) throw duplicateName(name);
      const id = await insertExperiment(tx, ctx, name, artifactLocation, now);
      await upsertExperimentTags(ctx, tx, id, tags);
      return String(id);
    });
  } catch (err) {
    if (ctx.db.dialect.isUniqueViolation(err)) throw duplicateName(name);
    throw err;
  }
}

/** Creates the default experiment "0" unless it exists; safe when several servers start at once. */
export async function ensureDefaultExperiment(ctx: StoreContext): Promise<void> {
  const exists = await ctx.db.query('SELECT experiment_id FROM experiments WHERE experiment_id = 0');
  if (exists.length) return;
  const now = Date.now();
  try {
    await ctx.db.transaction(async (tx) => {
      await ctx.db.dialect.allowExplicitZeroId(tx);
      await insertExperiment(tx, ctx, DEFAULT_EXPERIMENT_NAME, undefined, now, 0);
    });
  } catch (err) {
    // Another process created it first.
    if (!ctx.db.dialect.isUniqueViolation(err)) throw err;
  }
}

export async function upsertExperimentTags(
  ctx: StoreContext,
  ex: Exec,
  experimentId: number,
  tags: readonly Tag[],
): Promise<void> {
  if (!tags.length) return;
  const last = new Map<string, string>();
  for (const t of tags) last.set(t.key, t.value);
  const entries = [...last.entries()];
  // The position of a tag is where it was first set: an update must not move it.
  const sql = ctx.db.dialect.upsert(
    'experiment_tags',
    ['experiment_id', 'tag_key', 'tag_value', 'pos'],
    ['experiment_id', 'tag_key'],
    { rows: entries.length, keep: ['pos'] },
  );
  const params = entries.flatMap(([k, v]) => [experimentId, k, v, nextPos()]);
  await ex.run(sql, params);
}

async function setLifecycle(
  ctx: StoreContext,
  experimentId: string,
  from: 'active' | 'deleted',
  to: 'active' | 'deleted',
): Promise<void> {
  const id = parseExperimentId(experimentId);
  if (id === null) throw experimentNotFound(experimentId);
  const now = Date.now();
  await ctx.db.transaction(async (tx) => {
    const rows = await tx.query('SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?', [id]);
    if (!rows[0] || rows[0].lifecycle_stage !== from) throw experimentNotFound(experimentId);
    await tx.run(
      'UPDATE experiments SET lifecycle_stage = ?, last_update_time = ?, deleted_time = ? WHERE experiment_id = ?',
      [to, now, to === 'deleted' ? now : null, id],
    );
    if (to === 'deleted') {
      await tx.run(
        `UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ?, deleted_with_experiment = 1 WHERE experiment_id = ? AND lifecycle_stage = 'active'`,
        [now, id],
      );
    } else {
      // Runs deleted on their own before the experiment stay deleted; runs being purged stay gone.
      await tx.run(
        `UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL, deleted_with_experiment = 0 WHERE experiment_id = ? AND deleted_with_experiment = 1 AND lifecycle_stage = 'deleted'`,
        [id],
      );
    }
  });
}

export const deleteExperiment = (ctx: StoreContext, id: string): Promise<void> =>
  setLifecycle(ctx, id, 'active', 'deleted');
export const restoreExperiment = (ctx: StoreContext, id: string): Promise<void> =>
  setLifecycle(ctx, id, 'deleted', 'active');

export async function renameExperiment(
  ctx: StoreContext,
  experimentId: string,
  newName: string,
): Promise<void> {
  try {
    await ctx.db.transaction(async (tx) => {
      const row = await experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== 'active') {
        throw invalidParam(
          `Cannot rename experiment ${experimentId}: it must be in the 'active' state. Current state is ${str(row.lifecycle_stage)}.`,
        );
      }
      if (row.name === newName) return;
      const taken = await tx.query('SELECT experiment_id FROM experiments WHERE name = ?', [newName]);
      if (taken.length) throw duplicateName(newName);
      await tx.run('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [
        newName,
        Date.now(),
        num(row.experiment_id),
      ]);
    });
  } catch (err) {
    if (ctx.db.dialect.isUniqueViolation(err)) throw duplicateName(newName);
    throw err;
  }
}

export async function setExperimentTag(ctx: StoreContext, experimentId: string, tag: Tag): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await requireActiveExperiment(tx, experimentId);
    await upsertExperimentTags(ctx, tx, num(row.experiment_id), [tag]);
  });
}

export async function deleteExperimentTag(
  ctx: StoreContext,
  experimentId: string,
  key: string,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await requireActiveExperiment(tx, experimentId);
    const res = await tx.run('DELETE FROM experiment_tags WHERE experiment_id = ? AND tag_key = ?', [
      num(row.experiment_id),
      key,
    ]);
    if (!res.changes) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
  });
}
