import type { Dialect } from '../database.js';
import type { Migration } from '../migrations.js';

/**
 * Access control: users (scrypt password hashes), personal access tokens (stored as SHA-256
 * hashes only), groups, per-experiment and per-registered-model grants to a user or a group, and
 * the audit log of state-changing requests. Grants name their subject as (`user`|`group`, id) so
 * one table serves both; deleting a user or group removes its grants in the store code.
 */
export function authStatements(d: Dialect): string[] {
  const t = d.types;
  const q = d.id;
  const o = d.tableOptions;
  // Case-sensitive, byte-order names on every database.
  const name = t.byteVarchar(256);
  return [
    `CREATE TABLE ${q('auth_users')} (
      ${q('id')} ${t.bigint} NOT NULL PRIMARY KEY,
      ${q('username')} ${name} NOT NULL UNIQUE,
      ${q('password_hash')} ${t.varchar(400)},
      ${q('is_admin')} ${t.int} NOT NULL DEFAULT 0,
      ${q('creation_time')} ${t.bigint} NOT NULL
    )${o}`,
    `CREATE TABLE ${q('auth_tokens')} (
      ${q('token_id')} ${t.varchar(32)} NOT NULL PRIMARY KEY,
      ${q('user_id')} ${t.bigint} NOT NULL,
      ${q('name')} ${t.varchar(256)} NOT NULL,
      ${q('token_hash')} ${t.varchar(64)} NOT NULL UNIQUE,
      ${q('scope')} ${t.varchar(10)} NOT NULL,
      ${q('creation_time')} ${t.bigint} NOT NULL,
      ${q('expiry_time')} ${t.bigint},
      ${q('revoked_time')} ${t.bigint},
      ${q('last_used_time')} ${t.bigint},
      FOREIGN KEY (${q('user_id')}) REFERENCES ${q('auth_users')} (${q('id')}) ON DELETE CASCADE
    )${o}`,
    `CREATE INDEX ${q('idx_auth_tokens_user')} ON ${q('auth_tokens')} (${q('user_id')})`,
    `CREATE TABLE ${q('auth_groups')} (
      ${q('id')} ${t.bigint} NOT NULL PRIMARY KEY,
      ${q('name')} ${name} NOT NULL UNIQUE,
      ${q('creation_time')} ${t.bigint} NOT NULL
    )${o}`,
    `CREATE TABLE ${q('auth_group_members')} (
      ${q('group_id')} ${t.bigint} NOT NULL,
      ${q('user_id')} ${t.bigint} NOT NULL,
      PRIMARY KEY (${q('group_id')}, ${q('user_id')}),
      FOREIGN KEY (${q('group_id')}) REFERENCES ${q('auth_groups')} (${q('id')}) ON DELETE CASCADE,
      FOREIGN KEY (${q('user_id')}) REFERENCES ${q('auth_users')} (${q('id')}) ON DELETE CASCADE
    )${o}`,
    `CREATE INDEX ${q('idx_auth_group_members_user')} ON ${q('auth_group_members')} (${q('user_id')})`,
    `CREATE TABLE ${q('auth_grants')} (
      ${q('resource_kind')} ${t.varchar(20)} NOT NULL,
      ${q('resource_id')} ${name} NOT NULL,
      ${q('subject_kind')} ${t.varchar(8)} NOT NULL,
      ${q('subject_id')} ${t.bigint} NOT NULL,
      ${q('permission')} ${t.varchar(20)} NOT NULL,
      PRIMARY KEY (${q('resource_kind')}, ${q('resource_id')}, ${q('subject_kind')}, ${q('subject_id')})
    )${o}`,
    `CREATE INDEX ${q('idx_auth_grants_subject')} ON ${q('auth_grants')} (${q('subject_kind')}, ${q('subject_id')})`,
    `CREATE TABLE ${q('auth_audit')} (
      ${q('event_id')} ${t.varchar(32)} NOT NULL PRIMARY KEY,
      ${q('time')} ${t.bigint} NOT NULL,
      ${q('username')} ${t.varchar(256)},
      ${q('method')} ${t.varchar(10)} NOT NULL,
      ${q('route')} ${t.varchar(300)} NOT NULL,
      ${q('resource_kind')} ${t.varchar(20)},
      ${q('resource_id')} ${t.varchar(500)},
      ${q('status')} ${t.int} NOT NULL,
      ${q('client')} ${t.varchar(64)}
    )${o}`,
    `CREATE INDEX ${q('idx_auth_audit_time')} ON ${q('auth_audit')} (${q('time')})`,
    `CREATE INDEX ${q('idx_auth_audit_user')} ON ${q('auth_audit')} (${q('username')}, ${q('time')})`,
    `CREATE INDEX ${q('idx_auth_audit_resource')} ON ${q('auth_audit')} (${q('resource_kind')}, ${q('resource_id')}, ${q('time')})`,
  ];
}

export const authSchema: Migration = { version: 4, name: 'auth', up: authStatements };
