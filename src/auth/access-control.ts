/**
 * Authorization decisions: given a principal, a route's rule and the request, allow, refuse
 * (401 without credentials, 403 for a known caller without the permission), or narrow a search to
 * what the caller may read. Grants are loaded once per user and cached briefly.
 */
import { MlflowError } from '../errors.js';
import type { AuthStore, GrantRecord, Permission, ResourceKind } from '../store/auth-store.js';
import { unauthenticated } from './authenticator.js';
import { allows, highest, lowest, type Action } from './permissions.js';
import { actsAsAdmin, type Principal } from './principal.js';
import type { ListFilter, RequestView, ResourceRef, RouteRule } from './route-rules.js';
import { list } from './route-rules.js';
import { TtlCache } from './ttl-cache.js';

/** Finds the experiment or model that owns a resource (implemented over the domain services). */
export interface ResourceDirectory {
  experimentOfRun(runId: string): Promise<string>;
  experimentIdByName(name: string): Promise<string>;
  experimentOfLoggedModel(modelId: string): Promise<string>;
  /** The model a webhook belongs to; null for a global webhook. */
  modelOfWebhook(webhookId: string): Promise<string | null>;
  experimentExists(experimentId: string): Promise<boolean>;
}

export interface AccessOptions {
  /** What a user may do on a resource without any grant (MLflow's default: READ). */
  defaultPermission: Permission;
  cacheTtlMs: number;
}

/** A grant-bearing resource, or `global` (admins only). */
export type Target = { kind: ResourceKind; id: string } | { kind: 'global' };

export type Decision =
  | { kind: 'allow'; targets: Target[] }
  /** Run the request with this field narrowed to readable experiment ids. */
  | { kind: 'narrow'; field: string; ids: string[] }
  | { kind: 'filter'; filter: ListFilter };

export const permissionDenied = (message = 'Permission denied.') =>
  new MlflowError(message, 'PERMISSION_DENIED');

/** A refusal that names the resources it concerned (for the audit log). */
export class DeniedOn extends MlflowError {
  constructor(readonly targets: Target[]) {
    super('Permission denied.', 'PERMISSION_DENIED');
  }
}

export class AccessControl {
  private readonly grants: TtlCache<Map<string, Permission>>;

  constructor(
    private readonly store: AuthStore,
    private readonly directory: ResourceDirectory,
    readonly opts: AccessOptions,
  ) {
    this.grants = new TtlCache(opts.cacheTtlMs, 10_000);
  }

  /** Forgets cached grants (after any grant or group change). */
  invalidate(): void {
    this.grants.clear();
  }

  private async grantMap(p: Principal): Promise<Map<string, Permission>> {
    const key = `${p.userId ?? `sso:${p.username}`}\u0000${p.groups.join('\u0000')}`;
    const hit = this.grants.get(key);
    if (hit) return hit;
    const rows: GrantRecord[] =
      p.userId !== null
        ? await this.store.grantsFor(p.userId, p.groups)
        : await this.store.grantsFor(-1, p.groups);
    // The highest of the user's own grant and their groups' grants counts.
    const map = new Map<string, Permission>();
    for (const g of rows) {
      const k = `${g.resourceKind}\u0000${g.resourceId}`;
      const prev = map.get(k);
      map.set(k, prev ? highest(prev, g.permission) : g.permission);
    }
    this.grants.set(key, map);
    return map;
  }

  /** The caller's permission on a resource, capped by a read-only token. */
  async permission(p: Principal, kind: ResourceKind, id: string): Promise<Permission> {
    if (actsAsAdmin(p)) return 'MANAGE';
    const granted = (await this.grantMap(p)).get(`${kind}\u0000${id}`) ?? this.opts.defaultPermission;
    return p.scope === 'read' ? lowest(granted, 'READ') : granted;
  }

  async can(p: Principal, action: Action, target: Target): Promise<boolean> {
    if (target.kind === 'global') return actsAsAdmin(p);
    return allows(await this.permission(p, target.kind, target.id), action);
  }

  private async resolve(ref: ResourceRef): Promise<Target> {
    switch (ref.kind) {
      case 'global':
        return ref;
      case 'experiment':
      case 'registered_model':
        return { kind: ref.kind, id: ref.id };
      case 'run':
        return { kind: 'experiment', id: await this.directory.experimentOfRun(ref.id) };
      case 'experiment_name':
        return { kind: 'experiment', id: await this.directory.experimentIdByName(ref.id) };
      case 'logged_model':
        return { kind: 'experiment', id: await this.directory.experimentOfLoggedModel(ref.id) };
      case 'webhook': {
        const model = await this.directory.modelOfWebhook(ref.id);
        return model === null ? { kind: 'global' } : { kind: 'registered_model', id: model };
      }
      case 'artifact_path': {
        // Proxied artifacts live under `<experiment id>/...`; anything else is admin-only.
        const first = ref.id.replace(/^\/+/, '').split('/', 1)[0] ?? '';
        if (/^\d{1,19}$/.test(first) && (await this.directory.experimentExists(first)))
          return { kind: 'experiment', id: first };
        return { kind: 'global' };
      }
    }
  }

  /**
   * Decides a request. Throws UNAUTHENTICATED when a credential is needed and missing,
   * PERMISSION_DENIED when the caller lacks the permission.
   */
  async decide(p: Principal | null, rule: RouteRule, view: RequestView): Promise<Decision> {
    if (rule.need === 'public') return { kind: 'allow', targets: [] };
    if (!p) throw unauthenticated();
    const readOnly = p.scope === 'read';
    switch (rule.need) {
      case 'authenticated':
        if (rule.write && readOnly) throw permissionDenied('This token is read-only.');
        return { kind: 'allow', targets: [] };
      case 'admin':
        if (!actsAsAdmin(p)) throw permissionDenied('Only administrators may do this.');
        return { kind: 'allow', targets: [] };
      case 'self-or-admin': {
        if (rule.write && readOnly) throw permissionDenied('This token is read-only.');
        const named = view.fields.username;
        if (!actsAsAdmin(p) && named !== p.username) throw permissionDenied();
        return { kind: 'allow', targets: [] };
      }
      case 'create':
        if (readOnly) throw permissionDenied('This token is read-only.');
        return { kind: 'allow', targets: [] };
      case 'resource': {
        if (readOnly && rule.action !== 'read') throw permissionDenied('This token is read-only.');
        const targets: Target[] = [];
        for (const ref of rule.locate(view)) targets.push(await this.resolve(ref));
        for (const t of targets) if (!(await this.can(p, rule.action, t))) throw new DeniedOn(targets);
        return { kind: 'allow', targets };
      }
      case 'search-in': {
        const ids: string[] = [];
        for (const id of list(view.fields, rule.field))
          if (await this.can(p, 'read', { kind: 'experiment', id })) ids.push(id);
        return { kind: 'narrow', field: rule.field, ids };
      }
      case 'list':
        return { kind: 'filter', filter: rule.filter };
    }
  }

  /** Whether one item of a list answer may be shown (items without an owner: admins only). */
  async readable(p: Principal, filter: ListFilter, item: Record<string, unknown>): Promise<boolean> {
    const id = filter.idOf(item);
    const target: Target = id === undefined ? { kind: 'global' } : { kind: filter.resource, id };
    // Webhooks are listed to those who manage them; everything else to readers.
    return this.can(p, filter.listField === 'webhooks' ? 'manage' : 'read', target);
  }
}
