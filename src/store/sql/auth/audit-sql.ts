/** SQL persistence of the audit log: append in bulk, query by user, resource and time range. */
import { invalidParam } from '../../../errors.js';
import type { AuditQuery, AuditRecord } from '../../auth-store.js';
import type { Row, SqlDatabase, SqlValue } from '../database.js';

const COLUMNS = [
  'event_id',
  'time',
  'username',
  'method',
  'route',
  'resource_kind',
  'resource_id',
  'status',
  'client',
] as const;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function fromRow(r: Row): AuditRecord {
  return {
    eventId: String(r.event_id),
    time: Number(r.time),
    username: str(r.username),
    method: String(r.method),
    route: String(r.route),
    resourceKind: str(r.resource_kind),
    resourceId: str(r.resource_id),
    status: Number(r.status),
    client: str(r.client),
  };
}

/** Newest first; the page token is the (time, event_id) of the last record returned. */
function decodeToken(token: string): [number, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string')
      return [parsed[0], parsed[1]];
  } catch {
    // fall through to the error below
  }
  throw invalidParam('Invalid page_token.');
}

export class AuditSql {
  constructor(private readonly db: SqlDatabase) {}

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (!records.length) return;
    const q = this.db.dialect.id;
    const row = `(${COLUMNS.map(() => '?').join(', ')})`;
    const params: SqlValue[] = [];
    for (const r of records) {
      params.push(
        r.eventId,
        r.time,
        r.username,
        r.method,
        r.route,
        r.resourceKind,
        r.resourceId,
        r.status,
        r.client,
      );
    }
    await this.db.run(
      `INSERT INTO ${q('auth_audit')} (${COLUMNS.map(q).join(', ')}) VALUES ${records.map(() => row).join(', ')}`,
      params,
    );
  }

  async search(query: AuditQuery): Promise<{ records: AuditRecord[]; nextPageToken?: string }> {
    const q = this.db.dialect.id;
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, value: SqlValue) => {
      where.push(clause);
      params.push(value);
    };
    if (query.username !== undefined) add(`${q('username')} = ?`, query.username);
    if (query.resourceKind !== undefined) add(`${q('resource_kind')} = ?`, query.resourceKind);
    if (query.resourceId !== undefined) add(`${q('resource_id')} = ?`, query.resourceId);
    if (query.startTime !== undefined) add(`${q('time')} >= ?`, query.startTime);
    if (query.endTime !== undefined) add(`${q('time')} <= ?`, query.endTime);
    if (query.pageToken) {
      const [time, id] = decodeToken(query.pageToken);
      where.push(`(${q('time')} < ? OR (${q('time')} = ? AND ${q('event_id')} < ?))`);
      params.push(time, time, id);
    }
    const rows = await this.db.query(
      `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('auth_audit')}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${q('time')} DESC, ${q('event_id')} DESC LIMIT ${query.maxResults + 1}`,
      params,
    );
    const records = rows.slice(0, query.maxResults).map(fromRow);
    const last = records[records.length - 1];
    if (rows.length <= query.maxResults || !last) return { records };
    return {
      records,
      nextPageToken: Buffer.from(JSON.stringify([last.time, last.eventId])).toString('base64url'),
    };
  }
}
