/**
 * Browser tests: metric values of ±Infinity (which come back from the server as
 * ±1.7976931348623157e308) stay out of the chart lines and every axis, and read as ∞ / −∞ where
 * values are shown: the chart's note and tooltip, the bar panel, the compare table and plots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, createExperiment, createRun, ensureUiBuilt, launchBrowser, newPage } from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const STEPS = 200;
/** Steps of run-a's loss history that are infinite. */
const PLUS_INF_STEP = 60;
const MINUS_INF_STEP = 140;
const loss = (s: number): number => 1 / (1 + s / 10);

for (const backend of BACKENDS) {
  describe(`UI: infinite metric values (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let exp: string;
    const ids: string[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'infinity');
      const t0 = Date.now() - 3_600_000;
      for (const [i, name] of ['run-a', 'run-b', 'run-c'].entries())
        ids.push(
          await createRun(base, exp, { name, startTime: t0 + i, params: { lr: String(0.1 * (i + 1)) } }),
        );
      // run-a: a loss history with one +∞ and one −∞ point, and a score of +∞ (the wire's strings).
      const metrics: { key: string; value: number | string; timestamp: number; step: number }[] = [];
      for (let s = 0; s < STEPS; s++) {
        const value = s === PLUS_INF_STEP ? 'Infinity' : s === MINUS_INF_STEP ? '-Infinity' : loss(s);
        metrics.push({ key: 'loss', value, timestamp: t0 + s * 100, step: s });
      }
      metrics.push({ key: 'score', value: 'Infinity', timestamp: t0, step: 0 });
      await call(base, 'POST', 'runs/log-batch', { run_id: ids[0], metrics });
      for (const [i, id] of ids.slice(1).entries()) {
        const rest = Array.from({ length: STEPS }, (_, s) => ({
          key: 'loss',
          value: (2 + i) * loss(s),
          timestamp: t0 + s * 100,
          step: s,
        }));
        rest.push({ key: 'score', value: 0.5 + i * 0.3, timestamp: t0, step: 0 });
        await call(base, 'POST', 'runs/log-batch', { run_id: id, metrics: rest });
      }
      // The wire carries the largest double in place of an infinity.
      const history = await call<{ metrics: { value: number }[] }>(
        base,
        'GET',
        `metrics/get-history?run_id=${ids[0]}&metric_key=loss`,
      );
      assert.equal(history.metrics[PLUS_INF_STEP]!.value, 1.7976931348623157e308);
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const chartsUrl = (extra = '') => `${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}${extra}`;

    test('the chart leaves infinite points out of its lines and y axis, notes them, and shows ∞ on hover', async () => {
      await page.goto(chartsUrl());
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.ok(Number(await canvas.getAttribute('data-points')) > 0));
      await eventually(async () => assert.ok(await canvas.getAttribute('data-y-range')));
      const [lo, hi] = (await canvas.getAttribute('data-y-range'))!.split(',').map(Number);
      // The finite values lie in (0, 3]: the axis fits them, not ±1.8e308.
      assert.ok(lo! > -10 && hi! < 10, `y range ${lo}..${hi}`);
      const ticks = (await canvas.getAttribute('data-y-ticks')) ?? '';
      assert.doesNotMatch(ticks, /e\+?30\d/i, `y ticks: ${ticks}`);
      assert.equal(
        await page.locator('[data-metric=loss] [data-testid=infinite-note]').textContent(),
        'Not drawn: values at ∞ and −∞',
      );
      // The score panel draws once its own history has come (the loss panel's was waited for).
      await eventually(async () =>
        assert.equal(await page.locator('[data-metric=score] [data-testid=infinite-note]').count(), 1),
      );
      assert.equal(
        await page.locator('[data-testid=infinite-note]').count(),
        2,
        'only panels with infinities',
      );

      // Hover at the +∞ step: run-a's row reads ∞, the others their finite values.
      const over = page.locator('[data-metric=loss] .u-over');
      const box = (await over.boundingBox())!;
      const tip = page.locator('[data-metric=loss] [data-testid=chart-tooltip]');
      await eventually(async () => {
        await page.mouse.move(box.x + (box.width * PLUS_INF_STEP) / (STEPS - 1), box.y + box.height / 2);
        const text = (await tip.textContent()) ?? '';
        assert.match(text, new RegExp(`Step: ${PLUS_INF_STEP}(?!\\d)`));
      });
      const rows = await page.locator('[data-metric=loss] [data-testid=tip-row]').allTextContents();
      assert.ok(
        rows.some((r) => r.includes('run-a') && r.includes('∞') && !r.includes('−∞')),
        `tooltip: ${rows.join(' | ')}`,
      );
      assert.ok(!rows.join(' ').includes('e+308'), `tooltip: ${rows.join(' | ')}`);
      await page.mouse.move(0, 0);
    });

    test('the last-value bars leave an infinite value out of the scale', async () => {
      await page.goto(chartsUrl('&panel=bars'));
      const panel = page.locator('[data-testid=bar-chart][data-metric=score]');
      await eventually(async () => assert.equal(await panel.locator('[data-testid=bar]').count(), 2));
      const text = (await panel.textContent()) ?? '';
      assert.ok(!text.includes('run-a') && !text.includes('e+308'), text);
    });

    test('the compare table shows ∞; its scatter and parallel coordinates axes fit the finite values', async () => {
      await page.goto(`${base}/compare?runs=${ids.join(',')}&sx=param:lr&sy=metric:score&pm=metric:score`);
      await page.locator('[data-testid=compare-table]').waitFor();
      const cells = await page.locator('[data-testid=metric-row][data-key=score] td').allTextContents();
      assert.deepEqual(cells.slice(1), ['∞', '0.5', '0.8']);
      const scatter = page.locator('[data-testid=scatter-plot]');
      await eventually(async () => assert.equal(await scatter.getAttribute('data-points'), '2'));
      const scatterText = (await scatter.textContent()) ?? '';
      assert.doesNotMatch(scatterText, /e\+30\d|∞/, `scatter ticks: ${scatterText}`);
      const axis = page.locator('[data-testid=pc-axis][data-axis="metric:score"]');
      await axis.waitFor();
      const axisText = (await axis.textContent()) ?? '';
      assert.doesNotMatch(axisText, /e\+30\d/, `parallel coordinates axis: ${axisText}`);
      const legend = (await page.locator('[data-testid=pc-color-legend]').textContent()) ?? '';
      assert.doesNotMatch(legend, /e\+30\d|∞/, `colour legend: ${legend}`);
    });
  });
}
