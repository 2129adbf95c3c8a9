/**
 * Browser tests: a charts link (`?view=charts&sel=…&metrics=…`) asks for the histories of its
 * first panels while the app is still starting, before the page searches its runs, and each
 * panel uses that answer once: no second request for the same data, and later loads fetch anew.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
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

/** The API calls a page makes, in the order it sends them (path and query, without the host). */
function recordApiCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on('request', (r: Request) => {
    const u = new URL(r.url());
    if (u.pathname.includes('/ajax-api/')) calls.push(u.pathname.replace(/^.*\/mlflow\//, '') + u.search);
  });
  return calls;
}

const sampledFor = (calls: string[], key: string): string[] =>
  calls.filter(
    (c) =>
      c.startsWith('metrics/get-history-sampled') &&
      new URLSearchParams(c.split('?')[1]).get('metric_key') === key,
  );

for (const backend of BACKENDS) {
  describe(`UI: charts link fetches its histories early (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let base: string;
    let exp: string;
    const ids: string[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'early charts');
      const t0 = Date.now() - 3_600_000;
      for (let r = 0; r < 3; r++) {
        const id = await createRun(base, exp, { name: `early-${r}`, startTime: t0 + r });
        ids.push(id);
        await logHistory(base, id, 'loss', 40 + r, (s) => 1 / (s + 1 + r), t0);
        await logHistory(base, id, 'acc', 30, (s) => s / 30, t0);
      }
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('the histories are asked for before the run search, once per panel, and drawn', async () => {
      const page = await newPage(browser);
      const calls = recordApiCalls(page);
      await page.goto(`${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}&metrics=loss,acc`);
      const loss = page.locator('[data-metric=loss] [data-testid=chart-canvas]');
      const acc = page.locator('[data-metric=acc] [data-testid=chart-canvas]');
      // x is the union of the runs' steps: 0…41 for loss, 0…29 for acc.
      await eventually(
        async () => assert.equal(Number(await loss.getAttribute('data-points')), 42, 'loss drawn'),
        15_000,
      );
      await eventually(
        async () => assert.equal(Number(await acc.getAttribute('data-points')), 30, 'acc drawn'),
        15_000,
      );
      assert.equal(await page.locator('[data-testid=metric-chart] .error').count(), 0, 'no error in a panel');
      const search = calls.findIndex((c) => c.startsWith('runs/search'));
      assert.ok(search >= 0, `the table's search ran: ${calls.join(' | ')}`);
      for (const key of ['loss', 'acc']) {
        const sampled = sampledFor(calls, key);
        assert.equal(
          sampled.length,
          1,
          `one ${key} history request, not a second from the panel: ${calls.join(' | ')}`,
        );
        assert.ok(
          calls.indexOf(sampled[0]!) < search,
          `${key} history asked before the run search: ${calls.join(' | ')}`,
        );
        const q = new URLSearchParams(sampled[0]!.split('?')[1]);
        assert.deepEqual(new Set(q.getAll('run_ids')), new Set(ids), `${key}: every selected run`);
        assert.equal(q.get('max_points'), '1000', `${key}: the panel's budget for 3 runs`);
      }

      // The early answer is used once: switching to the table and back fetches again and shows
      // points logged in between.
      await call(base, 'POST', 'runs/log-batch', {
        run_id: ids[0],
        metrics: [{ key: 'loss', value: 0.01, timestamp: Date.now(), step: 100 }],
      });
      await page.click('[data-testid=view-table]');
      await page.locator('[data-testid=run-row]').first().waitFor();
      await page.click('[data-testid=view-charts]');
      await eventually(
        async () => assert.equal(Number(await loss.getAttribute('data-points')), 43, 'the new step is drawn'),
        15_000,
      );
      assert.equal(sampledFor(calls, 'loss').length, 2, `loss fetched again: ${calls.join(' | ')}`);
      await page.context().close();
    });

    test('sampled histories are parsed by a worker, and by the page when the worker cannot load', async () => {
      const url = `${base}/experiments/${exp}?view=charts&sel=${ids.join(',')}&metrics=acc`;
      // acc: 30 steps in every run (the test above adds a step to loss).
      const drawn = async (page: Page): Promise<string | null> => {
        const acc = page.locator('[data-metric=acc] [data-testid=chart-canvas]');
        await eventually(
          async () => assert.equal(Number(await acc.getAttribute('data-points')), 30, 'acc drawn'),
          15_000,
        );
        return acc.getAttribute('data-y-range');
      };
      const page = await newPage(browser);
      await page.goto(url);
      const withWorker = await drawn(page);
      assert.deepEqual(
        page.workers().map((w) => new URL(w.url()).pathname.startsWith('/assets/history-worker-')),
        [true],
        `one history worker: ${page.workers().map((w) => w.url())}`,
      );
      await page.context().close();

      const blocked = await newPage(browser);
      let refused = 0;
      await blocked.route('**/assets/history-worker-*', (route) => {
        refused++;
        return route.abort();
      });
      await blocked.goto(url);
      const withoutWorker = await drawn(blocked);
      assert.equal(refused, 1, 'the worker script was asked for once, and refused');
      assert.equal(blocked.workers().length, 0, 'no worker runs');
      assert.ok(withWorker, 'a y range drawn');
      assert.equal(withoutWorker, withWorker, 'the same y range drawn by the page itself');
      assert.equal(
        await blocked.locator('[data-testid=metric-chart] .error').count(),
        0,
        'no error in the panel',
      );
      await blocked.context().close();
    });

    test('a bars panel link and a table link ask for no history', async () => {
      const page = await newPage(browser);
      const calls = recordApiCalls(page);
      await page.goto(`${base}/experiments/${exp}?view=charts&panel=bars&sel=${ids.join(',')}&metrics=loss`);
      await page.locator('[data-testid=charts-view]').waitFor();
      await page.goto(`${base}/experiments/${exp}?sel=${ids.join(',')}&metrics=loss`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      assert.deepEqual(
        calls.filter((c) => c.startsWith('metrics/get-history-sampled')),
        [],
        `no history request: ${calls.join(' | ')}`,
      );
      await page.context().close();
    });
  });
}
