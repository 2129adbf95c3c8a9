/**
 * Browser tests: the runs table grouped by a param (collapsible group rows with count and mean /
 * min / max of the metric columns, state in the URL), the charts' scatter panel of a metric
 * against a param (numeric or categorical axis), choosing runs from the charts view, and pinning
 * a run from the legend.
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
  parallel,
  screenshotViews,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';

const RUNS = 24;
const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'];
const BATCHES = ['8', '16', '128', '64'];
const name = (i: number) => `trial-${String(i).padStart(2, '0')}`;
const acc = (i: number) => i / 100;

for (const backend of BACKENDS) {
  describe(`UI: table grouping, scatter panel, chart run picker and pins (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let exp: string;
    const ids: string[] = [];
    let child: string;

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'grouping');
      const t0 = Date.now() - 3_600_000;
      await parallel(8, [...Array(RUNS).keys()], async (i) => {
        ids[i] = await createRun(base, exp, {
          name: name(i),
          startTime: t0 + i * 1000,
          params: { optimizer: OPTIMIZERS[i % 3]!, batch: BATCHES[i % 4]! },
          metrics: { acc: acc(i), loss: 1 - acc(i) },
        });
      });
      // A child run without the grouping param: it forms the "(none)" group.
      child = await createRun(base, exp, {
        name: 'trial-00-child',
        startTime: t0 - 1000,
        params: { batch: '8' },
        metrics: { acc: 0.5, loss: 0.5 },
        tags: { 'mlflow.parentRunId': ids[0]! },
      });
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const table = () => page.locator('[data-testid=runs-table]');
    const groupRows = () => page.locator('[data-testid=group-row]');

    test('grouped by a param, the table shows collapsible groups with count and metric mean/min/max', async () => {
      await page.setViewportSize({ width: 1440, height: 1600 });
      await page.goto(`${base}/experiments/${exp}?cols=metric:acc,metric:loss,param:batch`);
      await eventually(async () => assert.equal(await table().getAttribute('data-row-count'), String(RUNS)));
      await page.locator('[data-testid=group-by]').selectOption('param:optimizer');
      await eventually(async () =>
        assert.deepEqual(
          await groupRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-group'))),
          ['adam', 'rmsprop', 'sgd', '(none)'],
        ),
      );
      assert.equal(new URL(page.url()).searchParams.get('group'), 'param:optimizer');
      // Every run is listed under its group (the child run too, in "(none)").
      assert.equal(await table().getAttribute('data-row-count'), String(RUNS + 1));
      for (const [g, k] of [
        ['adam', 0],
        ['sgd', 1],
        ['rmsprop', 2],
      ] as const) {
        const members = [...Array(RUNS).keys()].filter((i) => i % 3 === k).map(acc);
        const row = page.locator(`[data-testid=group-row][data-group="${g}"]`);
        assert.equal(await row.locator('[data-testid=group-count]').textContent(), `${members.length} runs`);
        const stat = row.locator('[data-column="metric:acc"] [data-testid=group-stat]');
        const mean = members.reduce((a, b) => a + b, 0) / members.length;
        assert.ok(Math.abs(Number(await stat.getAttribute('data-mean')) - mean) < 1e-9, `${g} mean`);
        assert.equal(Number(await stat.getAttribute('data-min')), Math.min(...members));
        assert.equal(Number(await stat.getAttribute('data-max')), Math.max(...members));
        // The batch column is a param: no aggregate there.
        assert.equal(await row.locator('[data-column="param:batch"] [data-testid=group-stat]').count(), 0);
      }
      const none = page.locator('[data-testid=group-row][data-group="(none)"]');
      assert.equal(await none.locator('[data-testid=group-count]').textContent(), '1 run');
      assert.equal(
        await none.locator('[data-column="metric:loss"] [data-testid=group-stat]').getAttribute('data-mean'),
        '0.5',
      );
      await screenshotViews(page, 'runs-table-grouped');

      // Collapsing a group hides its runs; the state is in the URL and survives a reload.
      await page.locator('[data-testid=group-row][data-group="sgd"] [data-testid=group-toggle]').click();
      await eventually(async () =>
        assert.equal(await table().getAttribute('data-row-count'), String(RUNS + 1 - 8)),
      );
      assert.equal(new URL(page.url()).searchParams.get('gfold'), 'sgd');
      await page.reload();
      await eventually(async () =>
        assert.equal(
          await page.locator('[data-testid=group-row][data-group="sgd"]').getAttribute('data-collapsed'),
          'true',
        ),
      );
      assert.equal(await table().getAttribute('data-row-count'), String(RUNS + 1 - 8));
      const sgdRuns = await page
        .locator('[data-testid=run-row]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')));
      assert.ok(
        [...Array(RUNS).keys()].filter((i) => i % 3 === 1).every((i) => !sgdRuns.includes(ids[i]!)),
        'no run of the collapsed group is drawn',
      );
      await page.locator('[data-testid=group-row][data-group="sgd"] [data-testid=group-toggle]').click();
      await eventually(async () =>
        assert.equal(await table().getAttribute('data-row-count'), String(RUNS + 1)),
      );
      assert.equal(new URL(page.url()).searchParams.get('gfold'), null);

      // Numeric values group in numeric order; "None" ungroups.
      await page.locator('[data-testid=group-by]').selectOption('param:batch');
      await eventually(async () =>
        assert.deepEqual(
          await groupRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-group'))),
          ['8', '16', '64', '128'],
        ),
      );
      assert.equal(
        await page.locator('[data-testid=group-row][data-group="8"] [data-testid=group-count]').textContent(),
        '7 runs',
        'six runs and the child run',
      );
      await page.locator('[data-testid=group-by]').selectOption('');
      await eventually(async () => assert.equal(await groupRows().count(), 0));
      assert.equal(await table().getAttribute('data-row-count'), String(RUNS));
      await page.setViewportSize({ width: 1440, height: 900 });
    });

    test('scatter panel: last value of each metric against a numeric or a categorical param', async () => {
      const sel = ids.slice(0, 12).join(',');
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${sel}`);
      await page.locator('[data-testid=panel-scatter]').click();
      const panel = page.locator('[data-testid=param-scatter][data-metric=acc]');
      await panel.waitFor();
      assert.equal(new URL(page.url()).searchParams.get('panel'), 'scatter');
      // The first param in name order: batch, numeric.
      const area = panel.locator('[data-testid=scatter-area]');
      await eventually(async () => assert.equal(await area.getAttribute('data-points'), '12'));
      assert.equal(await area.getAttribute('data-axis'), 'numeric');
      const points = async () =>
        (await panel.locator('[data-testid=scatter-point]').evaluateAll((els) =>
          els.map((e) => ({
            id: e.getAttribute('data-run-id')!,
            cx: Number(e.getAttribute('cx')),
            cy: Number(e.getAttribute('cy')),
          })),
        )) as { id: string; cx: number; cy: number }[];
      const byBatch = new Map<string, number[]>();
      for (const p of await points()) {
        const i = ids.indexOf(p.id);
        const list = byBatch.get(BATCHES[i % 4]!) ?? [];
        list.push(p.cx);
        byBatch.set(BATCHES[i % 4]!, list);
        // Higher accuracy is drawn higher (smaller y).
        const j = ids.indexOf(p.id) + 1;
        if (j < 12) {
          const next = (await points()).find((q) => q.id === ids[j]);
          assert.ok(next!.cy < p.cy, `${name(j)} above ${name(i)}`);
        }
      }
      // Equal values share an x; x grows with the number: 8 < 16 < 64 < 128, spaced by value.
      for (const xs of byBatch.values()) assert.ok(Math.max(...xs) - Math.min(...xs) < 1e-6);
      const x = (b: string) => byBatch.get(b)![0]!;
      assert.ok(x('8') < x('16') && x('16') < x('64') && x('64') < x('128'));
      assert.ok(Math.abs((x('128') - x('64')) / (x('64') - x('8')) - 64 / 56) < 0.01, 'a linear axis');

      // A text param: one column per value, in name order.
      await page.locator('[data-testid=scatter-param]').selectOption('optimizer');
      await eventually(async () => assert.equal(await area.getAttribute('data-axis'), 'categorical'));
      assert.equal(new URL(page.url()).searchParams.get('sp'), 'optimizer');
      assert.deepEqual(await panel.locator('[data-testid=x-tick]').allTextContents(), [
        'adam',
        'rmsprop',
        'sgd',
      ]);
      const ticks = await panel
        .locator('[data-testid=x-tick]')
        .evaluateAll((els) => els.map((e) => e.parentElement!.getBoundingClientRect().x));
      const svgX = (await panel.locator('svg').boundingBox())!.x;
      const column = (cx: number) => {
        const d = ticks.map((t) => Math.abs(t - svgX - cx));
        return ['adam', 'rmsprop', 'sgd'][d.indexOf(Math.min(...d))];
      };
      for (const p of await points())
        assert.equal(column(p.cx), OPTIMIZERS[ids.indexOf(p.id) % 3], name(ids.indexOf(p.id)));
      await screenshotViews(page, 'charts-scatter');
    });

    test('runs are chosen from the charts view with the run picker', async () => {
      await page.goto(`${base}/experiments/${exp}?view=charts`);
      const legend = page.locator('[data-testid=chart-legend] [data-testid=legend-item]');
      await eventually(async () => assert.equal(await legend.count(), 10));
      assert.equal(await page.locator('[data-testid=charted-count]').textContent(), 'First 10 runs');
      await page.locator('[data-testid=chart-run-picker]').click();
      await page.locator('[data-testid=run-picker-search]').fill('trial-00');
      const items = page.locator('[data-testid=run-picker-item]');
      assert.deepEqual(await items.allTextContents(), ['trial-00', 'trial-00-child']);
      await items.first().locator('input').check();
      // The ten charted by default stay; trial-00 is added.
      await eventually(async () => assert.equal(await legend.count(), 11));
      const sel = new URL(page.url()).searchParams.get('sel')!.split(',');
      assert.equal(sel.length, 11);
      assert.ok(sel.includes(ids[0]!));
      assert.deepEqual(new Set(sel.filter((id) => id !== ids[0])), new Set(ids.slice(RUNS - 10)));
      // Unticking removes it again; the list is searchable by name.
      await items.first().locator('input').uncheck();
      await eventually(async () => assert.equal(await legend.count(), 10));
      assert.equal(new URL(page.url()).searchParams.get('sel')!.split(',').includes(ids[0]!), false);
      await page.locator('[data-testid=run-picker-search]').fill('child');
      await items.first().locator('input').check();
      await eventually(async () =>
        assert.ok(new URL(page.url()).searchParams.get('sel')!.split(',').includes(child)),
      );
      await page.locator('[data-testid=run-picker-clear]').click();
      await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('sel'), null));
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('[data-testid=run-picker-panel]').count(), 0);
    });

    test('a legend entry pins a run: drawn on top, listed first, kept in the URL', async () => {
      const sel = ids.slice(0, 5).join(',');
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${sel}`);
      const canvas = page.locator('[data-metric=acc] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await canvas.getAttribute('data-drawn'), sel));
      await page.locator(`[data-testid=legend-pin][data-run-id="${ids[1]}"]`).click();
      await eventually(async () => assert.equal(await canvas.getAttribute('data-pinned'), ids[1]));
      assert.equal(
        (await canvas.getAttribute('data-drawn'))!.split(',').at(-1),
        ids[1],
        'drawn last: on top',
      );
      assert.equal(new URL(page.url()).searchParams.get('pin'), ids[1]);
      const legendIds = () =>
        page
          .locator('[data-testid=chart-legend] [data-testid=legend-item]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')));
      assert.equal((await legendIds())[0], ids[1]);
      assert.equal(
        await page.locator(`[data-testid=legend-pin][data-run-id="${ids[1]}"]`).getAttribute('aria-pressed'),
        'true',
      );
      // Kept on reload; clicking the entry itself still hides the run.
      await page.reload();
      await eventually(async () => assert.equal(await canvas.getAttribute('data-pinned'), ids[1]));
      await page.locator(`[data-testid=legend-item][data-run-id="${ids[3]}"]`).click();
      await eventually(async () =>
        assert.equal((await canvas.getAttribute('data-drawn'))!.split(',').includes(ids[3]!), false),
      );
      await screenshotViews(page, 'charts-pinned');
      await page.locator(`[data-testid=legend-pin][data-run-id="${ids[1]}"]`).click();
      await eventually(async () => assert.equal(await canvas.getAttribute('data-pinned'), ''));
      assert.equal(new URL(page.url()).searchParams.get('pin'), null);
    });
  });
}
