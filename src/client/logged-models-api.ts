/**
 * The logged-model endpoints of the tracking API (MLflow 3). `TrackingClient` inherits them; this
 * base also holds the transport and the idempotent-POST helper both use.
 */
import type { LoggedModel, Param, Tag } from '../entities/tracking.js';
import type { HttpTransport } from './http.js';
import type { Paged, SearchLoggedModelsRequest } from './tracking-types.js';
import { normalizeLoggedModel } from './wire.js';

export class LoggedModelsApi {
  readonly http: HttpTransport;

  constructor(http: HttpTransport) {
    this.http = http;
  }

  async createLoggedModel(request: {
    experiment_id: string;
    name?: string;
    model_type?: string;
    source_run_id?: string;
    params?: Param[];
    tags?: Tag[];
  }): Promise<LoggedModel> {
    const res = await this.http.json<{ model: LoggedModel }>('POST', 'logged-models', { body: request });
    return normalizeLoggedModel(res.model);
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    const res = await this.http.json<{ model: LoggedModel }>(
      'GET',
      `logged-models/${encodeURIComponent(modelId)}`,
    );
    return normalizeLoggedModel(res.model);
  }

  async finalizeLoggedModel(
    modelId: string,
    status: 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED',
  ): Promise<LoggedModel> {
    const res = await this.http.json<{ model: LoggedModel }>(
      'PATCH',
      `logged-models/${encodeURIComponent(modelId)}`,
      {
        body: { model_id: modelId, status },
      },
    );
    return normalizeLoggedModel(res.model);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.http.json('DELETE', `logged-models/${encodeURIComponent(modelId)}`, {
      body: { model_id: modelId },
    });
  }

  async searchLoggedModels(request: SearchLoggedModelsRequest): Promise<Paged<LoggedModel>> {
    const res = await this.http.json<{ models?: LoggedModel[]; next_page_token?: string }>(
      'POST',
      'logged-models/search',
      { body: request, idempotent: true },
    );
    return {
      items: (res.models ?? []).map(normalizeLoggedModel),
      next_page_token: res.next_page_token || undefined,
    };
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    await this.http.json('PATCH', `logged-models/${encodeURIComponent(modelId)}/tags`, {
      body: { model_id: modelId, tags },
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.http.json(
      'DELETE',
      `logged-models/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`,
      { body: { model_id: modelId, tag_key: key } },
    );
  }

  async logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    await this.post(`logged-models/${encodeURIComponent(modelId)}/params`, { model_id: modelId, params });
  }

  /** POST of an idempotent write (tags, params, deletes): safe to repeat after an ambiguous failure. */
  protected async post(path: string, body: Record<string, unknown>): Promise<void> {
    await this.http.json('POST', path, { body, idempotent: true });
  }
}
