import type { Migration } from '../migrations.js';

/**
 * Summary cells with their four points packed into one binary column. A cell of migration 008
 * kept each point as four columns (16 data columns a cell); turning a read of the ~3,900 cells a
 * sampled 1,000,000-point history needs into objects cost more than the rest of the request
 * (measured: about 4× the time of decoding one 100-byte value per cell). The layout is in
 * tracking/metric-summaries.ts (packCell / cellExtremes).
 *
 * The table is recreated empty and every history marked stale over its whole step range, as 008
 * does, to be summarized again when first charted.
 */
export const metricSummaryPacked: Migration = {
  version: 9,
  name: 'metric-summary-packed',
  up: (d) => {
    const t = d.types;
    const clustered = d.pick({ sqlite: ' WITHOUT ROWID', postgresql: '', mysql: '' });
    const bytes = d.pick({ sqlite: 'BLOB', postgresql: 'BYTEA', mysql: 'VARBINARY(128)' });
    return [
      `DROP TABLE metric_summaries`,
      `CREATE TABLE metric_summaries (
        run_pk ${t.bigint} NOT NULL,
        metric_key ${t.varchar(250)} NOT NULL,
        lvl ${t.int} NOT NULL,
        cell ${t.bigint} NOT NULL,
        points ${bytes} NOT NULL,
        PRIMARY KEY (run_pk, metric_key, lvl, cell)
      )${clustered}${d.tableOptions}`,
      `DELETE FROM metric_summary_stale`,
      `INSERT INTO metric_summary_stale (run_pk, metric_key, lo_step, hi_step)
        SELECT run_pk, metric_key, MIN(step), MAX(step) FROM metrics GROUP BY run_pk, metric_key`,
    ];
  },
};
