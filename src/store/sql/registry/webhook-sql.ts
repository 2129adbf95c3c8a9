/** SQL persistence of registry webhooks and their delivery log (the outbox side: outbox-sql.ts). */
import { notFound } from '../../../errors.js';
import type { DeliveryRecord, WebhookRecord, WebhookStatus, WebhookUpdate } from '../../registry-store.js';
import type { Row, SqlDatabase } from '../database.js';

export const WEBHOOK_COLUMNS = [
  'webhook_id',
  'name',
  'url',
  'events',
  'model_name',
  'description',
  'secret',
  'status',
  'creation_time',
  'last_updated_time',
];

export const DELIVERY_COLUMNS = [
  'delivery_id',
  'webhook_id',
  'event',
  'model_name',
  'payload',
  'status',
  'attempts',
  'response_status',
  'error',
  'creation_time',
  'last_attempt_time',
];

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function webhookFromRow(r: Row): WebhookRecord {
  let events: string[] = [];
  try {
    const parsed: unknown = JSON.parse(String(r.events));
    if (Array.isArray(parsed)) events = parsed.map(String);
  } catch {
    // A hand-edited row: treat as subscribed to nothing rather than failing every listing.
  }
  return {
    webhookId: String(r.webhook_id),
    name: String(r.name),
    url: String(r.url),
    events,
    modelName: str(r.model_name),
    description: str(r.description),
    secret: str(r.secret),
    status: String(r.status) as WebhookStatus,
    creationTime: Number(r.creation_time),
    lastUpdatedTime: Number(r.last_updated_time),
  };
}

export function deliveryFromRow(r: Row): DeliveryRecord {
  return {
    deliveryId: String(r.delivery_id),
    webhookId: String(r.webhook_id),
    event: String(r.event),
    modelName: str(r.model_name),
    payload: String(r.payload),
    status: String(r.status) as DeliveryRecord['status'],
    attempts: Number(r.attempts),
    responseStatus: num(r.response_status),
    error: str(r.error),
    creationTime: Number(r.creation_time),
    lastAttemptTime: num(r.last_attempt_time),
  };
}

export class WebhookSql {
  constructor(private readonly db: SqlDatabase) {}

  private get q(): (n: string) => string {
    return this.db.dialect.id;
  }

  async create(w: WebhookRecord): Promise<WebhookRecord> {
    const q = this.q;
    await this.db.run(
      `INSERT INTO ${q('registry_webhooks')} (${WEBHOOK_COLUMNS.map(q).join(', ')}) VALUES (${WEBHOOK_COLUMNS.map(() => '?').join(', ')})`,
      [
        w.webhookId,
        w.name,
        w.url,
        JSON.stringify(w.events),
        w.modelName,
        w.description,
        w.secret,
        w.status,
        w.creationTime,
        w.lastUpdatedTime,
      ],
    );
    return w;
  }

  async get(webhookId: string): Promise<WebhookRecord> {
    const q = this.q;
    const rows = await this.db.query(
      `SELECT ${WEBHOOK_COLUMNS.map(q).join(', ')} FROM ${q('registry_webhooks')} WHERE ${q('webhook_id')} = ?`,
      [webhookId],
    );
    if (!rows[0]) throw notFound(`Webhook with id=${webhookId} not found`);
    return webhookFromRow(rows[0]);
  }

  async list(): Promise<WebhookRecord[]> {
    const q = this.q;
    const rows = await this.db.query(
      `SELECT ${WEBHOOK_COLUMNS.map(q).join(', ')} FROM ${q('registry_webhooks')} ORDER BY ${q('creation_time')}, ${q('webhook_id')}`,
    );
    return rows.map(webhookFromRow);
  }

  async update(webhookId: string, u: WebhookUpdate): Promise<WebhookRecord> {
    const q = this.q;
    const sets: string[] = [`${q('last_updated_time')} = ?`];
    const params: (string | number | null)[] = [u.time];
    const put = (column: string, value: string | null | undefined): void => {
      if (value === undefined) return;
      sets.push(`${q(column)} = ?`);
      params.push(value);
    };
    put('name', u.name);
    put('url', u.url);
    put('events', u.events === undefined ? undefined : JSON.stringify(u.events));
    put('model_name', u.modelName);
    put('description', u.description);
    put('secret', u.secret);
    put('status', u.status);
    const res = await this.db.run(
      `UPDATE ${q('registry_webhooks')} SET ${sets.join(', ')} WHERE ${q('webhook_id')} = ?`,
      [...params, webhookId],
    );
    if (res.changes === 0) throw notFound(`Webhook with id=${webhookId} not found`);
    return this.get(webhookId);
  }

  async delete(webhookId: string): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await tx.run(`DELETE FROM ${q('registry_webhook_deliveries')} WHERE ${q('webhook_id')} = ?`, [
        webhookId,
      ]);
      const res = await tx.run(`DELETE FROM ${q('registry_webhooks')} WHERE ${q('webhook_id')} = ?`, [
        webhookId,
      ]);
      if (res.changes === 0) throw notFound(`Webhook with id=${webhookId} not found`);
    });
  }

  async insertDelivery(d: DeliveryRecord): Promise<void> {
    const q = this.q;
    await this.db.run(
      `INSERT INTO ${q('registry_webhook_deliveries')} (${DELIVERY_COLUMNS.map(q).join(', ')}) VALUES (${DELIVERY_COLUMNS.map(() => '?').join(', ')})`,
      [
        d.deliveryId,
        d.webhookId,
        d.event,
        d.modelName,
        d.payload,
        d.status,
        d.attempts,
        d.responseStatus,
        d.error,
        d.creationTime,
        d.lastAttemptTime,
      ],
    );
  }

  async listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    const q = this.q;
    const rows = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS.map(q).join(', ')} FROM ${q('registry_webhook_deliveries')} WHERE ${q('webhook_id')} = ? ORDER BY ${q('creation_time')} DESC, ${q('delivery_id')} DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
      [webhookId],
    );
    return rows.map(deliveryFromRow);
  }
}
