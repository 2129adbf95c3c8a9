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
import type { Row, SqlDatabase, SqlValue } from '../database.js';
import { chunks, decodeMetricValue, flat, num, qs, queryIn, str, type Exec } from './common.js';

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

/** What a row of the page statements holds, by its `kind` column. */
const METRIC = 0;
const MODEL_INPUT = 1;
const MODEL_OUTPUT = 2;
const PARAM = 3;
const TAG = 4;
const DATASET_INPUT = 5;

/** Runs per statement: three conditions of this many ids stay below every parameter limit. */
const RUNS_PER_STATEMENT = 2000;

/**
 * The two statements reading everything of a page of runs that lives in rows of its own, each
 * UNION ALL branch one kind of row, each statement's rows in the order they were logged: latest
 * metrics and logged-model links (numbers), then params, tags and which dataset inputs exist
 * (text). Two row shapes keep the rows narrow: every column of every row costs the driver a
 * value to decode, and most of a page's cost in Node is that. Only each run's own order matters:
 * sorting by `pos` alone costs a fraction of sorting by run id (a string, compared by collation
 * on PostgreSQL) and position. `inRuns` is the condition on `run_uuid` that selects the page,
 * `prefix` what it refers to. A branch whose column is NULL takes its type from another
 * (PostgreSQL types a UNION pairwise, left to right: the first branch names every type).
 */
function pageStatements(inRuns: string, prefix = ''): [numbers: string, texts: string] {
  const direction = `CASE direction WHEN 'input' THEN ${MODEL_INPUT} WHEN 'output' THEN ${MODEL_OUTPUT} END`;
  const numbers = [
    `SELECT ${METRIC} AS kind, run_uuid, metric_key AS k, metric_value AS n, ts, step, is_nan AS f, pos FROM latest_metrics WHERE run_uuid ${inRuns}`,
    `SELECT ${direction}, run_uuid, model_id, NULL, NULL, step, NULL, pos FROM run_models WHERE run_uuid ${inRuns}`,
  ];
  const texts = [
    `SELECT ${PARAM} AS kind, run_uuid, param_key AS k, param_value AS v, pos FROM params WHERE run_uuid ${inRuns}`,
    `SELECT ${TAG}, run_uuid, tag_key, tag_value, pos FROM tags WHERE run_uuid ${inRuns}`,
    `SELECT ${DATASET_INPUT}, run_uuid, input_uuid, NULL, pos FROM run_inputs WHERE run_uuid ${inRuns}`,
  ];
  return [
    `${prefix}SELECT kind, run_uuid, k, n, ts, step, f FROM (${numbers.join(' UNION ALL ')}) page ORDER BY pos`,
    `${prefix}SELECT kind, run_uuid, k, v FROM (${texts.join(' UNION ALL ')}) page ORDER BY pos`,
  ];
}

/**
 * The rows of pageStatements for `ids`, both statements at once. Where the database takes array
 * parameters (PostgreSQL) the ids are one parameter, sent once and read by every branch: the
 * statement texts are the same for every page, so each connection parses and plans them once (the
 * adapter names statements that bind arrays). Elsewhere each branch lists them.
 */
async function pageRows(db: SqlDatabase, ids: readonly string[]): Promise<Row[]> {
  const out: Row[] = [];
  const arrayParam = db.dialect.arrayParam;
  for (const part of chunks(ids, RUNS_PER_STATEMENT)) {
    const [numbers, texts] = arrayParam
      ? pageStatements(
          // The array read back with the cast the parameter has (`= ANY` needs its type).
          `= ANY(${arrayParam('text').replace('?', '(SELECT ids FROM page_runs)')})`,
          `WITH page_runs (ids) AS (SELECT ${arrayParam('text')}) `,
        )
      : pageStatements(`IN (${qs(part.length)})`);
    // Bound whole by the driver where arrays are taken, which SqlValue does not list.
    const each: readonly SqlValue[] = arrayParam ? [part as unknown as SqlValue] : part;
    const results = await Promise.all([
      db.query(numbers, arrayParam ? each : flat([each, each])),
      db.query(texts, arrayParam ? each : flat([each, each, each])),
    ]);
    for (const rows of results) for (const r of rows) out.push(r);
  }
  return out;
}

/** Appends `item` to the list of `id` in `by`. */
function add<T>(by: Map<string, T[]>, id: string, item: T): void {
  const list = by.get(id);
  if (list) list.push(item);
  else by.set(id, [item]);
}

function group<T>(rows: Row[], keyCol: string, map: (r: Row) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) add(out, str(r[keyCol]), map(r));
  return out;
}

/** The dataset inputs (with their tags) of the runs that have any, by run. */
async function loadDatasetInputs(ex: Exec, runIds: readonly string[]): Promise<Map<string, DatasetInput[]>> {
  const inputs = await queryIn(
    ex,
    (p) =>
      `SELECT ri.run_uuid, ri.input_uuid, d.name, d.digest, d.source_type, d.source, d.dataset_schema, d.dataset_profile FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid WHERE ri.run_uuid IN (${p}) ORDER BY ri.run_uuid, ri.pos`,
    runIds,
  );
  const inputTags = inputs.length
    ? await queryIn(
        ex,
        (p) =>
          `SELECT input_uuid, tag_key, tag_value FROM input_tags WHERE input_uuid IN (${p}) ORDER BY input_uuid, pos`,
        inputs.map((r) => str(r.input_uuid)),
      )
    : [];
  const inputTagsBy = group<Tag>(inputTags, 'input_uuid', (r) => ({
    key: str(r.tag_key),
    value: str(r.tag_value),
  }));
  return group<DatasetInput>(inputs, 'run_uuid', (r) => {
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
}

/**
 * Turns run rows into full runs, loading params, tags, latest metrics, dataset inputs and model
 * inputs/outputs of all of them in bulk (never one query per run): two statements, and two more
 * for dataset inputs only when the first two show that some exist.
 */
export async function loadRuns(
  db: SqlDatabase,
  rows: Row[],
  opts: { outputs?: boolean } = {},
): Promise<Run[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => str(r.run_uuid));
  const metricsBy = new Map<string, Metric[]>();
  const paramsBy = new Map<string, Tag[]>();
  const tagsBy = new Map<string, Tag[]>();
  const modelInputsBy = new Map<string, ModelInput[]>();
  const modelOutputsBy = new Map<string, ModelOutput[]>();
  const withInputs = new Set<string>();
  for (const r of await pageRows(db, ids)) {
    const id = str(r.run_uuid);
    switch (num(r.kind)) {
      case METRIC:
        add(metricsBy, id, {
          key: str(r.k),
          value: decodeMetricValue(r.n, r.f),
          timestamp: num(r.ts),
          step: num(r.step),
        });
        break;
      case MODEL_INPUT:
        add(modelInputsBy, id, { model_id: str(r.k) });
        break;
      case MODEL_OUTPUT:
        add(modelOutputsBy, id, { model_id: str(r.k), step: num(r.step) });
        break;
      case PARAM:
        add(paramsBy, id, { key: str(r.k), value: str(r.v) });
        break;
      case TAG:
        add(tagsBy, id, { key: str(r.k), value: str(r.v) });
        break;
      case DATASET_INPUT:
        withInputs.add(id);
        break;
    }
  }
  const inputsBy = withInputs.size ? await loadDatasetInputs(db, [...withInputs]) : new Map<string, never>();

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
