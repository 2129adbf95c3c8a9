/**
 * THE permission table: every route of the server, keyed `METHOD path`, with what it asks of
 * the caller and where its resource is. API routes are keyed by their path below the API mounts
 * (`/api/2.0/mlflow/`, `/ajax-api/2.0/mlflow/`, `/api/2.0/preview/mlflow/`), artifact proxy routes
 * by `mlflow-artifacts/...`, everything else by its absolute path. `ALL` matches any method.
 * A route missing here is refused at run time and fails test/auth/route-permissions.test.ts.
 */
import {
  ADMIN,
  PUBLIC,
  SIGNED_IN,
  SIGNED_IN_WRITE,
  experimentByName,
  experimentField,
  experimentList,
  loggedModelParam,
  manage,
  modelField,
  newWebhookTarget,
  proxyListPath,
  proxyPath,
  read,
  remove,
  runField,
  runList,
  update,
  webhookField,
  type RouteRule,
} from './route-rules.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const exp = experimentField();
const model = modelField();

const experimentsFilter: RouteRule = {
  need: 'list',
  filter: {
    listField: 'experiments',
    resource: 'experiment',
    idOf: (e) => str(e.experiment_id),
    paged: true,
  },
};

const tracking: Record<string, RouteRule> = {
  'POST experiments/create': { need: 'create', creates: 'experiment' },
  'GET experiments/get': read(exp),
  'GET experiments/get-by-name': read(experimentByName),
  'POST experiments/update': update(exp),
  'POST experiments/delete': remove(exp),
  'POST experiments/restore': remove(exp),
  'GET experiments/count-runs': read(experimentList('experiment_ids')),
  'GET experiments/search': experimentsFilter,
  'POST experiments/search': experimentsFilter,
  'POST experiments/set-experiment-tag': update(exp),
  'POST experiments/delete-experiment-tag': update(exp),
  // A run is created in an experiment (the default one, "0", when none is named).
  'POST runs/create': update((r) => [{ kind: 'experiment', id: str(r.fields.experiment_id) || '0' }]),
  'POST runs/update': update(runField),
  'POST runs/delete': remove(runField),
  'POST runs/restore': remove(runField),
  'GET runs/get': read(runField),
  'POST runs/search': { need: 'search-in', field: 'experiment_ids' },
  'POST runs/log-metric': update(runField),
  'POST runs/log-parameter': update(runField),
  'POST runs/log-batch': update(runField),
  'POST runs/log-inputs': update(runField),
  'POST runs/outputs': update(runField),
  'POST runs/set-tag': update(runField),
  'POST runs/delete-tag': update(runField),
  'POST runs/log-model': update(runField),
  'GET metrics/get-history': read(runField),
  'GET metrics/get-history-bulk-interval': read(runList('run_ids')),
  'GET metrics/get-history-bulk': read(runList('run_id')),
  'GET metrics/get-history-sampled': read(runList('run_ids')),
  'GET artifacts/list': read(runField),
  'GET server-features': SIGNED_IN,
};

const loggedModels: Record<string, RouteRule> = {
  'POST logged-models': update(exp),
  'POST logged-models/search': { need: 'search-in', field: 'experiment_ids' },
  'GET logged-models/:model_id': read(loggedModelParam),
  'DELETE logged-models/:model_id': remove(loggedModelParam),
  'PATCH logged-models/:model_id': update(loggedModelParam),
  'PATCH logged-models/:model_id/tags': update(loggedModelParam),
  'DELETE logged-models/:model_id/tags/*': update(loggedModelParam),
  'POST logged-models/:model_id/params': update(loggedModelParam),
  'GET logged-models/:model_id/artifacts/directories': read(loggedModelParam),
  'GET logged-models/:model_id/artifacts/files': read(loggedModelParam),
};

const modelsFilter = (listField: string): RouteRule => ({
  need: 'list',
  filter: { listField, resource: 'registered_model', idOf: (m) => str(m.name), paged: true },
});

const registry: Record<string, RouteRule> = {
  'POST registered-models/create': { need: 'create', creates: 'registered_model' },
  'GET registered-models/get': read(model),
  'POST registered-models/rename': update(model),
  'PATCH registered-models/update': update(model),
  'DELETE registered-models/delete': remove(model),
  'GET registered-models/search': modelsFilter('registered_models'),
  'POST registered-models/get-latest-versions': read(model),
  'GET registered-models/get-latest-versions': read(model),
  'POST registered-models/set-tag': update(model),
  'DELETE registered-models/delete-tag': update(model),
  'GET registered-models/alias': read(model),
  'POST registered-models/alias': update(model),
  'DELETE registered-models/alias': update(model),
  'POST model-versions/create': update(model),
  'GET model-versions/get': read(model),
  'PATCH model-versions/update': update(model),
  'DELETE model-versions/delete': remove(model),
  'POST model-versions/transition-stage': update(model),
  'GET model-versions/search': modelsFilter('model_versions'),
  'GET model-versions/get-download-uri': read(model),
  'POST model-versions/set-tag': update(model),
  'DELETE model-versions/delete-tag': update(model),
  // Webhooks send model data to outside URLs: MANAGE on the model, admin for global ones.
  'POST webhooks/create': manage(newWebhookTarget),
  'GET webhooks/list': {
    need: 'list',
    filter: {
      listField: 'webhooks',
      resource: 'registered_model',
      idOf: (w) => str(w.model_name),
      paged: false,
    },
  },
  'GET webhooks/get': manage(webhookField),
  'PATCH webhooks/update': manage(webhookField),
  'DELETE webhooks/delete': manage(webhookField),
  'POST webhooks/test': manage(webhookField),
  'GET webhooks/deliveries': manage(webhookField),
};

/** MLflow's basic-auth API plus Cairn's users, groups, grants, tokens, sessions and audit. */
const accessControl: Record<string, RouteRule> = {
  'POST users/create': ADMIN,
  'GET users/get': { need: 'self-or-admin', write: false },
  'PATCH users/update-password': { need: 'self-or-admin', write: true },
  'PATCH users/update-admin': ADMIN,
  'DELETE users/delete': ADMIN,
  'GET users/list': ADMIN,
  'GET users/current': SIGNED_IN,
  'POST experiments/permissions/create': manage(exp),
  'GET experiments/permissions/get': manage(exp),
  'PATCH experiments/permissions/update': manage(exp),
  'DELETE experiments/permissions/delete': manage(exp),
  'GET experiments/permissions/list': manage(exp),
  'GET experiments/permissions/current': read(exp),
  'POST registered-models/permissions/create': manage(model),
  'GET registered-models/permissions/get': manage(model),
  'PATCH registered-models/permissions/update': manage(model),
  'DELETE registered-models/permissions/delete': manage(model),
  'GET registered-models/permissions/list': manage(model),
  'GET registered-models/permissions/current': read(model),
  'POST groups/create': ADMIN,
  'GET groups/get': ADMIN,
  'GET groups/list': ADMIN,
  'DELETE groups/delete': ADMIN,
  'POST groups/add-member': ADMIN,
  'DELETE groups/remove-member': ADMIN,
  // Owners manage their own tokens; the handlers check ownership (admins may act on any).
  'POST tokens/create': SIGNED_IN_WRITE,
  'GET tokens/list': SIGNED_IN,
  'POST tokens/revoke': SIGNED_IN_WRITE,
  'GET audit/search': ADMIN,
  'POST auth/login': PUBLIC,
  'POST auth/logout': SIGNED_IN,
};

const artifactRoutes: Record<string, RouteRule> = {
  'GET mlflow-artifacts/artifacts': read(proxyListPath),
  'GET mlflow-artifacts/artifacts/*': read(proxyPath),
  'PUT mlflow-artifacts/artifacts/*': update(proxyPath),
  'DELETE mlflow-artifacts/artifacts/*': remove(proxyPath),
  'POST mlflow-artifacts/mpu/create/*': update(proxyPath),
  'POST mlflow-artifacts/mpu/complete/*': update(proxyPath),
  'POST mlflow-artifacts/mpu/abort/*': update(proxyPath),
  // With --no-serve-artifacts these answer 503 whoever asks.
  'ALL mlflow-artifacts': SIGNED_IN,
  'ALL mlflow-artifacts/*': SIGNED_IN,
  'GET get-artifact': read(runField),
  'GET /get-artifact': read(runField),
  'POST upload-artifact': update(runField),
  'GET model-versions/get-artifact': read(model),
  'GET /model-versions/get-artifact': read(model),
};

const serverRoutes: Record<string, RouteRule> = {
  'GET /health': PUBLIC,
  'GET /version': PUBLIC,
  // Probes and Prometheus scrapers run without credentials (they expose no experiment data).
  'GET /ready': PUBLIC,
  'GET /metrics': PUBLIC,
  // The static UI shell and its assets; the data it shows comes from the API routes above.
  'GET /': PUBLIC,
  'GET /*': PUBLIC,
  // With --artifacts-only every API path answers 503.
  'ALL *': SIGNED_IN,
};

export const ROUTE_PERMISSIONS: Readonly<Record<string, RouteRule>> = {
  ...tracking,
  ...loggedModels,
  ...registry,
  ...accessControl,
  ...artifactRoutes,
  ...serverRoutes,
};

const API_MOUNTS = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/', '/api/2.0/preview/mlflow/'];
const PROXY_MOUNTS = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];

/** The table path of a registered route URL (see the module comment). */
export function tablePath(url: string): string {
  for (const m of PROXY_MOUNTS) {
    if (url === m) return 'mlflow-artifacts';
    if (url.startsWith(`${m}/`)) return `mlflow-artifacts/${url.slice(m.length + 1)}`;
  }
  for (const m of API_MOUNTS) if (url.startsWith(m)) return url.slice(m.length);
  return url;
}

/** The rule of a registered route (method as registered, `url` as registered); undefined if none. */
export function ruleFor(method: string, url: string): RouteRule | undefined {
  const path = tablePath(url);
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTE_PERMISSIONS[`${m} ${path}`] ?? ROUTE_PERMISSIONS[`ALL ${path}`];
}
