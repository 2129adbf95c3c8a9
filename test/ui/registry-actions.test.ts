/** Browser tests: the model registry's actions (aliases, stages, edits, registering, deleting). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { api } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, screenshot } from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import {
  getModel as fetchModel,
  getVersion as fetchVersion,
  seedRegistry,
  startRegistryUi,
  stopRegistryUi,
  tagMap,
  type RegistryUi,
  type Version,
} from './registry-fixtures.js';

for (const backend of BACKENDS) {
  describe(`UI: model registry actions (${backend})`, () => {
    let ctx: RegistryUi;
    let page: Page;
    let base: string;
    let runB: string;
    const getModel = (name: string) => fetchModel(base, name);
    const getVersion = (name: string, version: string) => fetchVersion(base, name, version);

    before(async () => {
      ctx = await startRegistryUi(backend);
      ({ page, base, runB } = ctx);
      await seedRegistry(ctx);
    });

    after(() => stopRegistryUi(ctx));

    test('aliases are set and removed from the model page, removal only after confirmation', async () => {
      await page.goto(`${base}/models/fraud-detector`);
      await page.locator('[data-testid=versions-table]').waitFor();
      await page.click('[data-testid=add-alias]');
      await page.fill('[data-testid=alias-input]', 'challenger');
      await page.selectOption('[data-testid=alias-version]', '1');
      await page.click('[data-testid=alias-dialog] button[type=submit]');
      await page.locator('[data-testid=version-row][data-version="1"] [data-alias=challenger]').waitFor();
      assert.deepEqual(
        (await getModel('fraud-detector')).aliases,
        [
          { alias: 'champion', version: '2' },
          { alias: 'challenger', version: '1' },
        ].sort((a, b) => a.alias.localeCompare(b.alias)),
      );

      // Moving an existing alias says so before doing it.
      await page.click('[data-testid=add-alias]');
      await page.fill('[data-testid=alias-input]', 'champion');
      await page.selectOption('[data-testid=alias-version]', '1');
      assert.match(
        (await page.textContent('[data-testid=alias-dialog] .notice')) ?? '',
        /points at version 2/,
      );
      assert.equal(await page.textContent('[data-testid=alias-dialog] button[type=submit]'), 'Move alias');
      await page.click('[data-testid=alias-dialog] button:has-text("Cancel")');
      assert.equal(
        (await getModel('fraud-detector')).aliases?.find((a) => a.alias === 'champion')?.version,
        '2',
      );

      // Remove: cancelling keeps the alias, confirming removes it.
      const row = page.locator('[data-testid=alias-row][data-alias=challenger]');
      await row.locator('[data-testid=remove-alias]').click();
      await page.locator('.modal h2').waitFor();
      assert.equal(await page.textContent('.modal h2'), 'Remove alias “challenger”?');
      await page.click('.modal button:has-text("Cancel")');
      assert.equal(await page.locator('.modal').count(), 0);
      assert.ok((await getModel('fraud-detector')).aliases?.some((a) => a.alias === 'challenger'));
      await row.locator('[data-testid=remove-alias]').click();
      await page.click('.modal button:has-text("Remove alias")');
      await eventually(async () => assert.equal(await row.count(), 0));
      assert.deepEqual((await getModel('fraud-detector')).aliases, [{ alias: 'champion', version: '2' }]);
      const gone = await api(base, 'GET', 'registered-models/alias', {
        name: 'fraud-detector',
        alias: 'challenger',
      });
      assert.notEqual(gone.status, 200);
    });

    test('the model description and tags are edited in place', async () => {
      await page.click('[data-testid=edit-description]');
      await page.fill(
        '[data-testid=description-input]',
        '# Fraud\nNow with a [runbook](https://example.com/runbook).\n\n[click me](javascript:alert(1)) <b>raw</b>',
      );
      await page.click('[data-testid=save-description]');
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=description-text] h2'), 'Fraud'),
      );
      // Only web links become anchors; markup in a description is shown as text, never parsed.
      assert.deepEqual(
        await page
          .locator('[data-testid=description-text] a')
          .evaluateAll((els) => els.map((e) => e.getAttribute('href'))),
        ['https://example.com/runbook'],
      );
      assert.equal(await page.locator('[data-testid=description-text] b').count(), 0);
      assert.match((await page.textContent('[data-testid=description-text]')) ?? '', /<b>raw<\/b>/);
      assert.equal(
        (await getModel('fraud-detector')).description,
        '# Fraud\nNow with a [runbook](https://example.com/runbook).\n\n[click me](javascript:alert(1)) <b>raw</b>',
      );

      await page.fill('[data-testid=new-tag-key]', 'owner');
      await page.fill('[data-testid=new-tag-value]', 'grace');
      await page.click('[data-testid=add-tag]');
      await page.locator('[data-tag=owner]').waitFor();
      await page.locator('[data-tag=team] [data-testid=edit-tag]').click();
      await page.fill('[data-testid=tag-edit-input]', 'fraud-ops');
      await page.press('[data-testid=tag-edit-input]', 'Enter');
      await eventually(async () =>
        assert.equal(await page.textContent('[data-tag=team] [data-testid=tag-value]'), 'fraud-ops'),
      );
      await page.locator('[data-tag=data] [data-testid=delete-tag]').click();
      await page.click('.modal button:has-text("Delete tag")');
      await eventually(async () => assert.equal(await page.locator('[data-tag=data]').count(), 0));
      assert.deepEqual(tagMap((await getModel('fraud-detector')).tags), {
        owner: 'grace',
        team: 'fraud-ops',
      });
    });

    test('a stage transition can archive the versions already in that stage', async () => {
      await page.goto(`${base}/models/fraud-detector/versions/2`);
      await page.locator('[data-testid=model-files] [data-testid=mlmodel-view]').waitFor();
      await page.click('[data-testid=transition-stage]');
      await page.selectOption('[data-testid=stage-select]', 'Production');
      await eventually(async () =>
        assert.match((await page.textContent('[data-testid=transition-dialog]')) ?? '', /\(version 1\)/),
      );
      await page.check('[data-testid=archive-existing]');
      await screenshot(page, 'registry-transition-dialog');
      await page.click('[data-testid=transition-dialog] button[type=submit]');
      await eventually(async () =>
        assert.equal(await page.textContent('.page-head [data-testid=stage-badge]'), 'Production'),
      );
      assert.equal((await getVersion('fraud-detector', '2')).current_stage, 'Production');
      assert.equal((await getVersion('fraud-detector', '1')).current_stage, 'Archived');
    });

    test('version description, tags and aliases are edited on the version page', async () => {
      await page.click('[data-testid=edit-description]');
      await page.fill('[data-testid=description-input]', 'Validated on **holdout** set');
      await page.click('[data-testid=save-description]');
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=description-text] strong'), 'holdout'),
      );
      assert.equal((await getVersion('fraud-detector', '2')).description, 'Validated on **holdout** set');

      await page.fill('[data-testid=new-tag-key]', 'validated');
      await page.fill('[data-testid=new-tag-value]', 'yes');
      await page.click('[data-testid=add-tag]');
      await page.locator('[data-tag=validated]').waitFor();
      assert.deepEqual(tagMap((await getVersion('fraud-detector', '2')).tags), { validated: 'yes' });

      await page.click('[data-testid=add-alias]');
      await page.fill('[data-testid=alias-input]', 'prod');
      assert.equal(await page.locator('[data-testid=alias-version]').count(), 0);
      await page.click('[data-testid=alias-dialog] button[type=submit]');
      await page.locator('[data-testid=alias-row][data-alias=prod]').waitFor();
      assert.match(
        (await page.textContent('[data-testid=alias-row][data-alias=prod]')) ?? '',
        /models:\/fraud-detector@prod/,
      );
      const byAlias = await call<{ model_version: Version }>(base, 'GET', 'registered-models/alias', {
        name: 'fraud-detector',
        alias: 'prod',
      });
      assert.equal(byAlias.model_version.version, '2');
      // The header lists the version's aliases.
      assert.deepEqual(await page.locator('.page-head [data-testid=alias-chip]').allTextContents(), [
        '@champion',
        '@prod',
      ]);
    });

    test('a run’s model folder is registered from the artifact browser, as a new version or a new model', async () => {
      // A file outside any model folder offers nothing.
      await page.goto(`${base}/runs/${runB}?tab=artifacts&path=notes.txt`);
      await page.locator('[data-testid=text-preview]').waitFor();
      assert.equal(await page.locator('[data-testid=model-folder-actions]').count(), 0);
      // Another file of the model folder offers the action too.
      await page.click('[data-path="model"]');
      await page.click('[data-path="model/input_example.json"]');
      await page.locator('[data-testid=model-folder-actions]').waitFor();
      await page.click('[data-path="model/MLmodel"]');
      await page.locator('[data-testid=mlmodel-view]').waitFor();
      // Records-orient input examples render as a table.
      await page.locator('[data-testid=input-example]').waitFor();
      assert.deepEqual(await page.locator('[data-testid=input-example] td').allTextContents(), [
        '7.25',
        '52',
        '1.5',
        '19',
      ]);

      // The versions already made from this folder are listed.
      await eventually(async () =>
        assert.deepEqual(await page.locator('[data-testid=registered-version]').allTextContents(), [
          'churn-model version 1',
        ]),
      );
      await page.click('[data-testid=register-model]');
      await page.click('[data-testid=register-mode-existing]');
      await page.fill('[data-testid=register-existing]', 'fraud-detector');
      assert.match(
        (await page.textContent('[data-testid=register-dialog]')) ?? '',
        new RegExp(`runs:/${runB}/model`),
      );
      await screenshot(page, 'registry-register-dialog');
      await page.click('[data-testid=register-dialog] button[type=submit]');
      await eventually(async () =>
        assert.deepEqual(await page.locator('[data-testid=registered-version]').allTextContents(), [
          'churn-model version 1',
          'fraud-detector version 3',
        ]),
      );
      const v3 = await getVersion('fraud-detector', '3');
      assert.equal(v3.source, `runs:/${runB}/model`);
      assert.equal(v3.run_id, runB);

      // A name that is taken is refused with the server's message, and nothing is created.
      await page.click('[data-testid=register-model]');
      await page.fill('[data-testid=register-name]', 'churn-model');
      await page.click('[data-testid=register-dialog] button[type=submit]');
      await page.locator('[data-testid=register-dialog] [role=alert]').waitFor();
      assert.match(
        (await page.textContent('[data-testid=register-dialog] [role=alert]')) ?? '',
        /already exists/i,
      );
      await page.fill('[data-testid=register-name]', 'churn-from-ui');
      await page.fill('[data-testid=register-description]', 'Registered from the run page');
      await page.click('[data-testid=register-dialog] button[type=submit]');
      await eventually(async () =>
        assert.equal(await page.locator('[data-testid=registered-version]').count(), 3),
      );
      const created = await getVersion('churn-from-ui', '1');
      assert.equal(created.source, `runs:/${runB}/model`);
      assert.equal(created.description, 'Registered from the run page');
      assert.equal(
        (
          await call<{ model_versions?: Version[] }>(base, 'GET', 'model-versions/search', {
            filter: "name = 'churn-model'",
          })
        ).model_versions?.length,
        1,
      );
      await screenshot(page, 'registry-registered-from-run');

      await page.click('[data-testid=registered-version]:has-text("churn-from-ui")');
      await page.locator('[data-testid=version-page]').waitFor();
      assert.equal(new URL(page.url()).pathname, '/models/churn-from-ui/versions/1');
      await page.locator('[data-testid=model-files] [data-testid=input-example]').waitFor();
    });

    test('a version is deleted only after confirmation', async () => {
      await page.goto(`${base}/models/fraud-detector/versions/3`);
      await page.click('[data-testid=delete-version]');
      assert.equal(await page.textContent('.modal h2'), 'Delete version 3 of “fraud-detector”?');
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('.modal').count(), 0);
      assert.equal((await getVersion('fraud-detector', '3')).version, '3');
      await page.click('[data-testid=delete-version]');
      await page.click('.modal button:has-text("Delete version")');
      await eventually(async () => assert.equal(new URL(page.url()).pathname, '/models/fraud-detector'));
      await page.locator('[data-testid=versions-table]').waitFor();
      assert.deepEqual(
        await page.locator('[data-testid=version-row]').evaluateAll((e) => e.map((x) => x.dataset.version)),
        ['2', '1'],
      );
      const res = await api(base, 'GET', 'model-versions/get', { name: 'fraud-detector', version: '3' });
      assert.equal(res.status, 404);
    });

    test('a model is renamed, then deleted after confirmation', async () => {
      await page.goto(`${base}/models/churn-from-ui`);
      await page.click('[data-testid=rename-model]');
      await page.fill('.modal input', 'churn-renamed');
      await page.click('.modal button:has-text("Rename")');
      await eventually(async () => assert.equal(new URL(page.url()).pathname, '/models/churn-renamed'));
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=model-title]'), 'churn-renamed'),
      );
      assert.equal((await getVersion('churn-renamed', '1')).source, `runs:/${runB}/model`);

      await page.click('[data-testid=delete-model]');
      assert.match((await page.textContent('.modal')) ?? '', /its 1 version, tags and aliases/);
      await screenshot(page, 'registry-delete-confirm');
      await page.click('.modal button:has-text("Cancel")');
      assert.equal((await getModel('churn-renamed')).name, 'churn-renamed');
      await page.click('[data-testid=delete-model]');
      await page.click('.modal button:has-text("Delete model")');
      await eventually(async () => assert.equal(new URL(page.url()).pathname, '/models'));
      const res = await api(base, 'GET', 'registered-models/get', { name: 'churn-renamed' });
      assert.equal(res.status, 404);
      await page.locator('[data-testid=models-table]').waitFor();
      assert.equal(await page.locator('[data-testid=model-row][data-model=churn-renamed]').count(), 0);
    });
  });
}
