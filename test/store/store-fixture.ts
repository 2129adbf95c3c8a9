/** Opens a fresh, migrated SqlTrackingStore on a new database of the given backend. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import type { SqlDatabase } from '../../src/store/sql/database.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { createTestDatabase, type BackendKind } from '../helpers/backends.js';
import type { StoreFixture } from './contract/fixture.js';

export interface SqlStoreFixture extends StoreFixture {
  store: SqlTrackingStore;
  db: SqlDatabase;
  uri: string;
}

export async function openStore(
  backend: BackendKind,
  artifactRoot = 'mlflow-artifacts:/',
): Promise<SqlStoreFixture> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'cairn-store-'));
  const testDb = await createTestDatabase(backend, tmpDir);
  const db = openDatabase(testDb.uri);
  await upgradeSchema(db);
  const store = new SqlTrackingStore(db, { defaultArtifactRoot: artifactRoot });
  await store.init();
  return {
    store,
    db,
    uri: testDb.uri,
    close: async () => {
      await store.close();
      await db.close();
      await testDb.drop();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}
