import type { Dialect } from '../database.js';
import type { Migration } from '../migrations.js';

/**
 * Model registry schema. Registered models are keyed by name; child rows reference the name with
 * ON UPDATE CASCADE so a rename is one UPDATE, and ON DELETE CASCADE so deleting a model removes
 * its versions, tags and aliases. `next_version` is the per-model counter: creating a version
 * increments it under the row lock of the model, which keeps numbers gap-free and unique across
 * concurrent writers (and never reuses the number of a deleted version).
 */
export function registryStatements(d: Dialect): string[] {
  const t = d.types;
  const q = d.id;
  // Byte-order names, so sorting and LIKE behave the same on every backend whatever the
  // database's locale.
  const name = t.byteVarchar(256);
  const key = t.varchar(250);
  const o = d.tableOptions;
  return [
    `CREATE TABLE ${q('registered_models')} (
      ${q('name')} ${name} NOT NULL PRIMARY KEY,
      ${q('creation_time')} ${t.bigint} NOT NULL,
      ${q('last_updated_time')} ${t.bigint} NOT NULL,
      ${q('description')} ${t.text},
      ${q('user_id')} ${t.varchar(256)},
      ${q('next_version')} ${t.int} NOT NULL DEFAULT 1
    )${o}`,
    `CREATE INDEX ${q('idx_registered_models_last_updated')} ON ${q('registered_models')} (${q('last_updated_time')})`,
    `CREATE TABLE ${q('model_versions')} (
      ${q('name')} ${name} NOT NULL,
      ${q('version')} ${t.int} NOT NULL,
      ${q('creation_time')} ${t.bigint} NOT NULL,
      ${q('last_updated_time')} ${t.bigint} NOT NULL,
      ${q('description')} ${t.text},
      ${q('user_id')} ${t.varchar(256)},
      ${q('current_stage')} ${t.varchar(20)} NOT NULL,
      ${q('source')} ${t.text} NOT NULL,
      ${q('storage_location')} ${t.text},
      ${q('run_id')} ${t.varchar(32)},
      ${q('run_link')} ${t.text},
      ${q('model_id')} ${t.varchar(64)},
      ${q('status')} ${t.varchar(20)} NOT NULL,
      ${q('status_message')} ${t.text},
      PRIMARY KEY (${q('name')}, ${q('version')}),
      FOREIGN KEY (${q('name')}) REFERENCES ${q('registered_models')} (${q('name')}) ON UPDATE CASCADE ON DELETE CASCADE
    )${o}`,
    `CREATE INDEX ${q('idx_model_versions_last_updated')} ON ${q('model_versions')} (${q('last_updated_time')})`,
    `CREATE INDEX ${q('idx_model_versions_stage')} ON ${q('model_versions')} (${q('name')}, ${q('current_stage')}, ${q('version')})`,
    `CREATE INDEX ${q('idx_model_versions_run_id')} ON ${q('model_versions')} (${q('run_id')})`,
    `CREATE TABLE ${q('registered_model_tags')} (
      ${q('name')} ${name} NOT NULL,
      ${q('key')} ${key} NOT NULL,
      ${q('value')} ${t.text},
      PRIMARY KEY (${q('name')}, ${q('key')}),
      FOREIGN KEY (${q('name')}) REFERENCES ${q('registered_models')} (${q('name')}) ON UPDATE CASCADE ON DELETE CASCADE
    )${o}`,
    `CREATE TABLE ${q('model_version_tags')} (
      ${q('name')} ${name} NOT NULL,
      ${q('version')} ${t.int} NOT NULL,
      ${q('key')} ${key} NOT NULL,
      ${q('value')} ${t.text},
      PRIMARY KEY (${q('name')}, ${q('version')}, ${q('key')}),
      FOREIGN KEY (${q('name')}, ${q('version')}) REFERENCES ${q('model_versions')} (${q('name')}, ${q('version')}) ON UPDATE CASCADE ON DELETE CASCADE
    )${o}`,
    `CREATE TABLE ${q('registered_model_aliases')} (
      ${q('name')} ${name} NOT NULL,
      ${q('alias')} ${t.varchar(255)} NOT NULL,
      ${q('version')} ${t.int} NOT NULL,
      PRIMARY KEY (${q('name')}, ${q('alias')}),
      FOREIGN KEY (${q('name')}, ${q('version')}) REFERENCES ${q('model_versions')} (${q('name')}, ${q('version')}) ON UPDATE CASCADE ON DELETE CASCADE
    )${o}`,
    `CREATE TABLE ${q('registry_webhooks')} (
      ${q('webhook_id')} ${t.varchar(64)} NOT NULL PRIMARY KEY,
      ${q('name')} ${t.varchar(256)} NOT NULL,
      ${q('url')} ${t.text} NOT NULL,
      ${q('events')} ${t.text} NOT NULL,
      ${q('model_name')} ${t.varchar(256)},
      ${q('description')} ${t.text},
      ${q('secret')} ${t.text},
      ${q('status')} ${t.varchar(20)} NOT NULL,
      ${q('creation_time')} ${t.bigint} NOT NULL,
      ${q('last_updated_time')} ${t.bigint} NOT NULL
    )${o}`,
    `CREATE TABLE ${q('registry_webhook_deliveries')} (
      ${q('delivery_id')} ${t.varchar(64)} NOT NULL PRIMARY KEY,
      ${q('webhook_id')} ${t.varchar(64)} NOT NULL,
      ${q('event')} ${t.varchar(100)} NOT NULL,
      ${q('model_name')} ${t.varchar(256)},
      ${q('payload')} ${t.text} NOT NULL,
      ${q('status')} ${t.varchar(20)} NOT NULL,
      ${q('attempts')} ${t.int} NOT NULL,
      ${q('response_status')} ${t.int},
      ${q('error')} ${t.text},
      ${q('creation_time')} ${t.bigint} NOT NULL,
      ${q('last_attempt_time')} ${t.bigint},
      FOREIGN KEY (${q('webhook_id')}) REFERENCES ${q('registry_webhooks')} (${q('webhook_id')}) ON DELETE CASCADE
    )${o}`,
    `CREATE INDEX ${q('idx_webhook_deliveries_webhook')} ON ${q('registry_webhook_deliveries')} (${q('webhook_id')}, ${q('creation_time')})`,
  ];
}

export const registrySchema: Migration = {
  version: 2,
  name: 'registry',
  up: registryStatements,
};
