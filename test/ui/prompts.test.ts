/** Browser test: prompts (MLflow 3's prompt registry) are listed on their own page, apart from models. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, ensureUiBuilt, launchBrowser, newPage, screenshot } from './helpers.js';
import { BACKENDS } from '../helpers/backends.js';

const IS_PROMPT = { key: 'mlflow.prompt.is_prompt', value: 'true' };

/** What `mlflow.genai.register_prompt` sends for one new version. */
async function promptVersion(base: string, name: string, template: string, message: string): Promise<void> {
  await call(base, 'POST', 'model-versions/create', {
    name,
    source: 'dummy-source',
    description: message,
    tags: [IS_PROMPT, { key: 'mlflow.prompt.text', value: template }, { key: 'author', value: 'alice' }],
  });
}

for (const backend of BACKENDS) {
  describe(`UI: prompts page (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      const base = server.url;
      await call(base, 'POST', 'registered-models/create', {
        name: 'greeting',
        tags: [IS_PROMPT],
        description: 'v1',
      });
      await promptVersion(base, 'greeting', 'Hello {{name}}!', 'first draft');
      await promptVersion(base, 'greeting', 'Hi {{name}}, welcome.', 'friendlier');
      await call(base, 'POST', 'registered-models/alias', {
        name: 'greeting',
        alias: 'production',
        version: '1',
      });
      await call(base, 'POST', 'registered-models/create', { name: 'summarize', tags: [IS_PROMPT] });
      await promptVersion(base, 'summarize', 'Summarize: {{text}}', 'init');
      await call(base, 'POST', 'registered-models/create', { name: 'fraud-detector' });
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('prompts are listed on the Prompts page and not among models', async () => {
      await page.goto(`${server.url}/prompts`);
      await page.locator('[data-testid=prompts-table]').waitFor();
      const names = await page
        .locator('[data-testid=prompt-row]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-prompt')));
      assert.deepEqual(names, ['greeting', 'summarize']);
      assert.equal(await page.textContent('.nav a.active'), 'Prompts');
      const greeting = page.locator('[data-testid=prompt-row][data-prompt=greeting]');
      assert.equal(await greeting.locator('[data-testid=alias-chip]').textContent(), '@production → v1');
      await screenshot(page, 'prompts-list');

      await page.goto(`${server.url}/models`);
      await page.locator('[data-testid=models-table]').waitFor();
      const models = await page
        .locator('[data-testid=model-row]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-model')));
      assert.deepEqual(models, ['fraud-detector']);
    });

    test('a prompt shows its versions with template, message, tags and aliases; search narrows the list', async () => {
      await page.goto(`${server.url}/prompts?q=summ`);
      await page.locator('[data-testid=prompts-table]').waitFor();
      assert.equal(await page.locator('[data-testid=prompt-row]').count(), 1);

      await page.goto(`${server.url}/prompts`);
      await page.locator('[data-testid=prompt-row][data-prompt=greeting] [data-testid=prompt-link]').click();
      await page.locator('[data-testid=prompt-version]').first().waitFor();
      const versions = page.locator('[data-testid=prompt-version]');
      assert.equal(await versions.count(), 2);
      assert.equal(await versions.nth(0).getAttribute('data-version'), '2');
      assert.equal(
        await versions.nth(0).locator('[data-testid=prompt-template]').textContent(),
        'Hi {{name}}, welcome.',
      );
      assert.match((await versions.nth(0).textContent()) ?? '', /friendlier/);
      assert.match((await versions.nth(0).textContent()) ?? '', /author: alice/);
      assert.equal(await versions.nth(1).locator('[data-testid=alias-chip]').textContent(), '@production');
      assert.equal(
        await versions.nth(1).locator('[data-testid=prompt-template]').textContent(),
        'Hello {{name}}!',
      );
      await screenshot(page, 'prompt-versions');
    });
  });
}
