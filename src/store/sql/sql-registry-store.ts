/**
 * The model registry on SQL (SQLite, PostgreSQL, MySQL/MariaDB). Every write is one transaction;
 * reads of a page complete it with a fixed number of bulk queries.
 */
import { alreadyExists, invalidParam, notFound } from '../../errors.js';
import { dedupeTags, isUniqueViolation, modelNotFound, versionNotFound } from './registry/errors.js';
import type { ModelVersionStage } from '../../entities/registry.js';
import type {
  DeliveryRecord,
  ModelVersionRecord,
  NewModelVersion,
  DeliveryAttempt,
  DeliveryOutcome,
  NewRegisteredModel,
  RegisteredModelRecord,
  RegistryEvent,
  RegistryStore,
  SearchPage,
  SearchQuery,
  TagRecord,
  WebhookRecord,
  WebhookUpdate,
} from '../registry-store.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import {
  completeModels,
  completeVersions,
  latestPerStage,
  MODEL_COLUMNS,
  modelFromRow,
  VERSION_COLUMNS,
  versionFromRow,
} from './registry/rows.js';
import { compileSearch } from './registry/search-sql.js';
import { WebhookSql } from './registry/webhook-sql.js';
import { enqueueDeliveries, OutboxSql } from './registry/outbox-sql.js';

export { isUniqueViolation, modelNotFound, versionNotFound } from './registry/errors.js';

export class SqlRegistryStore implements RegistryStore {
  private readonly webhooks: WebhookSql;
  private readonly outbox: OutboxSql;

  constructor(private readonly db: SqlDatabase) {
    this.webhooks = new WebhookSql(db);
    this.outbox = new OutboxSql(db);
  }

  /** Puts `event` about `name` in the webhook outbox, inside the caller's transaction. */
  private async emit<T>(
    tx: SqlExecutor,
    name: string,
    event: RegistryEvent<T> | undefined,
    result: () => Promise<T>,
  ): Promise<void> {
    if (event)
      await enqueueDeliveries(tx, this.db, event.event, name, event.payload(await result()), Date.now());
  }

  private get q(): (n: string) => string {
    return this.db.dialect.id;
  }

  private async modelRow(ex: SqlExecutor, name: string): Promise<RegisteredModelRecord> {
    const q = this.q;
    const rows = await ex.query(
      `SELECT ${MODEL_COLUMNS.map(q).join(', ')} FROM ${q('registered_models')} WHERE ${q('name')} = ?`,
      [name],
    );
    if (!rows[0]) throw modelNotFound(name);
    return modelFromRow(rows[0]);
  }

  private async versionRow(ex: SqlExecutor, name: string, version: number): Promise<ModelVersionRecord> {
    const q = this.q;
    const rows = await ex.query(
      `SELECT ${VERSION_COLUMNS.map(q).join(', ')} FROM ${q('model_versions')} WHERE ${q('name')} = ? AND ${q('version')} = ?`,
      [name, version],
    );
    if (!rows[0]) throw versionNotFound(name, version);
    return versionFromRow(rows[0]);
  }

  private async fullModel(ex: SqlExecutor, name: string): Promise<RegisteredModelRecord> {
    const model = await this.modelRow(ex, name);
    await completeModels(ex, this.q, [model]);
    return model;
  }

  private async fullVersion(ex: SqlExecutor, name: string, version: number): Promise<ModelVersionRecord> {
    const v = await this.versionRow(ex, name, version);
    await completeVersions(ex, this.q, [v]);
    return v;
  }

  private async touchModel(ex: SqlExecutor, name: string, time: number): Promise<void> {
    const q = this.q;
    await ex.run(
      `UPDATE ${q('registered_models')} SET ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
      [time, name],
    );
  }

  async createRegisteredModel(
    input: NewRegisteredModel,
    event?: RegistryEvent<RegisteredModelRecord>,
  ): Promise<RegisteredModelRecord> {
    const q = this.q;
    const exists = () => alreadyExists(`Registered Model (name=${input.name}) already exists.`);
    try {
      await this.db.transaction(async (tx) => {
        const found = await tx.query(`SELECT 1 AS x FROM ${q('registered_models')} WHERE ${q('name')} = ?`, [
          input.name,
        ]);
        if (found.length) throw exists();
        await tx.run(
          `INSERT INTO ${q('registered_models')} (${q('name')}, ${q('creation_time')}, ${q('last_updated_time')}, ${q('description')}, ${q('user_id')}, ${q('next_version')}) VALUES (?, ?, ?, ?, ?, 1)`,
          [input.name, input.time, input.time, input.description ?? null, input.userId ?? null],
        );
        const tags = dedupeTags(input.tags ?? []);
        if (tags.length) {
          await tx.run(
            `INSERT INTO ${q('registered_model_tags')} (${q('name')}, ${q('key')}, ${q('value')}) VALUES ${tags.map(() => '(?, ?, ?)').join(', ')}`,
            tags.flatMap((t) => [input.name, t.key, t.value]),
          );
        }
        await this.emit(tx, input.name, event, () => this.fullModel(tx, input.name));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
    return this.getRegisteredModel(input.name);
  }

  getRegisteredModel(name: string): Promise<RegisteredModelRecord> {
    return this.fullModel(this.db, name);
  }

  async renameRegisteredModel(name: string, newName: string, time: number): Promise<RegisteredModelRecord> {
    const q = this.q;
    const exists = () => alreadyExists(`Registered Model (name=${newName}) already exists.`);
    if (name === newName) return this.getRegisteredModel(name);
    try {
      await this.db.transaction(async (tx) => {
        await this.modelRow(tx, name);
        const taken = await tx.query(`SELECT 1 AS x FROM ${q('registered_models')} WHERE ${q('name')} = ?`, [
          newName,
        ]);
        if (taken.length) throw exists();
        // Child rows follow through ON UPDATE CASCADE.
        await tx.run(
          `UPDATE ${q('registered_models')} SET ${q('name')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
          [newName, time, name],
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
    return this.getRegisteredModel(newName);
  }

  async updateRegisteredModel(
    name: string,
    description: string | null,
    time: number,
  ): Promise<RegisteredModelRecord> {
    const q = this.q;
    const res = await this.db.run(
      `UPDATE ${q('registered_models')} SET ${q('description')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
      [description, time, name],
    );
    if (res.changes === 0) throw modelNotFound(name);
    return this.getRegisteredModel(name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      // Children are removed explicitly (deepest first) so the result does not depend on the
      // foreign-key enforcement setting of the connection.
      for (const table of [
        'registered_model_aliases',
        'model_version_tags',
        'model_versions',
        'registered_model_tags',
        'registered_models',
      ]) {
        await tx.run(`DELETE FROM ${q(table)} WHERE ${q('name')} = ?`, [name]);
      }
    });
  }

  async searchRegisteredModels(query: SearchQuery): Promise<SearchPage<RegisteredModelRecord>> {
    const q = this.q;
    const c = compileSearch(this.db.dialect, 'registered_models', 'rm', query.filter, query.orderBy);
    const rows = await this.db.query(
      `SELECT ${MODEL_COLUMNS.map((col) => `rm.${q(col)}`).join(', ')} FROM ${q('registered_models')} rm ${c.where} ${c.orderBy} LIMIT ${query.maxResults + 1} OFFSET ${query.offset}`,
      c.params,
    );
    const hasMore = rows.length > query.maxResults;
    const models = rows.slice(0, query.maxResults).map(modelFromRow);
    await completeModels(this.db, q, models);
    return { items: models, hasMore };
  }

  async setRegisteredModelTag(name: string, tag: TagRecord, event?: RegistryEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run(
        this.db.dialect.upsert('registered_model_tags', ['name', 'key', 'value'], ['name', 'key']),
        [name, tag.key, tag.value],
      );
      await this.emit(tx, name, event, async () => undefined);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string, event?: RegistryEvent): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run(`DELETE FROM ${q('registered_model_tags')} WHERE ${q('name')} = ? AND ${q('key')} = ?`, [
        name,
        key,
      ]);
      await this.emit(tx, name, event, async () => undefined);
    });
  }

  async getLatestVersions(name: string, stages: ModelVersionStage[]): Promise<ModelVersionRecord[]> {
    const q = this.q;
    await this.modelRow(this.db, name);
    const rows = await this.db.query(
      `SELECT ${VERSION_COLUMNS.map(q).join(', ')} FROM ${q('model_versions')} WHERE ${q('name')} = ?`,
      [name],
    );
    const latest = latestPerStage(rows.map(versionFromRow));
    const wanted = stages.length ? latest.filter((v) => stages.includes(v.stage)) : latest;
    return completeVersions(this.db, q, wanted);
  }

  async setAlias(name: string, alias: string, version: number, event?: RegistryEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await this.versionRow(tx, name, version);
      await tx.run(
        this.db.dialect.upsert('registered_model_aliases', ['name', 'alias', 'version'], ['name', 'alias']),
        [name, alias, version],
      );
      await this.emit(tx, name, event, async () => undefined);
    });
  }

  async deleteAlias(name: string, alias: string, event?: RegistryEvent): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run(
        `DELETE FROM ${q('registered_model_aliases')} WHERE ${q('name')} = ? AND ${q('alias')} = ?`,
        [name, alias],
      );
      await this.emit(tx, name, event, async () => undefined);
    });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersionRecord> {
    const q = this.q;
    await this.modelRow(this.db, name);
    const rows = await this.db.query(
      `SELECT ${q('version')} FROM ${q('registered_model_aliases')} WHERE ${q('name')} = ? AND ${q('alias')} = ?`,
      [name, alias],
    );
    if (!rows[0]) throw notFound(`Registered model alias ${alias} not found for model '${name}'.`);
    return this.fullVersion(this.db, name, Number(rows[0].version));
  }

  async createModelVersion(
    input: NewModelVersion,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord> {
    const q = this.q;
    const version = await this.db.transaction(async (tx) => {
      // The UPDATE takes the model's row lock (PostgreSQL, MySQL) or the write lock (SQLite), so
      // concurrent creators are serialized on the counter and each gets a distinct number.
      const bumped = await tx.run(
        `UPDATE ${q('registered_models')} SET ${q('next_version')} = ${q('next_version')} + 1, ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
        [input.time, input.name],
      );
      if (bumped.changes === 0) throw modelNotFound(input.name);
      const rows = await tx.query(
        `SELECT ${q('next_version')} FROM ${q('registered_models')} WHERE ${q('name')} = ?`,
        [input.name],
      );
      const v = Number(rows[0]?.next_version) - 1;
      if (!Number.isInteger(v) || v < 1)
        throw invalidParam(`Could not allocate a version for model '${input.name}'.`);
      await tx.run(
        `INSERT INTO ${q('model_versions')} (${VERSION_COLUMNS.map(q).join(', ')}) VALUES (${VERSION_COLUMNS.map(() => '?').join(', ')})`,
        [
          input.name,
          v,
          input.time,
          input.time,
          input.description ?? null,
          input.userId ?? null,
          'None',
          input.source,
          input.storageLocation ?? null,
          input.runId ?? null,
          input.runLink ?? null,
          input.modelId ?? null,
          'READY',
          null,
        ],
      );
      const tags = dedupeTags(input.tags ?? []);
      if (tags.length) {
        await tx.run(
          `INSERT INTO ${q('model_version_tags')} (${q('name')}, ${q('version')}, ${q('key')}, ${q('value')}) VALUES ${tags.map(() => '(?, ?, ?, ?)').join(', ')}`,
          tags.flatMap((t) => [input.name, v, t.key, t.value]),
        );
      }
      await this.emit(tx, input.name, event, () => this.fullVersion(tx, input.name, v));
      return v;
    });
    return this.getModelVersion(input.name, version);
  }

  getModelVersion(name: string, version: number): Promise<ModelVersionRecord> {
    return this.fullVersion(this.db, name, version);
  }

  async updateModelVersion(
    name: string,
    version: number,
    description: string | null,
    time: number,
  ): Promise<ModelVersionRecord> {
    const q = this.q;
    const res = await this.db.run(
      `UPDATE ${q('model_versions')} SET ${q('description')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ? AND ${q('version')} = ?`,
      [description, time, name, version],
    );
    if (res.changes === 0) throw versionNotFound(name, version);
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: number, time: number): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await this.versionRow(tx, name, version);
      const where = `WHERE ${q('name')} = ? AND ${q('version')} = ?`;
      await tx.run(`DELETE FROM ${q('registered_model_aliases')} ${where}`, [name, version]);
      await tx.run(`DELETE FROM ${q('model_version_tags')} ${where}`, [name, version]);
      await tx.run(`DELETE FROM ${q('model_versions')} ${where}`, [name, version]);
      await this.touchModel(tx, name, time);
    });
  }

  async transitionStage(
    name: string,
    version: number,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    time: number,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await this.versionRow(tx, name, version);
      if (archiveExisting) {
        await tx.run(
          `UPDATE ${q('model_versions')} SET ${q('current_stage')} = 'Archived', ${q('last_updated_time')} = ? WHERE ${q('name')} = ? AND ${q('current_stage')} = ? AND ${q('version')} <> ?`,
          [time, name, stage, version],
        );
      }
      await tx.run(
        `UPDATE ${q('model_versions')} SET ${q('current_stage')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ? AND ${q('version')} = ?`,
        [stage, time, name, version],
      );
      await this.touchModel(tx, name, time);
      await this.emit(tx, name, event, () => this.fullVersion(tx, name, version));
    });
    return this.getModelVersion(name, version);
  }

  async searchModelVersions(query: SearchQuery): Promise<SearchPage<ModelVersionRecord>> {
    const q = this.q;
    const c = compileSearch(this.db.dialect, 'model_versions', 'mv', query.filter, query.orderBy);
    const rows = await this.db.query(
      `SELECT ${VERSION_COLUMNS.map((col) => `mv.${q(col)}`).join(', ')} FROM ${q('model_versions')} mv ${c.where} ${c.orderBy} LIMIT ${query.maxResults + 1} OFFSET ${query.offset}`,
      c.params,
    );
    const hasMore = rows.length > query.maxResults;
    const versions = rows.slice(0, query.maxResults).map(versionFromRow);
    await completeVersions(this.db, q, versions);
    return { items: versions, hasMore };
  }

  async setModelVersionTag(
    name: string,
    version: number,
    tag: TagRecord,
    event?: RegistryEvent,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.versionRow(tx, name, version);
      await tx.run(
        this.db.dialect.upsert(
          'model_version_tags',
          ['name', 'version', 'key', 'value'],
          ['name', 'version', 'key'],
        ),
        [name, version, tag.key, tag.value],
      );
      await this.emit(tx, name, event, async () => undefined);
    });
  }

  async deleteModelVersionTag(
    name: string,
    version: number,
    key: string,
    event?: RegistryEvent,
  ): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await this.versionRow(tx, name, version);
      await tx.run(
        `DELETE FROM ${q('model_version_tags')} WHERE ${q('name')} = ? AND ${q('version')} = ? AND ${q('key')} = ?`,
        [name, version, key],
      );
      await this.emit(tx, name, event, async () => undefined);
    });
  }

  createWebhook(webhook: WebhookRecord): Promise<WebhookRecord> {
    return this.webhooks.create(webhook);
  }
  getWebhook(webhookId: string): Promise<WebhookRecord> {
    return this.webhooks.get(webhookId);
  }
  listWebhooks(): Promise<WebhookRecord[]> {
    return this.webhooks.list();
  }
  updateWebhook(webhookId: string, update: WebhookUpdate): Promise<WebhookRecord> {
    return this.webhooks.update(webhookId, update);
  }
  deleteWebhook(webhookId: string): Promise<void> {
    return this.webhooks.delete(webhookId);
  }
  insertDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.webhooks.insertDelivery(delivery);
  }
  claimDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    return this.outbox.claimDeliveries(owner, now, leaseMs, limit);
  }
  finishAttempt(owner: string, attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<boolean> {
    return this.outbox.finishAttempt(owner, attempt, outcome);
  }
  pendingDeliveries(): Promise<number> {
    return this.outbox.pendingDeliveries();
  }
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return this.outbox.listAttempts(deliveryId);
  }
  listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return this.webhooks.listDeliveries(webhookId, limit);
  }
}
