/**
 * The webhook outbox on SQL. Deliveries are written by {@link enqueueDeliveries} inside the
 * transaction of the registry change; any server instance then claims due ones with a lease.
 * PostgreSQL and MySQL 8 / MariaDB 10.6+ claim with `FOR UPDATE SKIP LOCKED`, so instances never
 * wait on each other's claims; SQLite's transactions hold the database write lock, which makes the
 * select-then-lease step atomic there.
 */
import { randomUUID } from 'node:crypto';
import type {
  DeliveryAttempt,
  DeliveryOutcome,
  DeliveryRecord,
  RegistryEvent,
  WebhookOutbox,
} from '../../registry-store.js';
import type { SqlDatabase, SqlExecutor, SqlValue } from '../database.js';
import { DELIVERY_COLUMNS, deliveryFromRow, WEBHOOK_COLUMNS, webhookFromRow } from './webhook-sql.js';

const TABLE = 'registry_webhook_deliveries';

/**
 * Writes one PENDING delivery per active webhook subscribed to `event` for `modelName`. Returns
 * how many. The sequence bump takes the counter row's lock until commit, so concurrent event
 * writers are serialized and `seq` follows commit order.
 */
export async function enqueueDeliveries(
  tx: SqlExecutor,
  db: SqlDatabase,
  event: string,
  modelName: string,
  payload: string,
  time: number,
): Promise<number> {
  const q = db.dialect.id;
  const hooks = (
    await tx.query(
      `SELECT ${WEBHOOK_COLUMNS.map(q).join(', ')} FROM ${q('registry_webhooks')} WHERE ${q('status')} = 'ACTIVE'`,
    )
  )
    .map(webhookFromRow)
    .filter((w) => w.events.includes(event) && (!w.modelName || w.modelName === modelName));
  if (hooks.length === 0) return 0;
  await tx.run(
    `UPDATE ${q('registry_webhook_sequence')} SET ${q('value')} = ${q('value')} + ? WHERE ${q('id')} = 1`,
    [hooks.length],
  );
  const rows = await tx.query(
    `SELECT ${q('value')} FROM ${q('registry_webhook_sequence')} WHERE ${q('id')} = 1`,
  );
  const last = Number(rows[0]?.value);
  const columns = [...DELIVERY_COLUMNS, 'seq', 'next_attempt_time'];
  const params: SqlValue[] = [];
  hooks.forEach((hook, i) => {
    params.push(
      randomUUID(),
      hook.webhookId,
      event,
      modelName,
      payload,
      'PENDING',
      0,
      null,
      null,
      time,
      null,
      last - hooks.length + 1 + i,
      time,
    );
  });
  const one = `(${columns.map(() => '?').join(', ')})`;
  await tx.run(
    `INSERT INTO ${q(TABLE)} (${columns.map(q).join(', ')}) VALUES ${hooks.map(() => one).join(', ')}`,
    params,
  );
  return hooks.length;
}

/** Enqueues `event` about model `name` (if any) inside `tx`; `result` reads what its body needs. */
export async function emitEvent<T>(
  tx: SqlExecutor,
  db: SqlDatabase,
  name: string,
  event: RegistryEvent<T> | undefined,
  result: () => Promise<T>,
): Promise<void> {
  if (event) await enqueueDeliveries(tx, db, event.event, name, event.payload(await result()), Date.now());
}

export class OutboxSql implements WebhookOutbox {
  constructor(private readonly db: SqlDatabase) {}

  async claimDeliveries(
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    const q = this.db.dialect.id;
    const lock = this.db.dialect.lockSkipLocked;
    // `d` is due when its backoff has passed, nobody holds a live lease on it, and no earlier
    // delivery of the same (webhook, model) is still unfinished.
    const due = `SELECT ${q('delivery_id')} FROM ${q(TABLE)} d
      WHERE d.${q('status')} = 'PENDING' AND d.${q('next_attempt_time')} <= ?
        AND (d.${q('lease_until')} IS NULL OR d.${q('lease_until')} < ?)
        AND NOT EXISTS (SELECT 1 FROM ${q(TABLE)} e
          WHERE e.${q('webhook_id')} = d.${q('webhook_id')} AND e.${q('model_name')} = d.${q('model_name')}
            AND e.${q('status')} = 'PENDING' AND e.${q('seq')} < d.${q('seq')})
      ORDER BY d.${q('seq')} LIMIT ${Math.max(1, Math.floor(limit))}${lock}`;
    return this.db.transaction(async (tx) => {
      const ids = (await tx.query(due, [now, now])).map((r) => String(r.delivery_id));
      if (ids.length === 0) return [];
      const marks = ids.map(() => '?').join(', ');
      await tx.run(
        `UPDATE ${q(TABLE)} SET ${q('lease_owner')} = ?, ${q('lease_until')} = ? WHERE ${q('delivery_id')} IN (${marks})`,
        [owner, now + leaseMs, ...ids],
      );
      const rows = await tx.query(
        `SELECT ${DELIVERY_COLUMNS.map(q).join(', ')}, ${q('seq')} FROM ${q(TABLE)} WHERE ${q('delivery_id')} IN (${marks}) ORDER BY ${q('seq')}`,
        ids,
      );
      return rows.map(deliveryFromRow);
    });
  }

  async finishAttempt(owner: string, a: DeliveryAttempt, o: DeliveryOutcome): Promise<boolean> {
    const q = this.db.dialect.id;
    return this.db.transaction(async (tx) => {
      const res = await tx.run(
        `UPDATE ${q(TABLE)} SET ${q('status')} = ?, ${q('attempts')} = ?, ${q('response_status')} = ?, ${q('error')} = ?, ${q('last_attempt_time')} = ?, ${q('next_attempt_time')} = ?, ${q('lease_owner')} = NULL, ${q('lease_until')} = NULL WHERE ${q('delivery_id')} = ? AND ${q('lease_owner')} = ?`,
        [
          o.status,
          o.attempts,
          o.responseStatus,
          o.error,
          o.lastAttemptTime,
          o.nextAttemptTime,
          a.deliveryId,
          owner,
        ],
      );
      if (res.changes === 0) return false;
      await tx.run(
        this.db.dialect.upsert(
          'registry_webhook_attempts',
          [
            'delivery_id',
            'attempt',
            'started_time',
            'duration_ms',
            'response_status',
            'error',
            'instance_id',
          ],
          ['delivery_id', 'attempt'],
        ),
        [a.deliveryId, a.attempt, a.startedTime, a.durationMs, a.responseStatus, a.error, a.instanceId],
      );
      return true;
    });
  }

  async pendingDeliveries(): Promise<number> {
    const q = this.db.dialect.id;
    const rows = await this.db.query(
      `SELECT COUNT(*) AS n FROM ${q(TABLE)} WHERE ${q('status')} = 'PENDING'`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    const q = this.db.dialect.id;
    const rows = await this.db.query(
      `SELECT ${q('delivery_id')}, ${q('attempt')}, ${q('started_time')}, ${q('duration_ms')}, ${q('response_status')}, ${q('error')}, ${q('instance_id')} FROM ${q('registry_webhook_attempts')} WHERE ${q('delivery_id')} = ? ORDER BY ${q('attempt')}`,
      [deliveryId],
    );
    return rows.map((r) => ({
      deliveryId: String(r.delivery_id),
      attempt: Number(r.attempt),
      startedTime: Number(r.started_time),
      durationMs: Number(r.duration_ms),
      responseStatus: r.response_status === null ? null : Number(r.response_status),
      error: r.error === null ? null : String(r.error),
      instanceId: String(r.instance_id),
    }));
  }
}
