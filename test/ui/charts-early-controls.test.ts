/**
 * Browser test: while a charts link's first panel is drawn before the app (early-plot.ts), the
 * still page shown until the app takes over says that its controls are not ready (marked
 * disabled, busy cursor), a click or key on it changes nothing, and the app's own controls work
 * once it has started.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  createExperiment,
  createRun,
  ensureUiBuilt,
  holdApp,
  launchBrowser,
  logHistory,
  newPage,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';

for (const backend of BACKENDS) {
  describe(`UI: the still charts page before the app (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let base: string;
    let exp: string;
    const ids: string[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'early controls');
      const t0 = Date.now() - 3_600_000;
      for (let r = 0; r < 3; r++) {
        const id = await createRun(base, exp, { name: `early-${r}`, startTime: t0 + r });
        ids.push(id);
        await logHistory(base, id, 'loss', 40 + r, (s) => 1 / (s + 1 + r), t0);
      }
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const chartsLink = () => `${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}&metrics=loss`;

    test('the early page says its controls are not ready, and a click on it changes nothing', async () => {
      const page = await newPage(browser);
      const release = await holdApp(page);
      await page.goto(chartsLink());
      const early = page.locator('[data-testid=early-chart-canvas]');
      await eventually(async () => assert.equal(await early.getAttribute('data-points'), '42'), 15_000);

      const controls = await page.evaluate<{
        total: number;
        notDisabled: string[];
        cursors: string[];
      }>(`(() => {
        const page = document.querySelector('.early-page');
        const controls = [...page.querySelectorAll('a, button, input, select')];
        const at = (el) => getComputedStyle(el).cursor;
        return {
          total: controls.length,
          notDisabled: controls.filter((c) => c.getAttribute('aria-disabled') !== 'true').map((c) => c.outerHTML),
          cursors: [...new Set([page, ...controls, page.querySelector('canvas')].map(at))],
        };
      })()`);
      assert.ok(controls.total > 10, `the early page has its controls: ${controls.total}`);
      assert.deepEqual(controls.notDisabled, [], 'every control is marked disabled');
      assert.deepEqual(controls.cursors, ['wait'], 'the busy cursor over the page and its controls');

      // A click on the Table switch and a key in the filter do nothing on the still page.
      const url = page.url();
      // (force: the mouse clicks although Playwright sees the controls disabled.)
      await page.locator('.early-page .seg button', { hasText: 'Table' }).click({ force: true });
      await page.locator('.early-page input[type=search]').first().click({ force: true });
      await page.keyboard.type('x');
      assert.equal(page.url(), url, 'the address is unchanged');
      assert.equal(await page.locator('.early-page input[type=search]').first().inputValue(), '');
      assert.equal(await page.locator('#root > *').count(), 0, 'the app has not started');

      release();
      const app = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await app.getAttribute('data-points'), '42'), 15_000);
      await eventually(async () => assert.equal(await page.locator('.early-page').count(), 0), 15_000);
      const table = page.locator('[data-testid=view-table]');
      assert.equal(await table.getAttribute('aria-disabled'), null, "the app's switch is not disabled");
      assert.equal(
        await table.evaluate(
          (el) =>
            (
              el.ownerDocument.defaultView as { getComputedStyle(e: unknown): { cursor: string } }
            ).getComputedStyle(el).cursor,
        ),
        'pointer',
      );
      await table.click();
      await page.locator('[data-testid=run-row]').first().waitFor();
      await page.context().close();
    });
  });
}
