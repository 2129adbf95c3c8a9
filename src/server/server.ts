import type { FastifyInstance } from 'fastify';
import { openDatabase } from '../store/sql/open-database.js';
import { upgradeSchema } from '../store/sql/migrations.js';
import type { SqlDatabase } from '../store/sql/database.js';
import { SqlTrackingStore } from '../store/sql/sql-tracking-store.js';
import { SqlRegistryStore } from '../store/sql/sql-registry-store.js';
import { TrackingService } from '../tracking/tracking-service.js';
import { RegistryService } from '../registry/registry-service.js';
import { ArtifactService } from '../artifacts/artifact-service.js';
import { buildApp } from './app.js';
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
  const databases: SqlDatabase[] = [];
  const trackingDb = openDatabase(config.backendStoreUri);
  databases.push(trackingDb);
  await upgradeSchema(trackingDb);
  let registryDb = trackingDb;
  if (config.registryStoreUri && config.registryStoreUri !== config.backendStoreUri) {
    registryDb = openDatabase(config.registryStoreUri);
    databases.push(registryDb);
    await upgradeSchema(registryDb);
  }
  const trackingStore = new SqlTrackingStore(trackingDb, { defaultArtifactRoot: config.defaultArtifactRoot });
  await trackingStore.init();
  const tracking = new TrackingService(trackingStore, { truncateLongValues: config.truncateLongValues });
  const artifacts = new ArtifactService(config.artifactsDestination, tracking);
  const registry = new RegistryService(new SqlRegistryStore(registryDb), tracking, artifacts, {
    webhooks: config.webhooks,
    modelVersionSourcePattern: config.modelVersionSourcePattern,
  });
  const ctx: ServerContext = { config, tracking, registry, artifacts };
  return {
    ctx,
    close: async () => {
      await registry.close?.();
      // Queued (group-committed) writes finish before the databases close.
      await trackingStore.close();
      for (const db of databases) await db.close();
    },
  };
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const { ctx, close } = await createContext(config);
  let app: FastifyInstance;
  try {
    app = await buildApp(ctx);
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    // A port already in use must not leave database pools open (they would keep the process alive).
    await close().catch(() => undefined);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app,
    ctx,
    close: async () => {
      await app.close();
      await close();
    },
  };
}
