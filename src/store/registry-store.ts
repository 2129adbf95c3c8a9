/**
 * Persistence interface of the model registry. Records are plain data in storage shape (versions
 * as numbers, nulls for unset fields); the service turns them into wire entities.
 */
import type { ModelVersionStage, ModelVersionStatus } from '../entities/registry.js';
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

export interface ModelVersionRecord {
  name: string;
  version: number;
  creationTime: number;
  lastUpdatedTime: number;
  description: string | null;
  userId: string | null;
  stage: ModelVersionStage;
  source: string;
  /** Where the files live when `source` is an indirection that was resolved at creation. */
  storageLocation: string | null;
  runId: string | null;
  runLink: string | null;
  modelId: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  tags: TagRecord[];
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

export interface RegistryStore {
  createRegisteredModel(input: NewRegisteredModel): Promise<RegisteredModelRecord>;
  getRegisteredModel(name: string): Promise<RegisteredModelRecord>;
  renameRegisteredModel(name: string, newName: string, time: number): Promise<RegisteredModelRecord>;
  updateRegisteredModel(
    name: string,
    description: string | null,
    time: number,
  ): Promise<RegisteredModelRecord>;
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(query: SearchQuery): Promise<SearchPage<RegisteredModelRecord>>;
  setRegisteredModelTag(name: string, tag: TagRecord): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  /** Latest version per stage (all stages when `stages` is empty). */
  getLatestVersions(name: string, stages: ModelVersionStage[]): Promise<ModelVersionRecord[]>;

  setAlias(name: string, alias: string, version: number): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  getVersionByAlias(name: string, alias: string): Promise<ModelVersionRecord>;

  createModelVersion(input: NewModelVersion): Promise<ModelVersionRecord>;
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
  ): Promise<ModelVersionRecord>;
  searchModelVersions(query: SearchQuery): Promise<SearchPage<ModelVersionRecord>>;
  setModelVersionTag(name: string, version: number, tag: TagRecord): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void>;

  createWebhook(webhook: WebhookRecord): Promise<WebhookRecord>;
  getWebhook(webhookId: string): Promise<WebhookRecord>;
  listWebhooks(): Promise<WebhookRecord[]>;
  updateWebhook(webhookId: string, update: WebhookUpdate): Promise<WebhookRecord>;
  deleteWebhook(webhookId: string): Promise<void>;
  insertDelivery(delivery: DeliveryRecord): Promise<void>;
  updateDelivery(
    deliveryId: string,
    update: Pick<DeliveryRecord, 'status' | 'attempts' | 'responseStatus' | 'error' | 'lastAttemptTime'>,
  ): Promise<void>;
  listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]>;
}
