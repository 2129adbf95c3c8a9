/**
 * Low-level client of the tracking REST API: one typed method per endpoint, paging iterators for
 * searches, retries and keep-alive from the transport, server errors as `MlflowError`.
 *
 * @example
 * const client = new TrackingClient('http://127.0.0.1:5000');
 * const id = await client.createExperiment('fraud-model');
 * const run = await client.createRun({ experiment_id: id, run_name: 'baseline' });
 * await client.logBatch(run.info.run_id, { metrics: [{ key: 'loss', value: 0.3, timestamp: Date.now(), step: 0 }] });
 * for await (const r of client.iterRuns({ experiment_ids: [id] })) console.log(r.info.run_name);
 */
import type {
  DatasetInput,
  Experiment,
  ExperimentTag,
  Metric,
  ModelOutput,
  Run,
  RunInfo,
  RunStatus,
} from '../entities/tracking.js';
import { HttpTransport, type TransportOptions } from './http.js';
import { normalizeExperiment, normalizeMetric, normalizeRun, normalizeRunInfo, wireDouble } from './wire.js';
import { ArtifactClient } from './artifacts.js';
import { LoggedModelsApi } from './logged-models-api.js';
import type {
  CreateRunRequest,
  ListArtifactsResponse,
  LogBatchRequest,
  MetricInput,
  Paged,
  SearchExperimentsRequest,
  SearchRunsRequest,
  UpdateRunRequest,
} from './tracking-types.js';

export type * from './tracking-types.js';

/**
 * Metric points serialized for the wire (NaN/±Infinity as strings, a missing step as 0). Fields
 * are named rather than spread: V8 adds a property to a spread copy on a slow path, ~8× slower
 * per point (measured).
 */
export function wireMetrics(metrics: readonly MetricInput[]): Record<string, unknown>[] {
  return metrics.map((m) => {
    const out: Record<string, unknown> = {
      key: m.key,
      value: wireDouble(m.value),
      timestamp: m.timestamp,
      step: m.step ?? 0,
    };
    if (m.model_id !== undefined) out.model_id = m.model_id;
    if (m.dataset_name !== undefined) out.dataset_name = m.dataset_name;
    if (m.dataset_digest !== undefined) out.dataset_digest = m.dataset_digest;
    return out;
  });
}

export class TrackingClient extends LoggedModelsApi {
  readonly artifacts: ArtifactClient;

  constructor(trackingUri: string, options: TransportOptions = {}) {
    super(new HttpTransport(trackingUri, options));
    this.artifacts = new ArtifactClient(this);
  }

  get trackingUri(): string {
    return this.http.baseUrl;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.http.close();
  }

  // ---- experiments ----

  async createExperiment(name: string, options: { artifact_location?: string; tags?: ExperimentTag[] } = {}) {
    const res = await this.http.json<{ experiment_id: string }>('POST', 'experiments/create', {
      body: { name, ...options },
    });
    return String(res.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.http.json<{ experiment: Experiment }>('GET', 'experiments/get', {
      query: { experiment_id: experimentId },
    });
    return normalizeExperiment(res.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const res = await this.http.json<{ experiment: Experiment }>('GET', 'experiments/get-by-name', {
      query: { experiment_name: name },
    });
    return normalizeExperiment(res.experiment);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.post('experiments/delete', { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.post('experiments/restore', { experiment_id: experimentId });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.post('experiments/update', { experiment_id: experimentId, new_name: newName });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.post('experiments/set-experiment-tag', { experiment_id: experimentId, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.post('experiments/delete-experiment-tag', { experiment_id: experimentId, key });
  }

  async searchExperiments(request: SearchExperimentsRequest = {}): Promise<Paged<Experiment>> {
    const res = await this.http.json<{ experiments?: Experiment[]; next_page_token?: string }>(
      'POST',
      'experiments/search',
      { body: { max_results: 1000, ...request }, idempotent: true },
    );
    return {
      items: (res.experiments ?? []).map(normalizeExperiment),
      next_page_token: res.next_page_token || undefined,
    };
  }

  /** Every experiment matching the request, fetched page by page. */
  async *iterExperiments(request: SearchExperimentsRequest = {}): AsyncGenerator<Experiment> {
    yield* paginate((page_token) => this.searchExperiments({ ...request, page_token }), request.page_token);
  }

  // ---- runs ----

  async createRun(request: CreateRunRequest): Promise<Run> {
    const res = await this.http.json<{ run: Run }>('POST', 'runs/create', {
      body: { start_time: Date.now(), ...request },
    });
    return normalizeRun(res.run);
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.http.json<{ run: Run }>('GET', 'runs/get', { query: { run_id: runId } });
    return normalizeRun(res.run);
  }

  async updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo> {
    const res = await this.http.json<{ run_info: RunInfo }>('POST', 'runs/update', {
      body: { run_id: runId, run_uuid: runId, ...update },
      idempotent: true,
    });
    return normalizeRunInfo(res.run_info);
  }

  /** Marks a run ended with `status` (default FINISHED) at `endTime` (default now). */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', endTime = Date.now()): Promise<RunInfo> {
    return this.updateRun(runId, { status, end_time: endTime });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.post('runs/delete', { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.post('runs/restore', { run_id: runId });
  }

  async searchRuns(request: SearchRunsRequest): Promise<Paged<Run>> {
    const res = await this.http.json<{ runs?: Run[]; next_page_token?: string }>('POST', 'runs/search', {
      body: request,
      idempotent: true,
    });
    return { items: (res.runs ?? []).map(normalizeRun), next_page_token: res.next_page_token || undefined };
  }

  /** Every run matching the request, fetched page by page. */
  async *iterRuns(request: SearchRunsRequest): AsyncGenerator<Run> {
    yield* paginate((page_token) => this.searchRuns({ ...request, page_token }), request.page_token);
  }

  /** One metric point per request; prefer `logBatch` (or the fluent API, which batches). */
  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    await this.http.json('POST', 'runs/log-metric', {
      body: { run_id: runId, ...wireMetrics([metric])[0] },
      idempotent: false,
    });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/log-parameter', { run_id: runId, key, value });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/set-tag', { run_id: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.post('runs/delete-tag', { run_id: runId, key });
  }

  /**
   * Writes metrics, params and tags in one request (limits: 1000 metrics, 100 params, 100 tags,
   * 1000 in total). Metrics are append-only, so this request is never retried after an ambiguous
   * failure: the caller gets a `TransportError` with `ambiguous: true`.
   */
  async logBatch(runId: string, batch: LogBatchRequest): Promise<void> {
    await this.http.json('POST', 'runs/log-batch', {
      body: {
        run_id: runId,
        metrics: wireMetrics(batch.metrics ?? []),
        params: batch.params ?? [],
        tags: batch.tags ?? [],
      },
      idempotent: false,
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[], models?: { model_id: string }[]): Promise<void> {
    await this.post('runs/log-inputs', { run_id: runId, datasets, ...(models ? { models } : {}) });
  }

  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    await this.post('runs/outputs', { run_id: runId, models });
  }

  /** Records an MLmodel description on the run (`mlflow.log-model.history`). */
  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.post('runs/log-model', { run_id: runId, model_json: JSON.stringify(model) });
  }

  // ---- metric history ----

  async getMetricHistoryPage(
    runId: string,
    metricKey: string,
    options: { max_results?: number; page_token?: string } = {},
  ): Promise<Paged<Metric>> {
    const res = await this.http.json<{ metrics?: Metric[]; next_page_token?: string }>(
      'GET',
      'metrics/get-history',
      {
        query: {
          run_id: runId,
          metric_key: metricKey,
          max_results: options.max_results ?? 25000,
          page_token: options.page_token,
        },
      },
    );
    return {
      items: (res.metrics ?? []).map(normalizeMetric),
      next_page_token: res.next_page_token || undefined,
    };
  }

  async *iterMetricHistory(runId: string, metricKey: string, pageSize = 25000): AsyncGenerator<Metric> {
    yield* paginate((page_token) =>
      this.getMetricHistoryPage(runId, metricKey, { max_results: pageSize, page_token }),
    );
  }

  /** The whole history of one metric, ordered by (timestamp, step, value). */
  async getMetricHistory(runId: string, metricKey: string): Promise<Metric[]> {
    const out: Metric[] = [];
    for await (const m of this.iterMetricHistory(runId, metricKey)) out.push(m);
    return out;
  }

  /** Sampled histories of several runs (≤ 100) between two steps, ≤ 2500 points per run. */
  async getMetricHistoryBulkInterval(
    runIds: string[],
    metricKey: string,
    options: { start_step?: number; end_step?: number; max_results?: number } = {},
  ): Promise<Metric[]> {
    const res = await this.http.json<{ metrics?: Metric[] }>('GET', 'metrics/get-history-bulk-interval', {
      query: { run_ids: runIds, metric_key: metricKey, ...options },
    });
    return (res.metrics ?? []).map(normalizeMetric);
  }

  // ---- artifacts (listing through the tracking API) ----

  async listArtifacts(runId: string, path?: string, pageToken?: string): Promise<ListArtifactsResponse> {
    const res = await this.http.json<Partial<ListArtifactsResponse>>('GET', 'artifacts/list', {
      query: { run_id: runId, path: path || undefined, page_token: pageToken },
    });
    return {
      root_uri: res.root_uri,
      files: res.files ?? [],
      next_page_token: res.next_page_token || undefined,
    };
  }

  // ---- server ----

  /** True when `GET /health` answers 200 (no retries: a quick probe). */
  async health(): Promise<boolean> {
    try {
      const res = await this.http.raw('GET', `${this.http.baseUrl}/health`, {
        retry: { maxAttempts: 1 },
        timeoutMs: 5000,
      });
      res.body.resume();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  async serverVersion(): Promise<string> {
    const res = await this.http.raw('GET', `${this.http.baseUrl}/version`);
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
}

/** Follows `next_page_token` until the last page. */
export async function* paginate<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Paged<T>>,
  firstToken?: string,
): AsyncGenerator<T> {
  let token = firstToken;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.next_page_token;
  } while (token);
}
