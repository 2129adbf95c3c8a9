/**
 * Browser tests: images logged by step (MLflow's `log_image(image, key=, step=)` layout under
 * `images/`) shown as a grid — rows by key, columns by step, a slider over the steps — on the run
 * page and, with a row per run, on the compare page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  createExperiment,
  createRun,
  ensureUiBuilt,
  launchBrowser,
  newPage,
  screenshotViews,
  uploadArtifact,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';
import { encodePng } from '../../examples/sdk-regression/plot.js';

/** A grey PNG `width` × 4 pixels: the width tells the test which image the browser loaded. */
const png = (width: number, shade: number): Buffer =>
  encodePng(width, 4, new Uint8Array(width * 4 * 3).fill(shade));

/** Logs one image as MLflow's log_image(key=, step=) does: full image, thumbnail, metadata. */
async function logImage(
  base: string,
  runId: string,
  key: string,
  step: number,
  width: number,
): Promise<void> {
  const timestamp = 1_760_000_000_000 + step;
  const uuid = `${step.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const stem = `images/${key.replace(/\//g, '#')}%step%${step}%timestamp%${timestamp}%${uuid}`;
  await uploadArtifact(base, runId, `${stem}.png`, png(width, 90));
  // The thumbnail MLflow writes is webp; a PNG of the same width stands in (the UI shows either).
  await uploadArtifact(base, runId, `${stem}%compressed.webp`, png(width, 160));
  await uploadArtifact(
    base,
    runId,
    `${stem}.json`,
    JSON.stringify({
      filepath: `${stem}.png`,
      key,
      step,
      timestamp,
      compressed_filepath: `${stem}%compressed.webp`,
    }),
  );
}

const STEPS = [0, 10, 20, 30, 40, 50, 60, 70];

for (const backend of BACKENDS) {
  describe(`UI: logged images by step (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let runA: string;
    let runB: string;
    let plain: string;

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      const exp = await createExperiment(base, 'images');
      runA = await createRun(base, exp, { name: 'vae-a', tags: { 'mlflow.loggedImages': 'true' } });
      runB = await createRun(base, exp, { name: 'vae-b', tags: { 'mlflow.loggedImages': 'true' } });
      plain = await createRun(base, exp, { name: 'no-images' });
      // Width encodes (run, key, step): run A samples step s → 10 + s/10, recon/val → 30 + s/10;
      // run B samples → 50 + s/10 at the even tens only.
      for (const s of STEPS) {
        await logImage(base, runA, 'samples', s, 10 + s / 10);
        await logImage(base, runA, 'recon/val', s, 30 + s / 10);
        if (s % 20 === 0) await logImage(base, runB, 'samples', s, 50 + s / 10);
      }
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    /** Natural widths of the images in the grid rows, by row (key / run) and shown step. */
    const gridWidths = (): Promise<Record<string, Record<string, number | null>>> =>
      page.evaluate(`(() => {
        const out = {};
        for (const row of document.querySelectorAll('[data-testid=image-grid-row]')) {
          const label = row.getAttribute('data-key') + '@' + row.getAttribute('data-run-id');
          out[label] = {};
          for (const cell of row.querySelectorAll('[data-testid=image-grid-cell]')) {
            const img = cell.querySelector('img');
            out[label][cell.getAttribute('data-step')] = img && img.complete ? img.naturalWidth : null;
          }
        }
        return out;
      })()`);

    test('the run page shows an Images tab: rows by key, columns by step, a slider over the steps', async () => {
      await page.goto(`${base}/runs/${runA}`);
      await page.locator('[data-testid=tab-images]').click();
      const grid = page.locator('[data-testid=image-grid]');
      await grid.waitFor();
      assert.equal(await grid.getAttribute('data-steps'), STEPS.join(','));
      assert.match(page.url(), /tab=images/);
      // Six steps fit; the slider starts at the newest ones.
      assert.deepEqual(await page.locator('[data-testid=image-grid-step]').allTextContents(), [
        'step 20',
        'step 30',
        'step 40',
        'step 50',
        'step 60',
        'step 70',
      ]);
      const keys = await page
        .locator('[data-testid=image-grid-row]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
      assert.deepEqual(
        keys,
        ['recon/val', 'samples'],
        'a "/" in a key is restored from the "#" of the file name',
      );
      await eventually(async () =>
        assert.deepEqual(await gridWidths(), {
          [`recon/val@${runA}`]: { 20: 32, 30: 33, 40: 34, 50: 35, 60: 36, 70: 37 },
          [`samples@${runA}`]: { 20: 12, 30: 13, 40: 14, 50: 15, 60: 16, 70: 17 },
        }),
      );
      await screenshotViews(page, 'run-images');
      // Moving the slider to the start shows steps 0–50.
      const slider = page.locator('[data-testid=image-step-slider]');
      await slider.focus();
      await page.keyboard.press('Home');
      assert.equal(await page.locator('[data-testid=image-step-range]').textContent(), '0–50 of 0–70');
      await eventually(async () =>
        assert.deepEqual((await gridWidths())[`samples@${runA}`], {
          0: 10,
          10: 11,
          20: 12,
          30: 13,
          40: 14,
          50: 15,
        }),
      );
    });

    test('a run without logged images has no Images tab', async () => {
      await page.goto(`${base}/runs/${plain}`);
      await page.locator('[data-testid=tab-artifacts]').waitFor();
      // The images listing has answered once the overview is there; give it a moment to be sure.
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('[data-testid=tab-images]').count(), 0);
    });

    test('the compare page shows one row per run and key, with gaps where a run has no image', async () => {
      await page.goto(`${base}/compare?runs=${runA},${runB},${plain}`);
      const grid = page.locator('[data-testid=logged-images] [data-testid=image-grid]');
      await grid.waitFor();
      const slider = page.locator('[data-testid=image-step-slider]');
      await slider.focus();
      await page.keyboard.press('Home');
      await eventually(async () =>
        assert.deepEqual(await gridWidths(), {
          [`recon/val@${runA}`]: { 0: 30, 10: 31, 20: 32, 30: 33, 40: 34, 50: 35 },
          [`samples@${runA}`]: { 0: 10, 10: 11, 20: 12, 30: 13, 40: 14, 50: 15 },
          [`samples@${runB}`]: { 0: 50, 10: null, 20: 52, 30: null, 40: 54, 50: null },
        }),
      );
      // Run B has no recon/val images and the run without images has no rows at all.
      const cellsB = page.locator(
        `[data-testid=image-grid-row][data-key="samples"][data-run-id="${runB}"] img`,
      );
      assert.equal(await cellsB.count(), 3);
      await grid.scrollIntoViewIfNeeded();
      await screenshotViews(page, 'compare-images');
    });
  });
}
