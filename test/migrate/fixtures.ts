/**
 * Shared pieces of the import/export suites: servers on fresh databases, a seeded Cairn store
 * (every kind of entity, NaN/±Infinity metric points, deleted entities, artifacts, registry with
 * prompts) and a snapshot of everything a server holds, read through its REST API, to compare
 * source and target entity by entity and point by point.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultServerConfig } from '../../src/config/server-config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openCairnStores, type CairnStores } from '../../src/migrate/cairn-stores.js';
import { createTestDatabase, type BackendKind, type TestDatabase } from '../helpers/backends.js';
import { api } from '../helpers/server.js';

export type { Json } from '../registry/helpers.js';
import type { Json } from '../registry/helpers.js';

/** A database + artifact folder; a server on it is started and stopped as a test needs. */
export interface Installation {
  backend: BackendKind;
  db: TestDatabase;
  tmpDir: string;
  artifacts: string;
  server?: RunningServer;
  start(): Promise<string>;
  stopServer(): Promise<void>;
  stores(): Promise<CairnStores>;
  destroy(): Promise<void>;
}

export async function newInstallation(backend: BackendKind): Promise<Installation> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'cairn-migrate-'));
  const db = await createTestDatabase(backend, tmpDir);
  const artifacts = join(tmpDir, 'artifacts');
  const inst: Installation = {
    backend,
    db,
    tmpDir,
    artifacts,
    async start() {
      inst.server ??= await startServer(
        defaultServerConfig({ port: 0, backendStoreUri: db.uri, artifactsDestination: artifacts }),
      );
      return inst.server.url;
    },
    async stopServer() {
      await inst.server?.close();
      inst.server = undefined;
    },
    stores: () =>
      openCairnStores({
        backendStoreUri: db.uri,
        defaultArtifactRoot: 'mlflow-artifacts:/',
        artifactsDestination: artifacts,
        label: backend,
      }),
    async destroy() {
      await inst.stopServer();
      await db.drop();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
  return inst;
}

export async function ok(base: string, method: string, path: string, payload?: Json): Promise<Json> {
  const res = await api<Json>(base, method, path, payload);
  assert.equal(res.status, 200, `${method} ${path} → ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

async function put(base: string, path: string, body: string): Promise<void> {
  const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${path}`, { method: 'PUT', body });
  assert.equal(res.status, 200, await res.text());
}

/** Logs a run with params, tags and `points` points of each of `keys` metric keys. */
export async function loggedRun(
  base: string,
  experimentId: string,
  name: string,
  points: number,
  keys = ['loss'],
): Promise<string> {
  const run = await ok(base, 'POST', 'runs/create', {
    experiment_id: experimentId,
    run_name: name,
    start_time: 1_700_000_000_000,
    tags: [{ key: 'team', value: 'ml' }],
  });
  const runId = String(run.run.info.run_id);
  await ok(base, 'POST', 'runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'lr', value: '0.01' },
      { key: 'layers', value: '3' },
    ],
  });
  const perRequest = Math.floor(1000 / keys.length);
  for (let start = 0; start < points; start += perRequest) {
    const metrics: Json[] = [];
    for (let step = start; step < Math.min(points, start + perRequest); step++) {
      for (const key of keys)
        metrics.push({ key, value: 1 / (step + 1), timestamp: 1_700_000_000_000 + step, step });
    }
    await ok(base, 'POST', 'runs/log-batch', { run_id: runId, metrics });
  }
  return runId;
}

/** Seeds every kind of entity; returns the ids tests refer to. */
export async function seed(base: string): Promise<{ alpha: string; run1: string }> {
  const alpha = String(
    (
      await ok(base, 'POST', 'experiments/create', {
        name: 'mig-alpha',
        tags: [{ key: 'owner', value: 'ana' }],
      })
    ).experiment_id,
  );
  const beta = String((await ok(base, 'POST', 'experiments/create', { name: 'mig-beta' })).experiment_id);
  const gone = String((await ok(base, 'POST', 'experiments/create', { name: 'mig-gone' })).experiment_id);

  const run1 = await loggedRun(base, alpha, 'train-1', 300, ['loss', 'acc']);
  // Special values and a repeated step with another timestamp.
  await ok(base, 'POST', 'runs/log-batch', {
    run_id: run1,
    metrics: [
      { key: 'odd', value: 'NaN', timestamp: 5, step: 0 },
      { key: 'odd', value: Infinity, timestamp: 6, step: 1 },
      { key: 'odd', value: -Infinity, timestamp: 7, step: 2 },
      { key: 'odd', value: 2.5, timestamp: 8, step: 2 },
    ].map((m) =>
      m.value === Infinity
        ? { ...m, value: 'Infinity' }
        : m.value === -Infinity
          ? { ...m, value: '-Infinity' }
          : m,
    ),
  });
  await ok(base, 'POST', 'runs/log-inputs', {
    run_id: run1,
    datasets: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'iris',
          digest: 'abc123',
          source_type: 'local',
          source: '{"uri":"/data/iris.csv"}',
          schema: '{}',
        },
      },
    ],
  });
  await put(base, `${alpha}/${run1}/artifacts/model/MLmodel`, 'flavors: {}\n');
  await put(base, `${alpha}/${run1}/artifacts/notes/readme.txt`, 'hello artifacts\n');
  await ok(base, 'POST', 'runs/update', { run_id: run1, status: 'FINISHED', end_time: 1_700_000_100_000 });

  const deletedRun = await loggedRun(base, alpha, 'discarded', 3);
  await ok(base, 'POST', 'runs/delete', { run_id: deletedRun });
  for (let i = 0; i < 3; i++) await loggedRun(base, beta, `beta-${i}`, 20);
  await loggedRun(base, gone, 'in-deleted-exp', 2);
  await ok(base, 'POST', 'experiments/delete', { experiment_id: gone });

  const clf = (
    await ok(base, 'POST', 'logged-models', {
      experiment_id: alpha,
      name: 'clf',
      source_run_id: run1,
      params: [{ key: 'depth', value: '4' }],
      tags: [{ key: 'stage', value: 'dev' }],
    })
  ).model as Json;
  // Metrics logged against the model (one on a dataset, one NaN) and a file of the model.
  await ok(base, 'POST', 'runs/log-batch', {
    run_id: run1,
    metrics: [
      { key: 'f1', value: 0.8, timestamp: 1_700_000_050_000, step: 1, model_id: clf.info.model_id },
      {
        key: 'f1',
        value: 'NaN',
        timestamp: 1_700_000_051_000,
        step: 2,
        model_id: clf.info.model_id,
        dataset_name: 'holdout',
        dataset_digest: 'abc123',
      },
    ],
  });
  const modelRoot = String(clf.info.artifact_uri).replace(/^mlflow-artifacts:\/*/, '');
  await put(base, `${modelRoot}/MLmodel`, 'flavors: {onnx: {}}\n');

  await ok(base, 'POST', 'registered-models/create', {
    name: 'mig-model',
    description: 'the model',
    tags: [{ key: 'domain', value: 'fraud' }],
  });
  for (let i = 0; i < 2; i++) {
    await ok(base, 'POST', 'model-versions/create', {
      name: 'mig-model',
      source: `runs:/${run1}/model`,
      run_id: run1,
      description: `v${i + 1}`,
      tags: [{ key: 'i', value: String(i) }],
    });
  }
  await ok(base, 'POST', 'model-versions/transition-stage', {
    name: 'mig-model',
    version: '1',
    stage: 'Production',
  });
  await ok(base, 'POST', 'registered-models/alias', { name: 'mig-model', alias: 'champion', version: '2' });
  const prompt = { key: 'mlflow.prompt.is_prompt', value: 'true' };
  await ok(base, 'POST', 'registered-models/create', { name: 'mig-prompt', tags: [prompt] });
  await ok(base, 'POST', 'model-versions/create', {
    name: 'mig-prompt',
    source: 'dummy-source',
    tags: [prompt, { key: 'mlflow.prompt.text', value: 'Hello {{name}}' }],
  });
  await ok(base, 'POST', 'registered-models/alias', { name: 'mig-prompt', alias: 'prod', version: '1' });
  return { alpha, run1 };
}

const byKey = (a: Json, b: Json) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const sorted = (list: Json[] | undefined) => [...(list ?? [])].sort(byKey);

/** Every file of a run (`runId`) or of a logged model (`modelId`), with its size and sha256. */
async function artifactTree(
  base: string,
  owner: { runId: string } | { modelId: string },
  path = '',
): Promise<Json[]> {
  const res =
    'runId' in owner
      ? await ok(
          base,
          'GET',
          'artifacts/list',
          path ? { run_id: owner.runId, path } : { run_id: owner.runId },
        )
      : await ok(
          base,
          'GET',
          `logged-models/${owner.modelId}/artifacts/directories`,
          path ? { artifact_directory_path: path } : {},
        );
  const out: Json[] = [];
  for (const f of (res.files ?? []) as Json[]) {
    if (f.is_dir) out.push(...(await artifactTree(base, owner, f.path)));
    else {
      const p = encodeURIComponent(f.path);
      const url =
        'runId' in owner
          ? `${base}/get-artifact?run_id=${owner.runId}&path=${p}`
          : `${base}/ajax-api/2.0/mlflow/logged-models/${owner.modelId}/artifacts/files?artifact_file_path=${p}`;
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      out.push({ path: f.path, size: f.file_size, sha256: createHash('sha256').update(body).digest('hex') });
    }
  }
  return out;
}

/** Everything a server holds, in a canonical order, read through the REST API. */
export async function snapshot(base: string): Promise<Json> {
  const experiments = ((await ok(base, 'POST', 'experiments/search', { view_type: 'ALL', max_results: 1000 }))
    .experiments ?? []) as Json[];
  experiments.sort((a, b) => Number(a.experiment_id) - Number(b.experiment_id));
  const out: Json = { experiments: [], runs: [], loggedModels: [], models: [] };
  let points = 0;
  for (const e of experiments) {
    out.experiments.push({ ...e, tags: sorted(e.tags) });
    const runs = ((
      await ok(base, 'POST', 'runs/search', {
        experiment_ids: [e.experiment_id],
        run_view_type: 'ALL',
        max_results: 1000,
      })
    ).runs ?? []) as Json[];
    runs.sort((a, b) => (a.info.run_id < b.info.run_id ? -1 : 1));
    for (const r of runs) {
      const history: Json = {};
      for (const m of sorted(r.data.metrics)) {
        const h = ((
          await ok(base, 'GET', 'metrics/get-history', { run_id: r.info.run_id, metric_key: m.key })
        ).metrics ?? []) as Json[];
        h.sort(
          (a, b) =>
            a.step - b.step || a.timestamp - b.timestamp || String(a.value).localeCompare(String(b.value)),
        );
        history[m.key] = h;
        points += h.length;
      }
      out.runs.push({
        info: r.info,
        params: sorted(r.data.params),
        tags: sorted(r.data.tags),
        latest: sorted(r.data.metrics),
        datasets: r.inputs?.dataset_inputs ?? [],
        modelInputs: r.inputs?.model_inputs ?? [],
        outputs: r.outputs ?? {},
        history,
        artifacts: await artifactTree(base, { runId: r.info.run_id }),
      });
    }
    const models = ((await ok(base, 'POST', 'logged-models/search', { experiment_ids: [e.experiment_id] }))
      .models ?? []) as Json[];
    for (const m of models) {
      out.loggedModels.push({
        ...m,
        info: { ...m.info, tags: sorted(m.info.tags) },
        artifacts: await artifactTree(base, { modelId: m.info.model_id }),
      });
    }
  }
  for (const filter of [undefined, "tags.`mlflow.prompt.is_prompt` = 'true'"]) {
    const found = ((await ok(base, 'GET', 'registered-models/search', filter ? { filter } : {}))
      .registered_models ?? []) as Json[];
    for (const m of found) {
      const nameFilter = `name = '${m.name as string}'${filter ? ` AND ${filter}` : ''}`;
      const versions = ((await ok(base, 'GET', 'model-versions/search', { filter: nameFilter }))
        .model_versions ?? []) as Json[];
      versions.sort((a, b) => Number(a.version) - Number(b.version));
      out.models.push({
        ...m,
        tags: sorted(m.tags),
        versions: versions.map((v) => ({ ...v, tags: sorted(v.tags) })),
      });
    }
  }
  out.points = points;
  return out;
}
