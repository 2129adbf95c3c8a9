/**
 * Browser tests: a charts link draws its first panel before the app has started (the app's code is
 * held back here, so that the order is certain), and the app's panel then takes that plot over:
 * the same chart, from the same single history request, with a drawn chart in every frame from the
 * first one on (no blank frame), in light and dark mode; navigating within the app works after it.
 * Until then the still page says that its controls are not ready, and a click on it changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  createExperiment,
  createRun,
  ensureUiBuilt,
  holdApp,
  launchBrowser,
  logHistory,
  newPage,
  screenshot,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';

/**
 * Records, for every animation frame from the start of the page, which loss chart is on screen:
 * the early one (drawn, and what the page shows at its centre), the app's, or none; and where the
 * shown chart's canvas is (left, top, width, height, rounded to pixels) in `__chartBoxes`.
 */
const FRAME_WATCH = `(() => {
  const frames = (window.__chartFrames = []);
  const boxes = (window.__chartBoxes = []);
  const box = (canvas) => {
    const r = canvas.getBoundingClientRect();
    return [r.left, r.top, r.width, r.height].map(Math.round);
  };
  const tick = () => {
    const early = document.querySelector('[data-testid=early-chart-canvas]');
    const earlyCanvas = early && Number(early.dataset.points) > 0 ? early.querySelector('canvas') : null;
    const app = document.querySelector('[data-metric=loss] [data-testid=chart-canvas]');
    let state = 'none';
    let where = null;
    if (earlyCanvas) {
      const r = earlyCanvas.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      state = hit && early.contains(hit) ? 'early' : 'early-covered';
      where = box(earlyCanvas);
    } else if (app && Number(app.dataset.points) > 0 && app.querySelector('canvas')) {
      state = 'app';
      where = box(app.querySelector('canvas'));
    }
    frames.push(state);
    boxes.push(where);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

function countHistoryRequests(page: Page): { loss: number } {
  const counts = { loss: 0 };
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('/metrics/get-history-sampled') && u.searchParams.get('metric_key') === 'loss')
      counts.loss++;
  });
  return counts;
}

interface Drawn {
  points: string | null;
  yTicks: string | undefined;
  yRange: string | undefined;
  runs: string | undefined;
  width: number;
  image: string;
}

/** What a plot element shows: its points, y ticks and range, runs, and its canvas' pixels. */
async function drawnChart(page: Page, selector: string): Promise<Drawn> {
  return page.evaluate(
    `(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      const canvas = el.querySelector('canvas');
      return {
        points: el.dataset.points ?? null,
        yTicks: el.dataset.yTicks,
        yRange: el.dataset.yRange,
        runs: el.dataset.drawn,
        width: canvas.width,
        image: canvas.toDataURL(),
      };
    })()`,
  );
}

for (const backend of BACKENDS) {
  describe(`UI: a charts link's first panel drawn before the app starts (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let base: string;
    let exp: string;
    const ids: string[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'early plot');
      const t0 = Date.now() - 3_600_000;
      for (let r = 0; r < 3; r++) {
        const id = await createRun(base, exp, { name: `early-plot-${r}`, startTime: t0 + r });
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

    test('drawn before the app, then the same chart in the app without a blank frame or a second request', async () => {
      const page = await newPage(browser);
      await page.addInitScript(FRAME_WATCH);
      const requests = countHistoryRequests(page);
      const release = await holdApp(page);
      await page.goto(chartsLink());

      const early = page.locator('[data-testid=early-chart-canvas]');
      // x is the union of the runs' steps: 0…41.
      await eventually(async () => assert.equal(await early.getAttribute('data-points'), '42'), 15_000);
      assert.equal(await page.locator('#root > *').count(), 0, 'the app has not started');
      assert.ok(await page.locator('.early-page').isVisible(), 'the early page is shown');
      assert.equal(
        await page.locator('[data-testid=early-chart][data-metric=loss] strong').textContent(),
        'loss',
      );
      const before = await drawnChart(page, '[data-testid=early-chart-canvas]');
      assert.equal(before.runs, ids.join(','), 'every run, in the link order');
      await screenshot(page, `charts-early-plot-before-app-light-${backend}`);

      release();
      const app = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await app.getAttribute('data-points'), '42'), 15_000);
      await eventually(async () => assert.equal(await early.count(), 0, 'the early plot is gone'), 15_000);
      assert.equal(await page.locator('.early-page').count(), 0, 'the early page is gone');
      const after = await drawnChart(page, '[data-metric=loss] [data-testid=chart-canvas]');
      assert.equal(after.points, before.points);
      assert.equal(after.runs, before.runs, 'the same runs in the same drawing order');
      assert.equal(after.yTicks, before.yTicks, 'the same y ticks');
      assert.equal(after.yRange, before.yRange, 'the same y range');
      await screenshot(page, `charts-early-plot-taken-over-light-${backend}`);
      if (after.width === before.width) assert.equal(after.image, before.image, 'the same pixels');

      const frames = await page.evaluate<string[]>('window.__chartFrames');
      const first = frames.findIndex((f) => f !== 'none');
      assert.ok(first >= 0 && frames[first] === 'early', `the early chart first: ${frames.join(' ')}`);
      const shown = frames.slice(first);
      assert.deepEqual(
        shown.filter((f) => f !== 'early' && f !== 'app'),
        [],
        `a drawn chart in every frame once the first was drawn: ${frames.join(' ')}`,
      );
      assert.equal(shown.lastIndexOf('early') + 1, shown.indexOf('app'), 'early, then only the app');
      assert.equal(requests.loss, 1, 'one history request: the app drew the answer the early plot drew');

      // The app works as usual afterwards: table and back to the charts.
      await page.click('[data-testid=view-table]');
      await page.locator('[data-testid=run-row]').first().waitFor();
      await page.click('[data-testid=view-charts]');
      await eventually(async () => assert.equal(await app.getAttribute('data-points'), '42'), 15_000);
      assert.equal(requests.loss, 2, 'the charts view fetches anew');
      assert.equal(await page.locator('.early-page, [data-testid=early-chart-canvas]').count(), 0);
      await page.context().close();
    });

    test('dark mode: the early page and plot use the dark colours, and the app takes the plot over', async () => {
      const page = await newPage(browser, 'dark');
      const release = await holdApp(page);
      await page.goto(chartsLink());
      const early = page.locator('[data-testid=early-chart-canvas]');
      await eventually(async () => assert.equal(await early.getAttribute('data-points'), '42'), 15_000);
      const background = await page.evaluate<string>(
        `getComputedStyle(document.querySelector('.early-page')).backgroundColor`,
      );
      assert.equal(background, 'rgb(17, 22, 20)', 'the dark background');
      const before = await drawnChart(page, '[data-testid=early-chart-canvas]');
      await screenshot(page, `charts-early-plot-before-app-dark-${backend}`);
      release();
      const app = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await app.getAttribute('data-points'), '42'), 15_000);
      await eventually(async () => assert.equal(await early.count(), 0), 15_000);
      const after = await drawnChart(page, '[data-metric=loss] [data-testid=chart-canvas]');
      assert.equal(after.yTicks, before.yTicks);
      await screenshot(page, `charts-early-plot-taken-over-dark-${backend}`);
      if (after.width === before.width) assert.equal(after.image, before.image, 'the same pixels');
      await page.context().close();
    });

    /** How far apart two canvas boxes are: the largest difference of left, top, width or height. */
    const moved = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    const canvasBox = (page: Page, selector: string) =>
      page.evaluate<number[]>(
        `(() => {
          const r = document.querySelector(${JSON.stringify(selector)}).querySelector('canvas').getBoundingClientRect();
          return [r.left, r.top, r.width, r.height].map(Math.round);
        })()`,
      );
    /** A few pixels at most: rounding and sub-pixel layout, not a jump. */
    const STILL_PX = 3;

    for (const width of [1440, 1024])
      for (const scheme of ['light', 'dark'] as const)
        test(`the early chart is where the app's panel will be: it does not move when the app takes over (${width} px, ${scheme})`, async () => {
          const page = await newPage(browser, scheme);
          await page.setViewportSize({ width, height: 900 });
          await page.addInitScript(FRAME_WATCH);
          const release = await holdApp(page);
          await page.goto(chartsLink());
          const early = page.locator('[data-testid=early-chart-canvas]');
          await eventually(async () => assert.equal(await early.getAttribute('data-points'), '42'), 15_000);
          const before = await canvasBox(page, '[data-testid=early-chart-canvas]');
          await screenshot(page, `charts-early-plot-place-before-app-${width}-${scheme}-${backend}`);

          release();
          const app = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
          await eventually(async () => assert.equal(await app.getAttribute('data-points'), '42'), 15_000);
          await eventually(async () => assert.equal(await early.count(), 0), 15_000);
          // The runs' names have arrived (the legend and the page's heading are complete).
          await eventually(async () => {
            assert.equal(
              await page.locator('[data-testid=legend-item]').first().textContent(),
              'early-plot-0',
            );
            assert.equal(await page.locator('[data-testid=experiment-title]').textContent(), 'early plot');
          }, 15_000);
          await page.waitForTimeout(200);
          const after = await canvasBox(page, '[data-metric=loss] [data-testid=chart-canvas]');
          await screenshot(page, `charts-early-plot-place-taken-over-${width}-${scheme}-${backend}`);
          assert.ok(
            moved(before, after) <= STILL_PX,
            `the chart stays in place: early ${before.join(',')}, app ${after.join(',')}`,
          );
          // Nor does it move in between, in any frame.
          const boxes = await page.evaluate<(number[] | null)[]>('window.__chartBoxes');
          const jumps = boxes.filter((b): b is number[] => b !== null && moved(before, b) > STILL_PX);
          assert.deepEqual(jumps, [], 'no frame shows the chart elsewhere');
          await page.context().close();
        });

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

    test('a link the app shows without that panel leaves no early page behind', async () => {
      const page = await newPage(browser);
      const release = await holdApp(page);
      await page.goto(chartsLink());
      const early = page.locator('[data-testid=early-chart-canvas]');
      await eventually(async () => assert.equal(await early.getAttribute('data-points'), '42'), 15_000);
      // The view changes before the app starts (as Back would): the app opens the table instead.
      await page.evaluate(`history.replaceState(null, '', location.pathname)`);
      release();
      await page.locator('[data-testid=run-row]').first().waitFor();
      assert.equal(await page.locator('.early-page').count(), 0, 'no early page over the table');
      await page.context().close();
    });
  });
}
