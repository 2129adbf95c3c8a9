/**
 * `models:/` URIs: parsing, and resolution to a concrete model version through any registry
 * (the service on the server, the REST client in the SDK and CLI).
 *
 *   models:/fraud/3            version 3
 *   models:/fraud/Production   newest version in stage Production (any case)
 *   models:/fraud/latest       newest version of the model
 *   models:/fraud@champion     the version the alias points at
 *   models:/m-<32 hex>         a logged model
 *
 * A trailing `/sub/path` after the version, stage or alias selects a file or folder inside it.
 */
import { invalidParam, MlflowError, notFound } from '../errors.js';
import { MODEL_VERSION_STAGES, type ModelVersion, type ModelVersionStage } from '../entities/registry.js';

export type ModelUri =
  | { kind: 'version'; name: string; version: string; subpath: string }
  | { kind: 'stage'; name: string; stage: ModelVersionStage; subpath: string }
  | { kind: 'latest'; name: string; subpath: string }
  | { kind: 'alias'; name: string; alias: string; subpath: string }
  | { kind: 'logged-model'; modelId: string; subpath: string };

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

const bad = (uri: string, why: string) =>
  invalidParam(
    `Invalid model URI '${uri}': ${why}. Expected models:/<name>/<version>, models:/<name>/<stage>, models:/<name>/latest, models:/<name>@<alias> or models:/<model_id>.`,
  );

export function isModelUri(uri: string): boolean {
  return /^models:/i.test(uri);
}

export function parseModelUri(uri: string): ModelUri {
  const m = /^models:(.*)$/i.exec(uri.trim());
  if (!m) throw bad(uri, "it does not start with 'models:'");
  // models://profile@host/... carries a registry location before the path; the path is what counts.
  let rest = m[1]!;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  rest = rest.replace(/^\/+/, '');
  if (!rest) throw bad(uri, 'the model name is missing');

  const first = rest.split('/', 1)[0]!;
  const after = rest.slice(first.length + 1);
  if (first.includes('@')) {
    const at = first.lastIndexOf('@');
    const name = decodeURIComponent(first.slice(0, at));
    const alias = first.slice(at + 1);
    if (!name) throw bad(uri, 'the model name is missing');
    if (!/^[\w-]+$/.test(alias)) throw bad(uri, `'${alias}' is not a valid alias`);
    return { kind: 'alias', name, alias, subpath: after };
  }
  if (!after && LOGGED_MODEL_ID.test(first)) return { kind: 'logged-model', modelId: first, subpath: '' };
  const name = decodeURIComponent(first);
  const selector = after.split('/', 1)[0]!;
  const subpath = after.slice(selector.length + 1);
  if (!selector) {
    if (LOGGED_MODEL_ID.test(name)) return { kind: 'logged-model', modelId: name, subpath: '' };
    throw bad(uri, 'a version, stage, "latest" or @alias is required after the model name');
  }
  if (/^\d+$/.test(selector)) return { kind: 'version', name, version: String(Number(selector)), subpath };
  if (selector.toLowerCase() === 'latest') return { kind: 'latest', name, subpath };
  const stage = MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === selector.toLowerCase());
  if (stage) return { kind: 'stage', name, stage, subpath };
  throw bad(
    uri,
    `'${selector}' is neither a version number, a stage (${MODEL_VERSION_STAGES.join(', ')}) nor "latest"`,
  );
}

/** The registry operations resolution needs; implemented by the service and by the REST client. */
export interface ModelUriRegistry {
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  getLatestVersions(name: string, stages: string[]): Promise<ModelVersion[]>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
}

const isMissing = (err: unknown): boolean =>
  err instanceof MlflowError &&
  (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.errorCode === 'NOT_FOUND');

/**
 * Resolves a `models:/name/...` URI to its model version. Errors name the model and what was
 * missing. Logged-model URIs have no registry version: they are rejected here.
 */
export async function resolveModelUri(uri: string, registry: ModelUriRegistry): Promise<ModelVersion> {
  const parsed = parseModelUri(uri);
  switch (parsed.kind) {
    case 'logged-model':
      throw invalidParam(
        `Model URI '${uri}' names logged model ${parsed.modelId}, not a registered model version.`,
      );
    case 'version':
      try {
        return await registry.getModelVersion(parsed.name, parsed.version);
      } catch (err) {
        if (isMissing(err)) {
          throw notFound(`Model '${parsed.name}' has no version ${parsed.version} (resolving '${uri}').`);
        }
        throw err;
      }
    case 'alias':
      try {
        return await registry.getModelVersionByAlias(parsed.name, parsed.alias);
      } catch (err) {
        if (isMissing(err) || (err instanceof MlflowError && /alias/i.test(err.message))) {
          throw notFound(
            `Model '${parsed.name}' has no alias '${parsed.alias}' (resolving '${uri}'): ${(err as Error).message}`,
          );
        }
        throw err;
      }
    case 'stage':
    case 'latest': {
      const stages = parsed.kind === 'stage' ? [parsed.stage] : [];
      let versions: ModelVersion[];
      try {
        versions = await registry.getLatestVersions(parsed.name, stages);
      } catch (err) {
        if (isMissing(err)) throw notFound(`Model '${parsed.name}' does not exist (resolving '${uri}').`);
        throw err;
      }
      const newest = versions.reduce<ModelVersion | undefined>(
        (best, v) => (!best || Number(v.version) > Number(best.version) ? v : best),
        undefined,
      );
      if (!newest) {
        throw notFound(
          parsed.kind === 'stage'
            ? `Model '${parsed.name}' has no version in stage '${parsed.stage}' (resolving '${uri}').`
            : `Model '${parsed.name}' has no versions (resolving '${uri}').`,
        );
      }
      return newest;
    }
  }
}
