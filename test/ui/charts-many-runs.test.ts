/**
 * Browser tests: charts of more than 100 selected runs (requests split by the server's 100-id
 * limit, a long legend that collapses, is searchable and hides runs on click, tooltips sorted by
 * value) and readable log-scale axes with small values.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  call,
  createExperiment,
  createRun,
  ensureUiBuilt,
  launchBrowser,
  logHistory,
  newPage,
  parallel,
  screenshotViews,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';

const RUNS = 205;

for (const backend of BACKENDS) {
  describe(`UI: charts of many runs and log axes (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let exp: string;
    let tinyExp: string;
    let tinyRun: string;
    const ids: string[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'sweep');
      const t0 = Date.now() - 3_600_000;
      await parallel(8, [...Array(RUNS).keys()], async (i) => {
        const id = await createRun(base, exp, {
          name: `trial-${String(i).padStart(3, '0')}`,
          startTime: t0 + i,
          params: { lr: String(0.001 * (i + 1)), optimizer: ['adam', 'sgd', 'rmsprop'][i % 3]! },
        });
        ids[i] = id;
        const metrics = [0, 1, 2].map((step) => ({ key: 'loss', value: i + step / 10, timestamp: t0, step }));
        await call(base, 'POST', 'runs/log-batch', { run_id: id, metrics });
      });
      tinyExp = await createExperiment(base, 'tiny values');
      tinyRun = await createRun(base, tinyExp, { name: 'tiny', startTime: t0 });
      // 1e-5 … 1 over 500 steps: five decades on a log axis.
      await logHistory(base, tinyRun, 'grad_norm', 500, (s) => Math.pow(10, -5 + s / 100), t0);
      await logHistory(base, tinyRun, 'system/cpu_utilization_percentage', 50, (s) => 40 + (s % 5), t0);
      // A flat loss with one spike of 1,000 at step 250.
      await logHistory(base, tinyRun, 'loss', 500, (s) => (s === 250 ? 1000 : 1 + (s % 10) / 100), t0);
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test(`${RUNS} selected runs chart in every panel: history requests carry at most 100 ids`, async () => {
      const sampled: string[] = [];
      const runGets: string[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const onRequest = (r: { url(): string }) => {
        if (r.url().includes('get-history-sampled')) {
          sampled.push(r.url());
          maxInFlight = Math.max(maxInFlight, ++inFlight);
        }
        if (r.url().includes('/runs/get?')) runGets.push(r.url());
      };
      const onDone = (r: { url(): string }) => {
        if (r.url().includes('get-history-sampled')) inFlight--;
      };
      page.on('request', onRequest);
      page.on('requestfinished', onDone);
      page.on('requestfailed', onDone);
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}`);
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(Number(await canvas.getAttribute('data-points')), 3), 15_000);
      assert.equal(await page.locator('[data-metric=loss] .error').count(), 0, 'no error in the panel');
      page.off('request', onRequest);
      page.off('requestfinished', onDone);
      page.off('requestfailed', onDone);
      const perCall = sampled.map((u) => new URL(u).searchParams.getAll('run_ids'));
      assert.ok(
        perCall.every((list) => list.length <= 100),
        `sizes ${perCall.map((l) => l.length)}`,
      );
      assert.deepEqual(new Set(perCall.flat()), new Set(ids));
      assert.ok(
        sampled.every((u) => new URL(u).searchParams.get('format') === 'columns'),
        `histories asked as columns: ${sampled.map((u) => new URL(u).searchParams.get('format'))}`,
      );
      // The whole selection is fetched once: not again when the names of the runs beyond the
      // table's first page (200 rows) arrive, and those come from one search, not a runs/get each.
      assert.equal(perCall.length, Math.ceil(RUNS / 100), `history calls: ${perCall.map((l) => l.length)}`);
      assert.deepEqual(runGets, [], 'no runs/get per run');
      assert.ok(maxInFlight <= 2, `${maxInFlight} history calls in flight at once`);
      // Hundreds of runs share one panel's budget of 20,000 buckets instead of 1,000 each.
      const maxPoints = sampled.map((u) => Number(new URL(u).searchParams.get('max_points')));
      assert.deepEqual(new Set(maxPoints), new Set([Math.floor(20_000 / RUNS)]), `max_points ${maxPoints}`);
      assert.equal(
        await page.locator('[data-metric=loss]').getAttribute('data-max-points'),
        String(Math.floor(20_000 / RUNS)),
        'the panel shows its per-run budget',
      );
      // The tooltip lists runs by value, highest first, with their full names.
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 100);
      const tip = page.locator('[data-testid=chart-tooltip]');
      await tip.waitFor();
      const tipNames = await tip.locator('[data-testid=tip-row] .tip-name').allTextContents();
      assert.equal(tipNames[0], `trial-${RUNS - 1}`);
      assert.equal(tipNames[1], `trial-${RUNS - 2}`);
      assert.match((await tip.textContent()) ?? '', new RegExp(`\\+ ${RUNS - 12} more runs`));
      await page.mouse.move(0, 0);
    });

    test('a long legend starts collapsed, expands, is searchable and hides a run on click', async () => {
      const legend = page.locator('[data-testid=chart-legend]');
      const items = legend.locator('[data-testid=legend-item]');
      assert.equal(await legend.getAttribute('data-runs'), String(RUNS));
      assert.equal(await items.count(), 20);
      assert.match((await legend.locator('[data-testid=legend-more]').textContent()) ?? '', /185 more/);
      // Collapsed, the legend leaves the charts on the first screen.
      const firstChart = (await page.locator('[data-testid=metric-chart]').first().boundingBox())!;
      assert.ok(firstChart.y < 900, `first chart at y=${firstChart.y}`);
      await screenshotViews(page, 'charts-205-runs');
      await legend.locator('[data-testid=legend-expand]').click();
      assert.equal(await items.count(), RUNS);
      await legend.locator('[data-testid=legend-search]').fill('trial-04');
      assert.deepEqual(
        await items.allTextContents(),
        [...Array(10).keys()].map((i) => `trial-04${i}`),
      );
      await legend.locator('[data-testid=legend-search]').fill('trial-042');
      await items.first().click();
      assert.equal(await items.first().getAttribute('aria-pressed'), 'false');
      // Hidden from the drawing, still fetched: the panel keeps its points, the tooltip loses the run.
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 100);
      await page.locator('[data-testid=chart-tooltip]').waitFor();
      assert.match(
        (await page.locator('[data-testid=chart-tooltip]').textContent()) ?? '',
        new RegExp(`\\+ ${RUNS - 1 - 12} more runs`),
      );
      await page.mouse.move(0, 0);
      await legend.locator('[data-testid=legend-show-all]').click();
      assert.equal(await items.first().getAttribute('aria-pressed'), 'true');
    });

    test('log-scale y axis labels powers of ten only and fits 1e-5', async () => {
      await page.goto(`${base}/experiments/${tinyExp}?view=charts&sel=${tinyRun}&log=1`);
      const canvas = page.locator('[data-metric=grad_norm] [data-testid=chart-canvas]');
      // The server may still be answering the 205-run page's history requests the browser dropped
      // on leaving it: on a loaded machine the first draw can take longer than the usual 8 s.
      await eventually(
        async () => assert.ok(Number(await canvas.getAttribute('data-points')) > 0, 'grad_norm drawn'),
        30_000,
      );
      // The axis may be laid out once more after the points arrive (its width follows the labels).
      const expected = ['1e-5', '1e-4', '0.001', '0.01', '0.1', '1'];
      let ticks: string[] = [];
      await eventually(async () => {
        ticks = ((await canvas.getAttribute('data-y-ticks')) ?? '').split('|');
        assert.deepEqual(ticks, expected);
      });
      // The axis is at least as wide as its longest label as drawn (11 px system font) plus tick marks.
      const size = Number(await canvas.getAttribute('data-y-axis-size'));
      const textWidth = await page.evaluate<number>(`(() => {
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = '11px system-ui, sans-serif';
      return Math.max(...${JSON.stringify(ticks)}.map((l) => ctx.measureText(l).width));
    })()`);
      assert.ok(size >= textWidth + 10, `axis ${size}px, label ${textWidth}px`);
      await screenshotViews(page, 'charts-log-axis');
      // Without log scale the same values get ordinary linear ticks.
      await page.locator('[data-testid=log-scale]').uncheck();
      await eventually(async () =>
        assert.ok(
          !((await canvas.getAttribute('data-y-ticks')) ?? '').includes('1e-5'),
          'linear ticks once the log scale is off',
        ),
      );
    });

    test('zoom is shared by every panel, the crosshair too, with one tooltip; outliers can be ignored', async () => {
      await page.goto(`${base}/experiments/${tinyExp}?view=charts&sel=${tinyRun}`);
      const grad = page.locator('[data-metric=grad_norm] [data-testid=chart-canvas]');
      const loss = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.ok(Number(await loss.getAttribute('data-points')) > 0));
      await eventually(async () => assert.ok(Number(await grad.getAttribute('data-points')) > 0));
      const yMax = async () => Number(((await loss.getAttribute('data-y-range')) ?? '').split(',')[1]);
      assert.ok((await yMax()) >= 1000, `y max ${await yMax()}`);
      await page.locator('[data-testid=ignore-outliers]').check();
      await eventually(async () => assert.ok((await yMax()) < 2, `y max ${await yMax()}`));
      assert.equal(new URL(page.url()).searchParams.get('outliers'), 'ignore');
      // Hovering one panel shows one tooltip (the other panel follows the crosshair only).
      const box = (await grad.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 80);
      await page.locator('[data-testid=chart-tooltip]').waitFor();
      assert.equal(await page.locator('[data-testid=chart-tooltip]').count(), 1);
      await screenshotViews(page, 'charts-crosshair-outliers');
      // Dragging a range in one panel zooms all three (grad_norm, loss, system/cpu…).
      await page.mouse.move(box.x + box.width * 0.3, box.y + 80);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, box.y + 80, { steps: 5 });
      await page.mouse.up();
      await eventually(async () => assert.equal(await page.locator('[data-testid=reset-zoom]').count(), 3));
      await page.locator('[data-metric=loss] [data-testid=reset-zoom]').click();
      await eventually(async () => assert.equal(await page.locator('[data-testid=reset-zoom]').count(), 0));
    });

    test('grouping by a param draws each group as a mean line with a min-max band', async () => {
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}`);
      await page.locator('[data-testid=group-by]').selectOption('param:optimizer');
      assert.equal(new URL(page.url()).searchParams.get('group'), 'param:optimizer');
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () =>
        assert.equal(
          await canvas.getAttribute('data-groups'),
          'adam (69 runs)|rmsprop (68 runs)|sgd (68 runs)',
        ),
      );
      const legend = page.locator('[data-testid=chart-legend] [data-testid=legend-item]');
      assert.deepEqual(await legend.allTextContents(), [
        'adam (69 runs)',
        'rmsprop (68 runs)',
        'sgd (68 runs)',
      ]);
      // The tooltip shows the groups' means: at step 0 the adam runs (i = 0, 3, … 204) average 102.
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + 62, box.y + 100);
      const tip = page.locator('[data-testid=chart-tooltip]');
      await tip.waitFor();
      const rows = await tip.locator('[data-testid=tip-row]').allTextContents();
      assert.equal(rows.length, 3);
      assert.ok(
        rows.some((r) => r.startsWith('adam (69 runs)') && /^adam \(69 runs\)10[2-3]/.test(r)),
        rows.join(' / '),
      );
      await screenshotViews(page, 'charts-grouped');
      await page.mouse.move(0, 0);
      // Hiding a group hides its runs: two groups left.
      await legend.first().click();
      await eventually(async () =>
        assert.equal(await canvas.getAttribute('data-groups'), 'rmsprop (68 runs)|sgd (68 runs)'),
      );
    });

    test('system/* metrics get their own section; last values show as bars', async () => {
      await page.goto(`${base}/experiments/${tinyExp}?view=charts&sel=${tinyRun}`);
      const system = page.locator('[data-testid=system-metrics]');
      await system.locator('[data-metric="system/cpu_utilization_percentage"]').waitFor();
      assert.equal(await system.locator('[data-testid=metric-chart]').count(), 1);
      assert.deepEqual(
        await page
          .locator('[data-testid=metrics] [data-testid=metric-chart]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-metric'))),
        ['grad_norm', 'loss'],
      );
      await screenshotViews(page, 'charts-system-metrics');
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}&panel=bars`);
      const bars = page.locator('[data-testid=bar-chart][data-metric=loss] [data-testid=bar]');
      await eventually(async () => assert.equal(await bars.count(), 50));
      assert.match((await bars.first().textContent()) ?? '', /^trial-204204\.2$/);
      assert.match((await bars.nth(1).textContent()) ?? '', /^trial-203203\.2$/);
      await screenshotViews(page, 'charts-last-value-bars');
    });

    test('a grouped table with every group collapsed loads one page of runs, more on request', async () => {
      const searches: string[] = [];
      const onRequest = (r: { url(): string }) => {
        if (r.url().includes('runs/search')) searches.push(r.url());
      };
      page.on('request', onRequest);
      await page.goto(`${base}/experiments/${exp}?group=param:optimizer&gfold=adam,rmsprop,sgd`);
      const groups = page.locator('[data-testid=group-row]');
      await eventually(async () => assert.equal(await groups.count(), 3, 'three group headers'), 15_000);
      const count = page.locator('[data-testid=runs-count]');
      assert.match((await count.textContent()) ?? '', /^200 runs loaded — scroll for more/);
      // Nothing else to wait for: the three header rows must not page through the experiment.
      await page.waitForTimeout(1500);
      assert.equal(searches.length, 1, `runs/search calls: ${searches.length}`);
      assert.equal(
        await page.locator('[data-testid=load-more]').getAttribute('title'),
        'Group counts and aggregates cover the loaded runs',
      );
      await page.locator('[data-testid=load-more]').click();
      await eventually(
        async () => assert.match((await count.textContent()) ?? '', /^205 runs loaded$/),
        15_000,
      );
      assert.equal(await page.locator('[data-testid=load-more]').count(), 0, 'nothing more to load');
      const counts = await groups.locator('[data-testid=group-count]').allTextContents();
      assert.deepEqual(counts, ['69 runs', '68 runs', '68 runs']);
      page.off('request', onRequest);
    });
  });
}
