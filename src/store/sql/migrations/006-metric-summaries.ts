import type { Migration } from '../migrations.js';

/**
 * Multi-resolution summaries of metric histories (see tracking/metric-summaries.ts). A sampled
 * history used to aggregate every stored point of the requested range on each request (~540 ms
 * for one 1,000,000-point metric): its cost grew with the points stored, not the points shown.
 * With per-(run, key) cells of 16, 256, ... steps holding first/last step and min/max value with
 * their steps, a request reads about as many cells as buckets it returns.
 *
 * Cells are keyed like the history they summarize (run handle, key) plus level and cell number;
 * SQLite keeps them clustered in that key. Writes only widen a (run, key)'s stale step range in
 * `metric_summary_stale`; the next sampled read rebuilds the cells over it. Existing histories
 * are marked stale over their whole step range here (one grouping pass over the step index), so
 * the upgrade itself stays quick and each history is summarized once, when first charted.
 */
export const metricSummaries: Migration = {
  version: 6,
  name: 'metric-summaries',
  up: (d) => {
    const t = d.types;
    const clustered = d.pick({ sqlite: ' WITHOUT ROWID', postgresql: '', mysql: '' });
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
      )${clustered}${d.tableOptions}`,
      `CREATE TABLE metric_summary_stale (
        run_pk ${t.bigint} NOT NULL,
        metric_key ${t.varchar(250)} NOT NULL,
        lo_step ${t.bigint} NOT NULL,
        hi_step ${t.bigint} NOT NULL,
        PRIMARY KEY (run_pk, metric_key)
      )${clustered}${d.tableOptions}`,
      `INSERT INTO metric_summary_stale (run_pk, metric_key, lo_step, hi_step)
        SELECT run_pk, metric_key, MIN(step), MAX(step) FROM metrics GROUP BY run_pk, metric_key`,
    ];
  },
};
