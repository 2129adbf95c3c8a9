/**
 * The exchanges of the MLflow 3.6 recording where Cairn answers differently on purpose, each
 * with the reason and, where it is defined, the status Cairn must answer instead.
 *
 * `after` compensates for a deviation so that later exchanges stay comparable: e.g. where MLflow
 * stored a bad metric as 0 and Cairn refused it, the replay logs the value MLflow ended up
 * storing, so the recorded `runs/get` of that run still matches field by field.
 */
import type { ActualResponse, Replayer } from './replay.js';

export interface Deviation {
  reason: string;
  /** The status Cairn must answer (checked); undefined when any answer is acceptable. */
  status?: number;
  after?: (r: Replayer, actual: ActualResponse) => Promise<void>;
}

const RUN1 = '<run_id:1>';
const RUN2 = '<run_id:2>';

async function logMetric(r: Replayer, run: string, key: string, value: number, timestamp: number, step = 0) {
  await r.call('POST', '/api/2.0/mlflow/runs/log-metric', {
    run_id: r.substitute(run),
    key,
    value,
    timestamp,
    step,
  });
}

/** MLflow bugs listed in the recording's README: Cairn does the sensible thing. */
export const MLFLOW_BUG_FIXES: Record<string, Deviation> = {
  'history-no-max-results': { reason: 'absent max_results returns the whole history', status: 200 },
  'history-max-results-not-int': { reason: 'a non-integer max_results is a 400', status: 400 },
  'search-runs-non-numeric-experiment': {
    reason: 'non-numeric experiment id is a 400, not a 500',
    status: 400,
  },
  'experiments-get-non-numeric': { reason: 'non-numeric experiment id is a 404, not a 500', status: 404 },
  'experiments-search-no-max-results': { reason: 'max_results defaults to 1000', status: 200 },
  'experiments-search-get-no-params': { reason: 'max_results defaults to 1000', status: 200 },
  'runs-create-no-experiment-id': {
    reason: 'a clean 400 INVALID_PARAMETER_VALUE naming experiment_id, not a raw SQL error',
    status: 400,
    after: async (_r, actual) => {
      const body = actual.json as { error_code?: string; message?: string };
      if (body.error_code !== 'INVALID_PARAMETER_VALUE' || !body.message?.includes("'experiment_id'"))
        throw new Error(`runs/create without experiment_id answered ${JSON.stringify(body)}`);
    },
  },
  'experiments-create-bad-json': {
    reason: 'malformed JSON is a 400 BAD_REQUEST naming the problem',
    status: 400,
  },
  'experiments-create-json-array-body': {
    reason: 'a JSON array body is a 400 JSON error, not a 500',
    status: 400,
  },
  'experiments-update-to-existing-name': { reason: 'RESOURCE_ALREADY_EXISTS without SQL text', status: 400 },
  'experiments-update-deleted': { reason: 'renaming a deleted experiment is a 400, not a 500', status: 400 },
  'experiments-create-runs-artifact-location': {
    reason: 'a runs:/ artifact_location is a 400',
    status: 400,
    after: async (r) => {
      const res = await r.call('POST', '/api/2.0/mlflow/experiments/create', {
        name: 'golden-exp-bad-loc',
        artifact_location: 'mlflow-artifacts:/golden-bad-loc',
      });
      r.bound.set('<experiment_id:4>', String(res.experiment_id));
      r.equivalents.set('runs:/abc/artifacts', 'mlflow-artifacts:/golden-bad-loc');
    },
  },
  'runs-create-tag-value-too-long': {
    reason: 'run tags given to runs/create are truncated to 8000 characters like set-tag',
    status: 200,
    after: async (r) => {
      r.equivalents.set('t'.repeat(8001), 't'.repeat(8000));
    },
  },
  'runs-create-tag-key-too-long': {
    reason: 'run tags given to runs/create are validated like set-tag (key ≤ 250)',
    status: 400,
    after: async (r) => {
      const res = await r.call('POST', '/api/2.0/mlflow/runs/create', {
        experiment_id: '0',
        start_time: 1600000000200,
        run_name: 'golden-run-longkey',
      });
      r.bound.set('<run_id:7>', (res.run as { info: { run_id: string } }).info.run_id);
      r.dropped.add(JSON.stringify({ key: 'k'.repeat(251), value: 'v' }));
    },
  },
  'runs-update-bad-status': { reason: 'an unknown status name is a 400', status: 400 },
  'search-runs-view-bad': { reason: 'an unknown run_view_type is a 400', status: 400 },
  'metric-value-bool': {
    reason: 'a boolean metric value is a 400',
    status: 400,
    after: (r) => logMetric(r, RUN1, 'quirk_bool', 1, 1600000000120),
  },
  'metric-step-float': {
    reason: 'a fractional step is a 400',
    status: 400,
    after: (r) => logMetric(r, RUN1, 'quirk_step', 1, 1600000000130),
  },
  'metric-log-nan-bare-token': {
    reason: 'a bare NaN token is invalid JSON: 400',
    status: 400,
    after: (r) => logMetric(r, RUN1, 'nan_bare', 0, 0),
  },
  'batch-metric-bad-value': {
    reason: 'a non-numeric metric value in log-batch is a 400',
    status: 400,
    after: (r) => logMetric(r, RUN2, 'quirk_batch', 0, 0),
  },
  'inputs-missing-digest': {
    reason: 'a dataset without digest is a 400',
    status: 400,
    after: async (r) => {
      r.dropped.add(
        JSON.stringify({ dataset: { name: 'bad-ds', digest: '', source_type: 'local', source: '{}' } }),
      );
    },
  },
  'proxy-get-missing': { reason: 'a missing artifact is a 404 without server paths', status: 404 },
  'proxy-get-deleted': { reason: 'a missing artifact is a 404 without server paths', status: 404 },
  'proxy-get-directory': { reason: 'downloading a directory is a 400', status: 400 },
  'logged-model-finalize-id-only-in-path': { reason: 'the path model id is authoritative', status: 200 },
  'logged-model-log-params-id-only-in-path': { reason: 'the path model id is authoritative', status: 200 },
  'logged-model-finalize-path-body-mismatch': {
    reason: 'a body model_id different from the path is a 400',
    status: 400,
    // MLflow finalized the body's model (<model_id:4>) here; do that so later searches compare.
    after: async (r) => {
      const id = r.substitute('<model_id:4>');
      await r.call('PATCH', `/api/2.0/mlflow/logged-models/${id}`, { status: 'LOGGED_MODEL_READY' });
    },
  },
  'logged-model-log-params-change-value': { reason: 'INVALID_PARAMETER_VALUE without SQL text', status: 400 },
  'logged-model-search-filter-status': {
    reason: 'a status filter matches models in that status',
    status: 200,
  },
  'logged-model-search-filter-status-enum-name': {
    reason: 'a status filter matches models in that status',
    status: 200,
  },
  'rm-create-tag-value-too-long': {
    reason: 'registry tag values over 5000 chars are a 400',
    status: 400,
    // MLflow created the model (its long tag is deleted later in the scenario): create it untagged.
    after: async (r) => {
      await r.call('POST', '/api/2.0/mlflow/registered-models/create', { name: 'golden-rm-longtag' });
    },
  },
  'rm-set-tag-value-too-long': { reason: 'registry tag values over 5000 chars are a 400', status: 400 },
  'mv-set-tag-value-too-long': { reason: 'registry tag values over 5000 chars are a 400', status: 400 },
  'alias-get-missing': { reason: 'an unknown alias is a 404', status: 404 },
  'mv-transition-archive-to-archived': { reason: 'a 400, not a 500', status: 400 },
  'mv-search-bad-filter': { reason: "version_number = 'abc' is a 400", status: 400 },
  'graphql-get-method': { reason: 'GraphQL is not served (see DESIGN_DIFFERENCES)' },
};

/** Deliberate product decisions that differ from MLflow 3.6 (not bugs on either side). */
export const DESIGN_DIFFERENCES: Record<string, Deviation> = {
  'legacy-preview-prefix-experiments-get': {
    reason: 'Cairn serves the legacy /api/2.0/preview/mlflow/ prefix that older clients use',
    status: 200,
  },
  'unknown-route': { reason: 'unknown routes answer a JSON MLflow error, not an HTML page', status: 404 },
  'unknown-route-post': {
    reason: 'unknown routes answer a JSON MLflow error, not an HTML page',
    status: 404,
  },
  'server-info': {
    reason: 'outside the API prefixes, unknown paths are the web UI (client-side routes): 200 HTML',
  },
  'presigned-upload-url': {
    reason: 'unknown routes answer a JSON MLflow error, not an HTML page',
    status: 404,
  },
  'proxy-presigned-download': {
    reason: 'unknown routes answer a JSON MLflow error, not an HTML page',
    status: 404,
  },
  'wrong-method-get-on-post-route': {
    reason: '405 answers a JSON MLflow error, not an HTML page',
    status: 405,
  },
  'search-runs-via-get': { reason: '405 answers a JSON MLflow error, not an HTML page', status: 405 },
  'search-runs-page-3': {
    reason:
      'the page that ends exactly at the last result carries no next_page_token (MLflow returns a token to an empty page)',
    status: 200,
  },
  'search-runs-page-4-empty': {
    reason: 'follows the token MLflow returned after the last result (see page 3)',
  },
  'graphql-get-experiment': { reason: 'the GraphQL endpoint (an internal UI API of MLflow) is not served' },
  'logged-model-artifact-file-ui': {
    reason: 'a file without extension is served as application/octet-stream',
    status: 200,
  },
};

/**
 * A registry design choice: `model-versions/create` with a `runs:/<run_id>/...` source and no
 * `run_id` fills `run_id` from the source (so every version links to its run); MLflow leaves it
 * empty. MLflow's own clients always send `run_id`, so they see no difference. The exchanges
 * below show it through the versions' `run_id` field.
 */
const REGISTRY_RUN_ID =
  'registry: model-versions/create fills run_id from a runs:/ source; MLflow leaves it empty unless run_id is given';

export const REGISTRY_RUN_ID_DIFFERENCES: Record<string, Deviation> = {
  'mv-create-for-long-tag': { reason: REGISTRY_RUN_ID },
  'rm-search-all': { reason: REGISTRY_RUN_ID },
  'rm-search-name-like': { reason: REGISTRY_RUN_ID },
  'rm-search-name-ilike': { reason: REGISTRY_RUN_ID },
  'rm-search-order-name-desc': { reason: REGISTRY_RUN_ID },
  'rm-search-order-timestamp': { reason: REGISTRY_RUN_ID },
  'rm-search-page-2': { reason: REGISTRY_RUN_ID },
  'rm-search-max-results-limit': { reason: REGISTRY_RUN_ID },
  'rm-search-final': { reason: REGISTRY_RUN_ID },
  'mv-search-all': { reason: REGISTRY_RUN_ID },
  'mv-search-name-like': { reason: REGISTRY_RUN_ID },
  'mv-search-run-id-in': { reason: REGISTRY_RUN_ID },
};

/** Exchanges of areas not complete yet. Empty: every area has landed. */
export const NOT_YET_IMPLEMENTED: Record<string, Deviation> = {};

export function deviationOf(name: string): (Deviation & { kind: string }) | undefined {
  if (MLFLOW_BUG_FIXES[name]) return { ...MLFLOW_BUG_FIXES[name], kind: 'mlflow-bug' };
  if (DESIGN_DIFFERENCES[name]) return { ...DESIGN_DIFFERENCES[name], kind: 'design' };
  if (REGISTRY_RUN_ID_DIFFERENCES[name]) return { ...REGISTRY_RUN_ID_DIFFERENCES[name], kind: 'design' };
  if (NOT_YET_IMPLEMENTED[name]) return { ...NOT_YET_IMPLEMENTED[name], kind: 'not-yet-implemented' };
  return undefined;
}
