import type { Row } from '../database.js';
import { nextPos, qs, type StoreContext } from './common.js';
import { groupPoints } from './array-metric-write.js';
import { HISTORY_COLUMNS, LATEST_COLUMNS, type BatchWrite } from './log-batch.js';
import { STALE_COLUMNS, STALE_KEY, STALE_MERGE, STALE_WIDENS, staleRanges } from './metric-summaries.js';
import { activeRunsFrom, RUN_STATE_COLUMNS } from './runs.js';

/**
 * Writes the metrics of many metric-only calls in ONE round trip on databases that read rows
 * from a JSON parameter and take several statements at once (MySQL/MariaDB): the run rows, the
 * history rows, the latest-value upsert and the summaries' stale range are four statements of one transaction sent
 * together (`SqlDatabase.script`), each point list bound as one JSON parameter, instead of
 * BEGIN, a run query, two multi-row statements and COMMIT, five round trips per group. Points of
 * runs that are missing or not active are not written; the returned map says, per run id, its
 * row (RUN_STATE_COLUMNS) or the error its calls get.
 */
export async function writeMetricsWithJson(
  ctx: StoreContext,
  writes: readonly BatchWrite[],
): Promise<Map<string, Row | Error>> {
  const { dialect: d, script } = ctx.db;
  if (!d.jsonRows || !script) throw new Error('writeMetricsWithJson: the database cannot do this');
  const { runIds, points, latest } = groupPoints(writes);
  const stale = staleRanges(points, (p) => p.runId);
  const inRuns = qs(runIds.length);
  const active = `r.run_uuid = p.run_uuid AND r.lifecycle_stage = 'active' AND r.run_uuid IN (${inRuns})`;
  const history = d.upsert('metrics', HISTORY_COLUMNS, HISTORY_COLUMNS, {
    source: `SELECT r.run_pk, p.metric_key, p.ts, p.step, p.metric_value, p.is_nan
  FROM ${d.jsonRows([
    ['run_uuid', 'text'],
    ['metric_key', 'text'],
    ['ts', 'bigint'],
    ['step', 'bigint'],
    ['metric_value', 'double'],
    ['is_nan', 'int'],
  ])} AS p JOIN runs r ON ${active}`,
  });
  const upsertLatest = d.upsert('latest_metrics', LATEST_COLUMNS, ['run_uuid', 'metric_key'], {
    keep: ['experiment_id', 'pos'],
    whenGreater: ['step', 'ts', 'metric_value'],
    source: `SELECT p.run_uuid, p.metric_key, r.experiment_id, p.metric_value, p.ts, p.step, p.is_nan, p.pos
  FROM ${d.jsonRows([
    ['run_uuid', 'text'],
    ['metric_key', 'text'],
    ['metric_value', 'double'],
    ['ts', 'bigint'],
    ['step', 'bigint'],
    ['is_nan', 'int'],
    ['pos', 'bigint'],
  ])} AS p JOIN runs r ON ${active}`,
  });
  const markStale = d.upsert('metric_summary_stale', STALE_COLUMNS, STALE_KEY, {
    combine: STALE_MERGE,
    combineWhen: STALE_WIDENS,
    source: `SELECT r.run_pk, p.metric_key, p.lo_step, p.hi_step
  FROM ${d.jsonRows([
    ['run_uuid', 'text'],
    ['metric_key', 'text'],
    ['lo_step', 'bigint'],
    ['hi_step', 'bigint'],
  ])} AS p JOIN runs r ON ${active}`,
  });
  const [runs] = await script.call(ctx.db, [
    { sql: `SELECT ${RUN_STATE_COLUMNS} FROM runs WHERE run_uuid IN (${inRuns})`, params: runIds },
    {
      sql: history,
      params: [
        JSON.stringify(points.map((p) => [p.runId, p.key, p.timestamp, p.step, p.value, p.isNan])),
        ...runIds,
      ],
    },
    {
      sql: upsertLatest,
      params: [
        JSON.stringify(latest.map((p) => [p.runId, p.key, p.value, p.timestamp, p.step, p.isNan, nextPos()])),
        ...runIds,
      ],
    },
    {
      // Ranges come ordered by (run, key), so concurrent groups lock these rows in one order.
      sql: markStale,
      params: [JSON.stringify(stale.map((r) => [r.owner, r.key, r.lo, r.hi])), ...runIds],
    },
  ]);
  return activeRunsFrom(runs ?? [], runIds);
}
