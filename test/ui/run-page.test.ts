/** Browser tests: the run page (overview, description, tags, datasets) and the artifact browser. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import {
  assertSampleMlmodelView,
  call,
  createExperiment,
  createRun,
  ensureUiBuilt,
  launchBrowser,
  newPage,
  sampleMlmodel,
  screenshot,
  uploadArtifact,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';

// A 2×1 PNG (red, blue).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEElEQVR4nGP4z8DAwMDAAAAe/wH/2MEclwAAAABJRU5ErkJggg==',
  'base64',
);

for (const backend of BACKENDS) {
  describe(`UI: run page and artifacts (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    let exp: string;
    let runId: string;
    let parentId: string;
    let childId: string;

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      exp = await createExperiment(base, 'run-page');
      parentId = await createRun(base, exp, { name: 'hp-search' });
      runId = await createRun(base, exp, {
        name: 'trial-7',
        params: { lr: '0.003', optimizer: 'adamw' },
        metrics: { accuracy: 0.913, loss: 0.27 },
        tags: {
          'mlflow.parentRunId': parentId,
          'mlflow.user': 'grace',
          'mlflow.source.name': 'git@github.com:acme/fraud.git',
          'mlflow.source.type': 'PROJECT',
          'mlflow.source.git.commit': '3f9c2ab7d1e04b6c9a8f7e6d5c4b3a2918273645',
          'mlflow.source.git.branch': 'main',
          team: 'risk',
          stage: 'dev',
        },
      });
      childId = await createRun(base, exp, { name: 'trial-7-fold-1', tags: { 'mlflow.parentRunId': runId } });
      await call(base, 'POST', 'runs/log-inputs', {
        run_id: runId,
        datasets: [
          {
            dataset: {
              name: 'transactions-2026',
              digest: 'a1b2c3d4',
              source_type: 's3',
              source: 's3://acme/tx.parquet',
            },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          },
        ],
      });
      await uploadArtifact(base, runId, 'notes.txt', 'hello from the run\nsecond line');
      await uploadArtifact(base, runId, 'metrics/summary.json', '{"a":1,"b":[1,2]}');
      await uploadArtifact(base, runId, 'data/table.csv', 'name,score\nalpha,1\n"b,c",2\n');
      await uploadArtifact(base, runId, 'plot.png', PNG);
      await uploadArtifact(
        base,
        runId,
        'report.html',
        '<h1>Report</h1><script>window.parent.__pwned = 1; window.top.__pwned = 1;</script>',
      );
      await uploadArtifact(base, runId, 'model/MLmodel', sampleMlmodel(runId, false));
      await uploadArtifact(
        base,
        runId,
        'typed/MLmodel',
        `flavors:
  onnx: {data: model.onnx}
model_id: m-123
signature:
  inputs: '[{"type": "array", "items": {"type": "string"}, "name": "tags", "required": true}, {"type": "object", "properties": {"a": {"type": "long", "required": true}}, "name": "meta", "required": false}]'
`,
      );
      await uploadArtifact(
        base,
        runId,
        'model/input_example.json',
        '{"columns":["amount","age"],"data":[[12.5,31],[99.0,45]]}',
      );
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const tags = async (): Promise<Record<string, string>> => {
      const r = await call<{ run: { data: { tags?: { key: string; value: string }[] } } }>(
        base,
        'GET',
        'runs/get',
        { run_id: runId },
      );
      return Object.fromEntries((r.run.data.tags ?? []).map((t) => [t.key, t.value]));
    };

    test('overview shows details, parent and child runs, params, metrics, datasets', async () => {
      await page.goto(`${base}/runs/${runId}`);
      await page.locator('[data-testid=run-details]').waitFor();
      assert.equal(await page.textContent('[data-testid=run-title]'), 'trial-7');
      const details = (await page.textContent('[data-testid=run-details]')) ?? '';
      assert.ok(details.includes(runId));
      assert.match(details, /Finished/);
      assert.match(details, /grace/);
      assert.match(details, /git@github\.com:acme\/fraud\.git \(PROJECT\)/);
      assert.match(
        (await page.textContent('[data-testid=git-commit]')) ?? '',
        /^3f9c2ab7d1e04b6c9a8f7e6d5c4b3a2918273645 on main/,
      );
      assert.equal(await page.textContent('[data-testid=run-duration]'), '1 min 0 s');
      assert.equal(await page.getAttribute('[data-testid=parent-link]', 'href'), `/runs/${parentId}`);
      await eventually(async () =>
        assert.match((await page.textContent('[data-testid=child-runs]')) ?? '', /trial-7-fold-1/),
      );
      assert.equal(await page.getAttribute('[data-testid=child-runs] a', 'href'), `/runs/${childId}`);
      assert.deepEqual(await page.locator('[data-testid=run-params] td').allTextContents(), [
        'lr',
        '0.003',
        'optimizer',
        'adamw',
      ]);
      const acc = page.locator('[data-testid=run-metrics] tr[data-key=accuracy]');
      assert.equal(await acc.locator('td').nth(1).textContent(), '0.913');
      const chartHref = (await acc.locator('a').getAttribute('href'))!;
      const link = new URL(chartHref, base);
      assert.equal(link.pathname, `/experiments/${exp}`);
      assert.equal(link.searchParams.get('view'), 'charts');
      assert.equal(link.searchParams.get('sel'), runId);
      assert.equal(link.searchParams.get('metrics'), 'accuracy');
      const ds = (await page.textContent('[data-testid=run-datasets]')) ?? '';
      for (const s of ['transactions-2026', 'a1b2c3d4', 'training', 's3://acme/tx.parquet'])
        assert.ok(ds.includes(s), s);
      await screenshot(page, 'run-page');
    });

    test('the description is edited through mlflow.note.content', async () => {
      await page.click('[data-testid=edit-description]');
      await page.fill('[data-testid=description-input]', 'Tried AdamW with warmup.\nBest fold: 1');
      await page.click('[data-testid=save-description]');
      await eventually(async () =>
        assert.equal(
          await page.textContent('[data-testid=description-text]'),
          'Tried AdamW with warmup.\nBest fold: 1',
        ),
      );
      assert.equal((await tags())['mlflow.note.content'], 'Tried AdamW with warmup.\nBest fold: 1');
    });

    test('tags can be added, edited and deleted', async () => {
      await page.fill('[data-testid=new-tag-key]', 'owner');
      await page.fill('[data-testid=new-tag-value]', 'risk-team');
      await page.click('[data-testid=add-tag]');
      await page.locator('[data-tag=owner]').waitFor();
      assert.equal((await tags()).owner, 'risk-team');

      await page.locator('[data-tag=stage] [data-testid=edit-tag]').click();
      await page.fill('[data-testid=tag-edit-input]', 'prod');
      await page.press('[data-testid=tag-edit-input]', 'Enter');
      await eventually(async () =>
        assert.equal(await page.locator('[data-tag=stage] td').nth(1).textContent(), 'prod'),
      );
      assert.equal((await tags()).stage, 'prod');

      await page.locator('[data-tag=team] [data-testid=delete-tag]').click();
      await eventually(async () => assert.equal(await page.locator('[data-tag=team]').count(), 0));
      assert.equal((await tags()).team, undefined);
      // System tags are not offered for editing.
      assert.equal(await page.locator('[data-tag="mlflow.user"]').count(), 0);
    });

    test('artifact browser previews text, JSON, CSV, images and MLmodel', async () => {
      await page.click('[data-testid=tab-artifacts]');
      await page.locator('[data-testid=artifact-tree]').waitFor();
      const top = await page
        .locator('[data-testid=artifact-item]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
      assert.deepEqual(top, ['data', 'metrics', 'model', 'typed', 'notes.txt', 'plot.png', 'report.html']);

      await page.click('[data-path="notes.txt"]');
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=text-preview]'), 'hello from the run\nsecond line'),
      );
      assert.equal(new URL(page.url()).searchParams.get('path'), 'notes.txt');
      const download = (await page.getAttribute('[data-testid=artifact-download]', 'href'))!;
      const res = await fetch(new URL(download, base));
      assert.equal(await res.text(), 'hello from the run\nsecond line');

      await page.click('[data-path="metrics"]');
      await page.click('[data-path="metrics/summary.json"]');
      await eventually(async () =>
        assert.equal(
          await page.textContent('[data-testid=text-preview]'),
          '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}',
        ),
      );

      await page.click('[data-path="data"]');
      await page.click('[data-path="data/table.csv"]');
      await page.locator('[data-testid=csv-table]').waitFor();
      assert.deepEqual(await page.locator('[data-testid=csv-table] th').allTextContents(), ['name', 'score']);
      assert.deepEqual(await page.locator('[data-testid=csv-table] td').allTextContents(), [
        'alpha',
        '1',
        'b,c',
        '2',
      ]);

      await page.click('[data-path="plot.png"]');
      const img = page.locator('[data-testid=image-preview]');
      await eventually(async () =>
        assert.equal(await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), 2),
      );

      await page.click('[data-path="model"]');
      await page.click('[data-path="model/MLmodel"]');
      await assertSampleMlmodelView(page);
      await page.locator('[data-testid=input-example]').waitFor();
      assert.deepEqual(await page.locator('[data-testid=input-example] td').allTextContents(), [
        '12.5',
        '31',
        '99',
        '45',
      ]);
      await screenshot(page, 'run-artifacts-mlmodel');
    });

    test('MLmodel types read by the shared summary: arrays and objects keep their element types', async () => {
      await page.click('[data-path="typed"]');
      await page.click('[data-path="typed/MLmodel"]');
      await page.locator('[data-testid=mlmodel-view]').waitFor();
      // The UI's own reader used to show these as plain "array" and "object".
      assert.deepEqual(await page.locator('[data-testid=signature-inputs] td').allTextContents(), [
        'tags',
        'array<string>',
        'required',
        'meta',
        'object<a: long>',
        'optional',
      ]);
      assert.ok((await page.textContent('[data-testid=mlmodel-view] dl'))!.includes('m-123'));
    });

    test('HTML artifacts are shown as source or in a sandboxed frame, never run in the app', async () => {
      await page.click('[data-path="report.html"]');
      await eventually(async () =>
        assert.match(
          (await page.textContent('[data-testid=text-preview]')) ?? '',
          /<script>window\.parent\.__pwned/,
        ),
      );
      await page.click('[data-testid=render-sandboxed]');
      const frame = page.locator('[data-testid=sandboxed-frame]');
      await frame.waitFor();
      assert.equal(await frame.getAttribute('sandbox'), '');
      await eventually(async () =>
        assert.equal(
          await page.frameLocator('[data-testid=sandboxed-frame]').locator('h1').textContent(),
          'Report',
        ),
      );
      assert.equal(await page.evaluate('window.__pwned'), undefined);
    });

    test('a deep link opens the artifact tab on a nested file', async () => {
      const fresh = await newPage(browser, 'dark');
      await fresh.goto(`${base}/runs/${runId}?tab=artifacts&path=model/MLmodel`);
      await fresh.locator('[data-testid=mlmodel-view]').waitFor();
      // The tree marks the file once it has listed the folder, which may come after the view.
      await fresh.locator('.tree-item.on[data-path="model/MLmodel"]').waitFor();
      await screenshot(fresh, 'run-artifacts-dark');
      await fresh.context().close();
    });

    test('an unknown run shows the server error; the theme toggle cycles and is remembered', async () => {
      const fresh = await newPage(browser);
      await fresh.goto(`${base}/runs/0123456789abcdef0123456789abcdef`);
      const alert = fresh.locator('[role=alert]');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /0123456789abcdef0123456789abcdef/);
      const theme = () => fresh.evaluate('document.documentElement.dataset.theme ?? null');
      assert.equal(await theme(), null);
      await fresh.click('[data-testid=theme-toggle]');
      assert.equal(await theme(), 'light');
      await fresh.click('[data-testid=theme-toggle]');
      assert.equal(await theme(), 'dark');
      await fresh.reload();
      await fresh.locator('[role=alert]').waitFor();
      assert.equal(await theme(), 'dark');
      const bg = await fresh.evaluate('getComputedStyle(document.body).backgroundColor');
      assert.equal(bg, 'rgb(17, 22, 20)');
      await fresh.context().close();
    });
  });
}
