import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { currentSchemaVersion, upgradeSchema } from '../../src/store/sql/migrations.js';
import { MIGRATIONS } from '../../src/store/sql/migrations/index.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { parseOrderByList } from '../../src/search/index.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./fixtures/start-store.ts', import.meta.url));

for (const backend of BACKENDS) {
  describe(`schema and init across processes (${backend})`, () => {
    it('upgrades once and creates one default experiment when servers start together', async () => {
      const tmp = await mkdtemp(join(tmpdir(), 'cairn-schema-'));
      const testDb = await createTestDatabase(backend, tmp);
      const dbs = [openDatabase(testDb.uri)];
      try {
        // Three server processes starting at the same moment on an empty database.
        const results = await Promise.all(
          ['exp-a', 'exp-b', 'exp-c'].map(async (name) => {
            const { stdout } = await run(process.execPath, ['--import', 'tsx', child, testDb.uri, name], {
              timeout: 120_000,
            });
            return JSON.parse(stdout) as { applied: number; id: string };
          }),
        );
        const applied = results.reduce((n, r) => n + r.applied, 0);
        assert.equal(applied, MIGRATIONS.length, 'each migration applied exactly once');
        assert.deepEqual(results.map((r) => r.id).sort(), ['1', '2', '3']);
        assert.equal(await currentSchemaVersion(dbs[0]!), Math.max(...MIGRATIONS.map((m) => m.version)));
        assert.deepEqual(await upgradeSchema(dbs[0]!), []);
        const store = new SqlTrackingStore(dbs[0]!, { defaultArtifactRoot: 's3://bucket/root/' });
        await store.init();
        const all = await store.searchExperiments({
          viewType: 'ALL',
          maxResults: 10,
          orderBy: parseOrderByList('experiments', ['experiment_id ASC']),
        });
        assert.deepEqual(
          all.items.map((e) => [e.experiment_id, e.artifact_location]),
          [
            ['0', 's3://bucket/root/0'],
            ['1', 's3://bucket/root/1'],
            ['2', 's3://bucket/root/2'],
            ['3', 's3://bucket/root/3'],
          ],
        );
        assert.equal(all.items[0]!.name, 'Default');
      } finally {
        for (const db of dbs) await db.close();
        await testDb.drop();
        await rm(tmp, { recursive: true, force: true });
      }
    });
  });
}
