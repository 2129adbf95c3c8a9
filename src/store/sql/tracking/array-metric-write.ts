import type { BulkElement, Row, SqlValue } from '../database.js';
import { encodeMetricValue, nextPos, type StoreContext } from './common.js';
import { CHUNK_COLUMNS, chunkPoints, chunkSeq, type HistoryPoint, POINT_BYTES } from './history-chunks.js';
import { type BatchWrite, type EncodedPoint, latestPerRunKey } from './log-batch.js';
import { STALE_COLUMNS, STALE_KEY, STALE_MERGE, STALE_WIDENS, staleRanges } from './metric-summaries.js';
import { activeRunsFrom, RUN_STATE_COLUMNS } from './runs.js';
import {
  HistoryOrders,
  NOT_IN_STEP_ORDER,
  pointsFlag,
  STEP_ORDER_ON_CONFLICT,
  stepOrderFlagSql,
} from './step-order.js';

/** Whether a call only logs metrics (no params, tags or model metrics): the hot path of training loops. */
export const onlyMetrics = (w: BatchWrite): boolean =>
  !w.params.length && !w.tags.length && w.metrics.length > 0 && !w.metrics.some((m) => m.model_id);

export interface RunPoint extends EncodedPoint {
  runId: string;
}

/**
 * The points of a group of metric-only calls; per (run, key) the latest candidate, the step
 * order of the points written to it and its chunks (history-chunks.ts).
 */
interface GroupPoints {
  runIds: string[];
  points: RunPoint[];
  latest: RunPoint[];
  orders: HistoryOrders;
  chunks: GroupChunks;
}

/** The chunks of a group as the statement's arrays; `pts` is all of them back to back. */
interface GroupChunks {
  runIds: string[];
  keys: string[];
  firstSteps: number[];
  lastSteps: number[];
  seqs: number[];
  counts: number[];
  offsets: number[];
  pts: Buffer;
}

function groupChunks(points: readonly RunPoint[]): GroupChunks {
  const byRun = new Map<string, Map<string, HistoryPoint[]>>();
  for (const p of points) {
    let keys = byRun.get(p.runId);
    if (!keys) byRun.set(p.runId, (keys = new Map()));
    const point = { step: p.step, ts: p.timestamp, value: p.value, nan: p.isNan !== 0 };
    const list = keys.get(p.key);
    if (list) list.push(point);
    else keys.set(p.key, [point]);
  }
  const out: GroupChunks = {
    runIds: [],
    keys: [],
    firstSteps: [],
    lastSteps: [],
    seqs: [],
    counts: [],
    offsets: [],
    pts: Buffer.alloc(0),
  };
  const parts: Buffer[] = [];
  let offset = 1;
  for (const [runId, keys] of byRun) {
    for (const [key, list] of keys) {
      for (const c of chunkPoints(list)) {
        out.runIds.push(runId);
        out.keys.push(key);
        out.firstSteps.push(c.firstStep);
        out.lastSteps.push(c.lastStep);
        out.seqs.push(chunkSeq());
        out.counts.push(c.points);
        out.offsets.push(offset);
        offset += c.pts.length;
        parts.push(c.pts);
      }
    }
  }
  out.pts = Buffer.concat(parts);
  return out;
}

function groupPoints(writes: readonly BatchWrite[]): GroupPoints {
  const points: RunPoint[] = [];
  const orders = new HistoryOrders();
  for (const w of writes) {
    for (const m of w.metrics) {
      const { value, isNan } = encodeMetricValue(m.value);
      const step = m.step ?? 0;
      points.push({ runId: w.runId, key: m.key, value, isNan, timestamp: m.timestamp, step });
      orders.add(w.runId, m.key, step, m.timestamp);
    }
  }
  return {
    runIds: [...new Set(writes.map((w) => w.runId))],
    points,
    latest: latestPerRunKey(points),
    orders,
    chunks: groupChunks(points),
  };
}

// The stale-range merge of metric-summaries.ts, as PostgreSQL's ON CONFLICT assignments and
// condition (a range inside the stored one leaves the row unwritten).
const staleStored = (x: string): string => `metric_summary_stale.${x}`;
const staleIncoming = (x: string): string => `excluded.${x}`;
const staleMerge = `${STALE_COLUMNS.slice(2)
  .map((c) => `${c} = ${STALE_MERGE[c]!(staleStored, staleIncoming)}`)
  .join(', ')}
  WHERE ${STALE_WIDENS(staleStored, staleIncoming)}`;

/** The group statement (see `writeMetricsWithArrays`). */
function groupStatement(arr: (element: BulkElement) => string, readsStored: boolean): string {
  const active = `r.run_uuid = p.run_uuid AND r.lifecycle_stage = 'active'`;
  const stored = (c: string): string => `latest_metrics.${c}`;
  const incoming = (c: string): string => `excluded.${c}`;
  const greater = `(excluded.step, excluded.ts, excluded.metric_value) > (latest_metrics.step, latest_metrics.ts, latest_metrics.metric_value)`;
  const ifGreater = (c: string): string =>
    `${c} = CASE WHEN ${greater} THEN excluded.${c} ELSE latest_metrics.${c} END`;
  const flag = STEP_ORDER_ON_CONFLICT(stored, incoming);
  const written = (c: string): string => `p.${c}`;
  const locked = (c: string): string => `k.${c}`;
  // The stored latest points of the histories given several points, locked (step-order.ts), and
  // whether the points of each start behind it (`startsBehindLatest`): if any do, nothing is
  // written and the statement says so, for the group to be written where the history can be read.
  const lockStored = `
k AS MATERIALIZED (SELECT x.run_uuid, x.metric_key, x.step, x.ts, x.in_step_order,
    x.in_step_order <> ${NOT_IN_STEP_ORDER} AND NOT (q.first_step >= x.step AND q.first_ts >= x.ts) AS behind
  FROM unnest(${arr('text')}, ${arr('text')}, ${arr('bigint')}, ${arr('bigint')}) AS q(run_uuid, metric_key, first_step, first_ts)
  JOIN latest_metrics x ON x.run_uuid = q.run_uuid AND x.metric_key = q.metric_key
  ORDER BY x.run_uuid, x.metric_key
  FOR UPDATE OF x),`;
  const notBehind = readsStored ? '\n  WHERE NOT EXISTS (SELECT 1 FROM k WHERE k.behind)' : '';
  return `WITH r AS (SELECT run_pk, experiment_id, ${RUN_STATE_COLUMNS} FROM runs WHERE run_uuid = ANY(${arr('text')})),${readsStored ? lockStored : ''}
h AS (INSERT INTO metric_chunks (${CHUNK_COLUMNS.join(', ')})
  SELECT r.run_pk, p.metric_key, p.first_step, p.last_step, p.seq, p.n, substring(?::bytea FROM p.off FOR p.n * ${POINT_BYTES})
  FROM unnest(${arr('text')}, ${arr('text')}, ${arr('bigint')}, ${arr('bigint')}, ${arr('bigint')}, ${arr('int')}, ${arr('int')})
    AS p(run_uuid, metric_key, first_step, last_step, seq, n, off)
  JOIN r ON ${active}${notBehind}),
l AS (INSERT INTO latest_metrics (run_uuid, metric_key, experiment_id, metric_value, ts, step, is_nan, pos, in_step_order)
  SELECT p.run_uuid, p.metric_key, r.experiment_id, p.metric_value, p.ts, p.step, p.is_nan, p.pos,
    ${readsStored ? stepOrderFlagSql(written, locked) : written('flag')}
  FROM unnest(${arr('text')}, ${arr('text')}, ${arr('double')}, ${arr('bigint')}, ${arr('bigint')}, ${arr('int')}, ${arr('bigint')}, ${arr('bigint')}, ${arr('bigint')}, ${arr('int')})
    AS p(run_uuid, metric_key, metric_value, ts, step, is_nan, pos, first_step, first_ts, flag)
  JOIN r ON ${active}${readsStored ? '\n  LEFT JOIN k ON k.run_uuid = p.run_uuid AND k.metric_key = p.metric_key' : ''}${notBehind}
  ORDER BY p.run_uuid, p.metric_key
  ON CONFLICT (run_uuid, metric_key) DO UPDATE SET ${['metric_value', 'ts', 'step', 'is_nan'].map(ifGreater).join(', ')}, in_step_order = ${flag}
  WHERE ${greater} OR latest_metrics.in_step_order <> ${flag}),
s AS (INSERT INTO metric_summary_stale (${STALE_COLUMNS.join(', ')})
  SELECT r.run_pk, p.metric_key, p.lo_step, p.hi_step
  FROM unnest(${arr('text')}, ${arr('text')}, ${arr('bigint')}, ${arr('bigint')}) AS p(run_uuid, metric_key, lo_step, hi_step)
  JOIN r ON ${active}${notBehind}
  ORDER BY r.run_pk, p.metric_key
  ON CONFLICT (${STALE_KEY.join(', ')}) DO UPDATE SET ${staleMerge})
SELECT ${RUN_STATE_COLUMNS}${readsStored ? ', EXISTS (SELECT 1 FROM k WHERE k.behind) AS behind' : ''} FROM r`;
}

const statements = new Map<string, string>();
function statementFor(arr: (element: BulkElement) => string, readsStored: boolean): string {
  const key = `${arr('text')}:${readsStored}`;
  let sql = statements.get(key);
  if (sql === undefined) {
    sql = groupStatement(arr, readsStored);
    statements.set(key, sql);
  }
  return sql;
}

/**
 * Writes the metrics of many metric-only calls with ONE statement on databases that take arrays
 * as parameters (PostgreSQL): the run lookup, the history chunks, the latest-value upsert and the
 * summaries' stale range are parts of one data-modifying WITH query, so a whole group costs one
 * round trip and one commit (the statement is its own transaction: all of it or nothing is
 * written) instead of five round trips per group. The chunks' points travel as one binary
 * parameter, each chunk its slice of it. Points of runs that are missing or not active are not
 * written; the returned map says, per run id, its row
 * (RUN_STATE_COLUMNS) or the error its calls get. Nothing is written, and undefined returned, when
 * points of a history in step order start behind its latest point (`startsBehindLatest`, decided
 * in the statement from the locked row): the caller writes such a group in a transaction, where
 * the history can be read (`inStepOrderFrom`).
 */
export async function writeMetricsWithArrays(
  ctx: StoreContext,
  writes: readonly BatchWrite[],
): Promise<Map<string, Row | Error> | undefined> {
  const { dialect } = ctx.db;
  const arr = dialect.arrayParam;
  if (!arr) throw new Error('writeMetricsWithArrays: the database takes no array parameters');
  const { runIds, points, latest, orders, chunks } = groupPoints(writes);
  const stale = staleRanges(points, (p) => p.runId);
  const column = <K extends keyof RunPoint>(list: readonly RunPoint[], k: K): RunPoint[K][] =>
    list.map((p) => p[k]);
  const order = latest.map((p) => orders.get(p.runId, p.key)!);
  const locked = latest.filter((_, i) => order[i]!.needsStored);
  const lockedOrder = order.filter((o) => o.needsStored);
  const readsStored = locked.length > 0;
  const params = [
    runIds,
    ...(readsStored
      ? [
          column(locked, 'runId'),
          column(locked, 'key'),
          lockedOrder.map((o) => o.firstStep),
          lockedOrder.map((o) => o.firstTs),
        ]
      : []),
    chunks.pts,
    chunks.runIds,
    chunks.keys,
    chunks.firstSteps,
    chunks.lastSteps,
    chunks.seqs,
    chunks.counts,
    chunks.offsets,
    column(latest, 'runId'),
    column(latest, 'key'),
    column(latest, 'value'),
    column(latest, 'timestamp'),
    column(latest, 'step'),
    column(latest, 'isNan'),
    latest.map(() => nextPos()),
    order.map((o) => o.firstStep),
    order.map((o) => o.firstTs),
    order.map(pointsFlag),
    stale.map((r) => r.owner),
    stale.map((r) => r.key),
    stale.map((r) => r.lo),
    stale.map((r) => r.hi),
    // Arrays are bound whole by the driver (node-postgres), which SqlValue does not list.
  ] as unknown as SqlValue[];
  const rows = await ctx.db.query(statementFor(arr, readsStored), params);
  if (rows.some((r) => r.behind)) return undefined;
  return activeRunsFrom(rows, runIds);
}
