/** Typed calls to the tracking endpoints the UI uses. */
import { ApiError, apiGet, apiGetAll, apiPost, apiUrl, fetchText, toQuery } from './client';
import { fetchHistoryColumns } from './history-fetch';
import { toHistoryColumns, type HistoryColumns } from './history-columns';
import { createLimiter } from './limiter';
import type { ArtifactFile, Experiment, HistoryPoint, Run, SearchArgs, ViewType } from './types';

export interface SearchExperimentsArgs extends SearchArgs {
  viewType?: ViewType;
}

export async function searchExperiments(
  args: SearchExperimentsArgs,
  signal?: AbortSignal,
): Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
  const res = await apiPost<{ experiments?: Experiment[]; next_page_token?: string }>(
    'experiments/search',
    {
      filter: args.filter || undefined,
      view_type: args.viewType ?? 'ACTIVE_ONLY',
      order_by: args.orderBy,
      page_token: args.pageToken,
      max_results: args.maxResults ?? 1000,
    },
    signal,
  );
  return { experiments: res.experiments ?? [], nextPageToken: res.next_page_token || undefined };
}

export const getExperiment = async (id: string, signal?: AbortSignal): Promise<Experiment> =>
  (await apiGet<{ experiment: Experiment }>('experiments/get', { experiment_id: id }, signal)).experiment;

export const createExperiment = async (name: string): Promise<string> =>
  (await apiPost<{ experiment_id: string }>('experiments/create', { name })).experiment_id;

export const renameExperiment = (id: string, newName: string): Promise<unknown> =>
  apiPost('experiments/update', { experiment_id: id, new_name: newName });

export const deleteExperiment = (id: string): Promise<unknown> =>
  apiPost('experiments/delete', { experiment_id: id });

export const restoreExperiment = (id: string): Promise<unknown> =>
  apiPost('experiments/restore', { experiment_id: id });

export interface SearchRunsArgs extends SearchArgs {
  experimentIds: string[];
  viewType?: ViewType;
}

export async function searchRuns(
  args: SearchRunsArgs,
  signal?: AbortSignal,
): Promise<{ runs: Run[]; nextPageToken?: string }> {
  const res = await apiPost<{ runs?: Run[]; next_page_token?: string }>(
    'runs/search',
    {
      experiment_ids: args.experimentIds,
      filter: args.filter || undefined,
      order_by: args.orderBy?.length ? args.orderBy : undefined,
      page_token: args.pageToken,
      max_results: args.maxResults ?? 500,
      run_view_type: args.viewType ?? 'ACTIVE_ONLY',
    },
    signal,
  );
  return { runs: res.runs ?? [], nextPageToken: res.next_page_token || undefined };
}

/** The most run ids one `attributes.run_id IN (...)` clause of runsByIds holds. */
export const RUN_IDS_PER_SEARCH = 100;

/**
 * The runs with these ids among `experimentIds` (those elsewhere or deleted are simply absent),
 * RUN_IDS_PER_SEARCH ids per runs/search call instead of one runs/get per run. `filter` narrows
 * them further.
 */
export async function runsByIds(
  args: SearchRunsArgs & { runIds: string[] },
  signal?: AbortSignal,
): Promise<Run[]> {
  const { runIds, ...query } = args;
  const out: Run[] = [];
  for (let i = 0; i < runIds.length; i += RUN_IDS_PER_SEARCH) {
    const part = runIds.slice(i, i + RUN_IDS_PER_SEARCH);
    const clause = `attributes.run_id IN (${part.map((id) => `'${id}'`).join(',')})`;
    const page = await searchRuns(
      {
        ...query,
        filter: query.filter ? `${query.filter} AND ${clause}` : clause,
        maxResults: RUN_IDS_PER_SEARCH,
      },
      signal,
    );
    out.push(...page.runs);
  }
  return out;
}

/**
 * The ids of the runs a search matches, paging through it; stops at `cap` so a huge experiment
 * costs a bounded amount. `more` says whether runs beyond the cap match.
 */
export async function collectRunIds(
  args: SearchRunsArgs,
  cap: number,
  signal?: AbortSignal,
): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await searchRuns(
      { ...args, maxResults: Math.min(1000, cap - ids.length), pageToken },
      signal,
    );
    for (const r of page.runs) ids.push(r.info.run_id);
    pageToken = page.nextPageToken;
  } while (pageToken && ids.length < cap);
  return { ids, more: Boolean(pageToken) };
}

/** The most experiments one `experiments/count-runs` call accepts (the server's limit). */
export const COUNT_RUNS_EXPERIMENTS_LIMIT = 200;

/** Exact active-run counts of experiments (Cairn's `experiments/count-runs`, in chunks of 200). */
export async function countRuns(experimentIds: string[], signal?: AbortSignal): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < experimentIds.length; i += COUNT_RUNS_EXPERIMENTS_LIMIT) {
    const res = await apiGet<{ counts?: { experiment_id: string; run_count: number }[] }>(
      'experiments/count-runs',
      { experiment_ids: experimentIds.slice(i, i + COUNT_RUNS_EXPERIMENTS_LIMIT) },
      signal,
    );
    for (const c of res.counts ?? []) counts.set(c.experiment_id, Number(c.run_count));
  }
  return counts;
}

export const getRun = async (runId: string, signal?: AbortSignal): Promise<Run> =>
  (await apiGet<{ run: Run }>('runs/get', { run_id: runId }, signal)).run;

export const deleteRun = (runId: string): Promise<unknown> => apiPost('runs/delete', { run_id: runId });
export const restoreRun = (runId: string): Promise<unknown> => apiPost('runs/restore', { run_id: runId });

export const setRunTag = (runId: string, key: string, value: string): Promise<unknown> =>
  apiPost('runs/set-tag', { run_id: runId, key, value });

export const deleteRunTag = (runId: string, key: string): Promise<unknown> =>
  apiPost('runs/delete-tag', { run_id: runId, key });

export interface SampledHistoryArgs {
  runIds: string[];
  key: string;
  maxPoints: number;
  startStep?: number;
  endStep?: number;
}

let sampledEndpointMissing = false;

/** The most run ids one `get-history-sampled` call accepts (the server's limit). */
export const SAMPLED_RUN_IDS_LIMIT = 100;

/**
 * Sampled-history calls in flight at once, the others wait in order. A view of six panels of 300
 * runs makes 24 calls; sent together they share the server and the browser's six connections, so
 * every panel finishes late. Two at a time, the first panel (mounted first) is drawn first while
 * the next call is already being answered.
 */
export const SAMPLED_CONCURRENCY = 2;
const sampledCalls = createLimiter(SAMPLED_CONCURRENCY);

/**
 * A metric's history for several runs, downsampled by the server to at most `maxPoints` buckets
 * (first/min/max/last per bucket, so spikes stay visible), as columns per run. Falls back to the
 * plain paged history when the server has no sampling endpoint.
 */
export async function getSampledHistory(
  args: SampledHistoryArgs,
  signal?: AbortSignal,
): Promise<HistoryColumns[]> {
  if (!sampledEndpointMissing) {
    try {
      // The server takes at most SAMPLED_RUN_IDS_LIMIT runs per call: larger selections go in chunks.
      const chunks: string[][] = [];
      for (let i = 0; i < args.runIds.length; i += SAMPLED_RUN_IDS_LIMIT)
        chunks.push(args.runIds.slice(i, i + SAMPLED_RUN_IDS_LIMIT));
      const parts = await Promise.all(
        chunks.map((runIds) =>
          sampledCalls.run(
            () =>
              fetchHistoryColumns(
                apiUrl('metrics/get-history-sampled', {
                  run_ids: runIds,
                  metric_key: args.key,
                  max_points: args.maxPoints,
                  start_step: args.startStep,
                  end_step: args.endStep,
                  format: 'columns',
                }),
                signal,
              ),
            signal,
          ),
        ),
      );
      return parts.flat();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'ENDPOINT_NOT_FOUND')) throw e;
      sampledEndpointMissing = true;
    }
  }
  const all = await Promise.all(args.runIds.map((id) => fullHistory(id, args.key, signal)));
  return toHistoryColumns(
    all
      .flat()
      .filter(
        (p) =>
          (args.startStep === undefined || p.step >= args.startStep) &&
          (args.endStep === undefined || p.step <= args.endStep),
      ),
  );
}

async function fullHistory(runId: string, key: string, signal?: AbortSignal): Promise<HistoryPoint[]> {
  const points = await apiGetAll<Omit<HistoryPoint, 'run_id'>>(
    'metrics/get-history',
    'metrics',
    { run_id: runId, metric_key: key, max_results: 25000 },
    signal,
  );
  return points.map((m) => ({ ...m, run_id: runId }));
}

export const listArtifacts = (runId: string, path: string, signal?: AbortSignal): Promise<ArtifactFile[]> =>
  apiGetAll<ArtifactFile>('artifacts/list', 'files', { run_id: runId, path: path || undefined }, signal);

/** URL of one artifact file of a run (served as a download by the server). */
export const artifactUrl = (runId: string, path: string): string =>
  `/get-artifact${toQuery({ run_id: runId, path })}`;

export const fetchArtifactText = (runId: string, path: string, signal?: AbortSignal): Promise<string> =>
  fetchText(artifactUrl(runId, path), signal);
