/**
 * Browser tests: run descriptions rendered as sanitized Markdown (also in the editor preview),
 * SVG artifacts rendered in the sandbox, the compare page's Tags and Datasets sections with system
 * tags behind a toggle, and the run and compare pages at 1024 px.
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
  newPage,
  screenshotViews,
  uploadArtifact,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';
import { BACKENDS } from '../helpers/backends.js';

const NOTE = [
  '# Warmup sweep',
  'Tried **AdamW** with warmup, see [the paper](https://example.org/adamw).',
  '',
  '- fold 1: best',
  '- fold 2: <b>raw</b>',
  '[bad](javascript:alert(1))',
].join('\n');

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect id="box" width="120" height="60" fill="#2f7ed8"/>' +
  '<script>window.parent.__pwned = 1</script></svg>';

for (const backend of BACKENDS) {
  describe(`UI: run descriptions, SVG artifacts, compare sections, 1024 px (${backend})`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let base: string;
    const ids: string[] = [];

    before(async () => {
      server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
      base = server.url;
      const exp = await createExperiment(base, 'compare-daily');
      for (let i = 0; i < 4; i++) {
        const id = await createRun(base, exp, {
          name: `candidate-${i}-${'x'.repeat(30)}`,
          params: {
            lr: String(0.01 * (i + 1)),
            optimizer: 'adamw',
            scheduler: 'cosine-with-warmup',
            batch_size: String(32 * (i + 1)),
            weight_decay_for_all_layers: String(0.1 * i),
          },
          metrics: { acc: 0.8 + i / 100, loss: 0.5 - i / 100 },
          tags: {
            team: 'vision',
            stage: i < 2 ? 'baseline' : 'candidate',
            'mlflow.user': 'ana',
            'cairn.offline.receipt': `r-${i}`,
            ...(i === 0 ? { 'mlflow.note.content': NOTE } : {}),
          },
        });
        ids.push(id);
        await call(base, 'POST', 'runs/log-inputs', {
          run_id: id,
          datasets: [
            {
              dataset: {
                name: 'imagenet-subset',
                digest: `d${i % 2}`,
                source_type: 's3',
                source: 's3://d/x',
              },
              tags: [{ key: 'mlflow.data.context', value: 'training' }],
            },
            ...(i === 3
              ? [{ dataset: { name: 'holdout', digest: 'h9', source_type: 's3', source: 's3://d/h' } }]
              : []),
          ],
        });
      }
      await uploadArtifact(base, ids[0]!, 'plots/roc.svg', SVG);
      browser = await launchBrowser();
      page = await newPage(browser);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('a run description renders as sanitized Markdown, and the editor previews it', async () => {
      await page.goto(`${base}/runs/${ids[0]}`);
      const desc = page.locator('[data-testid=run-description] [data-testid=description-text]');
      await desc.locator('h2').waitFor();
      assert.equal(await desc.locator('h2').textContent(), 'Warmup sweep');
      assert.equal(await desc.locator('strong').textContent(), 'AdamW');
      assert.equal(await desc.locator('a').count(), 1);
      assert.equal(await desc.locator('a').getAttribute('href'), 'https://example.org/adamw');
      assert.deepEqual(await desc.locator('li').allTextContents(), ['fold 1: best', 'fold 2: <b>raw</b>']);
      assert.equal(await desc.locator('b').count(), 0);
      assert.match((await desc.textContent()) ?? '', /\[bad\]\(javascript:alert\(1\)\)/);
      await screenshotViews(page, 'run-description');
      await page.click('[data-testid=run-description] [data-testid=edit-description]');
      await page.fill('[data-testid=description-input]', '## Preview\n\n**bold** and `code`');
      await page.click('[data-testid=description-preview]');
      const preview = page.locator('[data-testid=description-preview-text]');
      assert.equal(await preview.locator('h3').textContent(), 'Preview');
      assert.equal(await preview.locator('strong').textContent(), 'bold');
      assert.equal(await preview.locator('code').textContent(), 'code');
      await screenshotViews(page, 'run-description-preview');
      // Back to writing keeps the text; cancel leaves the saved description alone.
      await page.click('[data-testid=description-write]');
      assert.equal(
        await page.inputValue('[data-testid=description-input]'),
        '## Preview\n\n**bold** and `code`',
      );
      await page.click('[data-testid=run-description] button:has-text("Cancel")');
      assert.equal(await desc.locator('h2').textContent(), 'Warmup sweep');
    });

    test('at 1024 px the run details fit their panel', async () => {
      await page.setViewportSize({ width: 1024, height: 900 });
      await page.goto(`${base}/runs/${ids[0]}`);
      const details = page.locator('[data-testid=run-details]');
      await details.waitFor();
      const { table, panel } = await details.evaluate((el) => ({
        table: el.getBoundingClientRect().right,
        panel: el.parentElement!.getBoundingClientRect().right,
      }));
      assert.ok(table <= panel + 0.5, `details end at ${table}, panel at ${panel}`);
      assert.ok(
        await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
        'the page scrolls sideways',
      );
      await screenshotViews(page, 'run-page-details');
    });

    test('SVG artifacts open rendered in the sandbox, their scripts never run', async () => {
      await page.goto(`${base}/runs/${ids[0]}?tab=artifacts&path=plots/roc.svg`);
      const frame = page.locator('[data-testid=sandboxed-frame]');
      await frame.waitFor();
      assert.equal(await frame.getAttribute('sandbox'), '');
      await eventually(async () =>
        assert.equal(
          await page.frameLocator('[data-testid=sandboxed-frame]').locator('#box').getAttribute('width'),
          '120',
        ),
      );
      assert.equal(await page.evaluate('window.__pwned'), undefined);
      await screenshotViews(page, 'run-artifact-svg');
      await page.click('[data-testid=show-source]');
      assert.match((await page.textContent('[data-testid=text-preview]')) ?? '', /<rect id="box"/);
    });

    test('the compare page has Tags and Datasets sections; system tags behind a toggle', async () => {
      await page.goto(`${base}/compare?runs=${ids.join(',')}`);
      const table = page.locator('[data-testid=compare-table]');
      await table.waitFor();
      const tagKeys = () =>
        table
          .locator('[data-testid=tag-row]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
      assert.deepEqual(await tagKeys(), ['stage', 'team']);
      const stage = table.locator('[data-testid=tag-row][data-key=stage]');
      assert.equal(await stage.getAttribute('data-differs'), '1');
      assert.deepEqual((await stage.locator('td').allTextContents()).slice(1), [
        'baseline',
        'baseline',
        'candidate',
        'candidate',
      ]);
      await page.check('[data-testid=compare-system-tags]');
      await eventually(async () => {
        const keys = await tagKeys();
        assert.ok(keys.includes('mlflow.user') && keys.includes('cairn.offline.receipt'), keys.join());
      });
      const datasets = table.locator('[data-testid=dataset-row]');
      assert.deepEqual(await datasets.evaluateAll((els) => els.map((e) => e.getAttribute('data-key'))), [
        'holdout',
        'imagenet-subset',
      ]);
      assert.deepEqual(
        (
          await table.locator('[data-testid=dataset-row][data-key=imagenet-subset] td').allTextContents()
        ).slice(1),
        ['d0 · training', 'd1 · training', 'd0 · training', 'd1 · training'],
      );
      assert.deepEqual(
        (await table.locator('[data-testid=dataset-row][data-key=holdout] td').allTextContents()).slice(1),
        ['—', '—', '—', 'h9'],
      );
      await page.uncheck('[data-testid=compare-system-tags]');
    });

    test('at 1024 px the compare table shows its last column', async () => {
      await page.setViewportSize({ width: 1024, height: 900 });
      await page.goto(`${base}/compare?runs=${ids.join(',')}`);
      const table = page.locator('[data-testid=compare-table]');
      await table.waitFor();
      const lastHead = table.locator('thead th').last();
      const { cell, panel } = await lastHead.evaluate((el) => ({
        cell: el.getBoundingClientRect().right,
        panel: el.closest('.panel')!.getBoundingClientRect().right,
      }));
      assert.ok(cell <= panel + 0.5, `last column ends at ${cell}, panel at ${panel}`);
      assert.ok(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'));
      await screenshotViews(page, 'compare-page');
    });

    const pcUrl = () =>
      `${base}/compare?runs=${ids.join(',')}&pm=metric:acc&pc=` +
      ['batch_size', 'lr', 'optimizer', 'scheduler', 'weight_decay_for_all_layers']
        .map((k) => `param:${k}`)
        .join(',');

    test('parallel coordinates: six titles without overlap, a colour legend, brushing a range', async () => {
      await page.setViewportSize({ width: 1024, height: 900 });
      await page.goto(pcUrl());
      const pc = page.locator('[data-testid=parallel-coordinates]');
      await pc.locator('[data-testid=pc-axis]').first().waitFor();
      assert.equal(await pc.locator('[data-testid=pc-axis]').count(), 6);
      const boxes = await pc.locator('[data-testid=pc-title]').evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }),
      );
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i]!, boxes[j]!];
          const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          assert.ok(!overlap, `titles ${i} and ${j} overlap: ${JSON.stringify([a, b])}`);
        }
      const legend = pc.locator('[data-testid=pc-color-legend]');
      assert.match((await legend.textContent()) ?? '', /metrics\.acc\s*0\.8.*0\.83/);
      // Drag along the acc axis from its top to its middle: the two best runs stay.
      const area = pc.locator('[data-axis="metric:acc"] [data-testid=pc-brush-area]');
      await area.scrollIntoViewIfNeeded();
      const box = (await area.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 1);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.5, { steps: 4 });
      await page.mouse.up();
      await pc.locator('[data-testid=pc-brush]').waitFor();
      assert.equal(await pc.locator('[data-testid=pc-in-range]').textContent(), '2 of 4 runs in range');
      const out = await pc
        .locator('polyline')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-run-id'), e.getAttribute('data-out')]));
      assert.deepEqual(Object.fromEntries(out), {
        [ids[0]!]: '1',
        [ids[1]!]: '1',
        [ids[2]!]: '0',
        [ids[3]!]: '0',
      });
      await screenshotViews(page, 'compare-parallel-coordinates-brushed');
      // A click on the axis clears its range.
      await area.click();
      await eventually(async () => assert.equal(await pc.locator('[data-testid=pc-brush]').count(), 0));
      assert.equal(await pc.locator('polyline[data-out="1"]').count(), 0);
    });

    test('parallel coordinates lines stand out in dark mode', async () => {
      const dark = await newPage(browser, 'dark');
      await dark.goto(pcUrl());
      const line = dark.locator(`[data-testid=parallel-coordinates] polyline[data-run-id="${ids[0]}"]`);
      await line.waitFor();
      // WCAG contrast of the line's stroke against the panel behind it.
      const contrast = await dark.evaluate<number>(`(() => {
      const el = document.querySelector('[data-testid=parallel-coordinates] polyline[data-run-id="${ids[0]}"]');
      const rgb = (s) => (s.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
      const lum = (c) => {
        const [r, g, b] = c.map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const stroke = lum(rgb(el.getAttribute('stroke')));
      const bg = lum(rgb(getComputedStyle(el.closest('.panel')).backgroundColor));
      return (Math.max(stroke, bg) + 0.05) / (Math.min(stroke, bg) + 0.05);
    })()`);
      // The lowest value's colour (the scale's dark end in light mode) against the dark panel.
      assert.ok(contrast >= 3, `contrast ${contrast.toFixed(2)}`);
      await line.scrollIntoViewIfNeeded();
      await screenshotViews(dark, 'compare-parallel-coordinates-dark');
      await dark.context().close();
    });
  });
}
