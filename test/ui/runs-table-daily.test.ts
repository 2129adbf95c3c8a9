/**
 * Browser tests of the runs table for daily work: pinned checkbox and name columns, resizable
 * columns, chosen columns in the URL, picking a metric by name, an invalid filter that keeps the
 * last results, "select all" of loaded vs. all matching runs, numeric param order, system tags
 * behind a toggle, and not-found pages for unknown experiments and runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  call,
  columnTexts,
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

const RUNS = 250;
const BATCH = ['32', '64', '128', '256', '512'];
const METRICS = ['acc', 'aux_a', 'aux_b', 'aux_c', 'f1', 'val_loss'];

for (const backend of BACKENDS) {
  describe(`UI: runs table for daily work (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let exp: string;
    let firstRun: string;

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'daily');
      const t0 = Date.now() - 3_600_000;
      await parallel(8, [...Array(RUNS).keys()], async (i) => {
        const id = await createRun(base, exp, {
          name: `run-${String(i).padStart(3, '0')}-with-a-rather-long-descriptive-name`,
          startTime: t0 + i * 1000,
          endTime: t0 + i * 1000 + 1000 * (1 + ((i * 7) % 11)),
          params: { batch_size: BATCH[i % BATCH.length]!, optimizer: i % 2 ? 'adam' : 'sgd' },
          metrics: Object.fromEntries(METRICS.map((m, j) => [m, (i + j) / 1000])),
          tags: { team: 'vision', 'mlflow.user': 'ana', 'cairn.offline.receipt': 'r-1' },
        });
        if (i === 0) firstRun = id;
      });
      for (const [key, value] of [
        ['mlflow.note.content', 'Daily **sweep** of batch sizes'],
        ['team', 'vision'],
        ['mlflow.system', 'hidden'],
      ])
        await call(base, 'POST', 'experiments/set-experiment-tag', { experiment_id: exp, key, value });
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const table = () => page.locator('[data-testid=runs-table]');
    const rows = () => page.locator('[data-testid=run-row]');

    test('checkbox and run-name columns stay in place when the table scrolls sideways', async () => {
      await page.setViewportSize({ width: 1024, height: 900 });
      await page.goto(`${base}/experiments/${exp}?cols=${METRICS.map((m) => `metric:${m}`).join(',')}`);
      await rows().first().waitFor();
      const name = rows().first().locator('[data-column="attr:run_name"]');
      const check = rows().first().locator('.cell.check');
      const before = { name: (await name.boundingBox())!.x, check: (await check.boundingBox())!.x };
      await table().evaluate((el) => (el.scrollLeft = 600));
      await eventually(async () => assert.equal(await table().evaluate((el) => el.scrollLeft), 600));
      assert.equal((await name.boundingBox())!.x, before.name);
      assert.equal((await check.boundingBox())!.x, before.check);
      // A scrolled column really moved: the status column is now left of the pinned ones (hidden under them).
      const status = rows().first().locator('[data-column="attr:status"]');
      assert.ok((await status.boundingBox())!.x < before.name);
      await screenshotViews(page, 'runs-table-scrolled');
      await table().evaluate((el) => (el.scrollLeft = 0));
    });

    test('columns are resizable and the width is remembered', async () => {
      const head = page.locator('.runs-head [data-column="attr:status"]');
      const w0 = (await head.boundingBox())!.width;
      const handle = head.locator('[data-testid=column-resize]');
      const hb = (await handle.boundingBox())!;
      await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
      await page.mouse.down();
      await page.mouse.move(hb.x + 80, hb.y + hb.height / 2, { steps: 5 });
      await page.mouse.up();
      await eventually(async () => assert.ok(Math.abs((await head.boundingBox())!.width - (w0 + 80)) <= 4));
      // The resize did not sort by the column.
      assert.equal(new URL(page.url()).searchParams.get('sort'), null);
      await page.reload();
      await rows().first().waitFor();
      assert.ok(Math.abs((await head.boundingBox())!.width - (w0 + 80)) <= 4);
    });

    test('a metric is picked by name; chosen columns live in the URL and open in a fresh browser', async () => {
      await page.goto(`${base}/experiments/${exp}`);
      await rows().first().waitFor();
      // Defaults are the first metrics alphabetically: val_loss is not among them.
      assert.equal(await page.locator('.runs-head [data-column="metric:val_loss"]').count(), 0);
      await page.locator('[data-testid=column-picker]').click();
      await page.locator('[data-testid=column-search]').fill('val_lo');
      await page.keyboard.press('Enter');
      await page.locator('.runs-head [data-column="metric:val_loss"]').waitFor();
      const cols = new URL(page.url()).searchParams.get('cols') ?? '';
      assert.ok(cols.split(',').includes('metric:val_loss'), cols);
      // System tags are offered only after asking for them.
      const menu = page.locator('[data-testid=column-picker-menu]');
      await page.locator('[data-testid=column-search]').fill('');
      assert.equal(await menu.locator('[data-column-option="tag:team"]').count(), 1);
      assert.equal(await menu.locator('[data-column-option="tag:mlflow.user"]').count(), 0);
      assert.equal(await menu.locator('[data-column-option="tag:cairn.offline.receipt"]').count(), 0);
      await menu.locator('[data-testid=show-system-tag-columns]').check();
      assert.equal(await menu.locator('[data-column-option="tag:mlflow.user"]').count(), 1);
      await screenshotViews(page, 'runs-column-picker');
      const url = page.url();
      const fresh = await newPage(browser);
      await fresh.goto(url);
      await fresh.locator('.runs-head [data-column="metric:val_loss"]').waitFor();
      await fresh.context().close();
    });

    test('numeric params sort as numbers in the loaded rows', async () => {
      await page.goto(`${base}/experiments/${exp}?sort=param:batch_size&dir=asc`);
      await rows().first().waitFor();
      await eventually(async () => {
        const values = (await columnTexts(page, 'param:batch_size')).map(Number);
        assert.ok(values.length > 10);
        assert.deepEqual(
          values,
          [...values].sort((a, b) => a - b),
        );
        assert.equal(values[0], 32);
      });
      await page.locator('.runs-head [data-column="param:batch_size"]').click();
      await eventually(async () => {
        const values = (await columnTexts(page, 'param:batch_size')).map(Number);
        assert.equal(values[0], 512);
        assert.deepEqual(
          values,
          [...values].sort((a, b) => b - a),
        );
      });
    });

    test('an invalid filter keeps the last good results, shows the error and keeps the toolbar aligned', async () => {
      await page.goto(`${base}/experiments/${exp}`);
      await rows().first().waitFor();
      const filter = page.locator('[data-testid=run-filter]');
      await filter.fill("params.batch_size = '32'");
      await filter.press('Enter');
      await eventually(async () => assert.equal(await table().getAttribute('data-row-count'), '50'));
      const inputBox = (await filter.boundingBox())!;
      const deletedBox = (await page.locator('[data-testid=show-deleted-runs]').boundingBox())!;
      await filter.fill('metrics.acc <<< 1');
      await filter.press('Enter');
      await page.locator('[data-testid=filter-error]').waitFor();
      assert.match(
        (await page.locator('[data-testid=filter-error]').textContent()) ?? '',
        /last valid search/,
      );
      assert.equal(await table().getAttribute('data-row-count'), '50');
      assert.deepEqual((await filter.boundingBox())!, inputBox);
      assert.deepEqual((await page.locator('[data-testid=show-deleted-runs]').boundingBox())!, deletedBox);
      await screenshotViews(page, 'runs-invalid-filter');
    });

    test('"select all" says it selected the loaded runs and offers all matching runs', async () => {
      await page.goto(`${base}/experiments/${exp}`);
      await rows().first().waitFor();
      await page.locator('.runs-head input[type=checkbox]').check();
      const note = page.locator('[data-testid=select-all-note]');
      assert.match((await note.textContent()) ?? '', /All 200 loaded runs are selected; more runs match/);
      await screenshotViews(page, 'runs-select-all');
      await note.locator('[data-testid=select-all-matching]').click();
      await eventually(async () =>
        assert.match((await note.textContent()) ?? '', new RegExp(`All ${RUNS} matching runs are selected`)),
      );
      assert.match(
        (await page.locator('[data-testid=selection-bar] strong').textContent()) ?? '',
        /250 selected/,
      );
      assert.equal((new URL(page.url()).searchParams.get('sel') ?? '').split(',').length, RUNS);
      // Unselecting one run makes the note go stale: it is no longer shown.
      await rows().first().locator('input[type=checkbox]').uncheck();
      await eventually(async () => assert.equal(await note.count(), 0));
    });

    test('system tags of a run are hidden behind a toggle', async () => {
      await page.goto(`${base}/runs/${firstRun}`);
      const tags = page.locator('[data-testid=run-tags]');
      await tags.locator('[data-tag=team]').waitFor();
      assert.equal(await tags.locator('[data-tag="mlflow.user"]').count(), 0);
      assert.equal(await tags.locator('[data-testid=system-tag-row]').count(), 0);
      await tags.locator('[data-testid=toggle-system-tags]').click();
      const system = await tags.locator('[data-testid=system-tag-row] td:first-child').allTextContents();
      assert.ok(system.includes('mlflow.user') && system.includes('cairn.offline.receipt'), system.join());
    });

    test('unknown experiments and runs get a not-found page with a way back', async () => {
      await page.goto(`${base}/experiments/9999`);
      const nf = page.locator('[data-testid=not-found]');
      await nf.waitFor();
      assert.match((await nf.textContent()) ?? '', /Experiment 9999 not found/);
      assert.doesNotMatch((await page.textContent('body')) ?? '', /No runs in this experiment yet/);
      await screenshotViews(page, 'not-found-experiment');
      await page.goto(`${base}/runs/0123456789abcdef0123456789abcdef`);
      await nf.waitFor();
      assert.match((await nf.textContent()) ?? '', /Run 0123456789abcdef0123456789abcdef not found/);
      await nf.locator('[data-testid=not-found-back]').click();
      await page.locator('[data-testid=experiments-page]').waitFor();
      assert.equal(new URL(page.url()).pathname, '/experiments');
    });

    test('the duration column sorts the loaded runs by duration', async () => {
      await page.goto(`${base}/experiments/${exp}`);
      await rows().first().waitFor();
      await page.locator('.runs-head [data-column="attr:duration"]').click();
      await page.waitForURL(/sort=attr%3Aduration&dir=desc/);
      const seconds = async () =>
        (await columnTexts(page, 'attr:duration')).map((t) => Number(t.replace(' s', '')));
      await eventually(async () => {
        const s = await seconds();
        assert.equal(s[0], 11);
        assert.deepEqual(
          s,
          [...s].sort((a, b) => b - a),
        );
      });
      await page.locator('.runs-head [data-column="attr:duration"]').click();
      await eventually(async () => {
        const s = await seconds();
        assert.equal(s[0], 1);
        assert.deepEqual(
          s,
          [...s].sort((a, b) => a - b),
        );
      });
    });

    test('the experiments list shows exact run counts, descriptions and user tags', async () => {
      await page.goto(`${base}/experiments`);
      const row = page.locator(`[data-testid=experiment-row][data-experiment-id="${exp}"]`);
      await eventually(async () =>
        assert.equal(await row.locator('[data-testid=run-count]').textContent(), String(RUNS)),
      );
      assert.equal(
        await row.locator('[data-testid=experiment-description]').textContent(),
        'Daily sweep of batch sizes',
      );
      assert.equal(await row.locator('[data-testid=experiment-tags]').textContent(), 'team: vision');
      await screenshotViews(page, 'experiments-list');
    });
  });
}
