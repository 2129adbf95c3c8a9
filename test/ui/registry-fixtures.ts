/** Shared setup of the registry browser tests: a server, runs holding model folders, registry data. */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { BackendKind } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  call,
  createExperiment,
  createRun,
  ensureUiBuilt,
  launchBrowser,
  newPage,
  parallel,
  sampleMlmodel,
} from './helpers.js';

export interface Version {
  version: string;
  current_stage: string;
  source: string;
  run_id?: string;
  description?: string;
  tags?: { key: string; value: string }[];
  aliases?: string[];
}
export interface Model {
  name: string;
  description?: string;
  tags?: { key: string; value: string }[];
  aliases?: { alias: string; version: string }[];
}

export interface RegistryUi {
  server: TestServer;
  browser: Browser;
  page: Page;
  base: string;
  exp: string;
  /** Run "train-fraud": `model/` with a split-orient input example. */
  runA: string;
  /** Run "train-churn": `model/` with a records-orient input example, and `notes.txt`. */
  runB: string;
  /** Run "no-model": `weights/` without an MLmodel file. */
  runC: string;
}

/** Uploads one file through the artifact proxy, as MLflow clients do with --serve-artifacts. */
async function put(base: string, exp: string, runId: string, path: string, body: string): Promise<void> {
  const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${path}`, {
    method: 'PUT',
    body,
  });
  assert.equal(res.status, 200, `PUT ${path}: ${await res.text()}`);
}

/** Starts a server with three runs and their artifacts (no registry data yet) and a browser page. */
export async function startRegistryUi(backend: BackendKind): Promise<RegistryUi> {
  const server = await startTestServer(backend, { uiDir: ensureUiBuilt() });
  const base = server.url;
  const exp = await createExperiment(base, 'registry-ui');
  const runA = await createRun(base, exp, { name: 'train-fraud' });
  const runB = await createRun(base, exp, { name: 'train-churn' });
  const runC = await createRun(base, exp, { name: 'no-model' });
  await put(base, exp, runA, 'model/MLmodel', sampleMlmodel(runA));
  await put(
    base,
    exp,
    runA,
    'model/input_example.json',
    '{"columns":["amount","age"],"data":[[12.5,31],[99.0,45]]}',
  );
  await put(base, exp, runB, 'model/MLmodel', sampleMlmodel(runB));
  // Records orient: shown as a table as well.
  await put(
    base,
    exp,
    runB,
    'model/input_example.json',
    '[{"amount": 7.25, "age": 52}, {"amount": 1.5, "age": 19}]',
  );
  await put(base, exp, runB, 'notes.txt', 'not a model');
  await put(base, exp, runC, 'weights/data.bin', 'raw bytes');
  const browser = await launchBrowser();
  const page = await newPage(browser);
  return { server, browser, page, base, exp, runA, runB, runC };
}

export async function stopRegistryUi(ctx: RegistryUi | undefined): Promise<void> {
  await ctx?.browser.close();
  await ctx?.server.stop();
}

/**
 * Registry data through the REST API: fraud-detector (versions 1 in Production and 2 @champion,
 * from run A), churn-model (version 1 in Staging, from run B), credit-risk (version 1 without an
 * MLmodel, from run C) and 30 empty models zz-bulk-00..29.
 */
export async function seedRegistry({ base, runA, runB, runC }: RegistryUi): Promise<void> {
  await call(base, 'POST', 'registered-models/create', {
    name: 'fraud-detector',
    description: 'Scores card payments.\n\n- **Gradient boosted** trees\n- owner: `risk-team`',
    tags: [
      { key: 'team', value: 'risk' },
      { key: 'data', value: '2026-10' },
    ],
  });
  for (let i = 0; i < 2; i++)
    await call(base, 'POST', 'model-versions/create', {
      name: 'fraud-detector',
      source: `runs:/${runA}/model`,
      run_id: runA,
      description: i === 1 ? 'Retrained on **October** data' : undefined,
    });
  await call(base, 'POST', 'registered-models/alias', {
    name: 'fraud-detector',
    alias: 'champion',
    version: '2',
  });
  await call(base, 'POST', 'model-versions/transition-stage', {
    name: 'fraud-detector',
    version: '1',
    stage: 'Production',
  });
  await call(base, 'POST', 'registered-models/create', { name: 'churn-model' });
  await call(base, 'POST', 'model-versions/create', {
    name: 'churn-model',
    source: `runs:/${runB}/model`,
    run_id: runB,
  });
  await call(base, 'POST', 'model-versions/transition-stage', {
    name: 'churn-model',
    version: '1',
    stage: 'Staging',
  });
  await call(base, 'POST', 'registered-models/create', { name: 'credit-risk' });
  // A version whose source holds no MLmodel file.
  await call(base, 'POST', 'model-versions/create', {
    name: 'credit-risk',
    source: `runs:/${runC}/weights`,
    run_id: runC,
  });
  await parallel(
    4,
    Array.from({ length: 30 }, (_, i) => `zz-bulk-${String(i).padStart(2, '0')}`),
    (name) => call(base, 'POST', 'registered-models/create', { name }),
  );
}

export async function getModel(base: string, name: string): Promise<Model> {
  return (await call<{ registered_model: Model }>(base, 'GET', 'registered-models/get', { name }))
    .registered_model;
}

export async function getVersion(base: string, name: string, version: string): Promise<Version> {
  return (await call<{ model_version: Version }>(base, 'GET', 'model-versions/get', { name, version }))
    .model_version;
}

export const tagMap = (tags: { key: string; value: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
