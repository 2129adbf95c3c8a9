/**
 * The building blocks of the permission table: what a route asks of the caller (a rule) and how
 * the protected resource is found in the request (a locator).
 */
import { invalidParam } from '../errors.js';
import type { ResourceKind } from '../store/auth-store.js';
import type { Action } from './permissions.js';

/** What authorization sees of a request: decoded fields (JSON body or query) and path parameters. */
export interface RequestView {
  fields: Record<string, unknown>;
  params: Record<string, string>;
}

/**
 * A resource named by a request, before it is resolved to the experiment or registered model
 * that grants are held on (a run or logged model belongs to an experiment, a proxied artifact
 * path starts with its experiment id, a webhook belongs to a model or is global).
 */
export type ResourceRef =
  | {
      kind: 'experiment' | 'run' | 'logged_model' | 'experiment_name' | 'webhook' | 'artifact_path';
      id: string;
    }
  | { kind: 'registered_model'; id: string }
  | { kind: 'global' };

export type Locator = (req: RequestView) => ResourceRef[];

/** A list answer filtered to what the caller may read (searches never answer 403). */
export interface ListFilter {
  /** The response field holding the list. */
  listField: string;
  resource: ResourceKind;
  /** The experiment id or model name of one item of the list. */
  idOf(item: Record<string, unknown>): string | undefined;
  /** Whether the answer is paged with `max_results` / `page_token` (refilled page by page). */
  paged: boolean;
}

export type RouteRule =
  /** No credentials needed (health, version, static UI files, login). */
  | { need: 'public' }
  /** Any signed-in caller; `write` refuses read-only tokens. */
  | { need: 'authenticated'; write: boolean }
  | { need: 'admin' }
  /** The user named in the `username` field, or an admin. */
  | { need: 'self-or-admin'; write: boolean }
  /** Creates an experiment or registered model: its creator gets MANAGE on it. */
  | { need: 'create'; creates: ResourceKind }
  | { need: 'resource'; action: Action; locate: Locator }
  /** Requests naming experiments to search in: unreadable ones are dropped from the request. */
  | { need: 'search-in'; field: string }
  | { need: 'list'; filter: ListFilter };

// ---- field readers (errors name the field, never echo values at length) ----

function text(fields: Record<string, unknown>, name: string): string | undefined {
  const v = fields[name];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function required(fields: Record<string, unknown>, ...names: string[]): string {
  for (const n of names) {
    const v = text(fields, n);
    if (v !== undefined) return v;
  }
  throw invalidParam(`Missing value for required parameter '${names[0]}'.`);
}

export function list(fields: Record<string, unknown>, name: string): string[] {
  const v = fields[name];
  const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return items.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
}

// ---- locators ----

export const experimentField =
  (name = 'experiment_id'): Locator =>
  (r) => [{ kind: 'experiment', id: required(r.fields, name) }];
export const experimentByName: Locator = (r) => [
  { kind: 'experiment_name', id: required(r.fields, 'experiment_name') },
];
export const runField: Locator = (r) => [{ kind: 'run', id: required(r.fields, 'run_id', 'run_uuid') }];
export const runList =
  (name: string): Locator =>
  (r) => {
    const ids = list(r.fields, name);
    if (!ids.length) throw invalidParam(`Missing value for required parameter '${name}'.`);
    return ids.map((id) => ({ kind: 'run', id }));
  };
export const modelField =
  (name = 'name'): Locator =>
  (r) => [{ kind: 'registered_model', id: required(r.fields, name) }];
export const loggedModelParam: Locator = (r) => [{ kind: 'logged_model', id: r.params.model_id ?? '' }];
export const webhookField: Locator = (r) => [{ kind: 'webhook', id: required(r.fields, 'webhook_id') }];
/** A new webhook belongs to `model_name`, or is global (admins only) without one. */
export const newWebhookTarget: Locator = (r) => {
  const model = text(r.fields, 'model_name');
  return [model ? { kind: 'registered_model', id: model } : { kind: 'global' }];
};
/** The artifact proxy: `<experiment id>/<run id>/artifacts/...` in the path wildcard. */
export const proxyPath: Locator = (r) => [{ kind: 'artifact_path', id: r.params['*'] ?? '' }];
/** The proxy's listing names the folder in the `path` query field. */
export const proxyListPath: Locator = (r) => [{ kind: 'artifact_path', id: text(r.fields, 'path') ?? '' }];

// ---- rule shorthands ----

export const PUBLIC: RouteRule = { need: 'public' };
export const SIGNED_IN: RouteRule = { need: 'authenticated', write: false };
export const SIGNED_IN_WRITE: RouteRule = { need: 'authenticated', write: true };
export const ADMIN: RouteRule = { need: 'admin' };
export const read = (locate: Locator): RouteRule => ({ need: 'resource', action: 'read', locate });
export const update = (locate: Locator): RouteRule => ({ need: 'resource', action: 'update', locate });
export const remove = (locate: Locator): RouteRule => ({ need: 'resource', action: 'delete', locate });
export const manage = (locate: Locator): RouteRule => ({ need: 'resource', action: 'manage', locate });
