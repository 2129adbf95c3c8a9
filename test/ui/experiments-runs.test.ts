/** Browser tests: experiments list and the runs table (filter, sort, columns, nesting, selection). */
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
  newPage,
  parallel,
  screenshot,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';

for (const backend of BACKENDS) {
  describe(`UI: experiments and runs table (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let alpha: string;
    let big: string;
    const alphaRuns: {
      id: string;
      name: string;
      lr: number;
      acc: number;
      loss: number;
      optimizer: string;
    }[] = [];
    let parentId: string;

    before(async () => {
      const uiDir = ensureUiBuilt();
      server = await startTestServer(backend, { uiDir });
      base = server.url;
      alpha = await createExperiment(base, 'alpha-classifier');
      await createExperiment(base, 'beta-regressor');
      big = await createExperiment(base, 'big-sweep');
      const t0 = Date.now() - 3_600_000;
      for (let i = 0; i < 24; i++) {
        const r = {
          name: `alpha-run-${String(i).padStart(2, '0')}`,
          lr: Number((0.001 * (i + 1)).toFixed(3)),
          acc: Number((0.5 + i * 0.02).toFixed(2)),
          loss: Number((2 - i * 0.05).toFixed(2)),
          optimizer: i % 2 ? 'adam' : 'sgd',
        };
        const id = await createRun(base, alpha, {
          name: r.name,
          startTime: t0 + i * 60_000,
          params: { lr: String(r.lr), optimizer: r.optimizer, layers: '3' },
          metrics: { acc: r.acc, loss: r.loss },
          tags: { 'mlflow.user': 'ada', 'mlflow.source.name': '/home/ada/train.py' },
        });
        alphaRuns.push({ id, ...r });
      }
      parentId = await createRun(base, alpha, {
        name: 'sweep-parent',
        startTime: t0 - 600_000,
        params: { lr: '0.5' },
      });
      for (let i = 0; i < 3; i++) {
        await createRun(base, alpha, {
          name: `sweep-child-${i}`,
          startTime: t0 + (31 + i) * 60_000,
          tags: { 'mlflow.parentRunId': parentId },
          metrics: { acc: 0.3 + i * 0.1 },
        });
      }
      await parallel(
        8,
        Array.from({ length: 1150 }, (_x, i) => i),
        (i) =>
          call(base, 'POST', 'runs/create', { experiment_id: big, run_name: `big-${i}`, start_time: t0 + i }),
      );
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('experiments page lists experiments with their run counts', async () => {
      await page.goto(`${base}/`);
      await page.locator('[data-testid=experiment-row]').first().waitFor();
      const names = await page.locator('.exp-name').allTextContents();
      assert.deepEqual(names.sort(), ['Default', 'alpha-classifier', 'beta-regressor', 'big-sweep']);
      const alphaRow = page.locator(`[data-experiment-id="${alpha}"]`);
      await eventually(async () =>
        assert.equal(await alphaRow.locator('[data-testid=run-count]').textContent(), '28'),
      );
      await screenshot(page, 'experiments');
    });

    test('experiment search filters by name', async () => {
      await page.fill('[data-testid=experiment-search]', 'beta');
      await page.press('[data-testid=experiment-search]', 'Enter');
      await eventually(async () =>
        assert.deepEqual(await page.locator('.exp-name').allTextContents(), ['beta-regressor']),
      );
      assert.match(page.url(), /q=beta/);
    });

    test('several experiments open together, with an Experiment column', async () => {
      await page.goto(`${base}/experiments`);
      await page.locator(`[data-experiment-id="${alpha}"] input[type=checkbox]`).check();
      await page.locator(`[data-experiment-id="${big}"] input[type=checkbox]`).check();
      await page.click('[data-testid=open-selected]');
      await page.waitForURL(new RegExp(`/experiments/${alpha},${big}$`));
      await page.locator('[data-testid=run-row]').first().waitFor();
      assert.equal(await page.textContent('[data-testid=experiment-title]'), 'alpha-classifier, big-sweep');
      const experiments = new Set(await columnTexts(page, 'attr:experiment'));
      assert.ok(experiments.has('alpha-classifier') || experiments.has('big-sweep'));
      await page.fill('[data-testid=run-filter]', "attributes.run_name LIKE 'alpha-run-1%'");
      await page.press('[data-testid=run-filter]', 'Enter');
      await eventually(async () =>
        assert.deepEqual([...new Set(await columnTexts(page, 'attr:experiment'))], ['alpha-classifier']),
      );
    });

    test('create, rename, delete and restore an experiment', async () => {
      await page.goto(`${base}/experiments`);
      await page.click('[data-testid=create-experiment]');
      await page.fill('.modal input', 'gamma-new');
      await page.click('.modal button[type=submit]');
      await page.waitForURL(/\/experiments\/\d+$/);
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=experiment-title]'), 'gamma-new'),
      );
      // A new experiment's empty state shows how to log a first run.
      await page.locator('.snippet').waitFor();
      assert.match((await page.textContent('.snippet')) ?? '', /mlflow\.set_experiment\("gamma-new"\)/);
      const id = page.url().split('/').pop()!;

      await page.goto(`${base}/experiments`);
      const row = page.locator(`[data-experiment-id="${id}"]`);
      await row.locator('button', { hasText: 'Rename' }).click();
      await page.fill('.modal input', 'gamma-renamed');
      await page.click('.modal button[type=submit]');
      await eventually(async () =>
        assert.equal(await row.locator('.exp-name').textContent(), 'gamma-renamed'),
      );
      const got = await call<{ experiment: { name: string } }>(base, 'GET', 'experiments/get', {
        experiment_id: id,
      });
      assert.equal(got.experiment.name, 'gamma-renamed');

      await row.locator('button', { hasText: 'Delete' }).click();
      await page.click('.modal button.danger');
      await eventually(async () => assert.equal(await row.count(), 0));
      await page.click('[data-testid=show-deleted]');
      const deletedRow = page.locator(`[data-experiment-id="${id}"]`);
      await deletedRow.waitFor();
      await deletedRow.locator('button', { hasText: 'Restore' }).click();
      await page.click('.modal button.primary');
      await eventually(async () => assert.equal(await deletedRow.count(), 0));
      const restored = await call<{ experiment: { lifecycle_stage: string } }>(
        base,
        'GET',
        'experiments/get',
        {
          experiment_id: id,
        },
      );
      assert.equal(restored.experiment.lifecycle_stage, 'active');
    });

    test('runs table shows runs with attributes, params and metrics', async () => {
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      // Newest first by default; the 3 children are grouped under their parent (collapsed).
      const names = await columnTexts(page, 'attr:run_name');
      assert.equal(names.length, 25);
      assert.equal(names[0], 'alpha-run-23');
      const run = alphaRuns[5]!;
      const row = page.locator(`[data-run-id="${run.id}"]`);
      assert.equal(await row.locator('[data-column="metric:acc"]').textContent(), String(run.acc));
      assert.equal(await row.locator('[data-column="param:lr"]').textContent(), String(run.lr));
      assert.equal(await row.locator('[data-column="attr:user"]').textContent(), 'ada');
      assert.equal(await row.locator('[data-column="attr:source"]').textContent(), 'train.py');
      assert.match((await row.locator('[data-column="attr:status"]').textContent()) ?? '', /Finished/);
      assert.equal(await row.locator('[data-column="attr:duration"]').textContent(), '1 min 0 s');
      await screenshot(page, 'runs-table');
    });

    test('nested runs are grouped under their parent and expand', async () => {
      const parent = page.locator(`[data-run-id="${parentId}"]`);
      assert.equal(await parent.locator('.child-count').textContent(), '3');
      await parent.locator('[data-testid=expand-children]').click();
      await eventually(async () => {
        const names = await columnTexts(page, 'attr:run_name');
        const at = names.findIndex((n) => n.startsWith('sweep-parent'));
        assert.deepEqual(names.slice(at + 1, at + 4).sort(), [
          'sweep-child-0',
          'sweep-child-1',
          'sweep-child-2',
        ]);
      });
    });

    test('filter with the search grammar, with key autocomplete', async () => {
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      const box = page.locator('[data-testid=run-filter]');
      await box.click();
      await box.pressSequentially('metrics.ac');
      await page.locator('[data-testid=filter-suggestions]').waitFor();
      assert.deepEqual(
        await page.locator('[data-testid=filter-suggestions] [role=option]').allTextContents(),
        ['metrics.acc'],
      );
      await box.press('Tab');
      assert.equal(await box.inputValue(), 'metrics.acc ');
      await box.pressSequentially(">= 0.9 AND params.optimizer = 'adam'");
      await box.press('Enter');
      const expected = alphaRuns.filter((r) => r.acc >= 0.9 && r.optimizer === 'adam').map((r) => r.name);
      await eventually(async () => {
        const names = await columnTexts(page, 'attr:run_name');
        assert.deepEqual(names.sort(), expected.sort());
      });
      assert.equal(
        new URL(page.url()).searchParams.get('filter'),
        "metrics.acc >= 0.9 AND params.optimizer = 'adam'",
      );
    });

    test('typing on right after accepting a suggestion goes on at the end, however late the next frame', async () => {
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      // A busy page draws its next frame late: nothing about the caret may wait for one.
      await page.evaluate(
        'window.requestAnimationFrame = (cb) => setTimeout(() => cb(performance.now()), 400)',
      );
      const box = page.locator('[data-testid=run-filter]');
      await box.click();
      await box.pressSequentially('metrics.ac');
      await page.locator('[data-testid=filter-suggestions]').waitFor();
      await box.press('Tab');
      // Some keys before that late frame, some after it.
      await box.pressSequentially('>= 0.9', { delay: 120 });
      await page.waitForTimeout(500);
      assert.equal(await box.inputValue(), 'metrics.acc >= 0.9');
      // A fresh page for the tests after this one.
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
    });

    test('a bad filter shows the server message and keeps the last results', async () => {
      const box = page.locator('[data-testid=run-filter]');
      const shown = await page.locator('[data-testid=run-row]').count();
      assert.ok(shown > 0);
      await box.fill("metrics.acc > 'high'");
      await box.press('Enter');
      const err = page.locator('[data-testid=filter-error]');
      await err.waitFor();
      const text = (await err.textContent()) ?? '';
      assert.match(text, /Invalid filter/);
      assert.ok(text.length > 30, `server explanation expected, got: ${text}`);
      assert.match(text, /Showing the results of the last valid search/);
      assert.equal(await page.locator('[data-testid=run-row]').count(), shown);
      await box.fill('');
      await eventually(async () => assert.ok((await page.locator('[data-testid=run-row]').count()) > 0));
    });

    test('sorting on a metric column is done by the server', async () => {
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      await page.click('.runs-head [data-column="metric:loss"]');
      await page.waitForURL(/sort=metric%3Aloss&dir=desc/);
      const byLossDesc = [...alphaRuns].sort((a, b) => b.loss - a.loss).map((r) => String(r.loss));
      await eventually(async () =>
        assert.deepEqual((await columnTexts(page, 'metric:loss')).slice(0, 5), byLossDesc.slice(0, 5)),
      );
      await page.click('.runs-head [data-column="metric:loss"]');
      await page.waitForURL(/dir=asc/);
      const byLossAsc = [...alphaRuns].sort((a, b) => a.loss - b.loss).map((r) => String(r.loss));
      await eventually(async () =>
        assert.deepEqual((await columnTexts(page, 'metric:loss')).slice(0, 5), byLossAsc.slice(0, 5)),
      );
      // Runs without the metric sort last.
      const names = await columnTexts(page, 'attr:run_name');
      assert.equal(names[names.length - 1], 'sweep-parent');
    });

    test('column picker adds a column and remembers it', async () => {
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      assert.equal(await page.locator('.runs-head [data-column="tag:mlflow.user"]').count(), 0);
      await page.click('[data-testid=column-picker]');
      // System tags are listed once asked for.
      await page.check('[data-testid=show-system-tag-columns]');
      await page.check('[data-column-option="tag:mlflow.user"]');
      await page.locator('.runs-head [data-column="tag:mlflow.user"]').waitFor();
      await page.uncheck('[data-column-option="param:layers"]');
      await page.reload();
      await page.locator('[data-testid=run-row]').first().waitFor();
      assert.equal(await page.locator('.runs-head [data-column="tag:mlflow.user"]').count(), 1);
      assert.equal(await page.locator('.runs-head [data-column="param:layers"]').count(), 0);
    });

    test('select runs, compare them, delete and restore them', async () => {
      const [a, b] = [alphaRuns[0]!, alphaRuns[1]!];
      await page.goto(`${base}/experiments/${alpha}`);
      await page.locator(`[data-run-id="${a.id}"] input[type=checkbox]`).check();
      await page.locator(`[data-run-id="${b.id}"] input[type=checkbox]`).check();
      await eventually(async () =>
        assert.match((await page.textContent('[data-testid=selection-bar]')) ?? '', /2 selected/),
      );
      await page.click('[data-testid=compare-selected]');
      await page.waitForURL(/\/compare\?runs=/);
      await page.locator('[data-testid=compare-table]').waitFor();
      const heads = await page.locator('[data-testid=compare-table] thead th a').allTextContents();
      assert.deepEqual(heads.sort(), [a.name, b.name].sort());

      await page.goBack();
      await page.locator('[data-testid=selection-bar]').waitFor();
      await page.click('[data-testid=delete-selected]');
      await page.click('.modal button.danger');
      await eventually(async () => assert.equal(await page.locator(`[data-run-id="${a.id}"]`).count(), 0));
      const got = await call<{ run: { info: { lifecycle_stage: string } } }>(base, 'GET', 'runs/get', {
        run_id: a.id,
      });
      assert.equal(got.run.info.lifecycle_stage, 'deleted');

      await page.check('[data-testid=show-deleted-runs]');
      await page.locator(`[data-run-id="${a.id}"]`).waitFor();
      assert.equal(await page.locator('[data-testid=run-row]').count(), 2);
      await page.click('.runs-head input[type=checkbox]');
      await page.click('[data-testid=restore-selected]');
      await page.click('.modal button.primary');
      await eventually(async () => assert.equal(await page.locator('[data-testid=run-row]').count(), 0));
      const back = await call<{ run: { info: { lifecycle_stage: string } } }>(base, 'GET', 'runs/get', {
        run_id: b.id,
      });
      assert.equal(back.run.info.lifecycle_stage, 'active');
    });

    test('a deep link restores filter, sort, selection and view', async () => {
      const sel = [alphaRuns[2]!.id, alphaRuns[4]!.id];
      const q = new URLSearchParams({
        filter: "params.optimizer = 'sgd'",
        sort: 'metric:acc',
        dir: 'asc',
        sel: sel.join(','),
      });
      const fresh = await newPage(browser);
      await fresh.goto(`${base}/experiments/${alpha}?${q}`);
      await fresh.locator('[data-testid=run-row]').first().waitFor();
      assert.equal(await fresh.inputValue('[data-testid=run-filter]'), "params.optimizer = 'sgd'");
      assert.equal(
        await fresh.getAttribute('.runs-head [data-column="metric:acc"]', 'aria-sort'),
        'ascending',
      );
      const sgd = alphaRuns.filter((r) => r.optimizer === 'sgd').sort((x, y) => x.acc - y.acc);
      assert.deepEqual(
        await columnTexts(fresh, 'attr:run_name'),
        sgd.map((r) => r.name),
      );
      assert.match((await fresh.textContent('[data-testid=selection-bar]')) ?? '', /2 selected/);
      assert.ok(await fresh.locator(`[data-run-id="${sel[1]}"] input[type=checkbox]`).isChecked());
      // The same link with the charts view opens the charts of the selected runs.
      await fresh.goto(`${base}/experiments/${alpha}?${q}&view=charts&x=relative`);
      await fresh.locator('[data-testid=charts-view]').waitFor();
      await eventually(async () =>
        assert.deepEqual(
          (
            await fresh.locator('[data-testid=chart-legend] [data-testid=legend-item]').allTextContents()
          ).sort(),
          [alphaRuns[2]!.name, alphaRuns[4]!.name].sort(),
        ),
      );
      assert.ok(await fresh.locator('[data-testid=x-axis] button.on', { hasText: 'Relative time' }).count());
      await fresh.context().close();
    });

    test('infinite scroll loads further pages with page tokens', async () => {
      await page.goto(`${base}/experiments/${big}`);
      await page.locator('[data-testid=run-row]').first().waitFor();
      assert.match((await page.textContent('[data-testid=runs-count]')) ?? '', /^200 runs loaded/);
      // Only the rows in view are in the DOM.
      assert.ok((await page.locator('[data-testid=run-row]').count()) < 60);
      for (const expected of ['700', '1,150']) {
        await page.evaluate(`document.querySelector('[data-testid=runs-table]').scrollTop = 1e9`);
        await eventually(async () =>
          assert.match(
            (await page.textContent('[data-testid=runs-count]')) ?? '',
            new RegExp(`^${expected} runs`),
          ),
        );
      }
      await page.evaluate(`document.querySelector('[data-testid=runs-table]').scrollTop = 1e9`);
      await eventually(async () => assert.equal((await columnTexts(page, 'attr:run_name')).pop(), 'big-0'));
    });
  });
}
