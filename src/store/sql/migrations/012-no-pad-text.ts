import type { Dialect } from '../database.js';
import type { Migration } from '../migrations.js';

/**
 * Text that differs only by trailing spaces stays apart on MySQL and MariaDB. Their tables were
 * created with `utf8mb4_bin`, a PAD SPACE collation: `'loss'` and `'loss '` compared equal, so
 * they were one key — a metric `loss ` went into the history of `loss`, a param `lr ` was dropped
 * when `lr` existed, a tag `env ` replaced `env`, and `params.x = 'a'` matched `'a '`. MLflow's
 * names allow spaces; PostgreSQL and SQLite always kept them apart.
 *
 * Every table is converted to the server's NO PAD binary collation (the same byte order, trailing
 * spaces significant): `utf8mb4_0900_bin` on MySQL 8, `utf8mb4_nopad_bin` on MariaDB (preferred
 * where both names exist: MariaDB's is NO PAD by its name). The name differs by server, so it is
 * looked up and each ALTER is prepared from it. Each table is rebuilt, in time proportional to
 * its rows (docs/deploy.md). Nothing else changes — no key can newly collide, as the new collation
 * tells more strings apart, never fewer.
 */
export const noPadText: Migration = {
  version: 12,
  name: 'no-pad-text',
  up: (d) => noPadTables(d, TABLES),
};

/** Every table of migrations 1–11 (all have text columns). */
const TABLES = [
  'auth_audit',
  'auth_grants',
  'auth_group_members',
  'auth_groups',
  'auth_tokens',
  'auth_users',
  'datasets',
  'experiment_tags',
  'experiments',
  'input_tags',
  'latest_metrics',
  'logged_model_metrics',
  'logged_model_params',
  'logged_model_tags',
  'logged_models',
  'metric_chunks',
  'metric_summaries',
  'metric_summary_stale',
  'metrics',
  'model_version_tags',
  'model_versions',
  'params',
  'registered_model_aliases',
  'registered_model_tags',
  'registered_models',
  'registry_webhook_attempts',
  'registry_webhook_deliveries',
  'registry_webhook_sequence',
  'registry_webhooks',
  'run_inputs',
  'run_models',
  'runs',
  'tags',
];

/** The foreign keys on text columns (MySQL cannot change a column one joins): dropped, then re-made. */
const TEXT_FOREIGN_KEYS: readonly [table: string, name: string, definition: string][] = [
  [
    'model_versions',
    'model_versions_ibfk_1',
    'FOREIGN KEY (`name`) REFERENCES `registered_models` (`name`) ON UPDATE CASCADE ON DELETE CASCADE',
  ],
  [
    'registered_model_tags',
    'registered_model_tags_ibfk_1',
    'FOREIGN KEY (`name`) REFERENCES `registered_models` (`name`) ON UPDATE CASCADE ON DELETE CASCADE',
  ],
  [
    'model_version_tags',
    'model_version_tags_ibfk_1',
    'FOREIGN KEY (`name`, `version`) REFERENCES `model_versions` (`name`, `version`) ON UPDATE CASCADE ON DELETE CASCADE',
  ],
  [
    'registered_model_aliases',
    'registered_model_aliases_ibfk_1',
    'FOREIGN KEY (`name`, `version`) REFERENCES `model_versions` (`name`, `version`) ON UPDATE CASCADE ON DELETE CASCADE',
  ],
  [
    'registry_webhook_deliveries',
    'registry_webhook_deliveries_ibfk_1',
    'FOREIGN KEY (`webhook_id`) REFERENCES `registry_webhooks` (`webhook_id`) ON DELETE CASCADE',
  ],
  [
    'registry_webhook_attempts',
    'registry_webhook_attempts_ibfk_1',
    'FOREIGN KEY (`delivery_id`) REFERENCES `registry_webhook_deliveries` (`delivery_id`) ON DELETE CASCADE',
  ],
];

/** Runs the DDL text that the SQL expression `text` gives (MySQL's only way to a computed statement). */
const prepared = (text: string): string[] => [
  `SET @cairn_ddl = ${text}`,
  'PREPARE cairn_ddl FROM @cairn_ddl',
  'EXECUTE cairn_ddl',
  'DEALLOCATE PREPARE cairn_ddl',
];

/** Whether the foreign key `name` of `table` exists, as an SQL condition. */
const foreignKeyExists = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
    AND TABLE_NAME = '${table}' AND CONSTRAINT_NAME = '${name}' AND CONSTRAINT_TYPE = 'FOREIGN KEY')`;

/**
 * The statements converting `tables` to the NO PAD binary collation on MySQL/MariaDB (none
 * elsewhere), the foreign keys on text columns dropped before and made again after. Each step
 * checks what it finds, so a conversion interrupted half-way (MySQL commits each DDL statement)
 * is finished by the next upgrade. `Dialect.tableOptions` still names `utf8mb4_bin`: a later
 * migration creating a table converts it with this too.
 */
export function noPadTables(d: Dialect, tables: readonly string[]): string[] {
  if (!d.pick({ mysql: true, postgresql: false, sqlite: false }) || !tables.length) return [];
  const keys = TEXT_FOREIGN_KEYS.filter(([table]) => tables.includes(table));
  return [
    `SET @cairn_no_pad = (SELECT COLLATION_NAME FROM information_schema.COLLATIONS
      WHERE COLLATION_NAME IN ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin')
      ORDER BY COLLATION_NAME = 'utf8mb4_nopad_bin' DESC LIMIT 1)`,
    ...keys.flatMap(([table, name]) =>
      prepared(
        `IF(${foreignKeyExists(table, name)}, 'ALTER TABLE \`${table}\` DROP FOREIGN KEY \`${name}\`', 'DO 0')`,
      ),
    ),
    // A table already converted (an upgrade interrupted and run again) is not rebuilt again.
    ...tables.flatMap((table) =>
      prepared(
        `IF((SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
          AND TABLE_NAME = '${table}') = @cairn_no_pad, 'DO 0',
          CONCAT('ALTER TABLE ${d.id(table)} CONVERT TO CHARACTER SET utf8mb4 COLLATE ', @cairn_no_pad))`,
      ),
    ),
    ...keys.flatMap(([table, name, definition]) =>
      prepared(
        `IF(${foreignKeyExists(table, name)}, 'DO 0', 'ALTER TABLE \`${table}\` ADD CONSTRAINT \`${name}\` ${definition}')`,
      ),
    ),
  ];
}
