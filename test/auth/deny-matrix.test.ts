/**
 * The deny matrix: every route of the server × eleven callers answers exactly the status written
 * below for the route's permission class, on every database. Expectations are spelled out here,
 * not derived from the permission table under test. The default permission is NO_PERMISSIONS so
 * that a user without a grant is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startAuthServer, type Reply } from './helpers.js';
import { BACKENDS } from '../helpers/backends.js';
import { SERVER_DEFAULTS } from '../../src/config/server-config.js';
import { buildWorld, CALLERS, PASSWORD, USERS, type Caller, type World } from './matrix-fixture.js';

type Expect = Record<Caller, number>;
/** A user none of the callers is. */
const TARGET = 'target-user';
const row = (
  statuses: [number, number, number, number, number, number, number, number, number, number, number],
): Expect => Object.fromEntries(CALLERS.map((c, i) => [c, statuses[i]!])) as Expect;

// Columns: anonymous, no-grant, READ, USE, EDIT, MANAGE, group(MANAGE), admin, read-token(of a
// MANAGE user), expired-token, revoked-token.
const CLASSES = {
  public: row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
  signedIn: row([401, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401]),
  signedInWrite: row([401, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401]),
  /** Searches and lists: never 403, the answer is filtered. */
  search: row([401, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401]),
  create: row([401, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401]),
  read: row([401, 403, 200, 200, 200, 200, 200, 200, 200, 401, 401]),
  update: row([401, 403, 403, 403, 200, 200, 200, 200, 403, 401, 401]),
  delete: row([401, 403, 403, 403, 403, 200, 200, 200, 403, 401, 401]),
  manage: row([401, 403, 403, 403, 403, 200, 200, 200, 403, 401, 401]),
  admin: row([401, 403, 403, 403, 403, 403, 403, 200, 403, 401, 401]),
} as const;
type ClassName = keyof typeof CLASSES;

interface Request {
  path?: string;
  payload?: Record<string, unknown>;
  body?: { data: string; type: string };
}
interface Case {
  method: string;
  /** Below /api/2.0/mlflow/ unless it starts with '/'. */
  path: string;
  cls: ClassName;
  /** Status of an allowed call when it is not 200 (e.g. multipart upload on a local store). */
  allowed?: number;
  /** Builds the request for one caller (may set up fresh resources as admin). */
  req?: (w: World, caller: Caller) => Promise<Request> | Request;
}

const proxy = (p: string) => `/api/2.0/mlflow-artifacts/artifacts/${p}`;

const CASES: Case[] = [
  // ---- server ----
  { method: 'GET', path: '/health', cls: 'public' },
  { method: 'GET', path: '/version', cls: 'public' },
  { method: 'GET', path: '/ready', cls: 'public' },
  { method: 'GET', path: '/metrics', cls: 'public' },
  { method: 'GET', path: '/', cls: 'public' },
  { method: 'GET', path: '/experiments/1', cls: 'public' },
  { method: 'GET', path: 'server-features', cls: 'signedIn' },
  // ---- experiments ----
  {
    method: 'POST',
    path: 'experiments/create',
    cls: 'create',
    req: (w) => ({ payload: { name: `new-${w.seq()}` } }),
  },
  {
    method: 'GET',
    path: 'experiments/get',
    cls: 'read',
    req: (w) => ({ payload: { experiment_id: w.experimentId } }),
  },
  {
    method: 'GET',
    path: 'experiments/get-by-name',
    cls: 'read',
    req: (w) => ({ payload: { experiment_name: w.experimentName } }),
  },
  {
    method: 'GET',
    path: 'experiments/count-runs',
    cls: 'read',
    req: (w) => ({ payload: { experiment_ids: w.experimentId } }),
  },
  {
    method: 'POST',
    path: 'experiments/update',
    cls: 'update',
    req: async (w) => ({
      payload: { experiment_id: await w.freshExperiment(), new_name: `renamed-${w.seq()}` },
    }),
  },
  {
    method: 'POST',
    path: 'experiments/delete',
    cls: 'delete',
    req: async (w) => ({ payload: { experiment_id: await w.freshExperiment() } }),
  },
  {
    method: 'POST',
    path: 'experiments/restore',
    cls: 'delete',
    req: async (w) => {
      const id = await w.freshExperiment();
      await w.asAdmin('POST', 'experiments/delete', { experiment_id: id });
      return { payload: { experiment_id: id } };
    },
  },
  { method: 'GET', path: 'experiments/search', cls: 'search', req: () => ({ payload: { max_results: 5 } }) },
  { method: 'POST', path: 'experiments/search', cls: 'search', req: () => ({ payload: { max_results: 5 } }) },
  {
    method: 'POST',
    path: 'experiments/set-experiment-tag',
    cls: 'update',
    req: (w) => ({ payload: { experiment_id: w.experimentId, key: 'k', value: 'v' } }),
  },
  {
    method: 'POST',
    path: 'experiments/delete-experiment-tag',
    cls: 'update',
    req: async (w) => {
      const key = `t${w.seq()}`;
      await w.asAdmin('POST', 'experiments/set-experiment-tag', {
        experiment_id: w.experimentId,
        key,
        value: 'v',
      });
      return { payload: { experiment_id: w.experimentId, key } };
    },
  },
  // ---- runs ----
  {
    method: 'POST',
    path: 'runs/create',
    cls: 'update',
    req: (w) => ({ payload: { experiment_id: w.experimentId } }),
  },
  {
    method: 'POST',
    path: 'runs/update',
    cls: 'update',
    req: (w) => ({ payload: { run_id: w.runId, run_name: `name-${w.seq()}` } }),
  },
  {
    method: 'POST',
    path: 'runs/delete',
    cls: 'delete',
    req: async (w) => ({ payload: { run_id: await w.freshRun() } }),
  },
  {
    method: 'POST',
    path: 'runs/restore',
    cls: 'delete',
    req: async (w) => {
      const id = await w.freshRun();
      await w.asAdmin('POST', 'runs/delete', { run_id: id });
      return { payload: { run_id: id } };
    },
  },
  { method: 'GET', path: 'runs/get', cls: 'read', req: (w) => ({ payload: { run_id: w.runId } }) },
  {
    method: 'POST',
    path: 'runs/search',
    cls: 'search',
    req: (w) => ({ payload: { experiment_ids: [w.experimentId] } }),
  },
  {
    method: 'POST',
    path: 'runs/log-metric',
    cls: 'update',
    req: (w) => ({ payload: { run_id: w.runId, key: 'm', value: 1, timestamp: 1, step: w.seq() } }),
  },
  {
    method: 'POST',
    path: 'runs/log-parameter',
    cls: 'update',
    req: (w) => ({ payload: { run_id: w.runId, key: `p${w.seq()}`, value: 'v' } }),
  },
  {
    method: 'POST',
    path: 'runs/log-batch',
    cls: 'update',
    req: (w) => ({
      payload: { run_id: w.runId, metrics: [{ key: 'b', value: 2, timestamp: 2, step: w.seq() }] },
    }),
  },
  {
    method: 'POST',
    path: 'runs/log-inputs',
    cls: 'update',
    req: (w) => ({
      payload: {
        run_id: w.runId,
        datasets: [{ dataset: { name: 'ds', digest: `d${w.seq()}`, source_type: 'local', source: '{}' } }],
      },
    }),
  },
  {
    method: 'POST',
    path: 'runs/outputs',
    cls: 'update',
    req: (w) => ({ payload: { run_id: w.runId, models: [{ model_id: w.loggedModelId, step: w.seq() }] } }),
  },
  {
    method: 'POST',
    path: 'runs/set-tag',
    cls: 'update',
    req: (w) => ({ payload: { run_id: w.runId, key: 'k', value: 'v' } }),
  },
  {
    method: 'POST',
    path: 'runs/delete-tag',
    cls: 'update',
    req: async (w) => {
      const key = `t${w.seq()}`;
      await w.asAdmin('POST', 'runs/set-tag', { run_id: w.runId, key, value: 'v' });
      return { payload: { run_id: w.runId, key } };
    },
  },
  {
    method: 'POST',
    path: 'runs/log-model',
    cls: 'update',
    req: (w) => ({
      payload: {
        run_id: w.runId,
        model_json: JSON.stringify({
          artifact_path: `m${w.seq()}`,
          flavors: { onnx: {} },
          utc_time_created: '2026-01-01',
          run_id: w.runId,
        }),
      },
    }),
  },
  {
    method: 'GET',
    path: 'metrics/get-history',
    cls: 'read',
    req: (w) => ({ payload: { run_id: w.runId, metric_key: 'loss' } }),
  },
  {
    method: 'GET',
    path: 'metrics/get-history-bulk-interval',
    cls: 'read',
    req: (w) => ({ payload: { run_ids: w.runId, metric_key: 'loss' } }),
  },
  {
    method: 'GET',
    path: 'metrics/get-history-bulk',
    cls: 'read',
    req: (w) => ({ payload: { run_id: w.runId, metric_key: 'loss' } }),
  },
  {
    method: 'GET',
    path: 'metrics/get-history-sampled',
    cls: 'read',
    req: (w) => ({ payload: { run_ids: w.runId, metric_key: 'loss' } }),
  },
  { method: 'GET', path: 'artifacts/list', cls: 'read', req: (w) => ({ payload: { run_id: w.runId } }) },
  // ---- logged models ----
  {
    method: 'POST',
    path: 'logged-models',
    cls: 'update',
    req: (w) => ({ payload: { experiment_id: w.experimentId } }),
  },
  {
    method: 'POST',
    path: 'logged-models/search',
    cls: 'search',
    req: (w) => ({ payload: { experiment_ids: [w.experimentId] } }),
  },
  {
    method: 'GET',
    path: 'logged-models/:id',
    cls: 'read',
    req: (w) => ({ path: `logged-models/${w.loggedModelId}` }),
  },
  {
    method: 'DELETE',
    path: 'logged-models/:id',
    cls: 'delete',
    req: async (w) => {
      const r = await w.asAdmin('POST', 'logged-models', { experiment_id: w.experimentId });
      return { path: `logged-models/${(r.json.model as { info: { model_id: string } }).info.model_id}` };
    },
  },
  {
    method: 'PATCH',
    path: 'logged-models/:id',
    cls: 'update',
    req: (w) => ({ path: `logged-models/${w.loggedModelId}`, payload: { status: 'READY' } }),
  },
  {
    method: 'PATCH',
    path: 'logged-models/:id/tags',
    cls: 'update',
    req: (w) => ({
      path: `logged-models/${w.loggedModelId}/tags`,
      payload: { tags: [{ key: 'k', value: 'v' }] },
    }),
  },
  {
    method: 'DELETE',
    path: 'logged-models/:id/tags/:key',
    cls: 'update',
    req: async (w) => {
      const key = `t${w.seq()}`;
      await w.asAdmin('PATCH', `logged-models/${w.loggedModelId}/tags`, { tags: [{ key, value: 'v' }] });
      return { path: `logged-models/${w.loggedModelId}/tags/${key}` };
    },
  },
  {
    method: 'POST',
    path: 'logged-models/:id/params',
    cls: 'update',
    req: (w) => ({
      path: `logged-models/${w.loggedModelId}/params`,
      payload: { params: [{ key: `p${w.seq()}`, value: 'v' }] },
    }),
  },
  {
    method: 'GET',
    path: 'logged-models/:id/artifacts/directories',
    cls: 'read',
    req: (w) => ({ path: `logged-models/${w.loggedModelId}/artifacts/directories` }),
  },
  {
    method: 'GET',
    path: 'logged-models/:id/artifacts/files',
    cls: 'read',
    req: (w) => ({
      path: `logged-models/${w.loggedModelId}/artifacts/files`,
      payload: { artifact_file_path: 'file.txt' },
    }),
  },
  // ---- registered models ----
  {
    method: 'POST',
    path: 'registered-models/create',
    cls: 'create',
    req: (w) => ({ payload: { name: `rm-${w.seq()}` } }),
  },
  { method: 'GET', path: 'registered-models/get', cls: 'read', req: (w) => ({ payload: { name: w.model } }) },
  {
    method: 'POST',
    path: 'registered-models/rename',
    cls: 'update',
    req: async (w) => ({ payload: { name: await w.freshModel(), new_name: `moved-${w.seq()}` } }),
  },
  {
    method: 'PATCH',
    path: 'registered-models/update',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, description: 'd' } }),
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete',
    cls: 'delete',
    req: async (w) => ({ payload: { name: await w.freshModel() } }),
  },
  {
    method: 'GET',
    path: 'registered-models/search',
    cls: 'search',
    req: () => ({ payload: { max_results: 5 } }),
  },
  {
    method: 'GET',
    path: 'registered-models/get-latest-versions',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model } }),
  },
  {
    method: 'POST',
    path: 'registered-models/get-latest-versions',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model } }),
  },
  {
    method: 'POST',
    path: 'registered-models/set-tag',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, key: 'k', value: 'v' } }),
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete-tag',
    cls: 'update',
    req: async (w) => {
      const key = `t${w.seq()}`;
      await w.asAdmin('POST', 'registered-models/set-tag', { name: w.model, key, value: 'v' });
      return { payload: { name: w.model, key } };
    },
  },
  {
    method: 'GET',
    path: 'registered-models/alias',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model, alias: 'champion' } }),
  },
  {
    method: 'POST',
    path: 'registered-models/alias',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, alias: `a${w.seq()}`, version: '1' } }),
  },
  {
    method: 'DELETE',
    path: 'registered-models/alias',
    cls: 'update',
    req: async (w) => {
      const alias = `a${w.seq()}`;
      await w.asAdmin('POST', 'registered-models/alias', { name: w.model, alias, version: '1' });
      return { payload: { name: w.model, alias } };
    },
  },
  // ---- model versions ----
  {
    method: 'POST',
    path: 'model-versions/create',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, source: `runs:/${w.runId}/model`, run_id: w.runId } }),
  },
  {
    method: 'GET',
    path: 'model-versions/get',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model, version: '1' } }),
  },
  {
    method: 'PATCH',
    path: 'model-versions/update',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, version: '1', description: 'd' } }),
  },
  {
    method: 'DELETE',
    path: 'model-versions/delete',
    cls: 'delete',
    req: async (w) => {
      const r = await w.asAdmin('POST', 'model-versions/create', {
        name: w.model,
        source: `runs:/${w.runId}/model`,
      });
      return {
        payload: { name: w.model, version: String((r.json.model_version as { version: string }).version) },
      };
    },
  },
  {
    method: 'POST',
    path: 'model-versions/transition-stage',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, version: '1', stage: 'Staging' } }),
  },
  {
    method: 'GET',
    path: 'model-versions/search',
    cls: 'search',
    req: (w) => ({ payload: { filter: `name='${w.model}'` } }),
  },
  {
    method: 'GET',
    path: 'model-versions/get-download-uri',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model, version: '1' } }),
  },
  {
    method: 'POST',
    path: 'model-versions/set-tag',
    cls: 'update',
    req: (w) => ({ payload: { name: w.model, version: '1', key: 'k', value: 'v' } }),
  },
  {
    method: 'DELETE',
    path: 'model-versions/delete-tag',
    cls: 'update',
    req: async (w) => {
      const key = `t${w.seq()}`;
      await w.asAdmin('POST', 'model-versions/set-tag', { name: w.model, version: '1', key, value: 'v' });
      return { payload: { name: w.model, version: '1', key } };
    },
  },
  // ---- webhooks: MANAGE on the model ----
  {
    method: 'POST',
    path: 'webhooks/create',
    cls: 'manage',
    req: (w) => ({
      payload: {
        name: `h${w.seq()}`,
        url: w.receiverUrl,
        events: ['registered_model_tag.deleted'],
        model_name: w.model,
      },
    }),
  },
  { method: 'GET', path: 'webhooks/list', cls: 'search' },
  {
    method: 'GET',
    path: 'webhooks/get',
    cls: 'manage',
    req: (w) => ({ payload: { webhook_id: w.webhookId } }),
  },
  {
    method: 'PATCH',
    path: 'webhooks/update',
    cls: 'manage',
    req: (w) => ({ payload: { webhook_id: w.webhookId, description: `d${w.seq()}` } }),
  },
  {
    method: 'DELETE',
    path: 'webhooks/delete',
    cls: 'manage',
    req: async (w) => {
      const r = await w.asAdmin('POST', 'webhooks/create', {
        name: `h${w.seq()}`,
        url: w.receiverUrl,
        events: ['registered_model_tag.deleted'],
        model_name: w.model,
      });
      return { payload: { webhook_id: (r.json.webhook as { webhook_id: string }).webhook_id } };
    },
  },
  {
    method: 'POST',
    path: 'webhooks/test',
    cls: 'manage',
    req: (w) => ({ payload: { webhook_id: w.webhookId } }),
  },
  {
    method: 'GET',
    path: 'webhooks/deliveries',
    cls: 'manage',
    req: (w) => ({ payload: { webhook_id: w.webhookId } }),
  },
  // ---- artifacts ----
  {
    method: 'GET',
    path: '/api/2.0/mlflow-artifacts/artifacts',
    cls: 'read',
    req: (w) => ({ payload: { path: `${w.experimentId}/${w.runId}/artifacts` } }),
  },
  {
    method: 'GET',
    path: '/api/2.0/mlflow-artifacts/artifacts/*',
    cls: 'read',
    req: (w) => ({ path: proxy(`${w.experimentId}/${w.runId}/artifacts/file.txt`) }),
  },
  {
    method: 'PUT',
    path: '/api/2.0/mlflow-artifacts/artifacts/*',
    cls: 'update',
    req: (w) => ({
      path: proxy(`${w.experimentId}/${w.runId}/artifacts/up-${w.seq()}.txt`),
      body: { data: 'x', type: 'application/octet-stream' },
    }),
  },
  {
    method: 'DELETE',
    path: '/api/2.0/mlflow-artifacts/artifacts/*',
    cls: 'delete',
    req: async (w) => {
      const path = proxy(`${w.experimentId}/${w.runId}/artifacts/del-${w.seq()}.txt`);
      const r = await call(w.server.url, w.admin, 'PUT', path, undefined, {
        data: 'x',
        type: 'application/octet-stream',
      });
      assert.equal(r.status, 200);
      return { path };
    },
  },
  // The local artifact store has no multipart upload: allowed callers get 501 (clients fall back to PUT).
  ...(['create', 'complete', 'abort'] as const).map((op): Case => ({
    method: 'POST',
    path: `/api/2.0/mlflow-artifacts/mpu/${op}/*`,
    cls: 'update',
    allowed: 501,
    req: (w) => ({
      path: `/api/2.0/mlflow-artifacts/mpu/${op}/${w.experimentId}/${w.runId}/artifacts/big.bin`,
      payload: { num_parts: 2, upload_id: 'u', parts: [{ part_number: 1, etag: 'e' }] },
    }),
  })),
  {
    method: 'GET',
    path: '/get-artifact',
    cls: 'read',
    req: (w) => ({ payload: { run_uuid: w.runId, path: 'file.txt' } }),
  },
  {
    method: 'GET',
    path: '/ajax-api/2.0/mlflow/get-artifact',
    cls: 'read',
    req: (w) => ({ payload: { run_uuid: w.runId, path: 'file.txt' } }),
  },
  {
    method: 'POST',
    path: '/ajax-api/2.0/mlflow/upload-artifact',
    cls: 'update',
    req: (w) => ({
      path: `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${w.runId}&path=ui-${w.seq()}.txt`,
      body: { data: 'x', type: 'application/octet-stream' },
    }),
  },
  {
    method: 'GET',
    path: '/model-versions/get-artifact',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model, version: '1', path: 'MLmodel' } }),
  },
  {
    method: 'GET',
    path: '/ajax-api/2.0/mlflow/model-versions/get-artifact',
    cls: 'read',
    req: (w) => ({ payload: { name: w.model, version: '1', path: 'MLmodel' } }),
  },
  // ---- access control API ----
  {
    method: 'POST',
    path: 'users/create',
    cls: 'admin',
    req: (w) => ({ payload: { username: `u${w.seq()}`, password: PASSWORD } }),
  },
  // Another user's record and password: only admins (a user may read and change their own).
  {
    method: 'GET',
    path: 'users/get',
    cls: 'admin',
    req: () => ({ payload: { username: TARGET } }),
  },
  {
    method: 'PATCH',
    path: 'users/update-password',
    cls: 'admin',
    req: () => ({ payload: { username: TARGET, password: PASSWORD } }),
  },
  {
    method: 'PATCH',
    path: 'users/update-admin',
    cls: 'admin',
    req: () => ({ payload: { username: TARGET, is_admin: false } }),
  },
  {
    method: 'DELETE',
    path: 'users/delete',
    cls: 'admin',
    req: async (w) => {
      const username = `gone${w.seq()}`;
      await w.asAdmin('POST', 'users/create', { username, password: PASSWORD });
      return { payload: { username } };
    },
  },
  { method: 'GET', path: 'users/list', cls: 'admin' },
  { method: 'GET', path: 'users/current', cls: 'signedIn' },
  ...(['experiments', 'registered-models'] as const).flatMap((kind): Case[] => {
    const id = (w: World) => (kind === 'experiments' ? { experiment_id: w.experimentId } : { name: w.model });
    return [
      {
        method: 'POST',
        path: `${kind}/permissions/create`,
        cls: 'manage',
        req: async (w) => {
          const username = `g${w.seq()}`;
          await w.asAdmin('POST', 'users/create', { username, password: PASSWORD });
          return { payload: { ...id(w), username, permission: 'READ' } };
        },
      },
      {
        method: 'GET',
        path: `${kind}/permissions/get`,
        cls: 'manage',
        req: (w) => ({ payload: { ...id(w), username: USERS.READ } }),
      },
      {
        method: 'PATCH',
        path: `${kind}/permissions/update`,
        cls: 'manage',
        req: (w) => ({ payload: { ...id(w), username: USERS.READ, permission: 'READ' } }),
      },
      {
        method: 'DELETE',
        path: `${kind}/permissions/delete`,
        cls: 'manage',
        req: async (w) => {
          const username = `g${w.seq()}`;
          await w.asAdmin('POST', 'users/create', { username, password: PASSWORD });
          await w.asAdmin('POST', `${kind}/permissions/create`, { ...id(w), username, permission: 'READ' });
          return { payload: { ...id(w), username } };
        },
      },
      { method: 'GET', path: `${kind}/permissions/list`, cls: 'manage', req: (w) => ({ payload: id(w) }) },
      { method: 'GET', path: `${kind}/permissions/current`, cls: 'read', req: (w) => ({ payload: id(w) }) },
    ];
  }),
  {
    method: 'POST',
    path: 'groups/create',
    cls: 'admin',
    req: (w) => ({ payload: { name: `grp${w.seq()}` } }),
  },
  { method: 'GET', path: 'groups/get', cls: 'admin', req: () => ({ payload: { name: 'team' } }) },
  { method: 'GET', path: 'groups/list', cls: 'admin' },
  {
    method: 'DELETE',
    path: 'groups/delete',
    cls: 'admin',
    req: async (w) => {
      const name = `grp${w.seq()}`;
      await w.asAdmin('POST', 'groups/create', { name });
      return { payload: { name } };
    },
  },
  {
    method: 'POST',
    path: 'groups/add-member',
    cls: 'admin',
    req: () => ({ payload: { name: 'team', username: USERS.group } }),
  },
  {
    method: 'DELETE',
    path: 'groups/remove-member',
    cls: 'admin',
    req: async (w) => {
      const name = `grp${w.seq()}`;
      await w.asAdmin('POST', 'groups/create', { name });
      await w.asAdmin('POST', 'groups/add-member', { name, username: USERS.READ });
      return { payload: { name, username: USERS.READ } };
    },
  },
  {
    method: 'POST',
    path: 'tokens/create',
    cls: 'signedInWrite',
    req: (w) => ({ payload: { name: `t${w.seq()}`, scope: 'read' } }),
  },
  { method: 'GET', path: 'tokens/list', cls: 'signedIn' },
  {
    method: 'POST',
    path: 'tokens/revoke',
    cls: 'signedInWrite',
    req: async (w, caller) => {
      const r = await w.asAdmin('POST', 'tokens/create', { name: `r${w.seq()}`, username: w.owner[caller] });
      return { payload: { token_id: (r.json.token as { token_id: string }).token_id } };
    },
  },
  { method: 'GET', path: 'audit/search', cls: 'admin' },
  {
    method: 'POST',
    path: 'auth/login',
    cls: 'public',
    req: () => ({ payload: { username: USERS.READ, password: PASSWORD } }),
  },
  { method: 'POST', path: 'auth/logout', cls: 'signedIn' },
];

for (const backend of BACKENDS) {
  describe(`deny matrix on ${backend}`, () => {
    let world: World;
    before(async () => {
      // Webhooks reach the test's receiver on 127.0.0.1 only when it is listed.
      const webhooks = { ...SERVER_DEFAULTS.webhooks, allowedHosts: ['127.0.0.1'] };
      world = await buildWorld(
        await startAuthServer(backend, { defaultPermission: 'NO_PERMISSIONS' }, { webhooks }),
      );
      await world.asAdmin('POST', 'users/create', { username: TARGET, password: PASSWORD });
    });
    after(async () => {
      world.receiver.close();
      await world.server.stop();
    });

    it('answers the expected status for every route and caller', async () => {
      const wrong: string[] = [];
      for (const c of CASES) {
        for (const caller of CALLERS) {
          const r = c.req ? await c.req(world, caller) : {};
          const expected = CLASSES[c.cls][caller] === 200 ? (c.allowed ?? 200) : CLASSES[c.cls][caller];
          const reply: Reply = await call(
            world.server.url,
            world.creds[caller],
            c.method,
            r.path ?? c.path,
            r.payload,
            r.body,
          );
          if (reply.status !== expected)
            wrong.push(
              `${c.method} ${c.path} as ${caller}: ${reply.status} (expected ${expected}) ${reply.text.slice(0, 160)}`,
            );
          if (reply.status === 401 && !c.path.startsWith('/ajax-api/'))
            assert.equal(
              reply.headers.get('www-authenticate'),
              'Basic realm="mlflow"',
              `${c.method} ${c.path}`,
            );
        }
      }
      assert.deepEqual(wrong, []);
    });

    it('covers every rule of the permission table', async () => {
      const { ROUTE_PERMISSIONS } = await import('../../src/auth/route-permissions.js');
      const covered = new Set(
        CASES.map((c) => {
          const p = c.path
            .replace(/^\/api\/2\.0\/mlflow\//, '')
            .replace(/^\/ajax-api\/2\.0\/mlflow\//, '')
            .replace(/^\/api\/2\.0\/mlflow-artifacts/, 'mlflow-artifacts')
            .replace(/:id/g, ':model_id')
            .replace('tags/:key', 'tags/*');
          return `${c.method} ${p}`;
        }),
      );
      covered.add('GET /*');
      // Only registered with --no-serve-artifacts / --artifacts-only, where they answer 503.
      const modeOnly = ['ALL mlflow-artifacts', 'ALL mlflow-artifacts/*', 'ALL *'];
      const missing = Object.keys(ROUTE_PERMISSIONS).filter((k) => !covered.has(k) && !modeOnly.includes(k));
      assert.deepEqual(missing, []);
    });
  });
}
