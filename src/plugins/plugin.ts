/**
 * What a plugin package exports (as its default export or as `cairnPlugin`): lists of extensions,
 * one list per extension point. Each extension states the interface version it implements
 * (`apiVersion`), which its registry checks. Cairn's own flavors and repositories go through the
 * same registries (models/flavors/builtin.ts, artifacts/repository-registry.ts,
 * projects/backends/builtin.ts, store/sql/builtin-stores.ts).
 */
import { PluginLoadError } from './plugin-load-error.js';
import {
  registerArtifactRepository,
  type ArtifactRepositoryProvider,
} from '../artifacts/repository-registry.js';
import { registerFlavor, type Flavor } from '../models/flavors/flavor.js';
// Cairn's own flavors register first, so a plugin cannot take their names.
import '../models/flavors/builtin.js';
import { registerProjectBackend, type ProjectBackend } from '../projects/backends/backend-registry.js';
import '../projects/backends/builtin.js';
import { registerStoreDatabase, type StoreDatabaseDriver } from '../store/sql/open-database.js';
// Cairn's SQL stores register first, so a plugin cannot take their schemes.
import '../store/sql/builtin-stores.js';
import {
  registerRegistryStore,
  registerTrackingStore,
  type RegistryStoreProvider,
  type TrackingStoreProvider,
} from '../store/store-registry.js';
import { registerDeploymentTarget, type DeploymentTarget } from './deployment-target.js';
import { registerAuthenticationProvider, type AuthenticationProvider } from '../auth/provider-registry.js';

export { PluginLoadError };

export interface CairnPlugin {
  flavors?: readonly Flavor[];
  artifactRepositories?: readonly ArtifactRepositoryProvider[];
  deploymentTargets?: readonly DeploymentTarget[];
  projectBackends?: readonly ProjectBackend[];
  storeDatabases?: readonly StoreDatabaseDriver[];
  trackingStores?: readonly TrackingStoreProvider[];
  registryStores?: readonly RegistryStoreProvider[];
  authenticationProviders?: readonly AuthenticationProvider[];
}

type Registrar = (extension: never) => void;

const POINTS: Record<keyof CairnPlugin, Registrar> = {
  flavors: registerFlavor,
  artifactRepositories: registerArtifactRepository,
  deploymentTargets: registerDeploymentTarget,
  projectBackends: registerProjectBackend,
  storeDatabases: registerStoreDatabase,
  trackingStores: registerTrackingStore,
  registryStores: registerRegistryStore,
  authenticationProviders: registerAuthenticationProvider,
};

/**
 * Registers every extension of `plugin`. Errors name the plugin; an unknown key (a typo, or an
 * extension point of a newer Cairn) is refused rather than ignored.
 */
export function registerPlugin(pluginName: string, plugin: unknown): void {
  const fail = (why: string): never => {
    throw new PluginLoadError(`Plugin '${pluginName}': ${why}`);
  };
  if (!plugin || typeof plugin !== 'object')
    fail('exports no plugin object (default export or `cairnPlugin`).');
  const entries = Object.entries(plugin as Record<string, unknown>);
  for (const [key, list] of entries) {
    if (!Object.hasOwn(POINTS, key)) {
      fail(`unknown extension point '${key}' (this Cairn knows: ${Object.keys(POINTS).join(', ')}).`);
    }
    if (!Array.isArray(list)) fail(`'${key}' must be a list.`);
  }
  for (const [key, list] of entries) {
    for (const extension of list as unknown[]) {
      try {
        POINTS[key as keyof CairnPlugin](extension as never);
      } catch (err) {
        fail((err as Error).message);
      }
    }
  }
}
