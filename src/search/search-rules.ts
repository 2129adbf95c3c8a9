/**
 * What each search API accepts: entity prefixes, attribute keys (with aliases), comparators and
 * value types. Mirrors the MLflow search grammar per API (runs, experiments, registered models,
 * model versions, logged models).
 */
import type { Comparator, EntityType } from './ast.js';

export type SearchKind = 'runs' | 'experiments' | 'registered_models' | 'model_versions' | 'logged_models';

export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
export const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
export const LIST_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

export interface AttributeRule {
  /** The canonical key stored in the clause (aliases map to it). */
  key: string;
  valueType: 'string' | 'number';
  comparators: readonly Comparator[];
  /** Accept a quoted number for a numeric attribute (model-version numbers are often sent quoted). */
  acceptsQuotedNumber?: boolean;
  /** Drop list entries with uppercase letters (run ids are lowercase hex). */
  lowercaseListOnly?: boolean;
}

export interface KindRules {
  /** Entity prefix as written (`metrics`, `tag`, ...) → entity type, for filters. */
  entities: Readonly<Record<string, EntityType>>;
  /** How the error message lists the valid prefixes. */
  entityList: string;
  /** Filterable attribute keys as written (aliases included). */
  attributes: Readonly<Record<string, AttributeRule>>;
  /** Dataset keys (runs only). */
  datasetKeys: readonly string[];
  /** Entity types allowed in order_by. */
  orderEntities: readonly EntityType[];
  /** Orderable attribute keys as written → canonical key. */
  orderAttributes: Readonly<Record<string, string>>;
}

const str = (key: string, comparators = STRING_COMPARATORS): AttributeRule => ({
  key,
  valueType: 'string',
  comparators,
});
const num = (key: string): AttributeRule => ({ key, valueType: 'number', comparators: NUMERIC_COMPARATORS });

const RUN_ENTITIES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

const ATTRIBUTE_AND_TAG_ENTITIES: Record<string, EntityType> = {
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  tag: 'tag',
  tags: 'tag',
};

const RUNS: KindRules = {
  entities: RUN_ENTITIES,
  entityList: "['metric', 'parameter', 'tag', 'attribute', 'dataset']",
  attributes: {
    run_id: { ...str('run_id', LIST_COMPARATORS), lowercaseListOnly: true },
    run_name: str('run_name'),
    'run name': str('run_name'),
    'Run name': str('run_name'),
    'Run Name': str('run_name'),
    status: str('status'),
    user_id: str('user_id'),
    artifact_uri: str('artifact_uri'),
    start_time: num('start_time'),
    end_time: num('end_time'),
    created: num('start_time'),
    Created: num('start_time'),
  },
  datasetKeys: ['name', 'digest', 'context'],
  orderEntities: ['metric', 'param', 'tag', 'attribute'],
  orderAttributes: {
    run_id: 'run_id',
    run_name: 'run_name',
    'run name': 'run_name',
    'Run name': 'run_name',
    'Run Name': 'run_name',
    status: 'status',
    user_id: 'user_id',
    artifact_uri: 'artifact_uri',
    start_time: 'start_time',
    end_time: 'end_time',
    created: 'start_time',
    Created: 'start_time',
  },
};

const EXPERIMENTS: KindRules = {
  entities: ATTRIBUTE_AND_TAG_ENTITIES,
  entityList: "('attribute', 'tag', 'tags')",
  attributes: {
    name: str('name'),
    creation_time: num('creation_time'),
    last_update_time: num('last_update_time'),
  },
  datasetKeys: [],
  orderEntities: ['attribute'],
  orderAttributes: {
    name: 'name',
    experiment_id: 'experiment_id',
    creation_time: 'creation_time',
    last_update_time: 'last_update_time',
  },
};

const REGISTERED_MODELS: KindRules = {
  entities: ATTRIBUTE_AND_TAG_ENTITIES,
  entityList: "('attribute', 'tag', 'tags')",
  attributes: { name: str('name') },
  datasetKeys: [],
  orderEntities: ['attribute'],
  orderAttributes: {
    name: 'name',
    timestamp: 'creation_timestamp',
    creation_timestamp: 'creation_timestamp',
    last_updated_timestamp: 'last_updated_timestamp',
  },
};

const MODEL_VERSIONS: KindRules = {
  entities: ATTRIBUTE_AND_TAG_ENTITIES,
  entityList: "('attribute', 'tag', 'tags')",
  attributes: {
    name: str('name'),
    run_id: { ...str('run_id', LIST_COMPARATORS), lowercaseListOnly: true },
    source_path: str('source_path'),
    version_number: { ...num('version_number'), acceptsQuotedNumber: true },
  },
  datasetKeys: [],
  orderEntities: ['attribute'],
  orderAttributes: {
    name: 'name',
    version_number: 'version_number',
    creation_timestamp: 'creation_timestamp',
    last_updated_timestamp: 'last_updated_timestamp',
  },
};

const LOGGED_MODEL_ATTRIBUTES: Record<string, AttributeRule> = {
  name: str('name', LIST_COMPARATORS),
  model_id: str('model_id', LIST_COMPARATORS),
  model_type: str('model_type', LIST_COMPARATORS),
  status: str('status', LIST_COMPARATORS),
  source_run_id: str('source_run_id', LIST_COMPARATORS),
  creation_timestamp: num('creation_timestamp'),
  creation_time: num('creation_timestamp'),
  last_updated_timestamp: num('last_updated_timestamp'),
  last_updated_time: num('last_updated_timestamp'),
};

const LOGGED_MODELS: KindRules = {
  entities: Object.fromEntries(Object.entries(RUN_ENTITIES).filter(([, type]) => type !== 'dataset')),
  entityList: "['metric', 'parameter', 'tag', 'attribute']",
  attributes: LOGGED_MODEL_ATTRIBUTES,
  datasetKeys: [],
  orderEntities: ['metric', 'attribute'],
  orderAttributes: Object.fromEntries(
    Object.entries(LOGGED_MODEL_ATTRIBUTES).map(([written, rule]) => [written, rule.key]),
  ),
};

export const SEARCH_RULES: Readonly<Record<SearchKind, KindRules>> = {
  runs: RUNS,
  experiments: EXPERIMENTS,
  registered_models: REGISTERED_MODELS,
  model_versions: MODEL_VERSIONS,
  logged_models: LOGGED_MODELS,
};

export const SEARCH_KINDS: readonly SearchKind[] = Object.keys(SEARCH_RULES) as SearchKind[];

/** Human name of an entity type for messages (`parameter` rather than `param`, as MLflow says). */
export function entityLabel(type: EntityType): string {
  return type === 'param' ? 'parameter' : type;
}

/** `{'a', 'b'}` listing of keys, sorted, for messages. */
export function keyList(keys: Iterable<string>): string {
  return `{${[...new Set(keys)]
    .sort()
    .map((k) => `'${k}'`)
    .join(', ')}}`;
}
