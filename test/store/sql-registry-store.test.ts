/** The SQL model-registry store on every database of the matrix: the registry-store contract. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import { SqlRegistryStore } from '../../src/store/sql/sql-registry-store.js';
import { describeRegistryStoreContract } from './contract/registry-store-contract.js';

for (const backend of BACKENDS) {
  describeRegistryStoreContract(`sql, ${backend}`, async () => {
    const tmpDir = await mkdtemp(join(tmpdir(), 'cairn-registry-store-'));
    const testDb = await createTestDatabase(backend, tmpDir);
    const db = openDatabase(testDb.uri);
    await upgradeSchema(db);
    return {
      store: new SqlRegistryStore(db),
      close: async () => {
        await db.close();
        await testDb.drop();
        await rm(tmpDir, { recursive: true, force: true });
      },
    };
  });
}
