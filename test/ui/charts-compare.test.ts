/** Browser tests: metric charts (downsampling, hover, zoom, settings in the URL), compare view, live updates. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import {
  call,
  columnTexts,
  createExperiment,
  createRun,
  ensureUiBuilt,
  launchBrowser,
  logHistory,
  newPage,
  screenshot,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';

for (const backend of BACKENDS) {
  describe(`UI: charts, compare and live updates (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let exp: string;
    const runs: { id: string; name: string; lr: string; depth: string; acc: number }[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'charts');
      const t0 = Date.now() - 3_600_000;
      const specs = [
        { name: 'run-a', lr: '0.01', depth: '4', acc: 0.71 },
        { name: 'run-b', lr: '0.05', depth: '4', acc: 0.83 },
        { name: 'run-c', lr: '0.1', depth: '8', acc: 0.92 },
      ];
      for (const [i, s] of specs.entries()) {
        const id = await createRun(base, exp, {
          name: s.name,
          startTime: t0 + i * 1000,
          params: { lr: s.lr, depth: s.depth, seed: '42' },
          metrics: { acc: s.acc },
        });
        runs.push({ id, ...s });
      }
      // A long history: 5,000 steps with one spike, which downsampling must keep.
      await logHistory(base, runs[0]!.id, 'loss', 5000, (s) => (s === 3210 ? 50 : 1 / (1 + s / 100)), t0);
      await logHistory(base, runs[1]!.id, 'loss', 300, (s) => 2 / (1 + s / 50), t0 + 1000);
      await logHistory(base, runs[2]!.id, 'loss', 300, (s) => 1.5 / (1 + s / 30), t0 + 2000);
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const chartsUrl = (extra = '') =>
      `${base}/experiments/${exp}?view=charts&sel=${runs.map((r) => r.id).join(',')}${extra}`;

    test('one panel per metric for the selected runs, history fetched downsampled', async () => {
      const sampled: string[] = [];
      page.on('request', (r) => r.url().includes('get-history-sampled') && sampled.push(r.url()));
      await page.goto(chartsUrl());
      const panels = page.locator('[data-testid=metric-chart]');
      await eventually(async () =>
        assert.deepEqual(await panels.evaluateAll((els) => els.map((e) => e.getAttribute('data-metric'))), [
          'acc',
          'loss',
        ]),
      );
      const loss = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.ok(Number(await loss.getAttribute('data-points')) > 0));
      const lossReq = sampled.find((u) => u.includes('metric_key=loss'))!;
      const q = new URL(lossReq).searchParams;
      assert.deepEqual(q.getAll('run_ids').sort(), runs.map((r) => r.id).sort());
      assert.equal(q.get('max_points'), '1000');
      // 5,000 steps arrive as at most ~4 points per bucket: fewer than the full history.
      const points = Number(await loss.getAttribute('data-points'));
      assert.ok(points < 5000, `downsampled, got ${points}`);
      await page.locator('[data-metric=loss] canvas').waitFor();
      await screenshot(page, 'charts');
    });

    test('hover shows the value of every run', async () => {
      const over = page.locator('[data-metric=loss] .u-over');
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.02, box.y + box.height / 2);
      const tip = page.locator('[data-metric=loss] [data-testid=chart-tooltip]');
      await tip.waitFor();
      const text = (await tip.textContent()) ?? '';
      for (const r of runs) assert.ok(text.includes(r.name), `${r.name} in tooltip: ${text}`);
      assert.match(text, /Step: \d+/);
      await screenshot(page, 'charts-hover');
    });

    test('dragging zooms and re-fetches the step range at full resolution; reset restores', async () => {
      const over = page.locator('[data-metric=loss] .u-over');
      const box = (await over.boundingBox())!;
      const zoomReq = page.waitForRequest(
        (r) => r.url().includes('metric_key=loss') && r.url().includes('start_step='),
      );
      await page.mouse.move(box.x + box.width * 0.6, box.y + 30);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.7, box.y + 40, { steps: 5 });
      await page.mouse.up();
      const url = new URL((await zoomReq).url());
      const start = Number(url.searchParams.get('start_step'));
      const end = Number(url.searchParams.get('end_step'));
      assert.ok(
        start > 2500 && end < 4000 && end - start > 100 && end - start < 1000,
        `zoom range ${start}..${end}`,
      );
      // The window holds fewer than 1,000 steps, so every point of run-a in it is drawn, spike included.
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () =>
        assert.ok(Number(await canvas.getAttribute('data-points')) >= end - start),
      );
      await page.click('[data-metric=loss] [data-testid=reset-zoom]');
      await eventually(async () =>
        assert.equal(await page.locator('[data-metric=loss] [data-testid=reset-zoom]').count(), 0),
      );
    });

    test('x axis, log scale and smoothing live in the URL and restore from it', async () => {
      await page.click('[data-testid=x-axis] button:has-text("Wall time")');
      await page.check('[data-testid=log-scale]');
      const slider = page.locator('[data-testid=smoothing]');
      await slider.focus();
      for (let i = 0; i < 5; i++) await slider.press('ArrowRight');
      await eventually(async () => {
        const q = new URL(page.url()).searchParams;
        assert.equal(q.get('x'), 'wall');
        assert.equal(q.get('log'), '1');
        assert.equal(q.get('smooth'), '0.05');
      });
      const fresh = await newPage(browser);
      await fresh.goto(page.url());
      await fresh.locator('[data-metric=loss] canvas').waitFor();
      assert.ok(await fresh.locator('[data-testid=x-axis] button.on:has-text("Wall time")').count());
      assert.ok(await fresh.isChecked('[data-testid=log-scale]'));
      assert.equal(await fresh.inputValue('[data-testid=smoothing]'), '0.05');
      await fresh.context().close();
    });

    test('compare view: side by side, only differences, parallel coordinates, scatter', async () => {
      await page.goto(`${base}/compare?runs=${runs.map((r) => r.id).join(',')}`);
      await page.locator('[data-testid=compare-table]').waitFor();
      const paramKeys = await page
        .locator('[data-testid=param-row]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
      assert.deepEqual(paramKeys, ['depth', 'lr', 'seed']);
      const lrCells = await page.locator('[data-testid=param-row][data-key=lr] td').allTextContents();
      assert.deepEqual(
        lrCells.slice(1),
        runs.map((r) => r.lr),
      );
      const accCells = await page.locator('[data-testid=metric-row][data-key=acc] td').allTextContents();
      assert.deepEqual(
        accCells.slice(1),
        runs.map((r) => String(r.acc)),
      );
      await page.check('[data-testid=only-diff]');
      await eventually(async () =>
        assert.deepEqual(
          await page
            .locator('[data-testid=param-row]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-key'))),
          ['depth', 'lr'],
        ),
      );
      assert.match(page.url(), /diff=1/);
      assert.equal(await page.locator('[data-testid=parallel-coordinates] polyline').count(), 3);
      assert.equal(await page.locator('[data-testid=scatter-plot] circle').count(), 3);
      await page.selectOption('[data-testid=scatter-x]', 'param:lr');
      await page.selectOption('[data-testid=scatter-y]', 'metric:acc');
      await eventually(async () => {
        const q = new URL(page.url()).searchParams;
        assert.equal(q.get('sx'), 'param:lr');
        assert.equal(q.get('sy'), 'metric:acc');
      });
      // Higher lr and higher acc: circles go up and to the right in run order.
      const pos = await page
        .locator('[data-testid=scatter-plot] circle')
        .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('cx')), Number(e.getAttribute('cy'))]));
      assert.ok(pos[0]![0]! < pos[1]![0]! && pos[1]![0]! < pos[2]![0]!, 'x increases with lr');
      assert.ok(pos[0]![1]! > pos[1]![1]! && pos[1]![1]! > pos[2]![1]!, 'y goes up with acc');
      await screenshot(page, 'compare');
    });

    test('live: a running run updates in the table and chart without a reload', async () => {
      const id = await createRun(base, exp, { name: 'live-run', status: 'RUNNING', metrics: { acc: 0.1 } });
      await logHistory(base, id, 'loss', 10, (s) => 1 - s / 100);
      await page.goto(`${base}/experiments/${exp}`);
      const cell = page.locator(`[data-run-id="${id}"] [data-column="metric:acc"]`);
      await eventually(async () => assert.equal(await cell.textContent(), '0.1'));
      await page.evaluate('window.__notReloaded = true');
      await page.locator('[data-testid=live-indicator]').waitFor();
      await call(base, 'POST', 'runs/log-metric', {
        run_id: id,
        key: 'acc',
        value: 0.55,
        timestamp: Date.now(),
        step: 1,
      });
      const t = Date.now();
      await eventually(async () => assert.equal(await cell.textContent(), '0.55'), 5000, 50);
      const tableLatency = Date.now() - t;
      assert.ok(tableLatency < 4000, `table updated after ${tableLatency} ms`);

      await page.click('[data-testid=view-charts]');
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${id}&metrics=loss`);
      await page.evaluate('window.__notReloaded = true');
      const canvas = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      await eventually(async () => assert.equal(await canvas.getAttribute('data-points'), '10'));
      await logHistory(base, id, 'loss', 25, (s) => 1 - s / 100);
      await eventually(async () => assert.equal(await canvas.getAttribute('data-points'), '25'), 5000, 50);
      await call(base, 'POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() });
      await page.click('[data-testid=view-table]');
      await eventually(async () =>
        assert.match(
          (await page.locator(`[data-run-id="${id}"] [data-column="attr:status"]`).textContent()) ?? '',
          /Finished/,
        ),
      );
      assert.equal(await page.evaluate('window.__notReloaded'), true);
      assert.ok((await columnTexts(page, 'attr:run_name')).includes('live-run'));
    });
  });
}
