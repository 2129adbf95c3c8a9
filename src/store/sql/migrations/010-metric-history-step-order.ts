import type { Migration } from '../migrations.js';

/** The (run, key) of histories with a point whose timestamp is below the one before it in step order. */
const UNORDERED_HISTORIES = `SELECT DISTINCT r.run_uuid, x.metric_key FROM (
    SELECT run_pk, metric_key, ts,
      LAG(ts) OVER (PARTITION BY run_pk, metric_key ORDER BY step, ts, metric_value, is_nan) AS prev_ts
    FROM metrics
  ) x JOIN runs r ON r.run_pk = x.run_pk WHERE x.ts < x.prev_ts`;

/**
 * One B-tree per history point instead of two. The history was keyed in get-history's order
 * (timestamp, step, value) with a second index (run, key, step) for the step-ordered reads of
 * charts and sampling; that second index cost about a third of the database's work per point
 * written (on MySQL and SQLite it repeats the whole row). The key is now step-ordered — (run,
 * key, step, timestamp, value) — and the second index is gone.
 *
 * get-history still pages in (timestamp, step, value) order. In a history whose timestamps never
 * go down as steps go up (the usual training loop) the two orders are the same sequence, so it
 * pages through the key; `latest_metrics.in_step_order` says, per run and key, whether that holds
 * (the writers keep it: tracking/step-order.ts). Histories written before
 * this version are checked here, one pass over the history in key order.
 *
 * Rebuilding the key rewrites the largest table: the time this takes grows with the number of
 * points stored (docs/deploy.md, upgrading the schema, has the figures and what to do about
 * points older servers log while a rolling upgrade is under way).
 */
export const metricHistoryStepOrder: Migration = {
  version: 10,
  name: 'metric-history-step-order',
  up: (d) => {
    const t = d.types;
    const columns = 'run_pk, metric_key, ts, step, metric_value, is_nan';
    const key = 'PRIMARY KEY (run_pk, metric_key, step, ts, metric_value, is_nan)';
    const rekey = d.pick({
      // A table without rowid is stored in its key: it is copied into one with the new key.
      sqlite: [
        `CREATE TABLE metrics_step_ordered (
          run_pk ${t.bigint} NOT NULL,
          metric_key ${t.varchar(250)} NOT NULL,
          ts ${t.bigint} NOT NULL,
          step ${t.bigint} NOT NULL,
          metric_value ${t.double} NOT NULL,
          is_nan ${t.int} NOT NULL,
          ${key}
        ) WITHOUT ROWID`,
        `INSERT INTO metrics_step_ordered (${columns}) SELECT ${columns} FROM metrics`,
        `DROP TABLE metrics`,
        `ALTER TABLE metrics_step_ordered RENAME TO metrics`,
      ],
      postgresql: [
        `ALTER TABLE metrics DROP CONSTRAINT metrics_pkey, ADD ${key}`,
        `DROP INDEX metrics_step_idx`,
      ],
      mysql: [`ALTER TABLE metrics DROP PRIMARY KEY, ADD ${key}, DROP INDEX metrics_step_idx`],
    });
    const unordered = UNORDERED_HISTORIES;
    return [
      ...rekey,
      // Servers older than this version write no flag (during a rolling upgrade): the histories
      // they create count as not in step order, which is always answered right.
      `ALTER TABLE latest_metrics ADD COLUMN in_step_order ${t.int} NOT NULL DEFAULT 0`,
      `UPDATE latest_metrics SET in_step_order = 1`,
      d.pick({
        sqlite: `UPDATE latest_metrics SET in_step_order = 0 WHERE (run_uuid, metric_key) IN (${unordered})`,
        postgresql: `UPDATE latest_metrics SET in_step_order = 0 WHERE (run_uuid, metric_key) IN (${unordered})`,
        // MySQL reads the subquery into a derived table first (it cannot be merged into an UPDATE).
        mysql: `UPDATE latest_metrics l JOIN (${unordered}) u ON u.run_uuid = l.run_uuid AND u.metric_key = l.metric_key SET l.in_step_order = 0`,
      }),
    ];
  },
};
