/**
 * Reads a running MLflow (or Cairn) tracking server through its REST API: searches page by page,
 * metric history through `metrics/get-history`, artifact files listed with `artifacts/list` and
 * streamed from `/get-artifact`. Requests go through the SDK's HTTP transport (keep-alive,
 * retries of safe requests, MLflow error decoding). The user names this server explicitly, so
 * loopback and private addresses are allowed; redirects are not followed. Searches are sent as
 * POST with `idempotent: true` (they change nothing and may be retried).
 */
import type { Readable } from 'node:stream';
import { authHeadersFromEnv } from '../artifacts/http-repository.js';
import { errorFromResponse, HttpTransport, readAll } from '../client/http.js';
import { IS_PROMPT_TAG } from '../entities/prompts.js';
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  ModelVersionData,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, LoggedModel, Run } from '../entities/tracking.js';
import { runRecord } from './cairn-store-source.js';
import { decodeValue } from './dump-format.js';
import type { ArtifactFile, MigrationSource } from './source.js';

const ONLY_PROMPTS = `tags.\`${IS_PROMPT_TAG}\` = 'true'`;
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

interface Paged {
  next_page_token?: string;
}

export class HttpSource implements MigrationSource {
  readonly label: string;
  private readonly http: HttpTransport;

  private constructor(url: string) {
    // Credentials as for every MLflow client: MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD.
    this.http = new HttpTransport(url, { timeoutMs: 120_000, headers: authHeadersFromEnv() });
    this.label = `tracking server ${new URL(url).origin}`;
  }

  static async open(url: string): Promise<HttpSource> {
    const source = new HttpSource(url);
    // Fails early with the server's own error when the URL is not a tracking server.
    await source.post('experiments/search', { max_results: 1 });
    return source;
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.http.json<T>('POST', path, { body, idempotent: true });
  }

  private get<T>(path: string, query: Record<string, string | number | undefined>): Promise<T> {
    return this.http.json<T>('GET', path, { query });
  }

  totals(): Promise<{ runs?: number }> {
    return Promise.resolve({});
  }

  async *experiments(): AsyncIterable<ExperimentRecord> {
    let page_token: string | undefined;
    do {
      const res = await this.post<Paged & { experiments?: Experiment[] }>('experiments/search', {
        max_results: 1000,
        view_type: 'ALL',
        page_token,
      });
      for (const e of res.experiments ?? []) {
        yield {
          experimentId: e.experiment_id,
          name: e.name,
          artifactLocation: e.artifact_location ?? '',
          lifecycleStage: e.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
          creationTime: Number(e.creation_time ?? 0),
          lastUpdateTime: Number(e.last_update_time ?? e.creation_time ?? 0),
          tags: e.tags ?? [],
        };
      }
      page_token = res.next_page_token || undefined;
    } while (page_token);
  }

  async *runs(e: ExperimentRecord): AsyncIterable<RunRecord> {
    let page_token: string | undefined;
    do {
      const res = await this.post<Paged & { runs?: Run[] }>('runs/search', {
        experiment_ids: [e.experimentId],
        run_view_type: 'ALL',
        max_results: 1000,
        order_by: ['attributes.start_time ASC'],
        page_token,
      });
      for (const r of res.runs ?? []) {
        r.data ??= {};
        r.inputs ??= {};
        yield runRecord(r);
      }
      page_token = res.next_page_token || undefined;
    } while (page_token);
  }

  async *metrics(run: RunRecord): AsyncIterable<MetricPoint[]> {
    const full = await this.get<{ run: Run }>('runs/get', { run_id: run.runId });
    for (const { key } of full.run.data?.metrics ?? []) {
      let page_token: string | undefined;
      do {
        const res = await this.get<
          Paged & { metrics?: { value: unknown; timestamp: number; step?: number }[] }
        >('metrics/get-history', { run_id: run.runId, metric_key: key, max_results: 25_000, page_token });
        const points = (res.metrics ?? []).map((m) => ({
          key,
          value: decodeValue(m.value),
          timestamp: Number(m.timestamp),
          step: Number(m.step ?? 0),
        }));
        if (points.length) yield points;
        page_token = res.next_page_token || undefined;
      } while (page_token);
    }
  }

  async *artifacts(run: RunRecord, dir = ''): AsyncIterable<ArtifactFile> {
    let page_token: string | undefined;
    do {
      const res = await this.get<Paged & { files?: { path: string; is_dir: boolean; file_size?: number }[] }>(
        'artifacts/list',
        { run_id: run.runId, path: dir || undefined, page_token },
      );
      for (const f of res.files ?? []) {
        if (f.is_dir) yield* this.artifacts(run, f.path);
        else
          yield {
            path: f.path,
            size: Number(f.file_size ?? 0),
            open: () => this.download(run.runId, f.path),
          };
      }
      page_token = res.next_page_token || undefined;
    } while (page_token);
  }

  private async download(runId: string, path: string): Promise<Readable> {
    const url = new URL(`${this.http.baseUrl}/get-artifact`);
    url.searchParams.set('run_id', runId);
    url.searchParams.set('path', path);
    const res = await this.http.raw('GET', url);
    if (res.status !== 200) throw errorFromResponse(res.status, (await readAll(res.body)).toString('utf8'));
    return res.body;
  }

  async *loggedModels(e: ExperimentRecord): AsyncIterable<LoggedModelRecord> {
    let page_token: string | undefined;
    do {
      let res: Paged & { models?: LoggedModel[] };
      try {
        res = await this.post('logged-models/search', {
          experiment_ids: [e.experimentId],
          max_results: 100,
          page_token,
        });
      } catch (err) {
        // MLflow 2 servers have no logged models.
        if ((err as { status?: number }).status === 404) return;
        throw err;
      }
      for (const m of res.models ?? []) {
        const i = m.info;
        yield {
          modelId: i.model_id,
          experimentId: i.experiment_id,
          name: i.name,
          artifactLocation: i.artifact_uri,
          creationTime: Number(i.creation_timestamp_ms),
          lastUpdatedTime: Number(i.last_updated_timestamp_ms),
          status: i.status,
          lifecycleStage: 'active',
          modelType: i.model_type ?? '',
          sourceRunId: i.source_run_id ?? '',
          statusMessage: i.status_message ?? '',
          params: m.data?.params ?? [],
          tags: i.tags ?? [],
        };
      }
      page_token = res.next_page_token || undefined;
    } while (page_token);
  }

  async *registeredModels(): AsyncIterable<RegisteredModelData> {
    // Model searches of MLflow 3 leave prompts out: ask for models, then for prompts.
    for (const scope of [undefined, ONLY_PROMPTS]) {
      let page_token: string | undefined;
      do {
        const res = await this.get<Paged & { registered_models?: RegisteredModel[] }>(
          'registered-models/search',
          {
            max_results: 1000,
            filter: scope,
            page_token,
          },
        );
        for (const m of res.registered_models ?? [])
          yield { ...modelData(m), versions: await this.versions(m.name, scope) };
        page_token = res.next_page_token || undefined;
      } while (page_token);
    }
  }

  private async versions(name: string, scope: string | undefined): Promise<ModelVersionData[]> {
    const out: ModelVersionData[] = [];
    let page_token: string | undefined;
    do {
      const filter = `name = ${quote(name)}${scope ? ` AND ${scope}` : ''}`;
      const res = await this.get<Paged & { model_versions?: ModelVersion[] }>('model-versions/search', {
        filter,
        max_results: 10_000,
        page_token,
      });
      for (const v of res.model_versions ?? []) out.push(versionData(v));
      page_token = res.next_page_token || undefined;
    } while (page_token);
    return out.sort((a, b) => a.version - b.version);
  }

  close(): Promise<void> {
    this.http.close();
    return Promise.resolve();
  }
}

function modelData(m: RegisteredModel): Omit<RegisteredModelData, 'versions'> {
  return {
    name: m.name,
    creationTime: Number(m.creation_timestamp ?? 0),
    lastUpdatedTime: Number(m.last_updated_timestamp ?? m.creation_timestamp ?? 0),
    description: m.description ?? null,
    userId: m.user_id ?? null,
    tags: m.tags ?? [],
    aliases: (m.aliases ?? []).map((a) => ({ alias: a.alias, version: Number(a.version) })),
  };
}

function versionData(v: ModelVersion): ModelVersionData {
  return {
    version: Number(v.version),
    creationTime: Number(v.creation_timestamp ?? 0),
    lastUpdatedTime: Number(v.last_updated_timestamp ?? v.creation_timestamp ?? 0),
    description: v.description ?? null,
    userId: v.user_id ?? null,
    stage: v.current_stage ?? 'None',
    source: v.source ?? '',
    storageLocation: null,
    runId: v.run_id || null,
    runLink: v.run_link || null,
    modelId: (v as ModelVersion & { model_id?: string }).model_id || null,
    status: v.status ?? 'READY',
    statusMessage: v.status_message ?? null,
    tags: v.tags ?? [],
  };
}
