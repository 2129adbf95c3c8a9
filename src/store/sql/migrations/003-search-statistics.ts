import type { Migration } from '../migrations.js';

/**
 * PostgreSQL estimates `param_key = ? AND param_value = ?` as if key and value were independent,
 * which makes it start a filtered, metric-ordered run search from a full scan of `params` instead
 * of walking the latest-metric index in order and stopping after a page. Extended statistics on
 * the pairs give it the real frequencies (measured: 200 ms → 20–35 ms at 20,000 runs). SQLite and
 * MySQL need nothing here.
 */
export const searchStatistics: Migration = {
  version: 3,
  name: 'search-statistics',
  up: (d) =>
    d.pick({
      postgresql: [
        'CREATE STATISTICS IF NOT EXISTS params_key_value_stats (mcv, dependencies) ON param_key, param_value FROM params',
        'CREATE STATISTICS IF NOT EXISTS tags_key_value_stats (mcv, dependencies) ON tag_key, tag_value FROM tags',
      ],
      sqlite: [],
      mysql: [],
    }),
};
