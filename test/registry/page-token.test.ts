/** Registry searches read page tokens with the one bounded decoder the tracking searches use. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { upgradeSchema } from '../../src/store/sql/migrations.js';
import type { SqlDatabase } from '../../src/store/sql/database.js';
import { SqlRegistryStore } from '../../src/store/sql/sql-registry-store.js';
import { RegistryService } from '../../src/registry/registry-service.js';
import { MAX_PAGE_TOKEN_LENGTH } from '../../src/search/page-token.js';

describe('registry page tokens', () => {
  let db: SqlDatabase;
  let registry: RegistryService;

  before(async () => {
    db = openDatabase('sqlite://:memory:');
    await upgradeSchema(db);
    // Searching never reaches the tracking side.
    registry = new RegistryService(new SqlRegistryStore(db), {} as never);
    for (const name of ['a', 'b', 'c']) await registry.createRegisteredModel(name);
  });

  after(async () => {
    await db.close();
  });

  it('pages through registered models and model versions with the shared tokens', async () => {
    const first = await registry.searchRegisteredModels({ maxResults: 2 });
    assert.deepEqual(
      first.registered_models?.map((m) => m.name),
      ['a', 'b'],
    );
    const second = await registry.searchRegisteredModels({ maxResults: 2, pageToken: first.next_page_token });
    assert.deepEqual(
      second.registered_models?.map((m) => m.name),
      ['c'],
    );
    assert.equal(second.next_page_token, undefined);
  });

  it('refuses an over-long token before decoding it', async () => {
    const padded = Buffer.from(
      JSON.stringify({ offset: 0, pad: 'x'.repeat(MAX_PAGE_TOKEN_LENGTH) }),
    ).toString('base64');
    for (const search of [
      () => registry.searchRegisteredModels({ pageToken: padded }),
      () => registry.searchModelVersions({ pageToken: padded }),
    ]) {
      await assert.rejects(search(), (err: Error & { errorCode?: string }) => {
        assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
        assert.match(err.message, /Invalid page token: it is too long/);
        return true;
      });
    }
  });
});
