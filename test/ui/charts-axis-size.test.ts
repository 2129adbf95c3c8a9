/**
 * Browser tests: a panel's y axis is as wide as its labels after a live refresh brings values with
 * longer labels, and after zooming into a range whose labels are longer, not only when the plot
 * was created: the plot area starts right of the axis, and the labels fit in it. Zoomed into a
 * narrow range of large values, the labels still tell the ticks apart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  call,
  createExperiment,
  createRun,
  ensureUiBuilt,
  launchBrowser,
  logHistory,
  newPage,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';

/** The axis size asked for, where the plot area starts, the widest y label as drawn, the labels. */
async function axis(
  page: Page,
  canvas: Locator,
): Promise<{ size: number; plotLeft: number; label: number; ticks: string[] }> {
  const size = Number(await canvas.getAttribute('data-y-axis-size'));
  const ticks = ((await canvas.getAttribute('data-y-ticks')) ?? '').split('|');
  const style = (await canvas.locator('.u-over').getAttribute('style')) ?? '';
  const plotLeft = Number(/left:\s*([\d.]+)px/.exec(style)?.[1]);
  const label = await page.evaluate<number>(`(() => {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = '11px system-ui, sans-serif';
    return Math.max(...${JSON.stringify(ticks)}.map((l) => ctx.measureText(l).width));
  })()`);
  return { size, plotLeft, label, ticks };
}

for (const backend of BACKENDS) {
  describe(`UI: a panel's y axis follows its labels (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let base: string;
    let exp: string;

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'axis size');
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('a live refresh with longer labels widens the axis', async () => {
      const t0 = Date.now() - 60_000;
      const run = await createRun(base, exp, { name: 'live', status: 'RUNNING', startTime: t0 });
      await logHistory(base, run, 'loss', 20, (s) => 1 - s / 40, t0);
      const page = await newPage(browser);
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${run}&metrics=loss`);
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await canvas.getAttribute('data-points'), '20'), 15_000);
      const narrow = await axis(page, canvas);
      assert.ok(narrow.plotLeft >= narrow.size, `plot right of the axis: ${JSON.stringify(narrow)}`);

      // Values with long labels arrive with the next refresh (every 1.5 s while the run is live).
      const metrics = [20, 21, 22].map((step) => ({
        key: 'loss',
        value: 123456789.25 + step,
        timestamp: t0 + step,
        step,
      }));
      await call(base, 'POST', 'runs/log-batch', { run_id: run, metrics });
      await eventually(async () => assert.equal(await canvas.getAttribute('data-points'), '23'), 15_000);
      await eventually(async () => {
        const wide = await axis(page, canvas);
        assert.ok(wide.size > narrow.size, `the axis grew: ${JSON.stringify({ narrow, wide })}`);
        assert.ok(wide.size >= wide.label + 10, `the labels fit: ${JSON.stringify(wide)}`);
        assert.ok(wide.plotLeft >= wide.size, `the plot starts right of the axis: ${JSON.stringify(wide)}`);
      }, 10_000);
      await page.context().close();
    });

    test('zooming into a range with longer labels widens the axis, and resetting narrows it', async () => {
      const t0 = Date.now() - 60_000;
      const run = await createRun(base, exp, { name: 'zoom', startTime: t0 });
      // Steps 0–99 around 1 (short labels), steps 100–199 around 1e6 with fine detail (long labels).
      await logHistory(base, run, 'acc', 200, (s) => (s < 100 ? s / 100 : 1_000_000 + (s - 100) / 1000), t0);
      const page = await newPage(browser);
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${run}&metrics=acc`);
      const canvas = page.locator('[data-metric=acc] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await canvas.getAttribute('data-points'), '200'), 15_000);
      const whole = await axis(page, canvas);

      // Drag across the right part of the plot (steps above 100) to zoom in there.
      const box = (await canvas.locator('.u-over').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await eventually(async () => {
        const zoomed = await axis(page, canvas);
        assert.ok(zoomed.size > whole.size, `the axis grew: ${JSON.stringify({ whole, zoomed })}`);
        assert.ok(zoomed.size >= zoomed.label + 10, `the labels fit: ${JSON.stringify(zoomed)}`);
        assert.ok(
          zoomed.plotLeft >= zoomed.size,
          `the plot starts right of the axis: ${JSON.stringify(zoomed)}`,
        );
        // 1000000.08, 1000000.09, …: each tick reads differently.
        assert.ok(zoomed.ticks.length >= 2, `ticks: ${zoomed.ticks.join('|')}`);
        assert.equal(
          new Set(zoomed.ticks).size,
          zoomed.ticks.length,
          `distinct labels: ${zoomed.ticks.join('|')}`,
        );
      }, 10_000);
      await page.click('[data-testid=reset-zoom]');
      await eventually(async () => {
        const reset = await axis(page, canvas);
        assert.equal(reset.size, whole.size, 'back to the width of the whole range');
        assert.ok(reset.plotLeft >= reset.size && reset.plotLeft < whole.plotLeft + 2);
      }, 10_000);
      await page.context().close();
    });
  });
}
