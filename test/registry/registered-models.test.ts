/** Registered-model endpoints over real HTTP on every backend: success and error cases. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, api, type TestServer } from '../helpers/server.js';
import { fails, failsInvalid, failsNotFound, makeRun, ok, type Json } from './helpers.js';

for (const backend of BACKENDS) {
  describe(`registered models API (${backend})`, () => {
    let s: TestServer;
    let url: string;
    before(async () => {
      s = await startTestServer(backend);
      url = s.url;
    });
    after(async () => s?.stop());

    it('creates, gets and rejects duplicates and bad input', async () => {
      const created = await ok(url, 'POST', 'registered-models/create', {
        name: 'rm-a',
        description: 'first',
        tags: [
          { key: 'team', value: 'ml' },
          { key: 'area', value: 'fraud' },
        ],
      });
      assert.equal(created.registered_model.name, 'rm-a');
      assert.equal(created.registered_model.description, 'first');
      assert.deepEqual(created.registered_model.tags, [
        { key: 'area', value: 'fraud' },
        { key: 'team', value: 'ml' },
      ]);
      assert.equal(typeof created.registered_model.creation_timestamp, 'number');
      assert.equal('latest_versions' in created.registered_model, false);
      assert.equal('aliases' in created.registered_model, false);

      const bare = await ok(url, 'POST', 'registered-models/create', { name: 'rm-bare' });
      assert.deepEqual(Object.keys(bare.registered_model).sort(), [
        'creation_timestamp',
        'last_updated_timestamp',
        'name',
      ]);

      await fails(
        url,
        'POST',
        'registered-models/create',
        { name: 'rm-a' },
        400,
        'RESOURCE_ALREADY_EXISTS',
        /rm-a/,
      );
      await failsInvalid(url, 'POST', 'registered-models/create', {}, /'name'/);
      await failsInvalid(url, 'POST', 'registered-models/create', { name: '' });
      await failsInvalid(url, 'POST', 'registered-models/create', { name: 'x'.repeat(257) });
      await failsInvalid(
        url,
        'POST',
        'registered-models/create',
        { name: 'rm-long', tags: [{ key: 'k', value: 'v'.repeat(5001) }] },
        /5000/,
      );
      await failsNotFound(url, 'GET', 'registered-models/get', { name: 'rm-long' });
      await ok(url, 'POST', 'registered-models/create', {
        name: 'rm-long',
        tags: [{ key: 'k', value: 'v'.repeat(5000) }],
      });

      const got = await ok(url, 'GET', 'registered-models/get', { name: 'rm-a' });
      assert.deepEqual(got.registered_model, created.registered_model);
      await failsNotFound(url, 'GET', 'registered-models/get', { name: 'nope' }, /nope/);
      await failsInvalid(url, 'GET', 'registered-models/get', undefined);
      // A POST-only route answers 405 to GET.
      const wrong = await api(url, 'GET', 'registered-models/create', { name: 'x' });
      assert.equal(wrong.status, 405);
    });

    it('serves every prefix', async () => {
      const viaPreview = await ok(url, 'POST', '/api/2.0/preview/mlflow/registered-models/create', {
        name: 'rm-prefix',
      });
      assert.equal(viaPreview.registered_model.name, 'rm-prefix');
      const viaAjax = await ok(url, 'GET', '/ajax-api/2.0/mlflow/registered-models/get', {
        name: 'rm-prefix',
      });
      assert.equal(viaAjax.registered_model.name, 'rm-prefix');
    });

    it('updates, tags and renames, carrying versions, tags and aliases along', async () => {
      const { runId } = await makeRun(url);
      await ok(url, 'POST', 'registered-models/create', { name: 'rm-ren' });
      await ok(url, 'POST', 'model-versions/create', { name: 'rm-ren', source: `runs:/${runId}/model` });
      await ok(url, 'POST', 'registered-models/alias', { name: 'rm-ren', alias: 'champion', version: '1' });
      await ok(url, 'POST', 'registered-models/set-tag', { name: 'rm-ren', key: 'env', value: 'prod' });
      await ok(url, 'POST', 'model-versions/set-tag', {
        name: 'rm-ren',
        version: '1',
        key: 'ok',
        value: 'yes',
      });

      const updated = await ok(url, 'PATCH', 'registered-models/update', {
        name: 'rm-ren',
        description: 'new',
      });
      assert.equal(updated.registered_model.description, 'new');
      await failsNotFound(url, 'PATCH', 'registered-models/update', { name: 'nope', description: 'x' });

      const renamed = await ok(url, 'POST', 'registered-models/rename', {
        name: 'rm-ren',
        new_name: 'rm-ren2',
      });
      assert.equal(renamed.registered_model.name, 'rm-ren2');
      assert.deepEqual(renamed.registered_model.tags, [{ key: 'env', value: 'prod' }]);
      assert.deepEqual(renamed.registered_model.aliases, [{ alias: 'champion', version: '1' }]);
      assert.equal(renamed.registered_model.latest_versions[0].name, 'rm-ren2');
      const v1 = await ok(url, 'GET', 'model-versions/get', { name: 'rm-ren2', version: '1' });
      assert.deepEqual(v1.model_version.tags, [{ key: 'ok', value: 'yes' }]);
      assert.deepEqual(v1.model_version.aliases, ['champion']);
      await failsNotFound(url, 'GET', 'registered-models/get', { name: 'rm-ren' });

      await fails(
        url,
        'POST',
        'registered-models/rename',
        { name: 'rm-ren2', new_name: 'rm-a' },
        400,
        'RESOURCE_ALREADY_EXISTS',
      );
      await failsNotFound(url, 'POST', 'registered-models/rename', { name: 'nope', new_name: 'y' });
      await failsInvalid(url, 'POST', 'registered-models/rename', { name: 'rm-ren2' }, /new_name/);

      // Tags: limits, unknown model, delete (a missing key is fine).
      await failsInvalid(url, 'POST', 'registered-models/set-tag', {
        name: 'rm-ren2',
        key: 'k'.repeat(251),
        value: 'v',
      });
      await failsInvalid(url, 'POST', 'registered-models/set-tag', {
        name: 'rm-ren2',
        key: 'k',
        value: 'v'.repeat(5001),
      });
      await failsNotFound(url, 'POST', 'registered-models/set-tag', { name: 'nope', key: 'k', value: 'v' });
      await ok(url, 'POST', 'registered-models/set-tag', { name: 'rm-ren2', key: 'env', value: 'staging' });
      await ok(url, 'DELETE', 'registered-models/delete-tag', { name: 'rm-ren2', key: 'missing' });
      let got = await ok(url, 'GET', 'registered-models/get', { name: 'rm-ren2' });
      assert.deepEqual(got.registered_model.tags, [{ key: 'env', value: 'staging' }]);
      await ok(url, 'DELETE', 'registered-models/delete-tag', { name: 'rm-ren2', key: 'env' });
      got = await ok(url, 'GET', 'registered-models/get', { name: 'rm-ren2' });
      assert.equal('tags' in got.registered_model, false);
      await failsNotFound(url, 'DELETE', 'registered-models/delete-tag', { name: 'nope', key: 'k' });
    });

    it('deletes a model with its versions, tags and aliases', async () => {
      const { runId } = await makeRun(url);
      await ok(url, 'POST', 'registered-models/create', { name: 'rm-del', tags: [{ key: 'a', value: 'b' }] });
      await ok(url, 'POST', 'model-versions/create', {
        name: 'rm-del',
        source: `runs:/${runId}/m`,
        tags: [{ key: 'x', value: 'y' }],
      });
      await ok(url, 'POST', 'model-versions/create', { name: 'rm-del', source: `runs:/${runId}/m` });
      await ok(url, 'POST', 'registered-models/alias', { name: 'rm-del', alias: 'prod', version: '2' });
      await ok(url, 'DELETE', 'registered-models/delete', { name: 'rm-del' });
      await failsNotFound(url, 'GET', 'registered-models/get', { name: 'rm-del' });
      await failsNotFound(url, 'GET', 'model-versions/get', { name: 'rm-del', version: '1' });
      const search = await ok(url, 'GET', 'model-versions/search', { filter: "name = 'rm-del'" });
      assert.deepEqual(search, {});
      await failsNotFound(url, 'DELETE', 'registered-models/delete', { name: 'rm-del' });
      await failsInvalid(url, 'DELETE', 'registered-models/delete', {});
      // The name is free again, with fresh versions, no old tags and no old aliases.
      await ok(url, 'POST', 'registered-models/create', { name: 'rm-del' });
      const v = await ok(url, 'POST', 'model-versions/create', {
        name: 'rm-del',
        source: `runs:/${runId}/m`,
      });
      assert.equal(v.model_version.version, '1');
      assert.equal('tags' in v.model_version, false);
      const m = await ok(url, 'GET', 'registered-models/get', { name: 'rm-del' });
      assert.equal('tags' in m.registered_model, false);
      assert.equal('aliases' in m.registered_model, false);
      await failsNotFound(url, 'GET', 'registered-models/alias', { name: 'rm-del', alias: 'prod' });
    });

    it('searches with filters, order and pages', async () => {
      for (const n of ['srch-b', 'srch-a', 'srch-C', 'other-x']) {
        await ok(url, 'POST', 'registered-models/create', {
          name: n,
          tags: [{ key: 'grp', value: n.startsWith('srch') ? 's' : 'o' }],
        });
      }
      const names = (r: Json): string[] => (r.registered_models ?? []).map((m: { name: string }) => m.name);
      assert.deepEqual(
        names(await ok(url, 'GET', 'registered-models/search', { filter: "name LIKE 'srch-%'" })),
        ['srch-C', 'srch-a', 'srch-b'],
      );
      assert.deepEqual(
        names(await ok(url, 'GET', 'registered-models/search', { filter: "name ILIKE 'SRCH-%'" })),
        ['srch-C', 'srch-a', 'srch-b'],
      );
      assert.deepEqual(
        names(await ok(url, 'GET', 'registered-models/search', { filter: "name = 'srch-a'" })),
        ['srch-a'],
      );
      assert.deepEqual(
        names(
          await ok(url, 'GET', 'registered-models/search', { filter: "name != 'srch-a' AND tags.grp = 's'" }),
        ),
        ['srch-C', 'srch-b'],
      );
      assert.deepEqual(
        names(await ok(url, 'GET', 'registered-models/search', { filter: "tags.grp LIKE 'o%'" })),
        ['other-x'],
      );
      assert.deepEqual(
        names(
          await ok(url, 'GET', 'registered-models/search', {
            filter: "name LIKE 'srch-%'",
            order_by: 'name DESC',
          }),
        ),
        ['srch-b', 'srch-a', 'srch-C'],
      );
      assert.deepEqual(
        names(
          await ok(url, 'GET', 'registered-models/search', {
            filter: "name LIKE 'srch-%'",
            order_by: ['creation_timestamp DESC'],
          }),
        ),
        ['srch-C', 'srch-a', 'srch-b'],
      );
      // Paging walks every match exactly once.
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await ok(url, 'GET', 'registered-models/search', {
          filter: "name LIKE 'srch-%'",
          max_results: 2,
          ...(token ? { page_token: token } : {}),
        });
        seen.push(...names(page));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(seen, ['srch-C', 'srch-a', 'srch-b']);
      assert.deepEqual(
        await ok(url, 'GET', 'registered-models/search', { filter: "name = 'none-such'" }),
        {},
      );
      await ok(url, 'GET', 'registered-models/search', { max_results: 1000 });
      await failsInvalid(url, 'GET', 'registered-models/search', { max_results: 1001 });
      await failsInvalid(url, 'GET', 'registered-models/search', { max_results: 0 });
      await failsInvalid(url, 'GET', 'registered-models/search', { filter: 'name = ' });
      await failsInvalid(url, 'GET', 'registered-models/search', { filter: "description = 'x'" });
      await failsInvalid(url, 'GET', 'registered-models/search', { filter: "name = 'a' OR name = 'b'" });
      await failsInvalid(url, 'GET', 'registered-models/search', { order_by: 'description ASC' });
      await failsInvalid(url, 'GET', 'registered-models/search', { page_token: 'bogus' });
    });

    it('reports the latest version per stage', async () => {
      const { runId } = await makeRun(url);
      await ok(url, 'POST', 'registered-models/create', { name: 'rm-lv' });
      for (let i = 0; i < 4; i++)
        await ok(url, 'POST', 'model-versions/create', { name: 'rm-lv', source: `runs:/${runId}/m` });
      await ok(url, 'POST', 'model-versions/transition-stage', {
        name: 'rm-lv',
        version: '2',
        stage: 'Staging',
      });
      await ok(url, 'POST', 'model-versions/transition-stage', {
        name: 'rm-lv',
        version: '3',
        stage: 'production',
      });
      const all = await ok(url, 'POST', 'registered-models/get-latest-versions', { name: 'rm-lv' });
      assert.deepEqual(
        all.model_versions.map((v: { version: string; current_stage: string }) => [
          v.current_stage,
          v.version,
        ]),
        [
          ['None', '4'],
          ['Staging', '2'],
          ['Production', '3'],
        ],
      );
      const staging = await ok(url, 'GET', 'registered-models/get-latest-versions', {
        name: 'rm-lv',
        stages: ['STAGING'],
      });
      assert.deepEqual(
        staging.model_versions.map((v: { version: string }) => v.version),
        ['2'],
      );
      const none = await ok(url, 'POST', 'registered-models/get-latest-versions', {
        name: 'rm-lv',
        stages: ['Archived'],
      });
      assert.deepEqual(none, {});
      await failsInvalid(
        url,
        'POST',
        'registered-models/get-latest-versions',
        { name: 'rm-lv', stages: ['Canary'] },
        /Canary/,
      );
      await failsNotFound(url, 'POST', 'registered-models/get-latest-versions', { name: 'nope' });
      const model = await ok(url, 'GET', 'registered-models/get', { name: 'rm-lv' });
      assert.deepEqual(
        model.registered_model.latest_versions.map((v: { version: string }) => v.version),
        ['4', '2', '3'],
      );
    });
  });
}
