/**
 * Persistence interface of access control: users, personal access tokens, groups, grants on
 * experiments and registered models, and the audit log. Secrets are never stored in clear: the
 * store keeps password hashes and token hashes made by `src/auth/`.
 */

import type { Permission, TokenScope } from '../entities/auth.js';

export type { Permission, TokenScope };

export type ResourceKind = 'experiment' | 'registered_model';
export type SubjectKind = 'user' | 'group';

export interface UserRecord {
  id: number;
  username: string;
  /** Encoded scrypt hash (`scrypt$N$r$p$salt$key`); null for users that sign in by SSO only. */
  passwordHash: string | null;
  isAdmin: boolean;
  creationTime: number;
}

export interface TokenRecord {
  tokenId: string;
  userId: number;
  username: string;
  name: string;
  scope: TokenScope;
  creationTime: number;
  expiryTime: number | null;
  revokedTime: number | null;
  lastUsedTime: number | null;
}

export interface NewTokenRecord {
  tokenId: string;
  userId: number;
  name: string;
  tokenHash: string;
  scope: TokenScope;
  expiryTime: number | null;
}

export interface GroupRecord {
  id: number;
  name: string;
  creationTime: number;
  members: string[];
}

export interface GrantRecord {
  resourceKind: ResourceKind;
  resourceId: string;
  subjectKind: SubjectKind;
  /** User name or group name. */
  subject: string;
  permission: Permission;
}

export interface AuditRecord {
  eventId: string;
  time: number;
  username: string | null;
  method: string;
  route: string;
  resourceKind: string | null;
  resourceId: string | null;
  status: number;
  client: string | null;
}

export interface AuditQuery {
  username?: string;
  resourceKind?: string;
  resourceId?: string;
  /** Inclusive bounds, epoch milliseconds. */
  startTime?: number;
  endTime?: number;
  maxResults: number;
  /** Opaque keyset token from a previous page. */
  pageToken?: string;
}

export interface AuthStore {
  // ---- users ----
  createUser(username: string, passwordHash: string | null, isAdmin: boolean): Promise<UserRecord>;
  getUser(username: string): Promise<UserRecord | null>;
  getUserById(id: number): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  updatePassword(username: string, passwordHash: string): Promise<void>;
  updateAdmin(username: string, isAdmin: boolean): Promise<void>;
  deleteUser(username: string): Promise<void>;
  countAdmins(): Promise<number>;

  // ---- tokens ----
  createToken(t: NewTokenRecord): Promise<TokenRecord>;
  /** The token with this hash, whatever its state (the caller checks expiry and revocation). */
  findTokenByHash(tokenHash: string): Promise<TokenRecord | null>;
  listTokens(userId?: number): Promise<TokenRecord[]>;
  getToken(tokenId: string): Promise<TokenRecord | null>;
  revokeToken(tokenId: string): Promise<void>;

  // ---- groups ----
  createGroup(name: string): Promise<GroupRecord>;
  getGroup(name: string): Promise<GroupRecord | null>;
  listGroups(): Promise<GroupRecord[]>;
  deleteGroup(name: string): Promise<void>;
  addMember(group: string, username: string): Promise<void>;
  removeMember(group: string, username: string): Promise<void>;
  /** Names of the groups a user belongs to. */
  groupsOf(userId: number): Promise<string[]>;

  // ---- grants ----
  /** Creates a grant; RESOURCE_ALREADY_EXISTS when the subject already has one on the resource. */
  createGrant(g: GrantRecord): Promise<void>;
  getGrant(
    kind: ResourceKind,
    resourceId: string,
    subjectKind: SubjectKind,
    subject: string,
  ): Promise<GrantRecord | null>;
  updateGrant(g: GrantRecord): Promise<void>;
  /** Creates or replaces a grant (used for the creator's MANAGE). */
  putGrant(g: GrantRecord): Promise<void>;
  deleteGrant(
    kind: ResourceKind,
    resourceId: string,
    subjectKind: SubjectKind,
    subject: string,
  ): Promise<void>;
  /** Grants on one resource. */
  grantsOn(kind: ResourceKind, resourceId: string): Promise<GrantRecord[]>;
  /** Every grant held by a user directly or through one of the given groups. */
  grantsFor(userId: number, groupNames: readonly string[]): Promise<GrantRecord[]>;
  /** Grants of a user (direct only), for MLflow's `users/get`. */
  grantsOfUser(userId: number): Promise<GrantRecord[]>;
  /** Removes every grant on a deleted resource (so a new one of the same name starts clean). */
  deleteGrantsOn(kind: ResourceKind, resourceId: string): Promise<void>;
  /** Moves the grants of a renamed resource. */
  renameResource(kind: ResourceKind, oldId: string, newId: string): Promise<void>;

  // ---- audit ----
  appendAudit(records: readonly AuditRecord[]): Promise<void>;
  searchAudit(q: AuditQuery): Promise<{ records: AuditRecord[]; nextPageToken?: string }>;
}
