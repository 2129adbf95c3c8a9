/**
 * Opens Cairn's own stores for `cairn import` (as the target) and `cairn export` (as the source),
 * with the same settings the server uses: backend store URI, default artifact root and the
 * artifact proxy's destination (where `mlflow-artifacts:/` locations are stored).
 */
import { ArtifactService } from '../artifacts/artifact-service.js';
import { SqlImportStore } from '../store/sql/import/sql-import-store.js';
import { upgradeSchema } from '../store/sql/migrations.js';
import { openDatabase } from '../store/sql/open-database.js';
import { SqlRegistryStore } from '../store/sql/sql-registry-store.js';
import { SqlTrackingStore } from '../store/sql/sql-tracking-store.js';
import { CairnStoreSource } from './cairn-store-source.js';
import type { ImportTarget } from './importer.js';

export interface CairnStoreSettings {
  backendStoreUri: string;
  defaultArtifactRoot: string;
  artifactsDestination: string;
  /** Names the store in messages and in an export's manifest (no credentials). */
  label: string;
}

export interface CairnStores {
  target: ImportTarget;
  source: CairnStoreSource;
  close(): Promise<void>;
}

export async function openCairnStores(settings: CairnStoreSettings): Promise<CairnStores> {
  const db = openDatabase(settings.backendStoreUri);
  try {
    await upgradeSchema(db);
    const tracking = new SqlTrackingStore(db, { defaultArtifactRoot: settings.defaultArtifactRoot });
    await tracking.init();
    const artifacts = new ArtifactService(settings.artifactsDestination, tracking);
    const at = (uri: string) => artifacts.repositoryFor(uri);
    return {
      target: {
        store: new SqlImportStore(db),
        defaultArtifactRoot: settings.defaultArtifactRoot,
        artifacts: at,
      },
      source: new CairnStoreSource(settings.label, tracking, new SqlRegistryStore(db), at),
      close: async () => {
        await tracking.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
