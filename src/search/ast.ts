/** The parsed form of MLflow search filters and order-by clauses (shared by every search API). */

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** What a clause's identifier refers to. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export interface Clause {
  type: EntityType;
  /** Key with quotes/backticks removed; attribute aliases normalized (e.g. `created` → `start_time`). */
  key: string;
  comparator: Comparator;
  /** A number for numeric comparisons, a string for string ones, a list for IN / NOT IN. */
  value: number | string | string[];
}

/** A filter is a conjunction of clauses (MLflow supports AND only). An empty list matches all. */
export type Filter = Clause[];

export interface OrderBy {
  type: EntityType;
  key: string;
  ascending: boolean;
}
