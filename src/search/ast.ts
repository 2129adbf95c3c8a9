/** The parsed form of MLflow search filters and order-by clauses (shared by every search API). */

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** What a clause's identifier refers to. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export interface Clause {
  type: EntityType;
  /**
   * Key with quotes/backticks removed; attribute aliases normalized (e.g. `created` → `start_time`).
   * Attribute keys produced per search API (parseSearchFilter):
   * - runs: `run_id`, `run_name`, `status`, `user_id`, `artifact_uri` (strings); `start_time`,
   *   `end_time` (numbers). Dataset keys: `name`, `digest`, `context`.
   * - experiments: `name` (string); `creation_time`, `last_update_time` (numbers).
   * - registered_models: `name`.
   * - model_versions: `name`, `run_id`, `source_path` (strings; `source_path` is the version's
   *   `source`); `version_number` (number).
   * - logged_models: `name`, `model_id`, `model_type`, `status`, `source_run_id` (strings, lists
   *   allowed); `creation_timestamp`, `last_updated_timestamp` (numbers). `status` is passed as written
   *   (`READY` or `LOGGED_MODEL_READY`).
   */
  key: string;
  /** Always upper case (`LIKE`, `NOT IN`). LIKE/ILIKE values follow `like.ts` (`\` escapes `%`, `_`). */
  comparator: Comparator;
  /**
   * A number for numeric comparisons, a string for string ones, a list for IN / NOT IN. A list may
   * be EMPTY (for `run_id IN (...)`, entries with uppercase letters are dropped as no run id has
   * them): `IN ()` then matches nothing and `NOT IN ()` everything — never emit `IN ()` as SQL.
   */
  value: number | string | string[];
}

/** A filter is a conjunction of clauses (MLflow supports AND only). An empty list matches all. */
export type Filter = Clause[];

export interface OrderBy {
  /** `attribute`, `metric`, `param` or `tag` (never `dataset`); allowed types depend on the API. */
  type: EntityType;
  /**
   * Key with quotes removed, attribute aliases normalized: runs `created` → `start_time`;
   * registered models `timestamp` → `creation_timestamp`; logged models `creation_time` →
   * `creation_timestamp`, `last_updated_time` → `last_updated_timestamp`. Experiments may order by
   * `experiment_id`; model versions by `version_number`.
   */
  key: string;
  ascending: boolean;
}
