/** The access-control API (users, groups, grants, tokens, audit, sign-in) as the UI uses it. */
import { ApiError, apiGet, apiPost, apiSend } from './client';
import type { Permission, TokenScope } from '../../../src/entities/auth.js';

export { PERMISSIONS, TOKEN_SCOPES, type Permission, type TokenScope } from '../../../src/entities/auth.js';

export interface CurrentUser {
  username: string;
  is_admin: boolean;
  groups: string[];
  auth_type: string;
}

/**
 * The signed-in user; null when access control is off on this server (the auth API is not
 * mounted there, so the call answers 404). A 401 (nobody signed in) is thrown.
 */
export async function getCurrentUser(signal?: AbortSignal): Promise<CurrentUser | null> {
  try {
    return (await apiGet<{ user: CurrentUser }>('users/current', {}, signal)).user;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export const login = (username: string, password: string): Promise<unknown> =>
  apiPost('auth/login', { username, password });

export const logout = (): Promise<unknown> => apiPost('auth/logout', {});

// ---- users ----

export interface User {
  id: number;
  username: string;
  is_admin: boolean;
}

export async function listUsers(signal?: AbortSignal): Promise<User[]> {
  return (await apiGet<{ users?: User[] }>('users/list', {}, signal)).users ?? [];
}

export const createUser = (username: string, password: string): Promise<unknown> =>
  apiPost('users/create', { username, password });

export const setAdmin = (username: string, isAdmin: boolean): Promise<unknown> =>
  apiSend('PATCH', 'users/update-admin', { username, is_admin: isAdmin });

export const setPassword = (username: string, password: string): Promise<unknown> =>
  apiSend('PATCH', 'users/update-password', { username, password });

export const deleteUser = (username: string): Promise<unknown> =>
  apiSend('DELETE', 'users/delete', { username });

// ---- groups ----

export interface ResourceGrant {
  resource_kind: 'experiment' | 'registered_model';
  resource_id: string;
  permission: Permission;
}

export interface Group {
  id: number;
  name: string;
  members: string[];
  permissions?: ResourceGrant[];
}

export async function listGroups(signal?: AbortSignal): Promise<Group[]> {
  return (await apiGet<{ groups?: Group[] }>('groups/list', {}, signal)).groups ?? [];
}

export async function getGroup(name: string, signal?: AbortSignal): Promise<Group> {
  return (await apiGet<{ group: Group }>('groups/get', { name }, signal)).group;
}

export const createGroup = (name: string): Promise<unknown> => apiPost('groups/create', { name });
export const deleteGroup = (name: string): Promise<unknown> => apiSend('DELETE', 'groups/delete', { name });
export const addMember = (name: string, username: string): Promise<unknown> =>
  apiPost('groups/add-member', { name, username });
export const removeMember = (name: string, username: string): Promise<unknown> =>
  apiSend('DELETE', 'groups/remove-member', { name, username });

// ---- grants on experiments and registered models ----

export type ResourceKind = 'experiment' | 'registered_model';

/** A grant as listed on a resource: to a user or to a group. */
export interface Grant {
  permission: Permission;
  username?: string;
  group_name?: string;
}

export type Subject = { username: string } | { group_name: string };

const grantPrefix = (kind: ResourceKind) => (kind === 'experiment' ? 'experiments' : 'registered-models');
const resourceField = (kind: ResourceKind, id: string) =>
  kind === 'experiment' ? { experiment_id: id } : { name: id };

export async function listGrants(kind: ResourceKind, id: string, signal?: AbortSignal): Promise<Grant[]> {
  const res = await apiGet<{ permissions?: Grant[] }>(
    `${grantPrefix(kind)}/permissions/list`,
    resourceField(kind, id),
    signal,
  );
  return res.permissions ?? [];
}

export const createGrant = (kind: ResourceKind, id: string, subject: Subject, permission: Permission) =>
  apiPost(`${grantPrefix(kind)}/permissions/create`, { ...resourceField(kind, id), ...subject, permission });

export const updateGrant = (kind: ResourceKind, id: string, subject: Subject, permission: Permission) =>
  apiSend('PATCH', `${grantPrefix(kind)}/permissions/update`, {
    ...resourceField(kind, id),
    ...subject,
    permission,
  });

export const deleteGrant = (kind: ResourceKind, id: string, subject: Subject) =>
  apiSend('DELETE', `${grantPrefix(kind)}/permissions/delete`, { ...resourceField(kind, id), ...subject });

/** The caller's own effective permission on an experiment or registered model. */
export async function currentPermission(
  kind: ResourceKind,
  id: string,
  signal?: AbortSignal,
): Promise<Permission> {
  const res = await apiGet<{ permission: Permission }>(
    `${grantPrefix(kind)}/permissions/current`,
    resourceField(kind, id),
    signal,
  );
  return res.permission;
}

// ---- personal access tokens ----

export interface Token {
  token_id: string;
  name: string;
  username: string;
  scope: TokenScope;
  creation_time: number;
  expiry_time?: number;
  revoked_time?: number;
}

export async function listTokens(signal?: AbortSignal): Promise<Token[]> {
  return (await apiGet<{ tokens?: Token[] }>('tokens/list', {}, signal)).tokens ?? [];
}

export const createToken = (
  name: string,
  scope: TokenScope,
  expiresInDays?: number,
): Promise<{ token: Token; secret: string }> =>
  apiPost('tokens/create', {
    name,
    scope,
    ...(expiresInDays !== undefined ? { expires_in_days: expiresInDays } : {}),
  });

export const revokeToken = (tokenId: string): Promise<unknown> =>
  apiPost('tokens/revoke', { token_id: tokenId });

// ---- audit log ----

export interface AuditRecord {
  event_id: number | string;
  time: number;
  username: string | null;
  method: string;
  route: string;
  resource_kind: string | null;
  resource_id: string | null;
  status: number;
  client: string | null;
}

export interface AuditQuery {
  username?: string;
  resourceKind?: string;
  resourceId?: string;
  startTime?: number;
  endTime?: number;
  maxResults?: number;
  pageToken?: string;
}

export async function searchAudit(
  q: AuditQuery,
  signal?: AbortSignal,
): Promise<{ records: AuditRecord[]; nextPageToken?: string }> {
  const res = await apiGet<{ records?: AuditRecord[]; next_page_token?: string }>(
    'audit/search',
    {
      username: q.username || undefined,
      resource_kind: q.resourceKind || undefined,
      resource_id: q.resourceId || undefined,
      start_time: q.startTime,
      end_time: q.endTime,
      max_results: q.maxResults,
      page_token: q.pageToken,
    },
    signal,
  );
  return { records: res.records ?? [], nextPageToken: res.next_page_token || undefined };
}
