import type { Migration } from '../migrations.js';
import { SUMMARY_SHIFTS } from '../tracking/metric-summaries.js';

/**
 * Multi-resolution summaries of metric histories (see tracking/metric-summaries.ts). A sampled
 * history used to aggregate every stored point of the requested range on each request (~540 ms
 * for one 1,000,000-point metric): its cost grew with the points stored, not the points shown.
 * With per-(run, key) cells of 16, 256, ... steps holding first/last step and min/max value with
 * their steps, a request reads about as many cells as buckets it returns.
 *
 * Cells are keyed like the history they summarize (run handle, key) plus level and cell number;
 * SQLite keeps them clustered in that key. Existing histories are summarized here, level by level
 * from the points, so an upgraded database answers the same as a fresh one: one grouping pass per
 * level, then, per cell, one range seek on the step index for the step of each extreme.
 */
export const metricSummaries: Migration = {
  version: 6,
  name: 'metric-summaries',
  up: (d) => {
    const t = d.types;
    // floor(step / 2^shift): an arithmetic shift on SQLite and PostgreSQL; MySQL shifts unsigned.
    const cellOf = (shift: number): string =>
      d.pick({
        sqlite: `step >> ${shift}`,
        postgresql: `step >> ${shift}`,
        mysql: `FLOOR(step / ${2 ** shift})`,
      });
    const extremeStep = (value: string): string => `(SELECT MIN(m.step) FROM metrics m
      WHERE m.run_pk = metric_summaries.run_pk AND m.metric_key = metric_summaries.metric_key
        AND m.step >= metric_summaries.first_step AND m.step <= metric_summaries.last_step
        AND m.is_nan = 0 AND m.metric_value = metric_summaries.${value})`;
    return [
      `CREATE TABLE metric_summaries (
        run_pk ${t.bigint} NOT NULL,
        metric_key ${t.varchar(250)} NOT NULL,
        lvl ${t.int} NOT NULL,
        cell ${t.bigint} NOT NULL,
        first_step ${t.bigint} NOT NULL,
        last_step ${t.bigint} NOT NULL,
        min_step ${t.bigint},
        min_value ${t.double},
        max_step ${t.bigint},
        max_value ${t.double},
        PRIMARY KEY (run_pk, metric_key, lvl, cell)
      )${d.pick({ sqlite: ' WITHOUT ROWID', postgresql: '', mysql: '' })}${d.tableOptions}`,
      ...SUMMARY_SHIFTS.map(
        (
          shift,
        ) => `INSERT INTO metric_summaries (run_pk, metric_key, lvl, cell, first_step, last_step, min_value, max_value)
        SELECT run_pk, metric_key, ${shift}, ${cellOf(shift)}, MIN(step), MAX(step),
          MIN(CASE WHEN is_nan = 0 THEN metric_value END), MAX(CASE WHEN is_nan = 0 THEN metric_value END)
        FROM metrics GROUP BY run_pk, metric_key, ${cellOf(shift)}`,
      ),
      `UPDATE metric_summaries SET min_step = ${extremeStep('min_value')}, max_step = ${extremeStep('max_value')}`,
    ];
  },
};
