/** Model-version and alias endpoints over real HTTP on every backend: success and error cases. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fails, failsInvalid, failsNotFound, makeRun, ok, type Json } from './helpers.js';

const versionsOf = (r: Json): string[] => (r.model_versions ?? []).map((v: { version: string }) => v.version);

for (const backend of BACKENDS) {
  describe(`model versions API (${backend})`, () => {
    let s: TestServer;
    let url: string;
    let run: Awaited<ReturnType<typeof makeRun>>;
    before(async () => {
      s = await startTestServer(backend);
      url = s.url;
      run = await makeRun(url);
      await ok(url, 'POST', 'registered-models/create', { name: 'mv' });
    });
    after(async () => s?.stop());

    it('creates versions from runs:/, storage and models:/ sources', async () => {
      const v1 = await ok(url, 'POST', 'model-versions/create', {
        name: 'mv',
        source: `runs:/${run.runId}/model`,
        description: 'one',
        run_link: 'http://ci/1',
        tags: [{ key: 'validated', value: 'no' }],
      });
      assert.deepEqual(v1.model_version, {
        ...v1.model_version,
        name: 'mv',
        version: '1',
        current_stage: 'None',
        description: 'one',
        source: `runs:/${run.runId}/model`,
        run_id: run.runId,
        status: 'READY',
        run_link: 'http://ci/1',
        tags: [{ key: 'validated', value: 'no' }],
      });
      const storage = `${run.artifactUri}/model`;
      const v2 = await ok(url, 'POST', 'model-versions/create', { name: 'mv', source: storage });
      assert.equal(v2.model_version.version, '2');
      assert.equal(v2.model_version.run_id, '');
      assert.equal(v2.model_version.description, '');

      // A models:/ source keeps its text; its files are those of the version it names.
      const v3 = await ok(url, 'POST', 'model-versions/create', { name: 'mv', source: 'models:/mv/1' });
      assert.equal(v3.model_version.source, 'models:/mv/1');
      assert.equal(v3.model_version.run_id, run.runId);
      const dl3 = await ok(url, 'GET', 'model-versions/get-download-uri', { name: 'mv', version: '3' });
      assert.equal(dl3.artifact_uri, `${run.artifactUri}/model`);

      // A logged model source: run id from the logged model, files at its artifact location.
      const lm = await ok(url, 'POST', 'logged-models', {
        experiment_id: run.experimentId,
        source_run_id: run.runId,
      });
      const modelId = lm.model.info.model_id as string;
      const v4 = await ok(url, 'POST', 'model-versions/create', {
        name: 'mv',
        source: `models:/${modelId}`,
        model_id: modelId,
      });
      assert.equal(v4.model_version.run_id, run.runId);
      const dl4 = await ok(url, 'GET', 'model-versions/get-download-uri', { name: 'mv', version: '4' });
      assert.equal(dl4.artifact_uri, lm.model.info.artifact_uri);

      const dl1 = await ok(url, 'GET', 'model-versions/get-download-uri', { name: 'mv', version: 1 });
      assert.equal(dl1.artifact_uri, `runs:/${run.runId}/model`);
      const dl2 = await ok(url, 'GET', 'model-versions/get-download-uri', { name: 'mv', version: '2' });
      assert.equal(dl2.artifact_uri, storage);
      // The artifact layer gets a concrete location for runs:/ sources.
      assert.equal(
        await s.ctx.registry.resolveModelVersionArtifactUri('mv', '1'),
        `${run.artifactUri}/model`,
      );
    });

    it('rejects bad sources and unknown models', async () => {
      const bad = (payload: Json, code: string, status: number, re?: RegExp) =>
        fails(url, 'POST', 'model-versions/create', payload, status, code, re);
      await bad({ name: 'mv' }, 'INVALID_PARAMETER_VALUE', 400, /source/);
      await bad({ name: 'nope', source: `runs:/${run.runId}/m` }, 'RESOURCE_DOES_NOT_EXIST', 404, /nope/);
      await bad(
        { name: 'mv', source: 'mlflow-artifacts:/../../etc' },
        'INVALID_PARAMETER_VALUE',
        400,
        /absolute path/,
      );
      await bad({ name: 'mv', source: 's3://bucket/a/%2e%2e/%2E%2E/b' }, 'INVALID_PARAMETER_VALUE', 400);
      await bad({ name: 'mv', source: `runs:/${run.runId}/../other` }, 'INVALID_PARAMETER_VALUE', 400);
      await bad({ name: 'mv', source: 'file:///tmp/x\u0000y' }, 'INVALID_PARAMETER_VALUE', 400);
      await bad({ name: 'mv', source: '/etc/passwd' }, 'INVALID_PARAMETER_VALUE', 400, /run_id/);
      // With a run whose artifacts are not local, a local path is never inside them.
      await bad({ name: 'mv', source: '/etc/passwd', run_id: run.runId }, 'INVALID_PARAMETER_VALUE', 400);
      await bad({ name: 'mv', source: 'models:/mv/99' }, 'RESOURCE_DOES_NOT_EXIST', 404, /mv/);
      await bad({ name: 'mv', source: 'models:/mv@ghost' }, 'RESOURCE_DOES_NOT_EXIST', 404, /ghost/);
      await bad(
        { name: 'mv', source: `runs:/${run.runId}/m`, tags: [{ key: 'k', value: 'v'.repeat(5001) }] },
        'INVALID_PARAMETER_VALUE',
        400,
      );
    });

    it('gets, updates, tags and reports errors by version', async () => {
      await failsNotFound(url, 'GET', 'model-versions/get', { name: 'mv', version: '99' }, /version=99/);
      await failsInvalid(url, 'GET', 'model-versions/get', { name: 'mv', version: 'one' }, /integer/);
      await failsInvalid(url, 'GET', 'model-versions/get', { name: 'mv' }, /version/);
      await failsNotFound(url, 'GET', 'model-versions/get', { name: 'nope', version: '1' });
      const upd = await ok(url, 'PATCH', 'model-versions/update', {
        name: 'mv',
        version: '1',
        description: 'v one',
      });
      assert.equal(upd.model_version.description, 'v one');
      await failsNotFound(url, 'PATCH', 'model-versions/update', {
        name: 'mv',
        version: '99',
        description: 'x',
      });

      await ok(url, 'POST', 'model-versions/set-tag', {
        name: 'mv',
        version: '1',
        key: 'validated',
        value: 'yes',
      });
      await ok(url, 'POST', 'model-versions/set-tag', { name: 'mv', version: '1', key: 'tmp', value: '' });
      await failsNotFound(url, 'POST', 'model-versions/set-tag', {
        name: 'mv',
        version: '99',
        key: 'k',
        value: 'v',
      });
      await failsInvalid(url, 'POST', 'model-versions/set-tag', {
        name: 'mv',
        version: '1',
        key: 'k',
        value: 'v'.repeat(5001),
      });
      await failsInvalid(url, 'POST', 'model-versions/set-tag', {
        name: 'mv',
        version: '1',
        key: 'k'.repeat(251),
        value: 'v',
      });
      await failsInvalid(url, 'POST', 'model-versions/set-tag', { name: 'mv', version: '1', key: 'k' });
      await ok(url, 'DELETE', 'model-versions/delete-tag', { name: 'mv', version: '1', key: 'tmp' });
      await ok(url, 'DELETE', 'model-versions/delete-tag', { name: 'mv', version: '1', key: 'never-set' });
      await failsNotFound(url, 'DELETE', 'model-versions/delete-tag', {
        name: 'mv',
        version: '99',
        key: 'k',
      });
      const got = await ok(url, 'GET', 'model-versions/get', { name: 'mv', version: '1' });
      assert.deepEqual(got.model_version.tags, [{ key: 'validated', value: 'yes' }]);
    });

    it('transitions stages, archiving others on request', async () => {
      const t = (body: Json) => ok(url, 'POST', 'model-versions/transition-stage', body);
      assert.equal(
        (await t({ name: 'mv', version: '1', stage: 'staging' })).model_version.current_stage,
        'Staging',
      );
      const v2 = await t({ name: 'mv', version: '2', stage: 'STAGING', archive_existing_versions: true });
      assert.equal(v2.model_version.current_stage, 'Staging');
      const v1 = await ok(url, 'GET', 'model-versions/get', { name: 'mv', version: '1' });
      assert.equal(v1.model_version.current_stage, 'Archived');
      await t({ name: 'mv', version: '3', stage: 'Production', archive_existing_versions: false });
      await t({ name: 'mv', version: '4', stage: 'Production' });
      const v3 = await ok(url, 'GET', 'model-versions/get', { name: 'mv', version: '3' });
      assert.equal(v3.model_version.current_stage, 'Production');
      await t({ name: 'mv', version: '1', stage: 'None' });
      await failsInvalid(
        url,
        'POST',
        'model-versions/transition-stage',
        { name: 'mv', version: '1', stage: 'Canary' },
        /Canary/,
      );
      await failsNotFound(url, 'POST', 'model-versions/transition-stage', {
        name: 'mv',
        version: '99',
        stage: 'Staging',
      });
      await failsInvalid(
        url,
        'POST',
        'model-versions/transition-stage',
        { name: 'mv', version: '1', stage: 'Archived', archive_existing_versions: true },
        /Active stage/,
      );
      await failsInvalid(url, 'POST', 'model-versions/transition-stage', { name: 'mv', version: '1' });
    });

    it('sets, gets and deletes aliases', async () => {
      await ok(url, 'POST', 'registered-models/alias', { name: 'mv', alias: 'champion', version: '1' });
      await ok(url, 'POST', 'registered-models/alias', { name: 'mv', alias: 'challenger', version: '2' });
      await ok(url, 'POST', 'registered-models/alias', { name: 'mv', alias: 'challenger', version: 3 });
      const got = await ok(url, 'GET', 'registered-models/alias', { name: 'mv', alias: 'champion' });
      assert.equal(got.model_version.version, '1');
      assert.deepEqual(got.model_version.aliases, ['champion']);
      const model = await ok(url, 'GET', 'registered-models/get', { name: 'mv' });
      assert.deepEqual(model.registered_model.aliases, [
        { alias: 'challenger', version: '3' },
        { alias: 'champion', version: '1' },
      ]);
      const bad = (body: Json, status: number, code: string, re?: RegExp) =>
        fails(url, 'POST', 'registered-models/alias', body, status, code, re);
      await bad({ name: 'mv', alias: 'latest', version: '1' }, 400, 'INVALID_PARAMETER_VALUE', /reserved/);
      await bad({ name: 'mv', alias: 'LATEST', version: '1' }, 400, 'INVALID_PARAMETER_VALUE', /reserved/);
      await bad({ name: 'mv', alias: 'v1', version: '1' }, 400, 'INVALID_PARAMETER_VALUE', /reserved/);
      await bad({ name: 'mv', alias: 'V22', version: '1' }, 400, 'INVALID_PARAMETER_VALUE', /reserved/);
      await bad(
        { name: 'mv', alias: 'bad alias!', version: '1' },
        400,
        'INVALID_PARAMETER_VALUE',
        /alphanumerics/,
      );
      await bad({ name: 'mv', alias: 'ghost', version: '99' }, 404, 'RESOURCE_DOES_NOT_EXIST');
      await bad({ name: 'nope', alias: 'x', version: '1' }, 404, 'RESOURCE_DOES_NOT_EXIST');
      await failsNotFound(url, 'GET', 'registered-models/alias', { name: 'mv', alias: 'nobody' }, /nobody/);
      await failsNotFound(url, 'GET', 'registered-models/alias', { name: 'nope', alias: 'x' });
      await ok(url, 'DELETE', 'registered-models/alias', { name: 'mv', alias: 'challenger' });
      await ok(url, 'DELETE', 'registered-models/alias', { name: 'mv', alias: 'challenger' });
      await failsNotFound(url, 'GET', 'registered-models/alias', { name: 'mv', alias: 'challenger' });
    });

    it('searches versions with filters, order and pages', async () => {
      const search = (q: Json) => ok(url, 'GET', 'model-versions/search', q);
      assert.deepEqual(versionsOf(await search({ filter: "name = 'mv'", order_by: 'version_number ASC' })), [
        '1',
        '2',
        '3',
        '4',
      ]);
      assert.deepEqual(
        versionsOf(
          await search({ filter: "name = 'mv' AND version_number >= 3", order_by: ['version_number DESC'] }),
        ),
        ['4', '3'],
      );
      assert.deepEqual(versionsOf(await search({ filter: "version_number = '2' AND name = 'mv'" })), ['2']);
      assert.deepEqual(
        versionsOf(await search({ filter: `run_id = '${run.runId}'`, order_by: 'version_number' })),
        ['1', '3', '4'],
      );
      assert.deepEqual(
        versionsOf(await search({ filter: `run_id IN ('${run.runId}', 'abc')`, order_by: 'version_number' })),
        ['1', '3', '4'],
      );
      assert.deepEqual(versionsOf(await search({ filter: "tags.validated = 'yes'" })), ['1']);
      assert.deepEqual(
        versionsOf(await search({ filter: "source_path LIKE 'models:/%'", order_by: 'version_number' })),
        ['3', '4'],
      );
      assert.deepEqual(versionsOf(await search({ filter: "name ILIKE 'MV'", order_by: 'version_number' })), [
        '1',
        '2',
        '3',
        '4',
      ]);
      // Search results do not list aliases (only single reads do).
      const one = await search({ filter: "name = 'mv' AND version_number = 1" });
      assert.equal('aliases' in one.model_versions[0], false);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await search({
          filter: "name = 'mv'",
          max_results: 3,
          order_by: 'version_number',
          ...(token ? { page_token: token } : {}),
        });
        seen.push(...versionsOf(page));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(seen, ['1', '2', '3', '4']);
      await failsInvalid(url, 'GET', 'model-versions/search', { max_results: 200001 });
      await failsInvalid(url, 'GET', 'model-versions/search', { filter: "version_number = 'abc'" });
      await failsInvalid(url, 'GET', 'model-versions/search', { filter: "stage = 'Staging'" });
      await failsInvalid(url, 'GET', 'model-versions/search', { order_by: 'stage' });
    });

    it('deletes versions without reusing their numbers', async () => {
      await ok(url, 'POST', 'registered-models/alias', { name: 'mv', alias: 'doomed', version: '4' });
      await ok(url, 'DELETE', 'model-versions/delete', { name: 'mv', version: '4' });
      await failsNotFound(url, 'GET', 'model-versions/get', { name: 'mv', version: '4' });
      await failsNotFound(url, 'DELETE', 'model-versions/delete', { name: 'mv', version: '4' });
      await failsNotFound(url, 'GET', 'registered-models/alias', { name: 'mv', alias: 'doomed' });
      const v5 = await ok(url, 'POST', 'model-versions/create', {
        name: 'mv',
        source: `runs:/${run.runId}/model2`,
      });
      assert.equal(v5.model_version.version, '5');
      await failsNotFound(url, 'GET', 'model-versions/get-download-uri', { name: 'mv', version: '4' });
    });
  });
}
