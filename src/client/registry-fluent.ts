/**
 * Module-level registry functions on the tracking server chosen with `setTrackingUri` (or
 * `CAIRN_TRACKING_URI`), so `cairn.registry.registerModel(...)` works without building a client.
 *
 * @example
 * import * as cairn from 'cairn-ml';
 * cairn.setTrackingUri('http://127.0.0.1:5000');
 * const v = await cairn.registry.registerModel(`runs:/${runId}/model`, 'fraud');
 * await cairn.registry.setAlias('fraud', 'champion', v.version);
 */
import { getClient } from './fluent.js';
import type { TrackingClient } from './tracking-client.js';
import { RegistryClient } from './registry.js';

let cached: { tracking: TrackingClient; registry: RegistryClient } | undefined;

/** The registry client for the current tracking URI. */
export function registryClient(): RegistryClient {
  const tracking = getClient();
  if (cached?.tracking !== tracking) cached = { tracking, registry: new RegistryClient(tracking) };
  return cached.registry;
}

type Method<K extends keyof RegistryClient> = RegistryClient[K] extends (...args: infer A) => infer R
  ? (...args: A) => R
  : never;

const bind = <K extends keyof RegistryClient>(name: K): Method<K> =>
  ((...args: unknown[]) =>
    (registryClient()[name] as (...a: unknown[]) => unknown).apply(registryClient(), args)) as Method<K>;

export const createRegisteredModel = bind('createRegisteredModel');
export const getRegisteredModel = bind('getRegisteredModel');
export const renameRegisteredModel = bind('renameRegisteredModel');
export const updateRegisteredModel = bind('updateRegisteredModel');
export const deleteRegisteredModel = bind('deleteRegisteredModel');
export const searchRegisteredModels = bind('searchRegisteredModels');
export const iterRegisteredModels = bind('iterRegisteredModels');
export const getLatestVersions = bind('getLatestVersions');
export const setRegisteredModelTag = bind('setRegisteredModelTag');
export const deleteRegisteredModelTag = bind('deleteRegisteredModelTag');
export const setAlias = bind('setAlias');
export const deleteAlias = bind('deleteAlias');
export const getModelVersionByAlias = bind('getModelVersionByAlias');
export const registerModel = bind('registerModel');
export const createModelVersion = bind('createModelVersion');
export const getModelVersion = bind('getModelVersion');
export const updateModelVersion = bind('updateModelVersion');
export const deleteModelVersion = bind('deleteModelVersion');
export const transitionModelVersionStage = bind('transitionModelVersionStage');
export const searchModelVersions = bind('searchModelVersions');
export const iterModelVersions = bind('iterModelVersions');
export const setModelVersionTag = bind('setModelVersionTag');
export const deleteModelVersionTag = bind('deleteModelVersionTag');
export const getModelVersionDownloadUri = bind('getModelVersionDownloadUri');
export const resolveModelUri = bind('resolveModelUri');
export const resolveModelArtifactUri = bind('resolveModelArtifactUri');
export const downloadModel = bind('downloadModel');
