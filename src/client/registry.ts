/**
 * SDK for the model registry: registered models, versions, aliases, stages, tags, webhooks,
 * `models:/` resolution and model downloads. Exposed through `cairn.registry` (see registry-api.ts).
 *
 * @example
 * const registry = new RegistryClient('http://127.0.0.1:5000');
 * const v = await registry.registerModel(`runs:/${runId}/model`, 'fraud');
 * await registry.setAlias('fraud', 'champion', v.version);
 * const dir = await registry.downloadModel('models:/fraud@champion', './serving');
 */
import { resolve } from 'node:path';
import type { ModelVersion, ModelVersionStage, RegisteredModel } from '../entities/registry.js';
import type { Tag } from '../entities/tracking.js';
import { MlflowError } from '../errors.js';
import { isModelUri, parseModelUri, resolveModelUri, type ModelUriRegistry } from '../registry/model-uri.js';
import { downloadArtifactUri, type TransferOptions } from '../artifacts/transfer.js';
import { parseRunsUri } from '../entities/artifacts.js';
import type { RepositoryOptions } from '../artifacts/repository-registry.js';
import type { RequestOptions, TransportOptions } from './http.js';
import { TrackingClient, paginate } from './tracking-client.js';
import type { Paged } from './tracking-types.js';
import { RegistryWebhooksClient } from './registry-webhooks.js';

/** How many `models:/` sources pointing at other `models:/` URIs are followed. */
const MAX_MODEL_URI_HOPS = 5;

export interface SearchRegistryRequest {
  filter?: string;
  max_results?: number;
  order_by?: string[];
  page_token?: string;
}

export interface CreateModelVersionOptions {
  run_id?: string;
  model_id?: string;
  run_link?: string;
  description?: string;
  tags?: Tag[] | Record<string, string>;
}

const asTags = (tags: Tag[] | Record<string, string> | undefined): Tag[] | undefined =>
  tags === undefined
    ? undefined
    : Array.isArray(tags)
      ? tags
      : Object.entries(tags).map(([key, value]) => ({ key, value: String(value) }));

/** Older servers send int64 as strings; the SDK always hands out numbers. */
function normalizeVersion(v: ModelVersion): ModelVersion {
  return {
    ...v,
    version: String(v.version),
    creation_timestamp: Number(v.creation_timestamp),
    last_updated_timestamp: Number(v.last_updated_timestamp),
  };
}

function normalizeModel(m: RegisteredModel): RegisteredModel {
  const out: RegisteredModel = {
    ...m,
    creation_timestamp: Number(m.creation_timestamp),
    last_updated_timestamp: Number(m.last_updated_timestamp),
  };
  if (m.latest_versions) out.latest_versions = m.latest_versions.map(normalizeVersion);
  return out;
}

export class RegistryClient implements ModelUriRegistry {
  readonly tracking: TrackingClient;
  /** Webhook registration and delivery log. */
  readonly webhooks: RegistryWebhooksClient;

  /** `client` is a tracking client or the server URL (e.g. `http://127.0.0.1:5000`). */
  constructor(client: TrackingClient | string, options: TransportOptions = {}) {
    this.tracking = typeof client === 'string' ? new TrackingClient(client, options) : client;
    this.webhooks = new RegistryWebhooksClient(this.tracking);
  }

  private call<T>(method: string, path: string, payload?: Record<string, unknown>): Promise<T> {
    const clean = payload
      ? (Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)) as Record<
          string,
          unknown
        >)
      : undefined;
    if (method === 'GET') {
      return this.tracking.http.json<T>('GET', path, {
        query: clean as RequestOptions['query'],
        idempotent: true,
      });
    }
    return this.tracking.http.json<T>(method, path, { body: clean ?? {} });
  }

  // ---- registered models ----

  /** Creates a registered model. @example await registry.createRegisteredModel('fraud', { description: 'card fraud' }) */
  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Tag[] | Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    const r = await this.call<{ registered_model: RegisteredModel }>('POST', 'registered-models/create', {
      name,
      description: options.description,
      tags: asTags(options.tags),
    });
    return normalizeModel(r.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const r = await this.call<{ registered_model: RegisteredModel }>('GET', 'registered-models/get', {
      name,
    });
    return normalizeModel(r.registered_model);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const r = await this.call<{ registered_model: RegisteredModel }>('POST', 'registered-models/rename', {
      name,
      new_name: newName,
    });
    return normalizeModel(r.registered_model);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const r = await this.call<{ registered_model: RegisteredModel }>('PATCH', 'registered-models/update', {
      name,
      description,
    });
    return normalizeModel(r.registered_model);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { name });
  }

  /** One page of registered models, shaped like every search page of the SDK. */
  async searchRegisteredModels(req: SearchRegistryRequest = {}): Promise<Paged<RegisteredModel>> {
    const r = await this.call<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
      'GET',
      'registered-models/search',
      { ...req },
    );
    return {
      items: (r.registered_models ?? []).map(normalizeModel),
      next_page_token: r.next_page_token || undefined,
    };
  }

  /** Every registered model matching `req`, page by page. */
  iterRegisteredModels(req: Omit<SearchRegistryRequest, 'page_token'> = {}): AsyncGenerator<RegisteredModel> {
    return paginate((page_token) => this.searchRegisteredModels({ ...req, page_token }));
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    const r = await this.call<{ model_versions?: ModelVersion[] }>(
      'POST',
      'registered-models/get-latest-versions',
      {
        name,
        stages,
      },
    );
    return (r.model_versions ?? []).map(normalizeVersion);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'registered-models/set-tag', { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete-tag', { name, key });
  }

  // ---- aliases ----

  /** Points `alias` at a version (moving it if it pointed elsewhere). @example await registry.setAlias('fraud', 'champion', 3) */
  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version: String(version) });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>('GET', 'registered-models/alias', {
      name,
      alias,
    });
    return normalizeVersion(r.model_version);
  }

  // ---- model versions ----

  async createModelVersion(
    name: string,
    source: string,
    options: CreateModelVersionOptions = {},
  ): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
      name,
      source,
      run_id: options.run_id,
      model_id: options.model_id,
      run_link: options.run_link,
      description: options.description,
      tags: asTags(options.tags),
    });
    return normalizeVersion(r.model_version);
  }

  /**
   * Registers the model at `modelUri` (`runs:/<run_id>/<path>`, a storage URI or `models:/...`)
   * as a new version of `name`, creating the registered model first if needed.
   * @example const v = await registry.registerModel(`runs:/${runId}/model`, 'fraud', { tags: { data: 'v2' } })
   */
  async registerModel(
    modelUri: string,
    name: string,
    options: CreateModelVersionOptions = {},
  ): Promise<ModelVersion> {
    try {
      await this.createRegisteredModel(name);
    } catch (err) {
      if (!(err instanceof MlflowError) || err.errorCode !== 'RESOURCE_ALREADY_EXISTS') throw err;
    }
    const runId = options.run_id ?? parseRunsUri(modelUri)?.runId;
    return this.createModelVersion(name, modelUri, { ...options, run_id: runId });
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>('GET', 'model-versions/get', {
      name,
      version: String(version),
    });
    return normalizeVersion(r.model_version);
  }

  async updateModelVersion(
    name: string,
    version: string | number,
    description: string,
  ): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>('PATCH', 'model-versions/update', {
      name,
      version: String(version),
      description,
    });
    return normalizeVersion(r.model_version);
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    await this.call('DELETE', 'model-versions/delete', { name, version: String(version) });
  }

  /** Moves a version to a stage; `archiveExisting` archives the stage's other versions. */
  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: ModelVersionStage | string,
    archiveExisting = false,
  ): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>('POST', 'model-versions/transition-stage', {
      name,
      version: String(version),
      stage,
      archive_existing_versions: archiveExisting,
    });
    return normalizeVersion(r.model_version);
  }

  /** One page of model versions, shaped like every search page of the SDK. */
  async searchModelVersions(req: SearchRegistryRequest = {}): Promise<Paged<ModelVersion>> {
    const r = await this.call<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
      'GET',
      'model-versions/search',
      { ...req },
    );
    return {
      items: (r.model_versions ?? []).map(normalizeVersion),
      next_page_token: r.next_page_token || undefined,
    };
  }

  /** Every model version matching `req`, page by page. */
  iterModelVersions(req: Omit<SearchRegistryRequest, 'page_token'> = {}): AsyncGenerator<ModelVersion> {
    return paginate((page_token) => this.searchModelVersions({ ...req, page_token }));
  }

  async setModelVersionTag(
    name: string,
    version: string | number,
    key: string,
    value: string,
  ): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version: String(version), key, value });
  }

  async deleteModelVersionTag(name: string, version: string | number, key: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete-tag', { name, version: String(version), key });
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    const r = await this.call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', {
      name,
      version: String(version),
    });
    return r.artifact_uri;
  }

  // ---- models:/ URIs ----

  /** The model version a `models:/` URI names. @example await registry.resolveModelUri('models:/fraud@champion') */
  resolveModelUri(uri: string): Promise<ModelVersion> {
    return resolveModelUri(uri, this);
  }

  /** The artifact URI holding the files a `models:/` URI names (a sub-path is appended). */
  async resolveModelArtifactUri(uri: string): Promise<string> {
    const parsed = parseModelUri(uri);
    let base: string;
    if (parsed.kind === 'logged-model') {
      base = (await this.tracking.getLoggedModel(parsed.modelId)).info.artifact_uri;
    } else {
      const v = await this.resolveModelUri(uri);
      base = await this.getModelVersionDownloadUri(v.name, v.version);
    }
    return parsed.subpath ? `${base.replace(/\/+$/, '')}/${parsed.subpath}` : base;
  }

  /**
   * The URI of the files a `models:/` URI names, following `models:/` sources registered from
   * other versions (at most 5 levels); any other URI is returned as it is.
   */
  async resolveModelStorageUri(uri: string): Promise<string> {
    let artifactUri = uri;
    for (let hops = 0; isModelUri(artifactUri); hops++) {
      if (hops === MAX_MODEL_URI_HOPS) {
        throw new MlflowError(
          `Cannot resolve '${uri}': more than ${MAX_MODEL_URI_HOPS} models:/ indirections.`,
          'INVALID_PARAMETER_VALUE',
        );
      }
      artifactUri = await this.resolveModelArtifactUri(artifactUri);
    }
    return artifactUri;
  }

  /** Options for `artifactRepositoryFor` that reach this server, `runs:/` and `models:/` included. */
  repositoryOptions(): RepositoryOptions {
    return this.tracking.artifacts.repositoryOptions({
      modelArtifactUri: (uri) => this.resolveModelStorageUri(uri),
    });
  }

  /**
   * Downloads the files of a model (`models:/...`, `runs:/...` or an artifact URI) into `dst`
   * and returns the local directory (or file) path.
   * @example const dir = await registry.downloadModel('models:/fraud/Production', './model')
   */
  async downloadModel(uri: string, dst: string, options: TransferOptions = {}): Promise<string> {
    const artifactUri = await this.resolveModelStorageUri(uri);
    return downloadArtifactUri(artifactUri, resolve(dst), this.repositoryOptions(), options, 'model');
  }

  /** Closes idle connections (when this client created its own transport). */
  close(): void {
    this.tracking.close();
  }
}
