import type { Migration } from '../migrations.js';

/**
 * Summary cells that hold their points whole. A cell of migration 006 kept the step of its first,
 * last, lowest and highest points and the two extreme values; a sampled history then had to read
 * those points again by step (`step IN (...)`, about as many as the cells read) to return them.
 * Each of the four points now keeps its step, timestamp, stored value and NaN flag in the cell,
 * so a sampled history is answered from the cells (and the few points at the ends of its range).
 *
 * Levels are now 4× apart instead of 16× (tracking/metric-summaries.ts, SUMMARY_SHIFTS): a
 * request reads at most 4 cells per bucket instead of 16.
 *
 * The cells of 006 cannot be completed in place (they lack the timestamps, and the levels
 * changed): the table is recreated empty and every history is marked stale over its whole step
 * range (one grouping pass over the step index), to be summarized again when first charted.
 */
export const metricSummaryPoints: Migration = {
  version: 8,
  name: 'metric-summary-points',
  up: (d) => {
    const t = d.types;
    const clustered = d.pick({ sqlite: ' WITHOUT ROWID', postgresql: '', mysql: '' });
    const point = (name: string, nullable: boolean): string => {
      const n = nullable ? '' : ' NOT NULL';
      return `${name}_step ${t.bigint}${n}, ${name}_ts ${t.bigint}${n}, ${name}_value ${t.double}${n}, ${name}_nan ${t.int}${n}`;
    };
    return [
      `DROP TABLE metric_summaries`,
      `CREATE TABLE metric_summaries (
        run_pk ${t.bigint} NOT NULL,
        metric_key ${t.varchar(250)} NOT NULL,
        lvl ${t.int} NOT NULL,
        cell ${t.bigint} NOT NULL,
        ${point('first', false)},
        ${point('last', false)},
        ${point('min', true)},
        ${point('max', true)},
        PRIMARY KEY (run_pk, metric_key, lvl, cell)
      )${clustered}${d.tableOptions}`,
      `DELETE FROM metric_summary_stale`,
      `INSERT INTO metric_summary_stale (run_pk, metric_key, lo_step, hi_step)
        SELECT run_pk, metric_key, MIN(step), MAX(step) FROM metrics GROUP BY run_pk, metric_key`,
    ];
  },
};
