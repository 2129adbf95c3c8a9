import type {
  DatasetInput,
  Metric,
  ModelInput,
  ModelOutput,
  Run,
  RunInfo,
  RunStatus,
  Tag,
} from '../../../entities/tracking.js';
import type { Row } from '../database.js';
import { decodeMetricValue, num, queryIn, str, type Exec } from './common.js';

export const RUN_COLUMNS =
  'run_pk, run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri';

export function runInfoFromRow(row: Row): RunInfo {
  const info: RunInfo = {
    run_id: str(row.run_uuid),
    run_uuid: str(row.run_uuid),
    run_name: str(row.name),
    experiment_id: String(row.experiment_id),
    user_id: str(row.user_id),
    status: str(row.status) as RunStatus,
    start_time: num(row.start_time),
    artifact_uri: str(row.artifact_uri),
    // A run being purged by `cairn gc` ('purging') is shown as deleted.
    lifecycle_stage: row.lifecycle_stage === 'active' ? 'active' : 'deleted',
  };
  if (row.end_time !== null && row.end_time !== undefined) info.end_time = num(row.end_time);
  return info;
}

function group<T>(rows: Row[], keyCol: string, map: (r: Row) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = str(r[keyCol]);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(map(r));
  }
  return out;
}

/**
 * Turns run rows into full runs, loading params, tags, latest metrics, dataset inputs and model
 * inputs/outputs of all of them with one query per kind (never one query per run).
 */
export async function loadRuns(ex: Exec, rows: Row[], opts: { outputs?: boolean } = {}): Promise<Run[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => str(r.run_uuid));
  const [params, tags, metrics, inputs, models] = await Promise.all([
    queryIn(
      ex,
      (p) =>
        `SELECT run_uuid, param_key, param_value FROM params WHERE run_uuid IN (${p}) ORDER BY run_uuid, pos`,
      ids,
    ),
    queryIn(
      ex,
      (p) => `SELECT run_uuid, tag_key, tag_value FROM tags WHERE run_uuid IN (${p}) ORDER BY run_uuid, pos`,
      ids,
    ),
    queryIn(
      ex,
      (p) =>
        `SELECT run_uuid, metric_key, metric_value, ts, step, is_nan FROM latest_metrics WHERE run_uuid IN (${p}) ORDER BY run_uuid, pos`,
      ids,
    ),
    queryIn(
      ex,
      (p) =>
        `SELECT ri.run_uuid, ri.input_uuid, d.name, d.digest, d.source_type, d.source, d.dataset_schema, d.dataset_profile FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid WHERE ri.run_uuid IN (${p}) ORDER BY ri.run_uuid, ri.pos`,
      ids,
    ),
    queryIn(
      ex,
      (p) =>
        `SELECT run_uuid, direction, model_id, step FROM run_models WHERE run_uuid IN (${p}) ORDER BY run_uuid, pos`,
      ids,
    ),
  ]);
  const inputTags = inputs.length
    ? await queryIn(
        ex,
        (p) =>
          `SELECT input_uuid, tag_key, tag_value FROM input_tags WHERE input_uuid IN (${p}) ORDER BY input_uuid, pos`,
        inputs.map((r) => str(r.input_uuid)),
      )
    : [];

  const kv = (k: string, v: string) => (r: Row) => ({ key: str(r[k]), value: str(r[v]) });
  const paramsBy = group<Tag>(params, 'run_uuid', kv('param_key', 'param_value'));
  const tagsBy = group<Tag>(tags, 'run_uuid', kv('tag_key', 'tag_value'));
  const metricsBy = group<Metric>(metrics, 'run_uuid', (r) => ({
    key: str(r.metric_key),
    value: decodeMetricValue(r.metric_value, r.is_nan),
    timestamp: num(r.ts),
    step: num(r.step),
  }));
  const inputTagsBy = group<Tag>(inputTags, 'input_uuid', kv('tag_key', 'tag_value'));
  const inputsBy = group<DatasetInput>(inputs, 'run_uuid', (r) => {
    const input: DatasetInput = {
      dataset: {
        name: str(r.name),
        digest: str(r.digest),
        source_type: str(r.source_type),
        source: str(r.source),
      },
    };
    if (r.dataset_schema !== null && r.dataset_schema !== undefined)
      input.dataset.schema = str(r.dataset_schema);
    if (r.dataset_profile !== null && r.dataset_profile !== undefined) {
      input.dataset.profile = str(r.dataset_profile);
    }
    const t = inputTagsBy.get(str(r.input_uuid));
    return t?.length ? { tags: t, dataset: input.dataset } : input;
  });
  const modelInputsBy = group<ModelInput>(
    models.filter((r) => r.direction === 'input'),
    'run_uuid',
    (r) => ({ model_id: str(r.model_id) }),
  );
  const modelOutputsBy = group<ModelOutput>(
    models.filter((r) => r.direction === 'output'),
    'run_uuid',
    (r) => ({ model_id: str(r.model_id), step: num(r.step) }),
  );

  return rows.map((row) => {
    const id = str(row.run_uuid);
    const run: Run = { info: runInfoFromRow(row), data: {}, inputs: {} };
    const m = metricsBy.get(id);
    const p = paramsBy.get(id);
    const t = tagsBy.get(id);
    if (m) run.data.metrics = m;
    if (p) run.data.params = p;
    if (t) run.data.tags = t;
    const di = inputsBy.get(id);
    const mi = modelInputsBy.get(id);
    if (di) run.inputs.dataset_inputs = di;
    if (mi) run.inputs.model_inputs = mi;
    if (opts.outputs !== false) {
      const mo = modelOutputsBy.get(id);
      run.outputs = mo ? { model_outputs: mo } : {};
    }
    return run;
  });
}
