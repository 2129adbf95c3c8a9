import type { FastifyInstance } from 'fastify';
import { sqlitePath, storeUriScheme } from '../store/sql/open-database.js';
import { openRegistryStore, openTrackingStore } from '../store/sql/builtin-stores.js';
import type { OpenedStore } from '../store/store-registry.js';
import type { RegistryStore } from '../store/registry-store.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { invalidParam } from '../errors.js';
import { registerLiveGauges, timedStore } from '../observability/metrics.js';
import { keyFileFor, loadSecretBox } from '../security/secret-key.js';
import { readinessChecks } from './readiness.js';
import { TrackingService } from '../tracking/tracking-service.js';
import { RegistryService } from '../registry/registry-service.js';
import { AllowedArtifactRoots } from '../artifacts/allowed-roots.js';
import { localPathOfUri } from '../artifacts/local-repository.js';
import { uriScheme } from '../artifacts/repository-registry.js';
import { startStaleUploadSweeper } from '../artifacts/stale-uploads.js';
import { ArtifactService } from '../artifacts/artifact-service.js';
import { buildApp, type AppOptions } from './app.js';
import { SqlAuthStore } from '../store/sql/sql-auth-store.js';
import { createAuthRuntime } from './auth/runtime.js';
import { createOidcVerifier } from '../auth/oidc.js';
import type { ServerConfig } from '../config/server-config.js';
import type { ServerContext } from './context.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:5000 */
  url: string;
  app: FastifyInstance;
  ctx: ServerContext;
  /** Stops accepting connections, finishes in-flight requests, closes the stores. */
  close(): Promise<void>;
}

/** Opens the stores (upgrading their schema), builds the services and the HTTP app. */
export async function createContext(
  config: ServerConfig,
): Promise<{ ctx: ServerContext; close(): Promise<void> }> {
  const opened = await openTrackingStore(config.backendStoreUri, {
    defaultArtifactRoot: config.defaultArtifactRoot,
    poolSize: config.dbPoolSize,
  });
  const trackingStore = opened.store;
  const registryUri = config.registryStoreUri || config.backendStoreUri;
  let openedRegistry: OpenedStore<RegistryStore>;
  try {
    openedRegistry = await openRegistryStore(registryUri, {
      sameUriAs: registryUri === config.backendStoreUri ? opened : undefined,
      poolSize: config.dbPoolSize,
    });
  } catch (err) {
    await closeOpened(opened);
    throw err;
  }
  const trackingDb = opened.database;
  const registryDb = openedRegistry.database;
  const databases = [...new Set([trackingDb, registryDb])].filter((db) => db !== undefined);
  const authDb = trackingDb ?? registryDb;
  if (config.auth && !authDb) {
    await closeOpened(opened);
    await openedRegistry.close?.().catch(() => undefined);
    throw invalidParam(
      `Authentication keeps users and tokens in a SQL database, and the '${storeUriScheme(config.backendStoreUri)}:' ` +
        'stores have none: use a SQL backend or registry store URI with --auth.',
    );
  }
  await trackingStore.init();
  const tracking = new TrackingService(timedStore(trackingStore, 'tracking'), {
    truncateLongValues: config.truncateLongValues,
  });
  const artifacts = new ArtifactService(
    config.artifactsDestination,
    tracking,
    {},
    new AllowedArtifactRoots(
      config.network.allowedArtifactRoots ?? [config.defaultArtifactRoot, config.artifactsDestination],
    ),
  );
  const registryStore = openedRegistry.store;
  // The embedded default keeps its secret key next to its SQLite file; server databases need
  // CAIRN_SECRET_KEY (the same on every instance).
  const keyFile = registryDb?.dialect.name === 'sqlite' ? keyFileFor(sqlitePath(registryUri)) : null;
  let registry: RegistryService;
  try {
    registry = new RegistryService(timedStore(registryStore, 'registry'), tracking, artifacts, {
      webhooks: { ...config.webhooks, secrets: loadSecretBox(process.env, keyFile) },
      modelVersionSourcePattern: config.modelVersionSourcePattern,
    });
    await registry.webhooks.sealStoredSecrets();
  } catch (err) {
    // A missing or wrong key stops the start-up: nothing may keep the process alive.
    await trackingStore.close().catch(() => undefined);
    await openedRegistry.close?.().catch(() => undefined);
    await opened.close?.().catch(() => undefined);
    for (const db of databases) await db.close().catch(() => undefined);
    throw err;
  }
  registry.dispatcher.start();
  const unregisterGauges = registerLiveGauges({
    pools: [
      ...(trackingDb ? [{ name: 'tracking', stats: () => trackingDb.poolStats?.() }] : []),
      ...(registryDb && registryDb !== trackingDb
        ? [{ name: 'registry', stats: () => registryDb.poolStats?.() }]
        : []),
    ],
    outboxDepth: () => registryStore.pendingDeliveries(),
  });
  const readiness = readinessChecks(
    config,
    databases.map((db) => ({ name: db === trackingDb ? 'tracking' : 'registry', db })),
    artifacts,
  );
  const ctx: ServerContext = { config, tracking, registry, artifacts, readiness };
  if (config.auth) {
    ctx.auth = await createAuthRuntime(
      config.auth,
      new SqlAuthStore(authDb!),
      tracking,
      registry,
      config.auth.oidc ? await createOidcVerifier(config.auth.oidc) : undefined,
    );
  }
  return {
    ctx,
    close: async () => {
      unregisterGauges();
      await ctx.auth?.close();
      await registry.close?.();
      // Queued (group-committed) writes finish before the databases close.
      await trackingStore.close();
      await openedRegistry.close?.();
      await opened.close?.();
      for (const db of databases) await db.close();
    },
  };
}

/** Releases a store opened before a later step of the start-up failed. */
async function closeOpened(opened: OpenedStore<TrackingStore>): Promise<void> {
  await opened.store.close().catch(() => undefined);
  await opened.close?.().catch(() => undefined);
  await opened.database?.close().catch(() => undefined);
}

/** Partial uploads untouched this long are removed (see stale-uploads.ts). */
const STALE_UPLOAD_AGE_MS = 10 * 60 * 1000;

/** The local folders the server writes artifacts to: the proxy destination and a local default root. */
function localArtifactFolders(config: ServerConfig): string[] {
  const folders = [config.artifactsDestination, config.defaultArtifactRoot]
    .filter((uri) => !uriScheme(uri) || uriScheme(uri) === 'file')
    .map(localPathOfUri);
  return [...new Set(folders)];
}

export async function startServer(config: ServerConfig, options: AppOptions = {}): Promise<RunningServer> {
  const { ctx, close } = await createContext(config);
  let app: FastifyInstance;
  try {
    app = await buildApp(ctx, options);
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    // A port already in use must not leave database pools open (they would keep the process alive).
    await close().catch(() => undefined);
    throw err;
  }
  const stopSweeper = startStaleUploadSweeper(
    localArtifactFolders(config),
    {
      // Well past the idle timeout: a live upload writes (and refreshes its file's time) far more often.
      olderThanMs: Math.max(STALE_UPLOAD_AGE_MS, 2 * config.network.idleTimeoutMs),
      intervalMs: STALE_UPLOAD_AGE_MS,
    },
    app.log,
  );
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app,
    ctx,
    close: async () => {
      stopSweeper();
      await app.close();
      await close();
    },
  };
}
