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
import type { Dialect, Row, SqlDatabase, SqlValue } from '../database.js';
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

const direction = `CASE direction WHEN 'input' THEN ${MODEL_INPUT} WHEN 'output' THEN ${MODEL_OUTPUT} END`;

/**
 * What a page of runs holds in rows of its own, in two row shapes: latest metrics and
 * logged-model links (numbers), then params, tags and which dataset inputs exist (text). Each
 * read is the kind of its rows (undefined where the columns name it), its columns and its table;
 * a shape's first read names every column and type (PostgreSQL types a UNION pairwise, left to
 * right). `readDouble` is the dialect's exact read of a DOUBLE column.
 */
const shapes = (
  readDouble: Dialect['readDouble'],
): readonly (readonly [kind: number | undefined, columns: string, table: string])[][] => [
  [
    [
      METRIC,
      `run_uuid, metric_key AS k, ${readDouble('metric_value')} AS n, ts, step, is_nan AS f`,
      'latest_metrics',
    ],
    [undefined, `${direction} AS kind, run_uuid, model_id AS k, NULL, NULL, step, NULL`, 'run_models'],
  ],
  [
    [PARAM, 'run_uuid, param_key AS k, param_value AS v', 'params'],
    [TAG, 'run_uuid, tag_key AS k, tag_value AS v', 'tags'],
    [DATASET_INPUT, 'run_uuid, input_uuid AS k, NULL AS v', 'run_inputs'],
  ],
];

/** The names of a column list (`metric_key AS k, ts` → `k, ts`). */
const columnNames = (columns: string): string =>
  columns
    .split(', ')
    .map((c) => c.split(' AS ').at(-1))
    .join(', ');

/** One statement of a page and the kind of all its rows (undefined: each row names its own). */
interface PageStatement {
  sql: string;
  kind: number | undefined;
  /** How many times it binds the page's ids. */
  times: number;
}

/**
 * The statements reading everything of a page of runs that lives in rows of its own, each run's
 * rows of a kind in the order they were logged. `inRuns` is the condition on `run_uuid` that
 * selects the page, `prefix` what it refers to.
 *
 * On a database server, one statement per row shape, each kind a UNION ALL branch: two round
 * trips and statements to run instead of five, and two shapes keep the rows narrow. Only each
 * run's own order matters: sorting by `pos` alone costs a fraction of sorting by run id (a
 * string, compared by collation on PostgreSQL) and position. In process (SQLite) a statement
 * costs no round trip: there each kind is its own statement, read in the order of its primary
 * key, with no column for the kind or the position: every column of every row is a value to
 * decode, which is most of what a page costs there (measured, bench/RESULTS.md).
 */
function pageStatements(inRuns: string, prefix: string, dialect: Dialect): PageStatement[] {
  const reads = shapes(dialect.readDouble);
  if (dialect.inProcess) {
    return reads.flat().map(([kind, columns, table]) => ({
      sql: `${prefix}SELECT ${columns} FROM ${table} WHERE run_uuid ${inRuns} ORDER BY run_uuid, pos`,
      kind,
      times: 1,
    }));
  }
  return reads.map((shape) => ({
    sql: `${prefix}SELECT kind, ${columnNames(shape[0]![1])} FROM (${shape
      .map(
        ([kind, columns, table]) =>
          `SELECT ${kind === undefined ? '' : `${kind} AS kind, `}${columns}, pos FROM ${table} WHERE run_uuid ${inRuns}`,
      )
      .join(' UNION ALL ')}) page ORDER BY pos`,
    kind: undefined,
    times: shape.length,
  }));
}

/**
 * The rows of pageStatements for `ids` with the kind of each statement's rows, all statements
 * at once. Where the database takes array parameters (PostgreSQL) the ids are one parameter, sent
 * once and read by every branch: the statement texts are the same for every page, so each
 * connection parses and plans them once (the adapter names statements that bind arrays).
 * Elsewhere each branch lists them.
 */
async function pageRows(db: SqlDatabase, ids: readonly string[]): Promise<[number | undefined, Row[]][]> {
  const out: [number | undefined, Row[]][] = [];
  const { arrayParam } = db.dialect;
  for (const part of chunks(ids, RUNS_PER_STATEMENT)) {
    const statements = arrayParam
      ? pageStatements(
          // The array read back with the cast the parameter has (`= ANY` needs its type).
          `= ANY(${arrayParam('text').replace('?', '(SELECT ids FROM page_runs)')})`,
          `WITH page_runs (ids) AS (SELECT ${arrayParam('text')}) `,
          db.dialect,
        )
      : pageStatements(`IN (${qs(part.length)})`, '', db.dialect);
    const results = await Promise.all(
      statements.map(({ sql, times }) =>
        arrayParam
          ? // Bound whole by the driver, which SqlValue does not list.
            db.query(sql, [part as unknown as SqlValue])
          : db.query(sql, flat(Array.from({ length: times }, () => part))),
      ),
    );
    results.forEach((rows, i) => out.push([statements[i]!.kind, rows]));
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
  for (const [kind, rows] of await pageRows(db, ids)) {
    for (const r of rows) {
      const id = str(r.run_uuid);
      switch (kind ?? num(r.kind)) {
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
