/**
 * Reads a running MLflow (or Cairn) tracking server through its REST API: searches page by page,
 * metric history through `metrics/get-history`, artifact files listed with `artifacts/list` and
 * streamed from `/get-artifact`; logged models with their metrics from `logged-models/search`,
 * their files listed with `logged-models/<id>/artifacts/directories` and streamed from
 * `/ajax-api/.../logged-models/<id>/artifacts/files`. Requests go through the SDK's HTTP transport
 * (keep-alive, retries of safe requests, MLflow error decoding) on the vetted outgoing agent: the
 * user named this server, so its host is allowed even when it is loopback or private, and nothing
 * else that is not public is reached; redirects are not followed; JSON answers are bounded.
 * Searches are sent as POST with `idempotent: true` (they change nothing and may be retried).
 */
import type { Readable } from 'node:stream';
import { authHeadersFromEnv } from '../artifacts/http-repository.js';
import { errorFromResponse, HttpTransport, readAll } from '../client/http.js';
import { guardedAgent } from '../security/outgoing-http.js';
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
import { loggedModelRecord, runRecord } from './cairn-store-source.js';
import { decodeValue } from './dump-format.js';
import type { ArtifactFile, MigrationSource } from './source.js';

const ONLY_PROMPTS = `tags.\`${IS_PROMPT_TAG}\` = 'true'`;
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

interface Paged {
  next_page_token?: string;
}

interface FileEntry {
  path: string;
  is_dir: boolean;
  file_size?: number | string;
}

/** Largest JSON answer read from the source (a page of 1,000 runs with their data fits easily). */
const MAX_JSON_ANSWER = 256 * 1024 * 1024;

export class HttpSource implements MigrationSource {
  readonly label: string;
  private readonly http: HttpTransport;

  private constructor(url: string) {
    const target = new URL(url);
    // Credentials as for every MLflow client: MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD.
    this.http = new HttpTransport(url, {
      timeoutMs: 120_000,
      headers: authHeadersFromEnv(),
      agent: guardedAgent(target.protocol, { allowedHosts: [target.hostname] }),
      maxResponseBytes: MAX_JSON_ANSWER,
    });
    this.label = `tracking server ${target.origin}`;
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

  artifacts(run: RunRecord): AsyncIterable<ArtifactFile> {
    return this.walk(
      (dir, page_token) =>
        this.get('artifacts/list', { run_id: run.runId, path: dir || undefined, page_token }),
      (path) => this.download('/get-artifact', { run_id: run.runId, path }),
    );
  }

  loggedModelArtifacts(model: LoggedModelRecord): AsyncIterable<ArtifactFile> {
    const id = encodeURIComponent(model.modelId);
    return this.walk(
      (dir, page_token) =>
        this.get(`logged-models/${id}/artifacts/directories`, {
          artifact_directory_path: dir || undefined,
          page_token,
        }),
      (path) =>
        this.download(`/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files`, {
          artifact_file_path: path,
        }),
    );
  }

  /** Every file under a listing that answers one folder at a time, depth first. */
  private async *walk(
    list: (dir: string, pageToken: string | undefined) => Promise<Paged & { files?: FileEntry[] }>,
    open: (path: string) => Promise<Readable>,
    dir = '',
  ): AsyncIterable<ArtifactFile> {
    let page_token: string | undefined;
    do {
      const res = await list(dir, page_token);
      for (const f of res.files ?? []) {
        if (f.is_dir) yield* this.walk(list, open, f.path);
        else yield { path: f.path, size: Number(f.file_size ?? 0), open: () => open(f.path) };
      }
      page_token = res.next_page_token || undefined;
    } while (page_token);
  }

  private async download(path: string, query: Record<string, string>): Promise<Readable> {
    const url = new URL(`${this.http.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const res = await this.http.raw('GET', url);
    if (res.status !== 200) {
      const text = (await readAll(res.body, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
      throw errorFromResponse(res.status, text);
    }
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
      for (const m of res.models ?? []) yield loggedModelRecord(m);
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
