import { randomBytes } from 'node:crypto';
import {
  LOGGED_MODEL_STATUSES,
  type LoggedModel,
  type LoggedModelStatus,
  type Metric,
  type Param,
  type Tag,
} from '../../../entities/tracking.js';
import { invalidParam, notFound } from '../../../errors.js';
import type { Dialect, Row } from '../database.js';
import type { CreateLoggedModelInput } from '../../tracking-store.js';
import {
  appendPath,
  decodeMetricValue,
  type Exec,
  nextPos,
  num,
  qs,
  queryIn,
  type StoreContext,
  str,
} from './common.js';
import { requireActiveExperiment } from './experiments.js';

const MODEL_COLUMNS =
  'm.model_id, m.experiment_id, m.name, m.artifact_location, m.creation_time, m.last_updated_time, m.status, m.model_type, m.source_run_id, m.status_message';

export const modelNotFound = (id: string): Error => notFound(`Logged model with ID '${id}' not found.`);

export const statusNumber = (s: LoggedModelStatus): number => LOGGED_MODEL_STATUSES.indexOf(s);
export const statusName = (n: unknown): LoggedModelStatus =>
  LOGGED_MODEL_STATUSES[num(n)] ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED';

async function modelRow(ex: Exec, modelId: string): Promise<Row> {
  const rows = await ex.query(
    `SELECT ${MODEL_COLUMNS} FROM logged_models m WHERE m.model_id = ? AND m.lifecycle_stage = 'active'`,
    [modelId],
  );
  if (!rows[0]) throw modelNotFound(modelId);
  return rows[0];
}

/** Full models (params, tags and metrics loaded in one query per kind) from model rows. */
export async function loadModels(ex: Exec, dialect: Dialect, rows: Row[]): Promise<LoggedModel[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => str(r.model_id));
  const [params, tags, metrics] = await Promise.all([
    queryIn(
      ex,
      (p) =>
        `SELECT model_id, param_key, param_value FROM logged_model_params WHERE model_id IN (${p}) ORDER BY model_id, pos`,
      ids,
    ),
    queryIn(
      ex,
      (p) =>
        `SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN (${p}) ORDER BY model_id, pos`,
      ids,
    ),
    queryIn(
      ex,
      (p) =>
        `SELECT model_id, metric_key, ${dialect.readDouble('metric_value')} AS metric_value, is_nan, ts, step, run_uuid, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id IN (${p}) ORDER BY model_id, pos`,
      ids,
    ),
  ]);
  const by = <T>(list: Row[], map: (r: Row) => T): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const r of list) {
      const id = str(r.model_id);
      const arr = out.get(id) ?? [];
      arr.push(map(r));
      out.set(id, arr);
    }
    return out;
  };
  const paramsBy = by<Param>(params, (r) => ({ key: str(r.param_key), value: str(r.param_value) }));
  const tagsBy = by<Tag>(tags, (r) => ({ key: str(r.tag_key), value: str(r.tag_value) }));
  const metricsBy = by<Metric>(metrics, (r) => {
    const m: Metric = {
      key: str(r.metric_key),
      value: decodeMetricValue(r.metric_value, r.is_nan),
      timestamp: num(r.ts),
      step: num(r.step),
    };
    if (str(r.dataset_name)) m.dataset_name = str(r.dataset_name);
    if (str(r.dataset_digest)) m.dataset_digest = str(r.dataset_digest);
    m.model_id = str(r.model_id);
    m.run_id = str(r.run_uuid);
    return m;
  });
  return rows.map((r) => {
    const id = str(r.model_id);
    const model: LoggedModel = {
      info: {
        model_id: id,
        experiment_id: String(r.experiment_id),
        name: str(r.name),
        creation_timestamp_ms: num(r.creation_time),
        last_updated_timestamp_ms: num(r.last_updated_time),
        artifact_uri: str(r.artifact_location),
        status: statusName(r.status),
        model_type: str(r.model_type),
        source_run_id: str(r.source_run_id),
      },
      data: {},
    };
    if (r.status_message !== null && r.status_message !== undefined)
      model.info.status_message = str(r.status_message);
    const t = tagsBy.get(id);
    if (t) model.info.tags = t;
    const p = paramsBy.get(id);
    const m = metricsBy.get(id);
    if (p) model.data.params = p;
    if (m) model.data.metrics = m;
    return model;
  });
}

export async function getLoggedModel(ctx: StoreContext, modelId: string): Promise<LoggedModel> {
  return (await loadModels(ctx.db, ctx.db.dialect, [await modelRow(ctx.db, modelId)]))[0]!;
}

export async function upsertModelTags(
  ctx: StoreContext,
  ex: Exec,
  modelId: string,
  tags: readonly Tag[],
): Promise<void> {
  const last = new Map(tags.map((t) => [t.key, t.value]));
  if (!last.size) return;
  const entries = [...last].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const sql = ctx.db.dialect.upsert(
    'logged_model_tags',
    ['model_id', 'tag_key', 'tag_value', 'pos'],
    ['model_id', 'tag_key'],
    { rows: entries.length, keep: ['pos'] },
  );
  await ex.run(
    sql,
    entries.flatMap(([k, v]) => [modelId, k, v, nextPos()]),
  );
}

export async function insertModelParams(
  ctx: StoreContext,
  ex: Exec,
  modelId: string,
  params: readonly Param[],
): Promise<void> {
  const wanted = new Map<string, string>();
  for (const p of params) wanted.set(p.key, p.value);
  if (!wanted.size) return;
  const keys = [...wanted.keys()];
  const existing = await ex.query(
    `SELECT param_key, param_value FROM logged_model_params WHERE model_id = ? AND param_key IN (${qs(keys.length)})`,
    [modelId, ...keys],
  );
  for (const r of existing) {
    const key = str(r.param_key);
    if (str(r.param_value) !== wanted.get(key)) {
      throw invalidParam(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${str(r.param_value)}' for model ID='${modelId}'. Attempted logging new value '${wanted.get(key)}'.`,
      );
    }
    wanted.delete(key);
  }
  if (!wanted.size) return;
  await ex.run(
    ctx.db.dialect.insertIgnore(
      'logged_model_params',
      ['model_id', 'param_key', 'param_value', 'pos'],
      ['model_id', 'param_key'],
      wanted.size,
    ),
    [...wanted].flatMap(([k, v]) => [modelId, k, v, nextPos()]),
  );
}

export async function createLoggedModel(
  ctx: StoreContext,
  input: CreateLoggedModelInput,
): Promise<LoggedModel> {
  const modelId = `m-${randomBytes(16).toString('hex')}`;
  const now = input.creationTime ?? Date.now();
  await ctx.db.transaction(async (tx) => {
    const exp = await requireActiveExperiment(tx, input.experimentId);
    await tx.run(
      `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, lifecycle_stage, model_type, source_run_id, status_message) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL)`,
      [
        modelId,
        num(exp.experiment_id),
        input.name,
        appendPath(str(exp.artifact_location), 'models', modelId, 'artifacts'),
        now,
        now,
        statusNumber('LOGGED_MODEL_PENDING'),
        input.modelType ?? '',
        input.sourceRunId ?? '',
      ],
    );
    await insertModelParams(ctx, tx, modelId, input.params);
    await upsertModelTags(ctx, tx, modelId, input.tags);
  });
  return getLoggedModel(ctx, modelId);
}

export async function deleteLoggedModel(ctx: StoreContext, modelId: string): Promise<void> {
  const res = await ctx.db.run(
    `UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? WHERE model_id = ? AND lifecycle_stage = 'active'`,
    [Date.now(), modelId],
  );
  if (!res.changes) throw modelNotFound(modelId);
}

export async function finalizeLoggedModel(
  ctx: StoreContext,
  modelId: string,
  status: LoggedModelStatus,
): Promise<LoggedModel> {
  await modelRow(ctx.db, modelId);
  await ctx.db.run('UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?', [
    statusNumber(status),
    Date.now(),
    modelId,
  ]);
  return getLoggedModel(ctx, modelId);
}

export async function setLoggedModelTags(ctx: StoreContext, modelId: string, tags: Tag[]): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await modelRow(tx, modelId);
    await upsertModelTags(ctx, tx, modelId, tags);
    await tx.run('UPDATE logged_models SET last_updated_time = ? WHERE model_id = ?', [Date.now(), modelId]);
  });
}

export async function deleteLoggedModelTag(ctx: StoreContext, modelId: string, key: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await modelRow(tx, modelId);
    const res = await tx.run('DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?', [
      modelId,
      key,
    ]);
    if (!res.changes) throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
  });
}

export async function logLoggedModelParams(
  ctx: StoreContext,
  modelId: string,
  params: Param[],
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await modelRow(tx, modelId);
    await insertModelParams(ctx, tx, modelId, params);
  });
}
