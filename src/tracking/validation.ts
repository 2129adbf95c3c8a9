/**
 * Validation rules of the tracking API (MLflow's limits, key rules and value handling). Pure
 * functions: each throws INVALID_PARAMETER_VALUE naming the offending field, or returns the value
 * as it should be stored (over-long param and run-tag values are truncated when enabled).
 */
import { invalidParam, notFound } from '../errors.js';
import type { DatasetInput, Metric, Param, RunTag, Tag } from '../entities/tracking.js';

export const LIMITS = {
  entityKey: 250,
  /** Stored run ids (uuid hex) and logged-model ids (`m-` + hex) are short; longer ones name nothing. */
  runId: 50,
  modelId: 64,
  paramValue: 6000,
  runTagValue: 8000,
  experimentTagValue: 5000,
  experimentName: 500,
  artifactLocation: 2000,
  runName: 250,
  userId: 256,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  batchBodyBytes: 1_000_000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSourceType: 36,
  datasetSource: 65535,
  datasetSchema: 1048575,
  datasetProfile: 16777215,
  inputTagKey: 255,
  inputTagValue: 500,
  loggedModelName: 500,
  loggedModelType: 500,
  searchRunsDefault: 1000,
  /** Experiments per run-count request (a GET: the ids must fit in a URL). */
  countRunsExperimentsMax: 200,
  searchRunsMax: 50_000,
  searchExperimentsDefault: 1000,
  searchExperimentsMax: 50_000,
  historyPageMax: 25_000,
  bulkIntervalRunsMax: 100,
  bulkIntervalMaxResults: 2500,
  bulkHistoryMax: 25_000,
  sampledMaxPoints: 10_000,
  loggedModelsDefault: 50,
  loggedModelsMax: 1000,
} as const;

/** SQL stores cannot hold ±Infinity: MLflow stores the largest finite doubles instead. */
export const DOUBLE_MAX = 1.7976931348623157e308;

/** Key characters allowed by MLflow on POSIX: word characters, `/`, `.`, `-`, space and `:`. */
const KEY_CHARS = /^[/\w.\- :]*$/u;

export function exceedsMessage(field: string, limit: number): string {
  return `'${field}' exceeds the maximum length of ${limit} characters`;
}

export function checkLength(field: string, value: string, limit: number): string {
  if (value.length > limit) throw invalidParam(exceedsMessage(field, limit));
  return value;
}

/**
 * A metric/param/tag key: non-empty, ≤ 250 chars, only `[/\w.\- :]`, and a normalized relative
 * path (no `a//b`, `./`, `..`, leading or trailing `/`) so it can never escape a directory.
 */
export function validateKey(key: string, field = 'key'): string {
  if (key === '') throw invalidParam(`Missing value for required parameter '${field}'.`);
  checkLength(field, key, LIMITS.entityKey);
  if (!KEY_CHARS.test(key)) {
    throw invalidParam(
      `Invalid value ${JSON.stringify(key)} for parameter 'name' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  if (!isNormalizedRelativePath(key)) {
    throw invalidParam(
      `Invalid value ${JSON.stringify(key)} for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to ${JSON.stringify(normalizePosix(key))}`,
    );
  }
  return key;
}

function normalizePosix(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(seg);
  }
  const joined = parts.join('/');
  return (p.startsWith('/') ? '/' : '') + (joined || (p.startsWith('/') ? '' : '.'));
}

function isNormalizedRelativePath(p: string): boolean {
  if (p === '.' || p.startsWith('/') || p.startsWith('..')) return false;
  // A single segment other than those is already normalized (the common case: no split).
  if (!p.includes('/')) return true;
  return normalizePosix(p) === p;
}

function limitValue(field: string, value: string, limit: number, truncate: boolean): string {
  if (value.length <= limit) return value;
  if (truncate) return value.slice(0, limit);
  throw invalidParam(exceedsMessage(field, limit));
}

export function validateParam(p: Param, truncate: boolean): Param {
  validateKey(p.key, 'Param key');
  return { key: p.key, value: limitValue('Param value', p.value, LIMITS.paramValue, truncate) };
}

export function validateRunTag(t: RunTag, truncate: boolean): RunTag {
  validateKey(t.key, 'key');
  return { key: t.key, value: limitValue('value', t.value, LIMITS.runTagValue, truncate) };
}

export function validateExperimentTag(t: Tag): Tag {
  validateKey(t.key, 'key');
  checkLength('value', t.value, LIMITS.experimentTagValue);
  return t;
}

/**
 * A metric point. `value` is already a number (NaN allowed); ±Infinity become ±DOUBLE_MAX as in
 * MLflow's SQL store. The timestamp must be a non-negative integer; the step an integer.
 */
export function validateMetric(m: Metric, field = 'Metric name'): Metric {
  validateKey(m.key, field);
  return validateMetricPoint(m);
}

/**
 * Everything of `validateMetric` but the key (a batch checks each distinct key once). A point
 * with nothing to change or drop is returned as it is: a batch holds up to 1,000 of them.
 */
export function validateMetricPoint(m: Metric): Metric {
  const { value, timestamp, step } = m;
  if (typeof value !== 'number') throw invalidParam(`Metric value must be a number, got ${typeof value}.`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw invalidParam(
      `Invalid value ${timestamp} for parameter 'timestamp' supplied: metric timestamp must be a non-negative integer (milliseconds since the epoch).`,
    );
  }
  if (!Number.isSafeInteger(step)) {
    throw invalidParam(
      `Invalid value ${step} for parameter 'step' supplied: metric step must be an integer.`,
    );
  }
  const plain = m.model_id === undefined && m.dataset_name === undefined && m.dataset_digest === undefined;
  if (plain && value !== Infinity && value !== -Infinity) return m;
  const v = value === Infinity ? DOUBLE_MAX : value === -Infinity ? -DOUBLE_MAX : value;
  const out: Metric = { key: m.key, value: v, timestamp, step };
  if (m.model_id) out.model_id = checkLength('model_id', m.model_id, LIMITS.modelId);
  if (m.dataset_name) out.dataset_name = checkLength('dataset_name', m.dataset_name, LIMITS.datasetName);
  if (m.dataset_digest)
    out.dataset_digest = checkLength('dataset_digest', m.dataset_digest, LIMITS.datasetDigest);
  return out;
}

/** The log-batch limits: counts per entity, total, and no repeated param key. */
export function validateBatchLimits(metrics: number, params: Param[], tags: number): void {
  const too = (what: string, n: number, max: number) =>
    invalidParam(
      `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
    );
  if (metrics > LIMITS.batchMetrics) throw too('metrics', metrics, LIMITS.batchMetrics);
  if (params.length > LIMITS.batchParams) throw too('params', params.length, LIMITS.batchParams);
  if (tags > LIMITS.batchTags) throw too('tags', tags, LIMITS.batchTags);
  const total = metrics + params.length + tags;
  if (total > LIMITS.batchTotal) {
    throw invalidParam(
      `A batch logging request can contain at most ${LIMITS.batchTotal} metrics, params, and tags in total. Got ${metrics} metrics, ${params.length} params, and ${tags} tags in the request.`,
    );
  }
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of params) (seen.has(p.key) ? dups : seen).add(p.key);
  if (dups.size) {
    throw invalidParam(
      `Duplicate parameter keys have been submitted: [${[...dups].map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
    );
  }
}

export function validateBatchBodySize(bytes: number): void {
  if (bytes > LIMITS.batchBodyBytes) {
    throw invalidParam(
      `Batched logging API requests must be at most ${LIMITS.batchBodyBytes} bytes, got a request of ${bytes} bytes.`,
    );
  }
}

export function validateExperimentName(name: string): string {
  if (name === '') throw invalidParam(`Missing value for required parameter 'name'.`);
  return checkLength('name', name, LIMITS.experimentName);
}

/** `runs:` locations would make a run's artifacts point at another run; URL fragments/queries are ambiguous. */
export function validateArtifactLocation(location: string): string {
  checkLength('artifact_location', location, LIMITS.artifactLocation);
  if (location.startsWith('runs:')) {
    throw invalidParam(`Experiment artifact location cannot be a runs:/ URI. Got '${location}'.`);
  }
  if (/^[a-z][\w+.-]*:/i.test(location) && /[?#]/.test(location)) {
    throw invalidParam(
      `Experiment artifact location must not contain a query or fragment. Got '${location}'.`,
    );
  }
  return location;
}

/** Experiment ids of the SQL store are decimal integers; anything else names no experiment. */
export function isExperimentIdLike(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

/** What an id that cannot name an experiment answers (as MLflow does for an unknown one). */
export const noExperiment = (id: string) => notFound(`No Experiment with id=${id} exists`);

export function validateDatasetInput(input: DatasetInput, index: number): DatasetInput {
  const d = input.dataset;
  const at = (f: string) => `datasets[${index}].dataset.${f}`;
  const need = (v: string | undefined, f: string): string => {
    if (v === undefined || v === '') throw invalidParam(`Missing value for required parameter '${at(f)}'.`);
    return v;
  };
  need(d.name, 'name');
  need(d.digest, 'digest');
  need(d.source_type, 'source_type');
  if (d.source === undefined) throw invalidParam(`Missing value for required parameter '${at('source')}'.`);
  checkLength('name', d.name, LIMITS.datasetName);
  checkLength('digest', d.digest, LIMITS.datasetDigest);
  checkLength('source_type', d.source_type, LIMITS.datasetSourceType);
  checkLength('source', d.source, LIMITS.datasetSource);
  if (d.schema !== undefined) checkLength('schema', d.schema, LIMITS.datasetSchema);
  if (d.profile !== undefined) checkLength('profile', d.profile, LIMITS.datasetProfile);
  for (const t of input.tags ?? []) {
    if (t.key === '')
      throw invalidParam(`Missing value for required parameter 'datasets[${index}].tags.key'.`);
    checkLength('key', t.key, LIMITS.inputTagKey);
    checkLength('value', t.value, LIMITS.inputTagValue);
  }
  return input;
}

/** A `max_results` within [1, max], or the default when absent. */
export function validateMaxResults(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (value <= 0) {
    throw invalidParam(
      `Invalid value ${value} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  if (value > max) {
    throw invalidParam(
      `Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${max}`,
    );
  }
  return value;
}
