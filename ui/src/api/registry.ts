/** Typed calls to the model registry endpoints (MLflow API §5) and the model files route. */
import { API_BASE, apiGet, apiGetAll, apiPost, apiSend, fetchText, toQuery } from './client';
import type { SearchArgs } from './types';
import { fetchArtifactText } from './tracking';
import { parseRunsUri } from '../../../src/entities/artifacts.js';
import type {
  ModelVersion,
  ModelVersionStage,
  RegisteredModel,
  RegisteredModelAlias,
} from '../../../src/entities/registry.js';

export type { ModelVersion, ModelVersionStage, RegisteredModel, RegisteredModelAlias };

export const STAGES: ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** A filter string literal: quotes doubled, so any model name is safe inside `'…'`. */
export function quoteFilterValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `name ILIKE '%text%'` matching the text literally (LIKE wildcards in it are escaped). */
export function nameContainsFilter(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return `name ILIKE ${quoteFilterValue(`%${t.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)}`;
}

export async function searchRegisteredModels(
  args: SearchArgs,
  signal?: AbortSignal,
): Promise<{ models: RegisteredModel[]; nextPageToken?: string }> {
  const res = await apiGet<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
    'registered-models/search',
    {
      filter: args.filter,
      order_by: args.orderBy?.length ? args.orderBy : undefined,
      page_token: args.pageToken,
      max_results: args.maxResults ?? 100,
    },
    signal,
  );
  return { models: res.registered_models ?? [], nextPageToken: res.next_page_token || undefined };
}

export const getRegisteredModel = async (name: string, signal?: AbortSignal): Promise<RegisteredModel> =>
  (await apiGet<{ registered_model: RegisteredModel }>('registered-models/get', { name }, signal))
    .registered_model;

export const createRegisteredModel = async (name: string, description?: string): Promise<RegisteredModel> =>
  (await apiPost<{ registered_model: RegisteredModel }>('registered-models/create', { name, description }))
    .registered_model;

export const renameRegisteredModel = async (name: string, newName: string): Promise<RegisteredModel> =>
  (
    await apiPost<{ registered_model: RegisteredModel }>('registered-models/rename', {
      name,
      new_name: newName,
    })
  ).registered_model;

export const updateRegisteredModel = (name: string, description: string): Promise<unknown> =>
  apiSend('PATCH', 'registered-models/update', { name, description });

export const deleteRegisteredModel = (name: string): Promise<unknown> =>
  apiSend('DELETE', 'registered-models/delete', { name });

export const setModelTag = (name: string, key: string, value: string): Promise<unknown> =>
  apiPost('registered-models/set-tag', { name, key, value });

export const deleteModelTag = (name: string, key: string): Promise<unknown> =>
  apiSend('DELETE', 'registered-models/delete-tag', { name, key });

export const setAlias = (name: string, alias: string, version: string): Promise<unknown> =>
  apiPost('registered-models/alias', { name, alias, version });

export const deleteAlias = (name: string, alias: string): Promise<unknown> =>
  apiSend('DELETE', 'registered-models/alias', { name, alias });

/** Every version of one model, newest first (pages through the search). */
export const listModelVersions = (name: string, signal?: AbortSignal): Promise<ModelVersion[]> =>
  apiGetAll<ModelVersion>(
    'model-versions/search',
    'model_versions',
    { filter: `name = ${quoteFilterValue(name)}`, order_by: ['version_number DESC'], max_results: 1000 },
    signal,
  );

export const getModelVersion = async (
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<ModelVersion> =>
  (await apiGet<{ model_version: ModelVersion }>('model-versions/get', { name, version }, signal))
    .model_version;

export interface CreateVersionArgs {
  name: string;
  source: string;
  runId?: string;
  description?: string;
}

export const createModelVersion = async (args: CreateVersionArgs): Promise<ModelVersion> =>
  (
    await apiPost<{ model_version: ModelVersion }>('model-versions/create', {
      name: args.name,
      source: args.source,
      run_id: args.runId,
      description: args.description,
    })
  ).model_version;

export const updateModelVersion = (name: string, version: string, description: string): Promise<unknown> =>
  apiSend('PATCH', 'model-versions/update', { name, version, description });

export const deleteModelVersion = (name: string, version: string): Promise<unknown> =>
  apiSend('DELETE', 'model-versions/delete', { name, version });

export const transitionStage = async (
  name: string,
  version: string,
  stage: ModelVersionStage,
  archiveExisting: boolean,
): Promise<ModelVersion> =>
  (
    await apiPost<{ model_version: ModelVersion }>('model-versions/transition-stage', {
      name,
      version,
      stage,
      archive_existing_versions: archiveExisting,
    })
  ).model_version;

export const setVersionTag = (name: string, version: string, key: string, value: string): Promise<unknown> =>
  apiPost('model-versions/set-tag', { name, version, key, value });

export const deleteVersionTag = (name: string, version: string, key: string): Promise<unknown> =>
  apiSend('DELETE', 'model-versions/delete-tag', { name, version, key });

export const getDownloadUri = async (name: string, version: string, signal?: AbortSignal): Promise<string> =>
  (await apiGet<{ artifact_uri: string }>('model-versions/get-download-uri', { name, version }, signal))
    .artifact_uri;

/** URL of one file of a model version (served as a download). */
export const modelFileUrl = (name: string, version: string, path: string): string =>
  `${API_BASE}model-versions/get-artifact${toQuery({ name, version, path })}`;

/** `runs:/<run_id>/<path>` → its parts, or null for other sources. */
export { parseRunsUri };

/**
 * Reads one file of a model version. The registry route resolves the version's files wherever they
 * live; when it fails (an older server, a storage it cannot reach), a `runs:/` source is read through
 * the run's artifacts instead. If both fail, the registry route's error is the one reported.
 */
export async function fetchModelFile(mv: ModelVersion, path: string, signal?: AbortSignal): Promise<string> {
  try {
    return await fetchText(modelFileUrl(mv.name, mv.version, path), signal);
  } catch (e) {
    const run = parseRunsUri(mv.source);
    if (!run || signal?.aborted) throw e;
    try {
      return await fetchArtifactText(run.runId, run.path ? `${run.path}/${path}` : path, signal);
    } catch {
      throw e;
    }
  }
}
