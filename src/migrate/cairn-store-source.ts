/**
 * Cairn's own stores as a migration source: what `cairn export` writes. Reads through the store
 * interfaces page by page (runs 500 at a time, metric history 10,000 points per page).
 */
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { IS_PROMPT_TAG } from '../entities/prompts.js';
import type {
  ExperimentRecord,
  LoggedModelRecord,
  MetricPoint,
  ModelVersionData,
  RegisteredModelData,
  RunRecord,
} from '../entities/migration.js';
import type { Experiment, LoggedModel, Run } from '../entities/tracking.js';
import type { Filter } from '../search/ast.js';
import type { RegisteredModelRecord, RegistryStore } from '../store/registry-store.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { walkRepository } from './artifact-walk.js';
import { decodeValue } from './dump-format.js';
import type { ArtifactFile, MigrationSource } from './source.js';
import { parseOrderByList } from '../search/index.js';

const PAGE = 500;
const HISTORY_PAGE = 10_000;
const PROMPTS: Filter = [{ type: 'tag', key: IS_PROMPT_TAG, comparator: '=', value: 'true' }];

function experimentRecord(e: Experiment): ExperimentRecord {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location,
    lifecycleStage: e.lifecycle_stage,
    creationTime: e.creation_time ?? 0,
    lastUpdateTime: e.last_update_time ?? 0,
    tags: e.tags ?? [],
  };
}

export function runRecord(r: Run): RunRecord {
  return {
    runId: r.info.run_id,
    experimentId: r.info.experiment_id,
    name: r.info.run_name,
    userId: r.info.user_id ?? '',
    status: r.info.status,
    startTime: r.info.start_time ?? 0,
    endTime: r.info.end_time ?? null,
    lifecycleStage: r.info.lifecycle_stage,
    deletedTime: null,
    artifactUri: r.info.artifact_uri,
    params: r.data.params ?? [],
    tags: r.data.tags ?? [],
    datasets: r.inputs.dataset_inputs ?? [],
    modelInputs: (r.inputs.model_inputs ?? []).map((m) => m.model_id),
    modelOutputs: (r.outputs?.model_outputs ?? []).map((m) => ({ modelId: m.model_id, step: m.step ?? 0 })),
  };
}

/** A logged model as the REST API and the store give it (with every metric point logged against it). */
export function loggedModelRecord(m: LoggedModel): LoggedModelRecord {
  const i = m.info;
  return {
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
    metrics: (m.data?.metrics ?? []).map((p) => ({
      key: p.key,
      value: decodeValue(p.value),
      timestamp: Number(p.timestamp),
      step: Number(p.step ?? 0),
      runId: p.run_id ?? '',
      datasetName: p.dataset_name ?? '',
      datasetDigest: p.dataset_digest ?? '',
    })),
  };
}

export class CairnStoreSource implements MigrationSource {
  readonly label: string;
  /** Metric keys of the runs of the current page (the search returns them with the run). */
  private readonly metricKeys = new Map<string, string[]>();

  constructor(
    label: string,
    private readonly tracking: TrackingStore,
    private readonly registry: RegistryStore,
    private readonly artifactsAt: (uri: string) => ArtifactRepository,
  ) {
    this.label = label;
  }

  totals(): Promise<{ runs?: number }> {
    return Promise.resolve({});
  }

  async *experiments(): AsyncIterable<ExperimentRecord> {
    let pageToken: string | undefined;
    do {
      const page = await this.tracking.searchExperiments({
        viewType: 'ALL',
        maxResults: PAGE,
        pageToken,
        orderBy: parseOrderByList('experiments', ['experiment_id ASC']),
      });
      for (const e of page.items) yield experimentRecord(e);
      pageToken = page.next_page_token;
    } while (pageToken);
  }

  async *runs(e: ExperimentRecord): AsyncIterable<RunRecord> {
    let pageToken: string | undefined;
    do {
      const page = await this.tracking.searchRuns({
        experimentIds: [e.experimentId],
        viewType: 'ALL',
        maxResults: PAGE,
        orderBy: parseOrderByList('runs', ['attributes.start_time ASC']),
        pageToken,
      });
      for (const r of page.items) {
        this.metricKeys.set(
          r.info.run_id,
          (r.data.metrics ?? []).map((m) => m.key),
        );
        yield runRecord(r);
        this.metricKeys.delete(r.info.run_id);
      }
      pageToken = page.next_page_token;
    } while (pageToken);
  }

  async *metrics(run: RunRecord): AsyncIterable<MetricPoint[]> {
    const keys =
      this.metricKeys.get(run.runId) ??
      (await this.tracking.getRun(run.runId)).data.metrics?.map((m) => m.key) ??
      [];
    for (const key of keys) {
      let pageToken: string | undefined;
      do {
        const page = await this.tracking.getMetricHistory(run.runId, key, HISTORY_PAGE, pageToken);
        yield page.items.map((m) => ({ key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 }));
        pageToken = page.next_page_token;
      } while (pageToken);
    }
  }

  artifacts(run: RunRecord): AsyncIterable<ArtifactFile> {
    return walkRepository(this.artifactsAt(run.artifactUri));
  }

  async *loggedModels(e: ExperimentRecord): AsyncIterable<LoggedModelRecord> {
    let pageToken: string | undefined;
    do {
      const page = await this.tracking.searchLoggedModels({
        experimentIds: [e.experimentId],
        maxResults: 100,
        pageToken,
      });
      for (const m of page.items) yield loggedModelRecord(m);
      pageToken = page.next_page_token;
    } while (pageToken);
  }

  loggedModelArtifacts(model: LoggedModelRecord): AsyncIterable<ArtifactFile> {
    return walkRepository(this.artifactsAt(model.artifactLocation));
  }

  async *registeredModels(): AsyncIterable<RegisteredModelData> {
    // Model searches leave prompts out unless asked for: read models, then prompts.
    for (const scope of [[], PROMPTS] as Filter[]) {
      for (let offset = 0; ; offset += PAGE) {
        const page = await this.registry.searchRegisteredModels({
          filter: scope,
          orderBy: [],
          maxResults: PAGE,
          offset,
        });
        for (const m of page.items) yield { ...modelData(m), versions: await this.versions(m.name, scope) };
        if (!page.hasMore) break;
      }
    }
  }

  private async versions(name: string, scope: Filter): Promise<ModelVersionData[]> {
    const out: ModelVersionData[] = [];
    const filter: Filter = [{ type: 'attribute', key: 'name', comparator: '=', value: name }, ...scope];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.registry.searchModelVersions({
        filter,
        orderBy: [{ type: 'attribute', key: 'version_number', ascending: true }],
        maxResults: PAGE,
        offset,
      });
      for (const v of page.items) {
        const { aliases: _aliases, name: _name, ...rest } = v;
        out.push(rest);
      }
      if (!page.hasMore) break;
    }
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function modelData(m: RegisteredModelRecord): Omit<RegisteredModelData, 'versions'> {
  return {
    name: m.name,
    creationTime: m.creationTime,
    lastUpdatedTime: m.lastUpdatedTime,
    description: m.description,
    userId: m.userId,
    tags: m.tags,
    aliases: m.aliases,
  };
}
