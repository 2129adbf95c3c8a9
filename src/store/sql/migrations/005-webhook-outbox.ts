import type { Migration } from '../migrations.js';

/**
 * The webhook delivery log becomes a durable outbox: each delivery row is written in the same
 * transaction as the registry change that caused it and is claimed by whichever server instance
 * is free, under a lease (`lease_owner`, `lease_until`). `seq` orders deliveries: it comes from
 * the one-row counter `registry_webhook_sequence`, whose row lock serializes event-writing
 * transactions, so `seq` order is commit order. `next_attempt_time` holds retries back (backoff).
 * Every attempt is recorded in `registry_webhook_attempts`.
 */
export const webhookOutbox: Migration = {
  version: 5,
  name: 'webhook-outbox',
  up: (d) => {
    const t = d.types;
    const q = d.id;
    const deliveries = q('registry_webhook_deliveries');
    return [
      `ALTER TABLE ${deliveries} ADD ${q('seq')} ${t.bigint}`,
      `ALTER TABLE ${deliveries} ADD ${q('next_attempt_time')} ${t.bigint}`,
      `ALTER TABLE ${deliveries} ADD ${q('lease_owner')} ${t.varchar(64)}`,
      `ALTER TABLE ${deliveries} ADD ${q('lease_until')} ${t.bigint}`,
      `UPDATE ${deliveries} SET ${q('seq')} = 0, ${q('next_attempt_time')} = ${q('creation_time')}`,
      `CREATE INDEX ${q('idx_webhook_deliveries_due')} ON ${deliveries} (${q('status')}, ${q('next_attempt_time')})`,
      `CREATE INDEX ${q('idx_webhook_deliveries_chain')} ON ${deliveries} (${q('webhook_id')}, ${q('model_name')}, ${q('status')}, ${q('seq')})`,
      `CREATE TABLE ${q('registry_webhook_sequence')} (
        ${q('id')} ${t.int} NOT NULL PRIMARY KEY,
        ${q('value')} ${t.bigint} NOT NULL
      )${d.tableOptions}`,
      `INSERT INTO ${q('registry_webhook_sequence')} (${q('id')}, ${q('value')}) VALUES (1, 0)`,
      `CREATE TABLE ${q('registry_webhook_attempts')} (
        ${q('delivery_id')} ${t.varchar(64)} NOT NULL,
        ${q('attempt')} ${t.int} NOT NULL,
        ${q('started_time')} ${t.bigint} NOT NULL,
        ${q('duration_ms')} ${t.int} NOT NULL,
        ${q('response_status')} ${t.int},
        ${q('error')} ${t.text},
        ${q('instance_id')} ${t.varchar(64)} NOT NULL,
        PRIMARY KEY (${q('delivery_id')}, ${q('attempt')}),
        FOREIGN KEY (${q('delivery_id')}) REFERENCES ${deliveries} (${q('delivery_id')}) ON DELETE CASCADE
      )${d.tableOptions}`,
    ];
  },
};
