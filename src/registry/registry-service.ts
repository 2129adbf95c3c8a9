/**
 * The model registry domain: validation, source resolution, `models:/` URIs and webhook events on
 * top of a {@link RegistryStore}. Methods take decoded request values and return wire entities.
 */
import { parseRunsUri } from '../entities/artifacts.js';
import { invalidParam } from '../errors.js';
import type { ModelVersion, ModelVersionStage, RegisteredModel } from '../entities/registry.js';
import type { Filter, OrderBy } from '../search/ast.js';
import { parseSearchFilter } from '../search/parse-filter.js';
import { parseOrderByList } from '../search/parse-order-by.js';
import type { RegistryEvent, RegistryStore, TagRecord } from '../store/registry-store.js';
import { isModelUri, parseModelUri, resolveModelUri, type ModelUriRegistry } from './model-uri.js';
import { isPromptVersion } from './prompts.js';
import { resolveSource, type RegistryTrackingPort } from './source.js';
import {
  ACTIVE_STAGES,
  parseStage,
  parseVersion,
  validateAlias,
  validateDescription,
  validateModelName,
  validateTag,
} from './validation.js';
import { toWireModelVersion, toWireRegisteredModel } from './wire.js';
import { WebhookDispatcher, type DispatcherOptions } from './webhooks/dispatcher.js';
import { WebhookService } from './webhooks/webhook-service.js';
import { buildPayload, type WebhookEvent } from './webhooks/events.js';
import { decodeOffsetToken, encodeOffsetToken } from '../search/page-token.js';

export const MAX_REGISTERED_MODELS_PAGE = 1000;
export const DEFAULT_REGISTERED_MODELS_PAGE = 100;
export const MAX_MODEL_VERSIONS_PAGE = 200_000;
export const DEFAULT_MODEL_VERSIONS_PAGE = 10_000;

export interface SearchRequest {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateModelVersionRequest {
  name: string;
  source: string;
  runId?: string;
  modelId?: string;
  runLink?: string;
  description?: string;
  tags?: TagRecord[];
}

export interface RegistryServiceOptions {
  webhooks?: DispatcherOptions;
  /** A regular expression every model version source must match. */
  modelVersionSourcePattern?: string;
}

export class RegistryService implements ModelUriRegistry {
  readonly webhooks: WebhookService;
  readonly dispatcher: WebhookDispatcher;
  private readonly sourcePattern?: string;

  constructor(
    private readonly store: RegistryStore,
    private readonly tracking: RegistryTrackingPort,
    // Kept for symmetry with the other services; downloads go through the artifact layer.
    readonly artifacts?: unknown,
    options: RegistryServiceOptions = {},
  ) {
    this.dispatcher = new WebhookDispatcher(store, options.webhooks);
    this.sourcePattern = options.modelVersionSourcePattern;
    this.webhooks = new WebhookService(store, this.dispatcher, options.webhooks?.secrets ?? null);
  }

  /** An event for the webhook outbox, committed with the change; `data` builds its body. */
  private event<T = void>(
    event: WebhookEvent,
    data: (result: T) => Record<string, unknown>,
  ): RegistryEvent<T> {
    return { event, payload: (result) => JSON.stringify(buildPayload(event, data(result))) };
  }

  // ---- registered models ----

  async createRegisteredModel(
    name: string,
    description?: string,
    tags: TagRecord[] = [],
  ): Promise<RegisteredModel> {
    validateModelName(name);
    tags.forEach(validateTag);
    const model = await this.store.createRegisteredModel(
      { name, description: validateDescription(description) ?? null, tags, time: Date.now() },
      this.event('registered_model.created', (m) => ({ ...toWireRegisteredModel(m) })),
    );
    this.dispatcher.wake();
    return toWireRegisteredModel(model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return toWireRegisteredModel(await this.store.getRegisteredModel(validateModelName(name)));
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    return toWireRegisteredModel(await this.store.renameRegisteredModel(name, newName, Date.now()));
  }

  async updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    validateModelName(name);
    return toWireRegisteredModel(
      await this.store.updateRegisteredModel(name, validateDescription(description) ?? null, Date.now()),
    );
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.store.deleteRegisteredModel(validateModelName(name));
  }

  async searchRegisteredModels(
    req: SearchRequest,
  ): Promise<{ registered_models?: RegisteredModel[]; next_page_token?: string }> {
    const maxResults = pageSize(req.maxResults, DEFAULT_REGISTERED_MODELS_PAGE, MAX_REGISTERED_MODELS_PAGE);
    const filter: Filter = parseSearchFilter('registered_models', req.filter);
    const orderBy: OrderBy[] = parseOrderByList('registered_models', req.orderBy);
    const offset = decodeOffsetToken(req.pageToken);
    const page = await this.store.searchRegisteredModels({ filter, orderBy, maxResults, offset });
    const out: { registered_models?: RegisteredModel[]; next_page_token?: string } = {};
    if (page.items.length) out.registered_models = page.items.map(toWireRegisteredModel);
    if (page.hasMore) out.next_page_token = encodeOffsetToken(offset + maxResults);
    return out;
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    validateModelName(name);
    const canonical = [...new Set(stages.map(parseStage))];
    return (await this.store.getLatestVersions(name, canonical)).map((v) => toWireModelVersion(v));
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    const tag = validateTag({ key, value });
    await this.store.setRegisteredModelTag(
      name,
      tag,
      this.event('registered_model_tag.set', () => ({ name, key, value })),
    );
    this.dispatcher.wake();
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    await this.store.deleteRegisteredModelTag(
      name,
      key,
      this.event('registered_model_tag.deleted', () => ({ name, key })),
    );
    this.dispatcher.wake();
  }

  // ---- aliases ----

  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    const v = parseVersion(version);
    await this.store.setAlias(
      name,
      alias,
      v,
      this.event('model_version_alias.created', () => ({ name, alias, version: String(v) })),
    );
    this.dispatcher.wake();
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    if (!alias) throw invalidParam(`Missing value for required parameter 'alias'.`);
    await this.store.deleteAlias(
      name,
      alias,
      this.event('model_version_alias.deleted', () => ({ name, alias })),
    );
    this.dispatcher.wake();
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    if (!alias) throw invalidParam(`Missing value for required parameter 'alias'.`);
    return toWireModelVersion(await this.store.getVersionByAlias(name, alias));
  }

  // ---- model versions ----

  async createModelVersion(req: CreateModelVersionRequest): Promise<ModelVersion> {
    validateModelName(req.name);
    if (!req.source) throw invalidParam(`Missing value for required parameter 'source'.`);
    (req.tags ?? []).forEach(validateTag);
    // Fail on an unknown model before doing any source resolution work.
    const model = await this.store.getRegisteredModel(req.name);
    const resolved = isPromptVersion(req.source, req.tags, model.tags)
      ? { runId: req.runId || null, modelId: req.modelId || null, storageLocation: null }
      : await resolveSource(
          req.source,
          { runId: req.runId, modelId: req.modelId },
          this.tracking,
          {
            resolveStorage: async (uri) => {
              const target = await resolveModelUri(uri, this);
              const record = await this.store.getModelVersion(target.name, parseVersion(target.version));
              return { storageLocation: await this.storageOf(record), runId: record.runId };
            },
          },
          this.sourcePattern,
        );
    const version = await this.store.createModelVersion(
      {
        name: req.name,
        source: req.source,
        storageLocation: resolved.storageLocation,
        runId: resolved.runId,
        modelId: resolved.modelId,
        runLink: req.runLink ?? null,
        description: validateDescription(req.description) ?? null,
        tags: req.tags ?? [],
        time: Date.now(),
      },
      this.event('model_version.created', (v) => ({ ...toWireModelVersion(v) })),
    );
    this.dispatcher.wake();
    return toWireModelVersion(version);
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    validateModelName(name);
    return toWireModelVersion(await this.store.getModelVersion(name, parseVersion(version)));
  }

  async updateModelVersion(
    name: string,
    version: string | number,
    description?: string,
  ): Promise<ModelVersion> {
    validateModelName(name);
    const v = parseVersion(version);
    return toWireModelVersion(
      await this.store.updateModelVersion(name, v, validateDescription(description) ?? null, Date.now()),
    );
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    validateModelName(name);
    await this.store.deleteModelVersion(name, parseVersion(version), Date.now());
  }

  async transitionStage(
    name: string,
    version: string | number,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    validateModelName(name);
    const v = parseVersion(version);
    const target: ModelVersionStage = parseStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw invalidParam(
        `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}.`,
      );
    }
    const before = await this.store.getModelVersion(name, v);
    const updated = await this.store.transitionStage(
      name,
      v,
      target,
      archiveExistingVersions,
      Date.now(),
      this.event('model_version.stage_transitioned', () => ({
        name,
        version: String(v),
        from_stage: before.stage,
        to_stage: target,
        archive_existing_versions: archiveExistingVersions,
      })),
    );
    this.dispatcher.wake();
    return toWireModelVersion(updated);
  }

  async searchModelVersions(
    req: SearchRequest,
  ): Promise<{ model_versions?: ModelVersion[]; next_page_token?: string }> {
    const maxResults = pageSize(req.maxResults, DEFAULT_MODEL_VERSIONS_PAGE, MAX_MODEL_VERSIONS_PAGE);
    const filter = parseSearchFilter('model_versions', req.filter);
    const orderBy = parseOrderByList('model_versions', req.orderBy);
    const offset = decodeOffsetToken(req.pageToken);
    const page = await this.store.searchModelVersions({ filter, orderBy, maxResults, offset });
    const out: { model_versions?: ModelVersion[]; next_page_token?: string } = {};
    if (page.items.length) out.model_versions = page.items.map((v) => toWireModelVersion(v, false));
    if (page.hasMore) out.next_page_token = encodeOffsetToken(offset + maxResults);
    return out;
  }

  async setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void> {
    validateModelName(name);
    const v = parseVersion(version);
    const tag = validateTag({ key, value });
    await this.store.setModelVersionTag(
      name,
      v,
      tag,
      this.event('model_version_tag.set', () => ({ name, version: String(v), key, value })),
    );
    this.dispatcher.wake();
  }

  async deleteModelVersionTag(name: string, version: string | number, key: string): Promise<void> {
    validateModelName(name);
    const v = parseVersion(version);
    await this.store.deleteModelVersionTag(
      name,
      v,
      key,
      this.event('model_version_tag.deleted', () => ({ name, version: String(v), key })),
    );
    this.dispatcher.wake();
  }

  // ---- downloads ----

  /**
   * The `artifact_uri` of `model-versions/get-download-uri`: the source as registered (e.g.
   * `runs:/<id>/model`, `mlflow-artifacts:/...`), or the resolved location for `models:/` sources.
   */
  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    validateModelName(name);
    const record = await this.store.getModelVersion(name, parseVersion(version));
    return record.storageLocation ?? record.source;
  }

  /**
   * Where the version's files actually are: like {@link getModelVersionDownloadUri}, with `runs:/`
   * also resolved through the run's artifact root (so the result is a storage URI or path).
   */
  async resolveModelVersionArtifactUri(name: string, version: string | number): Promise<string> {
    validateModelName(name);
    return this.storageOf(await this.store.getModelVersion(name, parseVersion(version)));
  }

  /** Resolves any `models:/` URI to a storage URI (plus the sub-path it named). */
  async resolveModelUriToArtifactUri(uri: string): Promise<string> {
    const parsed = parseModelUri(uri);
    let base: string;
    if (parsed.kind === 'logged-model') {
      base = (await this.tracking.getLoggedModel(parsed.modelId)).info.artifact_uri;
    } else {
      const v = await resolveModelUri(uri, this);
      base = await this.resolveModelVersionArtifactUri(v.name, v.version);
    }
    return parsed.subpath ? `${base.replace(/\/+$/, '')}/${parsed.subpath}` : base;
  }

  /** Resolves a `models:/` URI to its registered model version. */
  resolveModelUri(uri: string): Promise<ModelVersion> {
    return resolveModelUri(uri, this);
  }

  private async storageOf(record: { source: string; storageLocation: string | null }): Promise<string> {
    if (record.storageLocation) return record.storageLocation;
    const m = parseRunsUri(record.source);
    if (m) {
      const run = await this.tracking.getRun(m.runId);
      const root = run.info.artifact_uri.replace(/\/+$/, '');
      return m.path ? `${root}/${m.path}` : root;
    }
    if (isModelUri(record.source)) return this.resolveModelUriToArtifactUri(record.source);
    return record.source;
  }

  /** Stops webhook retries and waits briefly for deliveries in flight. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function pageSize(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidParam(
      `Invalid value ${value} for parameter 'max_results' supplied: it must be between 1 and ${max}.`,
    );
  }
  return value;
}
