/**
 * Persistence interface of the model registry. Records are plain data in storage shape (versions
 * as numbers, nulls for unset fields); the service turns them into wire entities.
 */
import type { ModelVersionData } from '../entities/migration.js';
import type { ModelVersionStage } from '../entities/registry.js';
import type { DeliveryStatus, WebhookStatus } from '../entities/webhooks.js';
import type { Filter, OrderBy } from '../search/ast.js';

export interface TagRecord {
  key: string;
  value: string;
}

export interface AliasRecord {
  alias: string;
  version: number;
}

/** A stored model version: its data (as imports carry it) plus the model's name and the version's aliases. */
export interface ModelVersionRecord extends ModelVersionData {
  name: string;
  /** Alias names pointing at this version, sorted. */
  aliases: string[];
}

export interface RegisteredModelRecord {
  name: string;
  creationTime: number;
  lastUpdatedTime: number;
  description: string | null;
  userId: string | null;
  tags: TagRecord[];
  /** Sorted by alias. */
  aliases: AliasRecord[];
  /** The newest version of each stage present, in order of each stage's first version. */
  latestVersions: ModelVersionRecord[];
}

export interface NewRegisteredModel {
  name: string;
  description?: string | null;
  tags?: TagRecord[];
  userId?: string | null;
  time: number;
}

export interface NewModelVersion {
  name: string;
  source: string;
  storageLocation?: string | null;
  runId?: string | null;
  runLink?: string | null;
  modelId?: string | null;
  description?: string | null;
  tags?: TagRecord[];
  userId?: string | null;
  time: number;
}

export interface SearchQuery {
  filter: Filter;
  orderBy: OrderBy[];
  maxResults: number;
  offset: number;
}

export interface SearchPage<T> {
  items: T[];
  /** True when more results follow this page. */
  hasMore: boolean;
}

export type { DeliveryStatus, WebhookStatus } from '../entities/webhooks.js';

export interface WebhookRecord {
  webhookId: string;
  name: string;
  url: string;
  events: string[];
  /** When set, only events of this registered model are delivered. */
  modelName: string | null;
  description: string | null;
  secret: string | null;
  status: WebhookStatus;
  creationTime: number;
  lastUpdatedTime: number;
}

export interface WebhookUpdate {
  name?: string;
  url?: string;
  events?: string[];
  modelName?: string | null;
  description?: string | null;
  secret?: string | null;
  status?: WebhookStatus;
  time: number;
}

export interface DeliveryRecord {
  deliveryId: string;
  webhookId: string;
  event: string;
  modelName: string | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  creationTime: number;
  lastAttemptTime: number | null;
}

/**
 * A registry event to put in the webhook outbox in the same transaction as the change that causes
 * it. `payload` builds the JSON body from the change's result (read inside the transaction).
 */
export interface RegistryEvent<T = void> {
  event: string;
  payload(result: T): string;
}

/** Outcome of one delivery attempt, recorded whatever it was. */
export interface DeliveryAttempt {
  deliveryId: string;
  attempt: number;
  startedTime: number;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
  instanceId: string;
}

/** What becomes of a claimed delivery after an attempt. */
export interface DeliveryOutcome {
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  lastAttemptTime: number;
  /** When a PENDING delivery may be tried again. */
  nextAttemptTime: number;
}

/** The durable webhook outbox, shared by every server instance on one database. */
export interface WebhookOutbox {
  /**
   * Leases up to `limit` due deliveries to `owner` until `now + leaseMs`. Only the oldest
   * unfinished delivery of each (webhook, model) is ever due, so a model's events go out in order.
   */
  claimDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** Records an attempt and the new state; ignored when `owner` no longer holds the lease. */
  finishAttempt(owner: string, attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<boolean>;
  /** Deliveries not yet finished (sent or given up). */
  pendingDeliveries(): Promise<number>;
  /** Attempts of one delivery, oldest first. */
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]>;
}

export interface RegistryStore extends WebhookOutbox {
  createRegisteredModel(
    input: NewRegisteredModel,
    event?: RegistryEvent<RegisteredModelRecord>,
  ): Promise<RegisteredModelRecord>;
  getRegisteredModel(name: string): Promise<RegisteredModelRecord>;
  renameRegisteredModel(name: string, newName: string, time: number): Promise<RegisteredModelRecord>;
  updateRegisteredModel(
    name: string,
    description: string | null,
    time: number,
  ): Promise<RegisteredModelRecord>;
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(query: SearchQuery): Promise<SearchPage<RegisteredModelRecord>>;
  setRegisteredModelTag(name: string, tag: TagRecord, event?: RegistryEvent): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string, event?: RegistryEvent): Promise<void>;
  /** Latest version per stage (all stages when `stages` is empty). */
  getLatestVersions(name: string, stages: ModelVersionStage[]): Promise<ModelVersionRecord[]>;

  setAlias(name: string, alias: string, version: number, event?: RegistryEvent): Promise<void>;
  deleteAlias(name: string, alias: string, event?: RegistryEvent): Promise<void>;
  getVersionByAlias(name: string, alias: string): Promise<ModelVersionRecord>;

  createModelVersion(
    input: NewModelVersion,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord>;
  getModelVersion(name: string, version: number): Promise<ModelVersionRecord>;
  updateModelVersion(
    name: string,
    version: number,
    description: string | null,
    time: number,
  ): Promise<ModelVersionRecord>;
  deleteModelVersion(name: string, version: number, time: number): Promise<void>;
  transitionStage(
    name: string,
    version: number,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    time: number,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord>;
  searchModelVersions(query: SearchQuery): Promise<SearchPage<ModelVersionRecord>>;
  setModelVersionTag(name: string, version: number, tag: TagRecord, event?: RegistryEvent): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string, event?: RegistryEvent): Promise<void>;

  createWebhook(webhook: WebhookRecord): Promise<WebhookRecord>;
  getWebhook(webhookId: string): Promise<WebhookRecord>;
  listWebhooks(): Promise<WebhookRecord[]>;
  updateWebhook(webhookId: string, update: WebhookUpdate): Promise<WebhookRecord>;
  deleteWebhook(webhookId: string): Promise<void>;
  /** Records a delivery that was already attempted (test deliveries). */
  insertDelivery(delivery: DeliveryRecord): Promise<void>;
  listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]>;
}
