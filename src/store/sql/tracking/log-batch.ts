import type { Metric, Param, RunTag } from '../../../entities/tracking.js';
import { invalidParam } from '../../../errors.js';
import type { Row, SqlValue, TransactionOptions } from '../database.js';
import {
  cachedStatement,
  chunks,
  encodeMetricValue,
  type Exec,
  nextPos,
  num,
  qs,
  rowsPerStatement,
  type StoreContext,
  str,
} from './common.js';
import { chunkPoints, chunkRow, type HistoryPoint, insertChunkRows } from './history-chunks.js';
import { markSummariesStale } from './metric-summaries.js';
import {
  historyKey,
  IN_STEP_ORDER,
  inStepOrderFrom,
  startsBehindLatest,
  STEP_ORDER_ON_CONFLICT,
  StepOrder,
  stepOrderFlag,
  type StoredLatest,
} from './step-order.js';
import { activeRunRow } from './runs.js';
import { upsertRunTags } from './run-tags.js';
import { type RunSortFacts, runSortFacts, SORT_COLUMNS, sortValues } from './sort-keys.js';

export interface EncodedPoint {
  key: string;
  value: number;
  isNan: number;
  timestamp: number;
  step: number;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** (step, timestamp, value) ordering that picks a run's latest metric value (NaN counts as 0). */
function isLater(step: number, timestamp: number, value: number, b: EncodedPoint): boolean {
  if (step !== b.step) return step > b.step;
  if (timestamp !== b.timestamp) return timestamp > b.timestamp;
  return value > b.value;
}

/**
 * One candidate per (run, key) — the batch's own latest point; the database keeps the greater of
 * it and the stored one — in (run, key) order, a fixed lock order for concurrent writers.
 */
export function latestPerRunKey<T extends EncodedPoint & { runId: string }>(points: readonly T[]): T[] {
  const byRun = new Map<string, Map<string, T>>();
  let runId: string | undefined;
  let best: Map<string, T> | undefined;
  for (const p of points) {
    if (p.runId !== runId) {
      runId = p.runId;
      best = byRun.get(runId);
      if (!best) byRun.set(runId, (best = new Map()));
    }
    const cur = best!.get(p.key);
    if (!cur || isLater(p.step, p.timestamp, p.value, cur)) best!.set(p.key, p);
  }
  const out: T[] = [];
  for (const id of [...byRun.keys()].sort(byText)) out.push(...[...byRun.get(id)!.values()].sort(byKey));
  return out;
}

/**
 * The transactions that write metrics: their locking reads of the histories' latest points
 * (`readLatest`) must not lock the gaps where new histories go on MySQL, or two writers creating
 * histories side by side deadlock.
 */
export const WRITE_TRANSACTION: TransactionOptions = { readCommitted: true };

/** One logBatch call's writes. */
export interface BatchWrite {
  runId: string;
  metrics: readonly Metric[];
  params: readonly Param[];
  tags: readonly RunTag[];
}

/**
 * Writes metrics, params and tags of one run inside the given transaction: metric history chunks
 * and the latest-value rows in multi-row statements, params write-once, tags last-wins.
 */
export async function writeBatch(ctx: StoreContext, tx: Exec, w: BatchWrite, run?: Row): Promise<void> {
  const row = run ?? (await activeRunRow(tx, w.runId));
  if (w.params.length) await insertParams(ctx, tx, runSortFacts(row), w.params);
  if (w.tags.length) await upsertRunTags(ctx, tx, runSortFacts(row), w.tags);
  if (w.metrics.length) await insertMetrics(ctx, tx, [{ run: row, metrics: w.metrics }]);
}

/** The metrics and tags of several active runs (calls without params), written together. */
export interface RunWrites {
  run: Row;
  metrics: readonly Metric[];
  tags?: readonly RunTag[];
}

/**
 * Writes the metrics and tags of several runs with one multi-row statement per table, in run id
 * order (a fixed lock order, so concurrent groups on PostgreSQL/MySQL do not deadlock).
 */
export async function writeRuns(
  ctx: StoreContext,
  tx: Exec,
  writes: readonly RunWrites[],
  stored?: ReadonlyMap<string, StoredLatest>,
): Promise<void> {
  const sorted = [...writes].sort((a, b) => byText(str(a.run.run_uuid), str(b.run.run_uuid)));
  for (const w of sorted) if (w.tags?.length) await upsertRunTags(ctx, tx, runSortFacts(w.run), w.tags);
  const withMetrics = sorted.filter((w) => w.metrics.length);
  if (withMetrics.length) await insertMetrics(ctx, tx, withMetrics, stored);
}

const changedParam = (runId: string, key: string, old: string, attempted: string): Error =>
  invalidParam(
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${attempted}'.`,
  );

async function existingParams(tx: Exec, runId: string, keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(keys, 1000)) {
    const rows = await tx.query(
      `SELECT param_key, param_value FROM params WHERE run_uuid = ? AND param_key IN (${qs(part.length)})`,
      [runId, ...part],
    );
    for (const r of rows) out.set(str(r.param_key), str(r.param_value));
  }
  return out;
}

async function insertParams(
  ctx: StoreContext,
  tx: Exec,
  run: RunSortFacts,
  params: readonly Param[],
): Promise<void> {
  const { runId } = run;
  const wanted = new Map<string, string>();
  for (const p of params) {
    const prev = wanted.get(p.key);
    if (prev !== undefined && prev !== p.value) throw changedParam(runId, p.key, prev, p.value);
    wanted.set(p.key, p.value);
  }
  const existing = await existingParams(tx, runId, [...wanted.keys()]);
  const fresh: Param[] = [];
  for (const [key, value] of wanted) {
    const old = existing.get(key);
    if (old === undefined) fresh.push({ key, value });
    else if (old !== value) throw changedParam(runId, key, old, value);
  }
  if (!fresh.length) return;
  const cols = ['run_uuid', 'param_key', 'param_value', 'pos', ...SORT_COLUMNS];
  let inserted = 0;
  for (const part of chunks(fresh, rowsPerStatement(cols.length))) {
    const sql = ctx.db.dialect.insertIgnore('params', cols, ['run_uuid', 'param_key'], part.length);
    const res = await tx.run(
      sql,
      part.flatMap((p) => [runId, p.key, p.value, nextPos(), ...sortValues(run, p.value)]),
    );
    inserted += res.changes;
  }
  if (inserted < fresh.length) {
    // A concurrent writer logged some of these keys first: they must carry the same values.
    const now = await existingParams(
      tx,
      runId,
      fresh.map((p) => p.key),
    );
    for (const p of fresh) {
      const v = now.get(p.key);
      if (v !== undefined && v !== p.value) throw changedParam(runId, p.key, v, p.value);
    }
  }
}

interface RunPoint extends EncodedPoint {
  runId: string;
  runPk: number;
  experimentId: number;
}

/** What a write adds to one (run, key) history. */
interface KeyWrite {
  latest: RunPoint;
  lo: number;
  hi: number;
  order: StepOrder;
  points: HistoryPoint[];
}

/** The columns of a latest-value row, in the order the writers bind them. */
export const LATEST_COLUMNS = [
  'run_uuid',
  'metric_key',
  'experiment_id',
  'metric_value',
  'ts',
  'step',
  'is_nan',
  'pos',
  'in_step_order',
];

/**
 * Writes the metric points of several runs: each (run, key) history's points as chunks
 * (history-chunks.ts) in multi-row statements, one stale step range per (run, key) for the
 * summaries, and the latest value per (run, key). A batch holds up to 1,000 points per call, so
 * each point costs only its packing and a look-up of its key: the latest candidate and the step
 * range are kept per distinct key.
 */
async function insertMetrics(
  ctx: StoreContext,
  tx: Exec,
  writes: readonly RunWrites[],
  given?: ReadonlyMap<string, StoredLatest>,
): Promise<void> {
  /** Per written key: its latest point, its lowest and highest step and its points' step order. */
  const keys: KeyWrite[] = [];
  for (const w of writes) {
    const runId = str(w.run.run_uuid);
    const runPk = num(w.run.run_pk);
    const experimentId = num(w.run.experiment_id);
    const perKey = new Map<string, KeyWrite>();
    for (const m of w.metrics) {
      let value = m.value;
      let isNan = 0;
      if (!Number.isFinite(value)) ({ value, isNan } = encodeMetricValue(value));
      const step = m.step ?? 0;
      const point: HistoryPoint = { step, ts: m.timestamp, value, nan: isNan !== 0 };
      const seen = perKey.get(m.key);
      if (!seen) {
        const latest = { runId, runPk, experimentId, key: m.key, value, isNan, timestamp: m.timestamp, step };
        const entry = { latest, lo: step, hi: step, order: new StepOrder(), points: [point] };
        entry.order.add(step, m.timestamp);
        perKey.set(m.key, entry);
        keys.push(entry);
        continue;
      }
      seen.points.push(point);
      seen.order.add(step, m.timestamp);
      if (step < seen.lo) seen.lo = step;
      else if (step > seen.hi) seen.hi = step;
      const l = seen.latest;
      if (isLater(step, m.timestamp, value, l)) {
        l.value = value;
        l.isNan = isNan;
        l.timestamp = m.timestamp;
        l.step = step;
      }
    }
  }

  // The latest points are locked before anything is written, as the one-statement writers do
  // (array-metric-write.ts, script-metric-write.ts): writers of one history on either path take
  // its locks in the same order.
  const candidates = latestPerRunKey(keys.map((k) => k.latest));
  const orders = new Map(keys.map((k) => [historyKey(k.latest.runId, k.latest.key), k.order]));
  const stored =
    given ??
    (await readLatest(
      ctx,
      tx,
      candidates.filter((p) => orders.get(historyKey(p.runId, p.key))!.needsStored),
    ));
  const rows: SqlValue[][] = [];
  for (const k of keys) {
    for (const c of chunkPoints(k.points)) rows.push(chunkRow(k.latest.runPk, k.latest.key, c));
  }
  await insertChunkRows(tx, rows);

  // The lowest and highest step of each key stand for all its points.
  const bounds: { runPk: number; key: string; step: number }[] = [];
  for (const { latest, lo, hi } of keys) {
    bounds.push({ runPk: latest.runPk, key: latest.key, step: lo });
    if (hi !== lo) bounds.push({ runPk: latest.runPk, key: latest.key, step: hi });
  }
  await markSummariesStale(ctx, tx, bounds);

  const flags: number[] = [];
  for (const p of candidates) {
    const k = historyKey(p.runId, p.key);
    const order = orders.get(k)!;
    const s = stored.get(k);
    // Rare (a batch re-sent, a gap filled): the history itself tells whether it stays in order.
    const stays =
      startsBehindLatest(order, s) &&
      (await inStepOrderFrom(tx, ctx.db.dialect, p.runPk, p.key, order.firstStep));
    flags.push(stays ? IN_STEP_ORDER : stepOrderFlag(order, s));
  }
  let at = 0;
  for (const part of chunks(candidates, rowsPerStatement(LATEST_COLUMNS.length))) {
    const params: SqlValue[] = [];
    for (const p of part) {
      params.push(
        p.runId,
        p.key,
        p.experimentId,
        p.value,
        p.timestamp,
        p.step,
        p.isNan,
        nextPos(),
        flags[at++]!,
      );
    }
    await tx.run(latestUpsertSql(ctx, part.length), params);
  }

  for (const w of writes) {
    const modelMetrics = w.metrics.filter((m) => m.model_id);
    if (modelMetrics.length) await insertModelMetrics(ctx, tx, str(w.run.run_uuid), modelMetrics);
  }
}

/**
 * Upsert that replaces a latest_metrics row only with a greater (step, timestamp, value); the
 * row keeps its experiment and the position where the key was first logged.
 */
const latestUpsertSql = (ctx: StoreContext, rows: number): string =>
  cachedStatement(ctx.db.dialect, `latest:${rows}`, () =>
    ctx.db.dialect.upsert('latest_metrics', LATEST_COLUMNS, ['run_uuid', 'metric_key'], {
      rows,
      keep: ['experiment_id', 'pos'],
      whenGreater: ['step', 'ts', 'metric_value'],
      always: { in_step_order: STEP_ORDER_ON_CONFLICT },
    }),
  );

/**
 * The stored latest points of the (run, key) histories given, locked until the transaction ends
 * (so that no other writer changes them before this one's upsert), by `historyKey`.
 */
export async function readLatest(
  ctx: StoreContext,
  ex: Exec,
  histories: readonly { runId: string; key: string }[],
): Promise<Map<string, StoredLatest>> {
  const rows: Row[] = [];
  for (const part of chunks(histories, rowsPerStatement(2))) {
    const q = latestLookup(ctx, part);
    rows.push(...(await ex.query(q.sql, q.params)));
  }
  return storedLatest(rows);
}

/** The statement of `readLatest` for one part (at most `rowsPerStatement(2)` histories). */
export function latestLookup(
  ctx: StoreContext,
  histories: readonly { runId: string; key: string }[],
): { sql: string; params: SqlValue[] } {
  const byRun = new Map<string, string[]>();
  for (const h of histories) {
    const keys = byRun.get(h.runId);
    if (keys) keys.push(h.key);
    else byRun.set(h.runId, [h.key]);
  }
  const where = [...byRun.values()].map((keys) => `(run_uuid = ? AND metric_key IN (${qs(keys.length)}))`);
  return {
    sql: `SELECT run_uuid, metric_key, step, ts, in_step_order FROM latest_metrics WHERE ${where.join(' OR ')}${ctx.db.dialect.lockForUpdate}`,
    params: [...byRun].flatMap(([runId, keys]) => [runId, ...keys]),
  };
}

/** The rows of `latestLookup` statements, by `historyKey`. */
export function storedLatest(rows: readonly Row[]): Map<string, StoredLatest> {
  const out = new Map<string, StoredLatest>();
  for (const r of rows) {
    out.set(historyKey(str(r.run_uuid), str(r.metric_key)), {
      step: num(r.step),
      ts: num(r.ts),
      inStepOrder: num(r.in_step_order),
    });
  }
  return out;
}

export async function insertModelMetrics(
  ctx: StoreContext,
  tx: Exec,
  runId: string,
  metrics: readonly Metric[],
): Promise<void> {
  const cols = [
    'model_id',
    'metric_key',
    'ts',
    'step',
    'metric_value',
    'is_nan',
    'run_uuid',
    'dataset_name',
    'dataset_digest',
    'pos',
  ];
  const keyCols = ['model_id', 'metric_key', 'ts', 'step', 'run_uuid', 'dataset_digest'];
  for (const part of chunks(metrics, rowsPerStatement(cols.length))) {
    const params: SqlValue[] = [];
    for (const m of part) {
      const { value, isNan } = encodeMetricValue(m.value);
      params.push(
        m.model_id!,
        m.key,
        m.timestamp,
        m.step ?? 0,
        value,
        isNan,
        runId,
        m.dataset_name ?? '',
        m.dataset_digest ?? '',
        nextPos(),
      );
    }
    await tx.run(ctx.db.dialect.insertIgnore('logged_model_metrics', cols, keyCols, part.length), params);
  }
}
