/**
 * Access control on SQL (SQLite, PostgreSQL, MySQL/MariaDB): users, tokens, groups and grants.
 * The audit log lives in `auth/audit-sql.ts`.
 */
import { alreadyExists, notFound } from '../../errors.js';
import type {
  AuditQuery,
  AuditRecord,
  AuthStore,
  GrantRecord,
  GroupRecord,
  NewTokenRecord,
  Permission,
  ResourceKind,
  SubjectKind,
  TokenRecord,
  UserRecord,
} from '../auth-store.js';
import type { Row, SqlDatabase } from './database.js';
import { AuditSql } from './auth/audit-sql.js';
import { groupFromRow, insertWithNextId, tokenFromRow, userFromRow } from './auth/rows.js';

const userNotFound = (username: string) => notFound(`User with username=${username} not found`);
const groupNotFound = (name: string) => notFound(`Group with name=${name} not found`);

export class SqlAuthStore implements AuthStore {
  private readonly audit: AuditSql;

  constructor(private readonly db: SqlDatabase) {
    this.audit = new AuditSql(db);
  }

  private get q(): (n: string) => string {
    return this.db.dialect.id;
  }

  // ---- users ----

  async createUser(username: string, passwordHash: string | null, isAdmin: boolean): Promise<UserRecord> {
    const now = Date.now();
    const exists = async () => !!(await this.getUser(username));
    const taken = () => alreadyExists(`User '${username}' already exists.`);
    if (await exists()) throw taken();
    const id = await insertWithNextId(
      this.db,
      this.db.dialect,
      'auth_users',
      ['username', 'password_hash', 'is_admin', 'creation_time'],
      () => [username, passwordHash, isAdmin ? 1 : 0, now],
      exists,
      taken,
    );
    return { id, username, passwordHash, isAdmin, creationTime: now };
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const q = this.q;
    const rows = await this.db.query(`SELECT * FROM ${q('auth_users')} WHERE ${q('username')} = ?`, [
      username,
    ]);
    return rows[0] ? userFromRow(rows[0]) : null;
  }

  async getUserById(id: number): Promise<UserRecord | null> {
    const q = this.q;
    const rows = await this.db.query(`SELECT * FROM ${q('auth_users')} WHERE ${q('id')} = ?`, [id]);
    return rows[0] ? userFromRow(rows[0]) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    const q = this.q;
    const rows = await this.db.query(`SELECT * FROM ${q('auth_users')} ORDER BY ${q('username')}`);
    return rows.map(userFromRow);
  }

  private async requireUser(username: string): Promise<UserRecord> {
    const user = await this.getUser(username);
    if (!user) throw userNotFound(username);
    return user;
  }

  async updatePassword(username: string, passwordHash: string): Promise<void> {
    const q = this.q;
    const r = await this.db.run(
      `UPDATE ${q('auth_users')} SET ${q('password_hash')} = ? WHERE ${q('username')} = ?`,
      [passwordHash, username],
    );
    if (r.changes === 0) await this.requireUser(username);
  }

  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    const q = this.q;
    const r = await this.db.run(
      `UPDATE ${q('auth_users')} SET ${q('is_admin')} = ? WHERE ${q('username')} = ?`,
      [isAdmin ? 1 : 0, username],
    );
    if (r.changes === 0) await this.requireUser(username);
  }

  async deleteUser(username: string): Promise<void> {
    const q = this.q;
    const user = await this.requireUser(username);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `DELETE FROM ${q('auth_grants')} WHERE ${q('subject_kind')} = 'user' AND ${q('subject_id')} = ?`,
        [user.id],
      );
      await tx.run(`DELETE FROM ${q('auth_tokens')} WHERE ${q('user_id')} = ?`, [user.id]);
      await tx.run(`DELETE FROM ${q('auth_group_members')} WHERE ${q('user_id')} = ?`, [user.id]);
      await tx.run(`DELETE FROM ${q('auth_users')} WHERE ${q('id')} = ?`, [user.id]);
    });
  }

  async countAdmins(): Promise<number> {
    const q = this.q;
    const rows = await this.db.query<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM ${q('auth_users')} WHERE ${q('is_admin')} = 1`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  // ---- tokens ----

  async createToken(t: NewTokenRecord): Promise<TokenRecord> {
    const q = this.q;
    const now = Date.now();
    const cols = ['token_id', 'user_id', 'name', 'token_hash', 'scope', 'creation_time', 'expiry_time'];
    await this.db.run(
      `INSERT INTO ${q('auth_tokens')} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      [t.tokenId, t.userId, t.name, t.tokenHash, t.scope, now, t.expiryTime],
    );
    return (await this.getToken(t.tokenId))!;
  }

  private tokenSelect(where: string): string {
    const q = this.q;
    return `SELECT t.*, u.${q('username')} AS ${q('username')} FROM ${q('auth_tokens')} t JOIN ${q('auth_users')} u ON u.${q('id')} = t.${q('user_id')} WHERE ${where}`;
  }

  async findTokenByHash(tokenHash: string): Promise<TokenRecord | null> {
    const rows = await this.db.query(this.tokenSelect(`t.${this.q('token_hash')} = ?`), [tokenHash]);
    return rows[0] ? tokenFromRow(rows[0]) : null;
  }

  async getToken(tokenId: string): Promise<TokenRecord | null> {
    const rows = await this.db.query(this.tokenSelect(`t.${this.q('token_id')} = ?`), [tokenId]);
    return rows[0] ? tokenFromRow(rows[0]) : null;
  }

  async listTokens(userId?: number): Promise<TokenRecord[]> {
    const q = this.q;
    const order = ` ORDER BY t.${q('creation_time')}, t.${q('token_id')}`;
    const rows =
      userId === undefined
        ? await this.db.query(this.tokenSelect('1 = 1') + order)
        : await this.db.query(this.tokenSelect(`t.${q('user_id')} = ?`) + order, [userId]);
    return rows.map(tokenFromRow);
  }

  async revokeToken(tokenId: string): Promise<void> {
    const q = this.q;
    const r = await this.db.run(
      `UPDATE ${q('auth_tokens')} SET ${q('revoked_time')} = ? WHERE ${q('token_id')} = ? AND ${q('revoked_time')} IS NULL`,
      [Date.now(), tokenId],
    );
    if (r.changes === 0 && !(await this.getToken(tokenId))) throw notFound(`Token ${tokenId} not found`);
  }

  // ---- groups ----

  async createGroup(name: string): Promise<GroupRecord> {
    const now = Date.now();
    const exists = async () => !!(await this.getGroup(name));
    const taken = () => alreadyExists(`Group '${name}' already exists.`);
    if (await exists()) throw taken();
    const id = await insertWithNextId(
      this.db,
      this.db.dialect,
      'auth_groups',
      ['name', 'creation_time'],
      () => [name, now],
      exists,
      taken,
    );
    return { id, name, creationTime: now, members: [] };
  }

  private async membersOf(groupIds: number[]): Promise<Map<number, string[]>> {
    const q = this.q;
    const out = new Map<number, string[]>();
    if (!groupIds.length) return out;
    const rows = await this.db.query(
      `SELECT m.${q('group_id')} AS g, u.${q('username')} AS u FROM ${q('auth_group_members')} m JOIN ${q('auth_users')} u ON u.${q('id')} = m.${q('user_id')} WHERE m.${q('group_id')} IN (${groupIds.map(() => '?').join(', ')}) ORDER BY u.${q('username')}`,
      groupIds,
    );
    for (const r of rows) {
      const list = out.get(Number(r.g)) ?? [];
      list.push(String(r.u));
      out.set(Number(r.g), list);
    }
    return out;
  }

  private async groupsFromRows(rows: Row[]): Promise<GroupRecord[]> {
    const members = await this.membersOf(rows.map((r) => Number(r.id)));
    return rows.map((r) => groupFromRow(r, members.get(Number(r.id)) ?? []));
  }

  async getGroup(name: string): Promise<GroupRecord | null> {
    const q = this.q;
    const rows = await this.db.query(`SELECT * FROM ${q('auth_groups')} WHERE ${q('name')} = ?`, [name]);
    return (await this.groupsFromRows(rows))[0] ?? null;
  }

  async listGroups(): Promise<GroupRecord[]> {
    const q = this.q;
    return this.groupsFromRows(
      await this.db.query(`SELECT * FROM ${q('auth_groups')} ORDER BY ${q('name')}`),
    );
  }

  private async requireGroup(name: string): Promise<GroupRecord> {
    const group = await this.getGroup(name);
    if (!group) throw groupNotFound(name);
    return group;
  }

  async deleteGroup(name: string): Promise<void> {
    const q = this.q;
    const group = await this.requireGroup(name);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `DELETE FROM ${q('auth_grants')} WHERE ${q('subject_kind')} = 'group' AND ${q('subject_id')} = ?`,
        [group.id],
      );
      await tx.run(`DELETE FROM ${q('auth_group_members')} WHERE ${q('group_id')} = ?`, [group.id]);
      await tx.run(`DELETE FROM ${q('auth_groups')} WHERE ${q('id')} = ?`, [group.id]);
    });
  }

  async addMember(group: string, username: string): Promise<void> {
    const g = await this.requireGroup(group);
    const u = await this.requireUser(username);
    await this.db.run(
      this.db.dialect.insertIgnore('auth_group_members', ['group_id', 'user_id'], ['group_id', 'user_id']),
      [g.id, u.id],
    );
  }

  async removeMember(group: string, username: string): Promise<void> {
    const q = this.q;
    const g = await this.requireGroup(group);
    const u = await this.requireUser(username);
    const r = await this.db.run(
      `DELETE FROM ${q('auth_group_members')} WHERE ${q('group_id')} = ? AND ${q('user_id')} = ?`,
      [g.id, u.id],
    );
    if (r.changes === 0) throw notFound(`User '${username}' is not a member of group '${group}'.`);
  }

  async groupsOf(userId: number): Promise<string[]> {
    const q = this.q;
    const rows = await this.db.query(
      `SELECT g.${q('name')} AS n FROM ${q('auth_group_members')} m JOIN ${q('auth_groups')} g ON g.${q('id')} = m.${q('group_id')} WHERE m.${q('user_id')} = ? ORDER BY g.${q('name')}`,
      [userId],
    );
    return rows.map((r) => String(r.n));
  }

  // ---- grants ----

  private async subjectId(kind: SubjectKind, subject: string): Promise<number> {
    return kind === 'user' ? (await this.requireUser(subject)).id : (await this.requireGroup(subject)).id;
  }

  /** Grant rows joined with their subject's name. */
  private grantSelect(where: string): string {
    const q = this.q;
    return `SELECT g.${q('resource_kind')} AS rk, g.${q('resource_id')} AS rid, g.${q('subject_kind')} AS sk, g.${q('permission')} AS p, COALESCE(u.${q('username')}, gr.${q('name')}) AS s FROM ${q('auth_grants')} g LEFT JOIN ${q('auth_users')} u ON g.${q('subject_kind')} = 'user' AND u.${q('id')} = g.${q('subject_id')} LEFT JOIN ${q('auth_groups')} gr ON g.${q('subject_kind')} = 'group' AND gr.${q('id')} = g.${q('subject_id')} WHERE ${where}`;
  }

  private static grantFromRow(r: Row): GrantRecord {
    return {
      resourceKind: String(r.rk) as ResourceKind,
      resourceId: String(r.rid),
      subjectKind: String(r.sk) as SubjectKind,
      subject: String(r.s),
      permission: String(r.p) as Permission,
    };
  }

  async createGrant(g: GrantRecord): Promise<void> {
    const q = this.q;
    const sid = await this.subjectId(g.subjectKind, g.subject);
    const cols = ['resource_kind', 'resource_id', 'subject_kind', 'subject_id', 'permission'];
    try {
      await this.db.run(
        `INSERT INTO ${q('auth_grants')} (${cols.map(q).join(', ')}) VALUES (?, ?, ?, ?, ?)`,
        [g.resourceKind, g.resourceId, g.subjectKind, sid, g.permission],
      );
    } catch (err) {
      if (this.db.dialect.isUniqueViolation(err))
        throw alreadyExists(
          `A permission on ${g.resourceKind} '${g.resourceId}' already exists for ${g.subjectKind} '${g.subject}'.`,
        );
      throw err;
    }
  }

  async putGrant(g: GrantRecord): Promise<void> {
    const sid = await this.subjectId(g.subjectKind, g.subject);
    const cols = ['resource_kind', 'resource_id', 'subject_kind', 'subject_id', 'permission'];
    await this.db.run(this.db.dialect.upsert('auth_grants', cols, cols.slice(0, 4)), [
      g.resourceKind,
      g.resourceId,
      g.subjectKind,
      sid,
      g.permission,
    ]);
  }

  async getGrant(
    kind: ResourceKind,
    resourceId: string,
    sk: SubjectKind,
    subject: string,
  ): Promise<GrantRecord | null> {
    const q = this.q;
    const sid = await this.subjectId(sk, subject);
    const rows = await this.db.query(
      this.grantSelect(
        `g.${q('resource_kind')} = ? AND g.${q('resource_id')} = ? AND g.${q('subject_kind')} = ? AND g.${q('subject_id')} = ?`,
      ),
      [kind, resourceId, sk, sid],
    );
    return rows[0] ? SqlAuthStore.grantFromRow(rows[0]) : null;
  }

  private grantNotFound(kind: ResourceKind, resourceId: string, sk: SubjectKind, subject: string) {
    return notFound(`No permission on ${kind} '${resourceId}' for ${sk} '${subject}'.`);
  }

  async updateGrant(g: GrantRecord): Promise<void> {
    const q = this.q;
    const sid = await this.subjectId(g.subjectKind, g.subject);
    const r = await this.db.run(
      `UPDATE ${q('auth_grants')} SET ${q('permission')} = ? WHERE ${q('resource_kind')} = ? AND ${q('resource_id')} = ? AND ${q('subject_kind')} = ? AND ${q('subject_id')} = ?`,
      [g.permission, g.resourceKind, g.resourceId, g.subjectKind, sid],
    );
    if (r.changes === 0 && !(await this.getGrant(g.resourceKind, g.resourceId, g.subjectKind, g.subject)))
      throw this.grantNotFound(g.resourceKind, g.resourceId, g.subjectKind, g.subject);
  }

  async deleteGrant(kind: ResourceKind, resourceId: string, sk: SubjectKind, subject: string): Promise<void> {
    const q = this.q;
    const sid = await this.subjectId(sk, subject);
    const r = await this.db.run(
      `DELETE FROM ${q('auth_grants')} WHERE ${q('resource_kind')} = ? AND ${q('resource_id')} = ? AND ${q('subject_kind')} = ? AND ${q('subject_id')} = ?`,
      [kind, resourceId, sk, sid],
    );
    if (r.changes === 0) throw this.grantNotFound(kind, resourceId, sk, subject);
  }

  async grantsOn(kind: ResourceKind, resourceId: string): Promise<GrantRecord[]> {
    const q = this.q;
    const rows = await this.db.query(
      this.grantSelect(`g.${q('resource_kind')} = ? AND g.${q('resource_id')} = ?`) +
        ` ORDER BY g.${q('subject_kind')} DESC, s`,
      [kind, resourceId],
    );
    return rows.map(SqlAuthStore.grantFromRow);
  }

  async grantsFor(userId: number, groupNames: readonly string[]): Promise<GrantRecord[]> {
    const q = this.q;
    const groupClause = groupNames.length
      ? ` OR (g.${q('subject_kind')} = 'group' AND g.${q('subject_id')} IN (SELECT ${q('id')} FROM ${q('auth_groups')} WHERE ${q('name')} IN (${groupNames.map(() => '?').join(', ')})))`
      : '';
    const rows = await this.db.query(
      this.grantSelect(`(g.${q('subject_kind')} = 'user' AND g.${q('subject_id')} = ?)${groupClause}`),
      [userId, ...groupNames],
    );
    return rows.map(SqlAuthStore.grantFromRow);
  }

  async grantsOfUser(userId: number): Promise<GrantRecord[]> {
    const q = this.q;
    const rows = await this.db.query(
      this.grantSelect(`g.${q('subject_kind')} = 'user' AND g.${q('subject_id')} = ?`) +
        ` ORDER BY g.${q('resource_kind')}, g.${q('resource_id')}`,
      [userId],
    );
    return rows.map(SqlAuthStore.grantFromRow);
  }

  async deleteGrantsOn(kind: ResourceKind, resourceId: string): Promise<void> {
    const q = this.q;
    await this.db.run(
      `DELETE FROM ${q('auth_grants')} WHERE ${q('resource_kind')} = ? AND ${q('resource_id')} = ?`,
      [kind, resourceId],
    );
  }

  async renameResource(kind: ResourceKind, oldId: string, newId: string): Promise<void> {
    const q = this.q;
    await this.db.run(
      `UPDATE ${q('auth_grants')} SET ${q('resource_id')} = ? WHERE ${q('resource_kind')} = ? AND ${q('resource_id')} = ?`,
      [newId, kind, oldId],
    );
  }

  // ---- audit ----

  appendAudit(records: readonly AuditRecord[]): Promise<void> {
    return this.audit.append(records);
  }

  searchAudit(query: AuditQuery): Promise<{ records: AuditRecord[]; nextPageToken?: string }> {
    return this.audit.search(query);
  }
}
