/**
 * Checks and resolves the `source` of a new model version. The source is stored verbatim; what
 * this adds is the run it came from and, for `models:/` indirections, where the files really are.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunsUri } from '../entities/artifacts.js';
import { invalidParam } from '../errors.js';
import { parseModelUri } from './model-uri.js';

/** What the registry needs from tracking (TrackingService satisfies it structurally). */
export interface RegistryTrackingPort {
  getRun(runId: string): Promise<{ info: { run_id: string; artifact_uri: string } }>;
  getLoggedModel(
    modelId: string,
  ): Promise<{ info: { model_id: string; artifact_uri: string; source_run_id?: string } }>;
}

/** What the registry needs to resolve a `models:/name/...` source to another version. */
export interface VersionLocator {
  resolveStorage(uri: string): Promise<{ storageLocation: string; runId: string | null }>;
}

export interface ResolvedSource {
  runId: string | null;
  modelId: string | null;
  /** The files' location when the source is an indirection (null: the source itself). */
  storageLocation: string | null;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

export function uriScheme(uri: string): string | null {
  const m = SCHEME.exec(uri);
  // A one-letter "scheme" is a Windows drive letter.
  return m && m[1]!.length > 1 ? m[1]!.toLowerCase() : null;
}

function hasTraversal(uri: string): boolean {
  let decoded = uri;
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    } catch {
      break;
    }
  }
  const path = decoded.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, '').split(/[?#]/, 1)[0]!;
  return path.split(/[\\/]+/).some((segment) => segment === '..');
}

const traversalError = (source: string) =>
  invalidParam(
    `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
  );

const localWithoutRunError = (source: string) =>
  invalidParam(
    `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
  );

function localPathOf(uri: string): string | null {
  const scheme = uriScheme(uri);
  if (scheme === null) return uri;
  if (scheme === 'file') {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri.replace(/^file:(\/\/)?/, '');
    }
  }
  return null;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Validates `source` and works out run id, logged model id and storage location.
 * `runId` / `modelId` are the values the client sent (they win over ones found in the source).
 */
export async function resolveSource(
  source: string,
  given: { runId?: string; modelId?: string },
  tracking: RegistryTrackingPort,
  versions: VersionLocator,
  /** A regular expression every source must match (the server's `modelVersionSourcePattern`). */
  requiredPattern?: string,
): Promise<ResolvedSource> {
  if (source.includes('\u0000'))
    throw invalidParam(`Invalid model version source: it contains a NUL character.`);
  if (requiredPattern && !new RegExp(requiredPattern).test(source)) {
    throw invalidParam(
      `Invalid model version source: '${source}' does not match the pattern required by this server (${requiredPattern}).`,
    );
  }
  const scheme = uriScheme(source);
  const runId = given.runId || null;
  const modelId = given.modelId || null;

  if (scheme === 'runs') {
    const m = parseRunsUri(source);
    if (!m) throw invalidParam(`Invalid model version source '${source}': expected runs:/<run_id>/<path>.`);
    if (hasTraversal(source)) throw traversalError(source);
    return { runId: runId ?? m.runId, modelId, storageLocation: null };
  }

  if (scheme === 'models') {
    const parsed = parseModelUri(source);
    if (parsed.kind === 'logged-model') {
      const model = await tracking.getLoggedModel(parsed.modelId);
      return {
        runId: runId ?? model.info.source_run_id ?? null,
        modelId: modelId ?? model.info.model_id,
        storageLocation: model.info.artifact_uri,
      };
    }
    const target = await versions.resolveStorage(source);
    return { runId: runId ?? target.runId, modelId, storageLocation: target.storageLocation };
  }

  const local = localPathOf(source);
  if (local !== null) {
    if (!runId && !modelId) throw localWithoutRunError(source);
    if (hasTraversal(source)) throw traversalError(source);
    const root = runId
      ? (await tracking.getRun(runId)).info.artifact_uri
      : (await tracking.getLoggedModel(modelId!)).info.artifact_uri;
    const rootPath = localPathOf(root);
    if (rootPath === null || !isInside(local, rootPath)) throw localWithoutRunError(source);
    return { runId, modelId, storageLocation: null };
  }

  if (hasTraversal(source)) throw traversalError(source);
  return { runId, modelId, storageLocation: null };
}
