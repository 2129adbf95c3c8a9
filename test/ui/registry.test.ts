/** Browser tests: the model registry pages (models list, model page, version page) and deep links. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertSampleMlmodelView, newPage, screenshot, SCREENSHOT_DIR } from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';
import { seedRegistry, startRegistryUi, stopRegistryUi, type RegistryUi } from './registry-fixtures.js';

for (const backend of BACKENDS) {
  describe(`UI: model registry pages (${backend})`, () => {
    let ctx: RegistryUi;
    let page: Page;
    let base: string;
    let runA: string;
    const rowTexts = (selector: string) =>
      page.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('data-model')));

    before(async () => {
      ctx = await startRegistryUi(backend);
      ({ page, base, runA } = ctx);
    });

    after(() => stopRegistryUi(ctx));

    test('an empty registry tells the user how to register a first model', async () => {
      await page.goto(`${base}/models`);
      await page.locator('[data-testid=register-snippet]').waitFor();
      const snippet = (await page.textContent('[data-testid=register-snippet]')) ?? '';
      assert.match(snippet, /cairn models register runs:\/<run_id>\/model --name my-model/);
      assert.match(snippet, /mlflow\.register_model\("runs:\/<run_id>\/model", "my-model"\)/);
      assert.ok(snippet.includes(`--tracking-uri ${base}`));
      // The navigation highlights the Models section.
      assert.equal(await page.textContent('.nav a.active'), 'Models');
      await screenshot(page, 'registry-empty');

      await seedRegistry(ctx);
    });

    test('the models list shows versions, stages and aliases; search, sort and paging work', async () => {
      await page.goto(`${base}/models`);
      await page.locator('[data-testid=models-table]').waitFor();
      assert.equal(await page.locator('[data-testid=model-row]').count(), 25);
      assert.deepEqual((await rowTexts('[data-testid=model-row]')).slice(0, 4), [
        'churn-model',
        'credit-risk',
        'fraud-detector',
        'zz-bulk-00',
      ]);
      const fraud = page.locator('[data-testid=model-row][data-model=fraud-detector]');
      assert.equal(await fraud.locator('[data-testid=latest-version]').textContent(), 'Version 2');
      assert.equal(await fraud.locator('[data-testid=alias-chip]').textContent(), '@champion → v2');
      assert.match((await fraud.locator('td').nth(3).textContent()) ?? '', /Production\s*v1/);
      assert.match((await fraud.locator('td').nth(6).textContent()) ?? '', /Scores card payments\./);
      await screenshot(page, 'registry-models-list');

      // Paging: 33 models, 25 per page.
      await page.click('[data-testid=next-page]');
      await eventually(async () => assert.equal(await page.locator('[data-testid=model-row]').count(), 8));
      assert.equal((await rowTexts('[data-testid=model-row]'))[7], 'zz-bulk-29');
      assert.ok(await page.locator('[data-testid=next-page]').isDisabled());
      await page.click('[data-testid=prev-page]');
      await eventually(async () => assert.equal(await page.locator('[data-testid=model-row]').count(), 25));
      assert.ok(await page.locator('[data-testid=prev-page]').isDisabled());

      // Sort by name, descending, from the column header.
      await page.click('[data-testid=sort-name]');
      await eventually(async () =>
        assert.equal((await rowTexts('[data-testid=model-row]'))[0], 'zz-bulk-29'),
      );
      assert.equal(new URL(page.url()).searchParams.get('sort'), '-name');

      // Case-insensitive name search; the query lives in the URL.
      await page.fill('[data-testid=model-search]', 'FRAUD');
      await page.press('[data-testid=model-search]', 'Enter');
      await eventually(async () =>
        assert.deepEqual(await rowTexts('[data-testid=model-row]'), ['fraud-detector']),
      );
      assert.equal(new URL(page.url()).searchParams.get('q'), 'FRAUD');
      // A LIKE wildcard typed by the user is matched literally.
      await page.fill('[data-testid=model-search]', 'bulk_2%');
      await page.press('[data-testid=model-search]', 'Enter');
      await page.locator('.empty h2').waitFor();
      assert.equal(await page.textContent('.empty h2'), 'No model matches “bulk_2%”');
      await page.fill('[data-testid=model-search]', 'DE');
      await page.press('[data-testid=model-search]', 'Enter');
      await eventually(async () =>
        assert.deepEqual(await rowTexts('[data-testid=model-row]'), ['fraud-detector', 'churn-model']),
      );
    });

    test('the model page shows description, tags, aliases and the versions table', async () => {
      await page.goto(`${base}/models`);
      await page.click('[data-testid=model-row][data-model=fraud-detector] [data-testid=model-link]');
      await page.locator('[data-testid=versions-table]').waitFor();
      assert.equal(new URL(page.url()).pathname, '/models/fraud-detector');
      assert.equal(await page.textContent('[data-testid=model-title]'), 'fraud-detector');
      assert.equal(await page.textContent('[data-testid=description-text] strong'), 'Gradient boosted');
      assert.deepEqual(await page.locator('[data-testid=description-text] li').allTextContents(), [
        'Gradient boosted trees',
        'owner: risk-team',
      ]);
      assert.deepEqual(
        await page.locator('[data-testid=tag-row]').evaluateAll((e) => e.map((x) => x.dataset.tag)),
        ['data', 'team'],
      );
      const versions = page.locator('[data-testid=version-row]');
      assert.deepEqual(await versions.evaluateAll((e) => e.map((x) => x.dataset.version)), ['2', '1']);
      const v2 = page.locator('[data-testid=version-row][data-version="2"]');
      const v1 = page.locator('[data-testid=version-row][data-version="1"]');
      assert.equal(await v2.locator('[data-testid=stage-badge]').textContent(), 'No stage');
      assert.equal(await v1.locator('[data-testid=stage-badge]').textContent(), 'Production');
      assert.equal(await v2.locator('[data-testid=alias-chip]').textContent(), '@champion');
      assert.equal(await v1.locator('[data-testid=alias-chip]').count(), 0);
      assert.equal(
        await v2.locator('[data-testid=run-link]').getAttribute('href'),
        `/runs/${runA}?tab=artifacts&path=model%2FMLmodel`,
      );
      await eventually(async () =>
        assert.equal(await v2.locator('[data-testid=run-link]').textContent(), 'train-fraud'),
      );
      assert.match((await v2.textContent()) ?? '', /Retrained on October data/);
      assert.match((await v2.textContent()) ?? '', /Ready/);
      assert.deepEqual(
        await page.locator('[data-testid=alias-row]').evaluateAll((e) => e.map((x) => x.textContent)),
        ['@championVersion 2Remove'],
      );
      await screenshot(page, 'registry-model-page');
    });

    test('the version page shows the source run, the MLmodel flavors, signature and input example', async () => {
      await page.click('[data-testid=version-row][data-version="2"] [data-testid=version-link]');
      await page.locator('[data-testid=version-page]').waitFor();
      assert.equal(new URL(page.url()).pathname, '/models/fraud-detector/versions/2');
      assert.equal(await page.textContent('[data-testid=version-title]'), 'fraud-detector · Version 2');
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=source-run-link]'), 'train-fraud'),
      );
      assert.equal(
        await page.getAttribute('[data-testid=source-run-link]', 'href'),
        `/runs/${runA}?tab=artifacts&path=model%2FMLmodel`,
      );
      assert.equal(await page.textContent('[data-testid=version-source]'), `runs:/${runA}/model`);
      assert.equal(await page.textContent('[data-testid=model-uri]'), 'models:/fraud-detector/2');

      const files = page.locator('[data-testid=model-files]');
      await assertSampleMlmodelView(files);
      assert.deepEqual(await files.locator('[data-testid=signature-params] td').allTextContents(), [
        'threshold',
        'double',
        '0.5',
      ]);
      await files.locator('[data-testid=input-example]').waitFor();
      assert.deepEqual(await files.locator('[data-testid=input-example] th').allTextContents(), [
        'amount',
        'age',
      ]);
      assert.deepEqual(await files.locator('[data-testid=input-example] td').allTextContents(), [
        '12.5',
        '31',
        '99',
        '45',
      ]);
      await screenshot(page, 'registry-version-page');
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'registry-version-page-full.png'), fullPage: true });
    });

    test('a version without an MLmodel file says so', async () => {
      await page.goto(`${base}/models/credit-risk/versions/1`);
      await page.locator('[data-testid=model-files] .empty').waitFor();
      assert.equal(await page.textContent('[data-testid=model-files] .empty h2'), 'No MLmodel file');
    });

    test('deep links restore every registry view after a reload, in the dark theme too', async () => {
      const fresh = await newPage(ctx.browser, 'dark');
      try {
        await fresh.goto(`${base}/models?q=bulk&sort=-name&size=50`);
        await fresh.locator('[data-testid=models-table]').waitFor();
        await fresh.reload();
        await fresh.locator('[data-testid=models-table]').waitFor();
        assert.equal(await fresh.inputValue('[data-testid=model-search]'), 'bulk');
        assert.equal(await fresh.inputValue('[data-testid=model-sort]'), '-name');
        const names = await fresh
          .locator('[data-testid=model-row]')
          .evaluateAll((e) => e.map((x) => x.getAttribute('data-model')));
        assert.equal(names.length, 30);
        assert.equal(names[0], 'zz-bulk-29');
        await screenshot(fresh, 'registry-models-list-dark');

        await fresh.goto(`${base}/models/fraud-detector`);
        await fresh.locator('[data-testid=versions-table]').waitFor();
        await fresh.reload();
        await fresh.locator('[data-testid=versions-table]').waitFor();
        assert.equal(await fresh.textContent('[data-testid=model-title]'), 'fraud-detector');
        // Table cells show descriptions as plain text, without Markdown markup.
        assert.equal(
          await fresh.locator('[data-testid=version-row][data-version="2"] td').nth(6).textContent(),
          'Retrained on October data',
        );
        await screenshot(fresh, 'registry-model-page-dark');

        await fresh.goto(`${base}/models/fraud-detector/versions/2`);
        await fresh.reload();
        await fresh.locator('[data-testid=model-files] [data-testid=input-example]').waitFor();
        assert.equal(await fresh.textContent('[data-testid=version-title]'), 'fraud-detector · Version 2');
        await screenshot(fresh, 'registry-version-page-dark');

        await fresh.goto(`${base}/models/no-such-model`);
        await fresh.locator('[role=alert]').waitFor();
        assert.match((await fresh.textContent('[role=alert]')) ?? '', /no-such-model/);
        await fresh.goto(`${base}/models/fraud-detector/versions/42`);
        await fresh.locator('[role=alert]').waitFor();
        assert.match((await fresh.textContent('[role=alert]')) ?? '', /42/);
      } finally {
        await fresh.context().close();
      }
    });
  });
}
