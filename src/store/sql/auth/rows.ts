/** Row mapping and small helpers shared by the SQL access-control store modules. */
import type { Dialect, Row, SqlExecutor } from '../database.js';
import type { GroupRecord, TokenRecord, TokenScope, UserRecord } from '../../auth-store.js';

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const userFromRow = (r: Row): UserRecord => ({
  id: Number(r.id),
  username: String(r.username),
  passwordHash: r.password_hash === null || r.password_hash === undefined ? null : String(r.password_hash),
  isAdmin: Number(r.is_admin) === 1,
  creationTime: Number(r.creation_time),
});

export const tokenFromRow = (r: Row): TokenRecord => ({
  tokenId: String(r.token_id),
  userId: Number(r.user_id),
  username: String(r.username),
  name: String(r.name),
  scope: String(r.scope) as TokenScope,
  creationTime: Number(r.creation_time),
  expiryTime: num(r.expiry_time),
  revokedTime: num(r.revoked_time),
  lastUsedTime: num(r.last_used_time),
});

export const groupFromRow = (r: Row, members: string[]): GroupRecord => ({
  id: Number(r.id),
  name: String(r.name),
  creationTime: Number(r.creation_time),
  members,
});

/**
 * Inserts a row with the next free numeric id (MAX + 1). A concurrent insert that took the same
 * id makes the insert fail on the primary key; it is retried with a fresh id. `onNameTaken`
 * turns a clash on the unique name column into the caller's error.
 */
export async function insertWithNextId(
  ex: SqlExecutor,
  dialect: Dialect,
  table: string,
  columns: string[],
  values: (id: number) => (string | number | null)[],
  nameExists: () => Promise<boolean>,
  onNameTaken: () => Error,
): Promise<number> {
  const q = dialect.id;
  for (let attempt = 0; ; attempt++) {
    const rows = await ex.query<{ m: unknown }>(`SELECT MAX(${q('id')}) AS m FROM ${q(table)}`);
    const id = Number(rows[0]?.m ?? 0) + 1;
    try {
      await ex.run(
        `INSERT INTO ${q(table)} (${[q('id'), ...columns.map(q)].join(', ')}) VALUES (${['?', ...columns.map(() => '?')].join(', ')})`,
        [id, ...values(id)],
      );
      return id;
    } catch (err) {
      if (!dialect.isUniqueViolation(err) || attempt >= 5) throw err;
      if (await nameExists()) throw onNameTaken();
    }
  }
}
