/**
 * Extension points `trackingStore` and `registryStore` (interface versions
 * `EXTENSION_API_VERSIONS.trackingStore` / `.registryStore`): whole stores chosen by the scheme of
 * the backend (or registry) store URI, for data kept somewhere other than a SQL database. Cairn's
 * own SQL stores register through the same functions (`sql/builtin-stores.ts`) and also open any
 * scheme a `storeDatabase` driver was registered for.
 */
import { invalidParam } from '../errors.js';
import { checkApiVersion, type ExtensionPoint } from '../version.js';
import type { SqlDatabase } from './sql/database.js';
import { hasStoreDatabase, storeUriScheme } from './sql/open-database.js';
import type { RegistryStore } from './registry-store.js';
import type { TrackingStore } from './tracking-store.js';

/** A store as opened from its URI. */
export interface OpenedStore<S> {
  store: S;
  /**
   * The SQL database under the store, if there is one. What the server keeps beside the stores
   * (users and tokens, readiness and pool checks, the embedded secret key file) needs it; a store
   * without one serves tracking and the registry, but not authentication.
   */
  database?: SqlDatabase;
  /** Releases what the store holds beyond `store.close()` (the server closes `database` itself). */
  close?(): Promise<void>;
}

export interface TrackingStoreOptions {
  /** Where new experiments' artifacts go when created without a location. */
  defaultArtifactRoot: string;
  /** Connections a pooled database opens at most (`--db-pool-size`); stores may ignore it. */
  poolSize?: number;
}

export interface RegistryStoreOptions {
  /** The tracking store, when the registry store URI is the same as the backend store URI. */
  sameUriAs?: OpenedStore<TrackingStore>;
  /** Connections a pooled database opens at most (`--db-pool-size`); stores may ignore it. */
  poolSize?: number;
}

interface StoreProvider<O, S> {
  readonly apiVersion: number;
  readonly name: string;
  /** URI schemes, lower case, without `+driver` and the colon. */
  readonly schemes: readonly string[];
  /** Opens (and, if needed, creates or upgrades) the store; the server then calls `init()`. */
  open(uri: string, options: O): Promise<OpenedStore<S>>;
}

export type TrackingStoreProvider = StoreProvider<TrackingStoreOptions, TrackingStore>;
export type RegistryStoreProvider = StoreProvider<RegistryStoreOptions, RegistryStore>;

class StoreRegistry<O, S> {
  private readonly providers = new Map<string, StoreProvider<O, S>>();
  /** Opens schemes no provider claims but a `storeDatabase` driver does (the SQL stores). */
  sqlFallback: StoreProvider<O, S> | undefined;

  constructor(private readonly point: ExtensionPoint) {}

  register(provider: StoreProvider<O, S>, builtin: boolean): void {
    const name = String(provider?.name ?? '');
    checkApiVersion(this.point, name, provider?.apiVersion);
    if (typeof provider.open !== 'function')
      throw invalidParam(`The ${this.point} '${name}' has no open() function.`);
    const schemes = Array.isArray(provider.schemes)
      ? provider.schemes.map((x) => String(x).toLowerCase())
      : [];
    if (schemes.length === 0) throw invalidParam(`The ${this.point} '${name}' lists no schemes.`);
    for (const scheme of schemes) {
      if (!/^[a-z][a-z0-9.-]+$/.test(scheme))
        throw invalidParam(`'${scheme}' (from '${name}') is not a URI scheme.`);
      if (this.providers.has(scheme) || (!builtin && hasStoreDatabase(scheme)))
        throw invalidParam(`'${scheme}:' store URIs already have a ${this.point}.`);
    }
    for (const scheme of schemes) this.providers.set(scheme, provider);
  }

  async open(uri: string, options: O): Promise<OpenedStore<S>> {
    const scheme = storeUriScheme(uri);
    const provider = this.providers.get(scheme) ?? (hasStoreDatabase(scheme) ? this.sqlFallback : undefined);
    if (!provider) {
      throw invalidParam(
        `Unsupported ${this.point === 'trackingStore' ? 'backend' : 'registry'} store URI '${scheme}:...': ` +
          `expected sqlite:///path.db, postgresql://... or mysql://... (registered schemes: ${[...this.providers.keys()].sort().join(', ')}).`,
      );
    }
    return provider.open(uri, options);
  }
}

const trackingStores = new StoreRegistry<TrackingStoreOptions, TrackingStore>('trackingStore');
const registryStores = new StoreRegistry<RegistryStoreOptions, RegistryStore>('registryStore');

/** Adds a tracking store. Throws for an interface version this Cairn does not implement or a taken scheme. */
export function registerTrackingStore(provider: TrackingStoreProvider): void {
  trackingStores.register(provider, false);
}

/** Adds a registry store. Throws for an interface version this Cairn does not implement or a taken scheme. */
export function registerRegistryStore(provider: RegistryStoreProvider): void {
  registryStores.register(provider, false);
}

/** For `sql/builtin-stores.ts`: the SQL stores, which also open every scheme a database driver has. */
export function registerBuiltinSqlStores(
  tracking: TrackingStoreProvider,
  registry: RegistryStoreProvider,
): void {
  trackingStores.register(tracking, true);
  registryStores.register(registry, true);
  trackingStores.sqlFallback = tracking;
  registryStores.sqlFallback = registry;
}

export function openTrackingStore(
  uri: string,
  options: TrackingStoreOptions,
): Promise<OpenedStore<TrackingStore>> {
  return trackingStores.open(uri, options);
}

export function openRegistryStore(
  uri: string,
  options: RegistryStoreOptions = {},
): Promise<OpenedStore<RegistryStore>> {
  return registryStores.open(uri, options);
}
