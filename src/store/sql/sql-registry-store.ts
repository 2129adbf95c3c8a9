/**
 * The model registry on SQL (SQLite, PostgreSQL, MySQL/MariaDB): registered models, versions and
 * webhooks each have their own module under registry/; this class puts them behind the
 * RegistryStore interface. Every write is one transaction; reads of a page complete it with a
 * fixed number of bulk queries.
 */
import type { ModelVersionStage } from '../../entities/registry.js';
import type {
  DeliveryAttempt,
  DeliveryOutcome,
  DeliveryRecord,
  ModelVersionRecord,
  NewModelVersion,
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
import type { SqlDatabase } from './database.js';
import { RegisteredModelSql } from './registry/model-sql.js';
import { ModelVersionSql } from './registry/version-sql.js';
import { WebhookSql } from './registry/webhook-sql.js';
import { OutboxSql } from './registry/outbox-sql.js';

export class SqlRegistryStore implements RegistryStore {
  private readonly models: RegisteredModelSql;
  private readonly versions: ModelVersionSql;
  private readonly webhooks: WebhookSql;
  private readonly outbox: OutboxSql;

  constructor(db: SqlDatabase) {
    this.outbox = new OutboxSql(db);
    this.models = new RegisteredModelSql(db);
    this.versions = new ModelVersionSql(db);
    this.webhooks = new WebhookSql(db);
  }

  createRegisteredModel(
    input: NewRegisteredModel,
    event?: RegistryEvent<RegisteredModelRecord>,
  ): Promise<RegisteredModelRecord> {
    return this.models.createRegisteredModel(input, event);
  }

  getRegisteredModel(name: string): Promise<RegisteredModelRecord> {
    return this.models.getRegisteredModel(name);
  }

  renameRegisteredModel(name: string, newName: string, time: number): Promise<RegisteredModelRecord> {
    return this.models.renameRegisteredModel(name, newName, time);
  }

  updateRegisteredModel(
    name: string,
    description: string | null,
    time: number,
  ): Promise<RegisteredModelRecord> {
    return this.models.updateRegisteredModel(name, description, time);
  }

  deleteRegisteredModel(name: string): Promise<void> {
    return this.models.deleteRegisteredModel(name);
  }

  searchRegisteredModels(query: SearchQuery): Promise<SearchPage<RegisteredModelRecord>> {
    return this.models.searchRegisteredModels(query);
  }

  setRegisteredModelTag(name: string, tag: TagRecord, event?: RegistryEvent): Promise<void> {
    return this.models.setRegisteredModelTag(name, tag, event);
  }

  deleteRegisteredModelTag(name: string, key: string, event?: RegistryEvent): Promise<void> {
    return this.models.deleteRegisteredModelTag(name, key, event);
  }

  setAlias(name: string, alias: string, version: number, event?: RegistryEvent): Promise<void> {
    return this.models.setAlias(name, alias, version, event);
  }

  deleteAlias(name: string, alias: string, event?: RegistryEvent): Promise<void> {
    return this.models.deleteAlias(name, alias, event);
  }

  getLatestVersions(name: string, stages: ModelVersionStage[]): Promise<ModelVersionRecord[]> {
    return this.versions.getLatestVersions(name, stages);
  }

  getVersionByAlias(name: string, alias: string): Promise<ModelVersionRecord> {
    return this.versions.getVersionByAlias(name, alias);
  }

  createModelVersion(
    input: NewModelVersion,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord> {
    return this.versions.createModelVersion(input, event);
  }

  getModelVersion(name: string, version: number): Promise<ModelVersionRecord> {
    return this.versions.getModelVersion(name, version);
  }

  updateModelVersion(
    name: string,
    version: number,
    description: string | null,
    time: number,
  ): Promise<ModelVersionRecord> {
    return this.versions.updateModelVersion(name, version, description, time);
  }

  deleteModelVersion(name: string, version: number, time: number): Promise<void> {
    return this.versions.deleteModelVersion(name, version, time);
  }

  transitionStage(
    name: string,
    version: number,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    time: number,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord> {
    return this.versions.transitionStage(name, version, stage, archiveExisting, time, event);
  }

  searchModelVersions(query: SearchQuery): Promise<SearchPage<ModelVersionRecord>> {
    return this.versions.searchModelVersions(query);
  }

  setModelVersionTag(name: string, version: number, tag: TagRecord, event?: RegistryEvent): Promise<void> {
    return this.versions.setModelVersionTag(name, version, tag, event);
  }

  deleteModelVersionTag(name: string, version: number, key: string, event?: RegistryEvent): Promise<void> {
    return this.versions.deleteModelVersionTag(name, version, key, event);
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
