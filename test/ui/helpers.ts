/** Shared setup of the browser tests: the built UI, a real server, headless Chromium, seed data. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { api } from '../helpers/server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const UI_DIR = join(root, 'ui', 'dist');
export const SCREENSHOT_DIR = join(root, 'test-output', 'screenshots');
export const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;
/** Builds the UI once (skipped when ui/dist is newer than every source file). */
export function ensureUiBuilt(): string {
  if (built) return UI_DIR;
  const index = join(UI_DIR, 'index.html');
  const stale = !existsSync(index) || statSync(index).mtimeMs < newestMtime(join(root, 'ui'));
  if (stale)
    execFileSync('npx', ['vite', 'build', 'ui', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  built = true;
  return UI_DIR;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function newPage(browser: Browser, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** The app's code: the chunk of ui/src/app/start.tsx (React and the pages). */
export const APP_CHUNK = /\/assets\/start-[^/]*\.js$/;

/** Holds back the app's code until the returned function is called (the request is still sent). */
export async function holdApp(page: Page): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(APP_CHUNK, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** Calls the REST API and fails loudly on an error answer. */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  payload?: Record<string, unknown>,
): Promise<T> {
  const res = await api<T>(baseUrl, method, path, payload);
  if (res.status !== 200) throw new Error(`${method} ${path} -> ${res.status} ${res.text}`);
  return res.json;
}

export async function createExperiment(baseUrl: string, name: string): Promise<string> {
  return (await call<{ experiment_id: string }>(baseUrl, 'POST', 'experiments/create', { name }))
    .experiment_id;
}

export interface SeedRun {
  name: string;
  params?: Record<string, string>;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  status?: 'RUNNING' | 'FINISHED' | 'FAILED';
  startTime?: number;
  endTime?: number;
}

/** Creates a run with params, latest metrics and tags; returns its id. */
export async function createRun(baseUrl: string, experimentId: string, run: SeedRun): Promise<string> {
  const start = run.startTime ?? Date.now();
  const res = await call<{ run: { info: { run_id: string } } }>(baseUrl, 'POST', 'runs/create', {
    experiment_id: experimentId,
    run_name: run.name,
    start_time: start,
    tags: Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value })),
  });
  const id = res.run.info.run_id;
  const params = Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value }));
  const metrics = Object.entries(run.metrics ?? {}).map(([key, value]) => ({
    key,
    value,
    timestamp: start,
    step: 0,
  }));
  if (params.length || metrics.length)
    await call(baseUrl, 'POST', 'runs/log-batch', { run_id: id, params, metrics });
  if (run.status !== 'RUNNING') {
    await call(baseUrl, 'POST', 'runs/update', {
      run_id: id,
      status: run.status ?? 'FINISHED',
      end_time: run.endTime ?? start + 60_000,
    });
  }
  return id;
}

/** Logs a metric history of `steps` points in batches of 1000. */
export async function logHistory(
  baseUrl: string,
  runId: string,
  key: string,
  steps: number,
  value: (step: number) => number,
  t0 = Date.now(),
): Promise<void> {
  for (let s = 0; s < steps; s += 1000) {
    const metrics = [];
    for (let i = s; i < Math.min(steps, s + 1000); i++)
      metrics.push({ key, value: value(i), timestamp: t0 + i * 100, step: i });
    await call(baseUrl, 'POST', 'runs/log-batch', { run_id: runId, metrics });
  }
}

export async function uploadArtifact(
  baseUrl: string,
  runId: string,
  path: string,
  body: string | Buffer,
): Promise<void> {
  const url = new URL('/ajax-api/2.0/mlflow/upload-artifact', baseUrl);
  url.searchParams.set('run_uuid', runId);
  url.searchParams.set('path', path);
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (!res.ok) throw new Error(`upload ${path} -> ${res.status} ${await res.text()}`);
}

/** Runs `tasks` with at most `n` in flight. */
export async function parallel<T>(
  n: number,
  items: T[],
  task: (item: T, i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

/** Texts of the cells of one column, for the rendered runs table rows, top to bottom. */
export async function columnTexts(page: Page, columnId: string): Promise<string[]> {
  return page.evaluate(`(() => {
    const rows = [...document.querySelectorAll('[data-testid=run-row]')];
    rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    return rows.map((r) => {
      const cell = r.querySelector('[data-column="${columnId}"]');
      return (cell?.querySelector('.run-link') ?? cell)?.textContent ?? '';
    });
  })()`);
}

/**
 * Waits for the MLmodel view inside `scope` and checks it shows the sample ONNX model the suites
 * log: its two flavors and its signature (amount: double, required; age: long, optional →
 * a float32 tensor).
 */
export async function assertSampleMlmodelView(scope: Page | Locator): Promise<void> {
  await scope.locator('[data-testid=mlmodel-view]').waitFor();
  assert.deepEqual(
    await scope
      .locator('[data-testid=flavor]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-flavor'))),
    ['onnx', 'python_function'],
  );
  assert.deepEqual(await scope.locator('[data-testid=signature-inputs] td').allTextContents(), [
    'amount',
    'double',
    'required',
    'age',
    'long',
    'optional',
  ]);
  assert.deepEqual(await scope.locator('[data-testid=signature-outputs] td').allTextContents(), [
    '(0)',
    'tensor<float32>',
    '[-1, 1]',
  ]);
}

/**
 * The MLmodel file of the sample ONNX model the suites log for `runId` (checked by
 * `assertSampleMlmodelView`); without params its signature says `params: null`.
 */
export function sampleMlmodel(runId: string, withParams = true): string {
  return `artifact_path: model
flavors:
  onnx:
    onnx_version: 1.16.0
    data: model.onnx
    providers:
    - CPUExecutionProvider
  python_function:
    loader_module: mlflow.onnx
    python_version: 3.11.9
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
mlflow_version: 3.6.0
model_uuid: 7a1d9e0c3b2f4a6e8d5c1b0a9f8e7d6c
run_id: ${runId}
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "amount", "required": true}, {"type": "long", "name": "age", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1]}}]'
  params: ${withParams ? `'[{"name": "threshold", "type": "double", "default": 0.5, "shape": null}]'` : 'null'}
utc_time_created: '2026-11-20 10:00:00.000000'
`;
}

/**
 * Screenshots of the current view at 1440 and 1024 px wide, in light and dark mode
 * (`<name>-<width>-<scheme>.png`); leaves the page at 1440 px, light.
 */
export async function screenshotViews(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const)
    for (const width of [1440, 1024]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(50);
      await screenshot(page, `${name}-${width}-${scheme}`);
    }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
}
