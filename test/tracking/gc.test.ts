/**
 * `cairn gc` as a process against a real server's data, on every database, with proxied artifacts
 * on local disk and in S3 (moto). Covers what MLflow's gc gets wrong: restored runs, runs whose
 * artifacts a registered model version uses (by runs:/ URI or by direct path), artifacts that were
 * never uploaded, experiments whose runs were deleted before the experiment, dry runs, and a
 * collection killed half-way that the next one finishes.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BACKENDS } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { startMoto, useMotoEnvironment, type MotoServer } from '../artifacts/moto.js';
import { runCairn } from '../server/cli-process.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { ok } from '../registry/helpers.js';

const DAY = 24 * 3600 * 1000;

async function cairnGc(
  args: string[],
  cwd: string,
): Promise<{ code: number | string; out: string; err: string }> {
  const child = runCairn(['gc', ...args], cwd);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | string>((r) => child.on('exit', (c, s) => r(c ?? s ?? -1)));
  return { code, out, err };
}

for (const backend of BACKENDS) {
  for (const store of ['local', 's3'] as const) {
    describe(`cairn gc (${backend}, ${store} artifacts)`, () => {
      let s: TestServer;
      let moto: MotoServer | undefined;
      let destination: string;
      let localRoot: string;
      const prefix = `gc-${Math.random().toString(36).slice(2, 8)}`;

      /** Files under a path of the artifact destination. */
      const filesUnder = async (path: string): Promise<string[]> => {
        if (store === 'local') {
          try {
            await stat(join(localRoot, path));
          } catch {
            return [];
          }
          return (await readdir(join(localRoot, path), { recursive: true })).map(String);
        }
        const page = await moto!.client.send(
          new ListObjectsV2Command({ Bucket: 'gcbucket', Prefix: `${prefix}/${path}/` }),
        );
        return (page.Contents ?? []).map((o) => o.Key!);
      };

      const sql = async (
        text: string,
        params: (string | number)[] = [],
      ): Promise<Record<string, unknown>[]> => {
        const db = openDatabase(s.ctx.config.backendStoreUri);
        try {
          return await db.query(text, params);
        } finally {
          await db.close();
        }
      };

      const newExperiment = async (name: string): Promise<string> =>
        String((await ok(s.url, 'POST', 'experiments/create', { name: `${prefix}-${name}` })).experiment_id);

      /** A run with a param, a metric and (unless `noFiles`) an artifact file. */
      const newRun = async (experimentId: string, noFiles = false): Promise<string> => {
        const run = await ok(s.url, 'POST', 'runs/create', { experiment_id: experimentId, start_time: 1 });
        const runId = String(run.run.info.run_id);
        await ok(s.url, 'POST', 'runs/log-batch', {
          run_id: runId,
          params: [{ key: 'p', value: '1' }],
          metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
        });
        if (!noFiles) {
          const put = await fetch(
            `${s.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`,
            { method: 'PUT', body: 'flavors: {}\n' },
          );
          assert.equal(put.status, 200);
        }
        return runId;
      };

      const age = async (table: 'runs' | 'experiments', column: string, id: string, days: number) => {
        const when = Date.now() - days * DAY;
        const db = openDatabase(s.ctx.config.backendStoreUri);
        try {
          await db.run(`UPDATE ${table} SET deleted_time = ? WHERE ${column} = ?`, [
            when,
            table === 'runs' ? id : Number(id),
          ]);
        } finally {
          await db.close();
        }
      };

      const runExists = async (runId: string) =>
        (await api(s.url, 'GET', 'runs/get', { run_id: runId })).status === 200;
      const expExists = async (id: string) =>
        (await api(s.url, 'GET', 'experiments/get', { experiment_id: id })).status === 200;

      before(async () => {
        const tmp = await mkdtemp(join(tmpdir(), 'cairn-gc-'));
        localRoot = join(tmp, 'artifacts');
        if (store === 's3') {
          moto = await startMoto();
          useMotoEnvironment(moto.endpoint);
          await moto.createBucket('gcbucket');
          destination = `s3://gcbucket/${prefix}`;
        } else destination = localRoot;
        s = await startTestServer(backend, { artifactsDestination: destination });
        await rm(tmp, { recursive: true, force: true });
      });
      after(async () => {
        await s?.stop();
        await moto?.stop();
      });

      const gcArgs = () => [
        '--backend-store-uri',
        s.ctx.config.backendStoreUri,
        '--artifacts-destination',
        destination,
      ];

      it('removes only what is deleted, old enough and unused, and lists it first in a dry run', async () => {
        const a = await newExperiment('a');
        const [old, recent, restored, byRunsUri, byPath, noFiles, active] = [
          await newRun(a),
          await newRun(a),
          await newRun(a),
          await newRun(a),
          await newRun(a),
          await newRun(a, true),
          await newRun(a),
        ];
        for (const r of [old, recent, restored, byRunsUri, byPath, noFiles]) {
          await ok(s.url, 'POST', 'runs/delete', { run_id: r });
        }
        for (const r of [old, restored, byRunsUri, byPath, noFiles]) await age('runs', 'run_uuid', r, 10);
        await ok(s.url, 'POST', 'runs/restore', { run_id: restored });
        await ok(s.url, 'POST', 'registered-models/create', { name: `${prefix}-m` });
        await ok(s.url, 'POST', 'model-versions/create', {
          name: `${prefix}-m`,
          source: `runs:/${byRunsUri}/model`,
          run_id: byRunsUri,
        });
        await ok(s.url, 'POST', 'model-versions/create', {
          name: `${prefix}-m`,
          source: `mlflow-artifacts:/${a}/${byPath}/artifacts/model`,
        });

        // Experiment b: one run deleted on its own before the experiment, one with it.
        const b = await newExperiment('b');
        const b1 = await newRun(b);
        const b2 = await newRun(b);
        await ok(s.url, 'POST', 'runs/delete', { run_id: b1 });
        await ok(s.url, 'POST', 'experiments/set-experiment-tag', { experiment_id: b, key: 'k', value: 'v' });
        await ok(s.url, 'POST', 'experiments/delete', { experiment_id: b });
        await age('runs', 'run_uuid', b1, 20);
        await age('runs', 'run_uuid', b2, 10);
        await age('experiments', 'experiment_id', b, 10);
        // Experiment c: old, but its run's model is registered.
        const c = await newExperiment('c');
        const c1 = await newRun(c);
        await ok(s.url, 'POST', 'model-versions/create', {
          name: `${prefix}-m`,
          source: `runs:/${c1}/model`,
        });
        await ok(s.url, 'POST', 'experiments/delete', { experiment_id: c });
        await age('runs', 'run_uuid', c1, 10);
        await age('experiments', 'experiment_id', c, 10);
        // Experiment d: deleted yesterday afternoon only.
        const d = await newExperiment('d');
        const d1 = await newRun(d);
        await ok(s.url, 'POST', 'experiments/delete', { experiment_id: d });

        const dry = await cairnGc([...gcArgs(), '--older-than', '1d', '--dry-run'], s.tmpDir);
        assert.equal(dry.code, 0, dry.err);
        for (const id of [old, noFiles, b1, b2]) assert.match(dry.out, new RegExp(`would remove run ${id}`));
        assert.match(dry.out, new RegExp(`would remove experiment ${b} `));
        assert.match(dry.out, new RegExp(`kept run ${byRunsUri}: used by registered model`));
        assert.match(dry.out, new RegExp(`kept run ${byPath}: used by registered model`));
        assert.match(dry.out, new RegExp(`kept experiment ${c} .*its run ${c1} is kept`));
        for (const id of [recent, restored, active, d1]) assert.ok(!dry.out.includes(id), `${id} not listed`);
        assert.ok(!dry.out.includes(`experiment ${d} `));
        // Nothing changed.
        assert.ok(await runExists(old));
        assert.deepEqual((await filesUnder(`${a}/${old}`)).length > 0, true);

        const real = await cairnGc([...gcArgs(), '--older-than', '1d', '--batch-size', '2'], s.tmpDir);
        assert.equal(real.code, 0, real.err);
        assert.match(real.out, /removed 4 run\(s\) and 1 experiment\(s\)/);
        for (const id of [old, noFiles, b1, b2])
          assert.equal(await runExists(id), false, `run ${id} removed`);
        for (const id of [recent, restored, byRunsUri, byPath, active, c1, d1]) {
          assert.ok(await runExists(id), `run ${id} kept`);
        }
        assert.equal(await expExists(b), false);
        assert.ok(await expExists(a));
        assert.ok(await expExists(c));
        assert.ok(await expExists(d));
        assert.deepEqual(await filesUnder(`${a}/${old}`), []);
        assert.deepEqual(await filesUnder(b), []);
        for (const id of [byRunsUri, byPath, recent, restored]) {
          assert.ok((await filesUnder(`${a}/${id}`)).length > 0, `artifacts of ${id} kept`);
        }
        assert.ok((await filesUnder(`${c}/${c1}`)).length > 0);
        // No rows left behind.
        for (const table of ['params', 'tags', 'latest_metrics']) {
          const rows = await sql(`SELECT COUNT(*) AS n FROM ${table} WHERE run_uuid IN (?, ?, ?)`, [
            old,
            b1,
            b2,
          ]);
          assert.equal(Number(rows[0]!.n), 0, table);
        }
        const tags = await sql('SELECT COUNT(*) AS n FROM experiment_tags WHERE experiment_id = ?', [
          Number(b),
        ]);
        assert.equal(Number(tags[0]!.n), 0);
        // Removed runs' metric history is gone too (only surviving runs keep points).
        for (const table of ['metrics', 'metric_chunks']) {
          const orphans = await sql(
            `SELECT COUNT(*) AS n FROM ${table} WHERE run_pk NOT IN (SELECT run_pk FROM runs)`,
          );
          assert.equal(Number(orphans[0]!.n), 0, table);
        }

        // A second collection finds nothing new.
        const again = await cairnGc([...gcArgs(), '--older-than', '1d'], s.tmpDir);
        assert.match(again.out, /removed 0 run\(s\) and 0 experiment\(s\)/);
      });

      it('finishes a collection that was interrupted, and a run being purged cannot be restored', async () => {
        const e = await newExperiment('resume');
        const runs: string[] = [];
        for (let i = 0; i < 3; i++) runs.push(await newRun(e));
        for (const r of runs) await ok(s.url, 'POST', 'runs/delete', { run_id: r });
        // As a collection killed after its mark step leaves it: purging, files still there.
        const db = openDatabase(s.ctx.config.backendStoreUri);
        await db.run(`UPDATE runs SET lifecycle_stage = 'purging' WHERE run_uuid = ?`, [runs[0]!]);
        await db.close();
        const restore = await api(s.url, 'POST', 'runs/restore', { run_id: runs[0] });
        assert.equal(restore.status, 400);
        assert.match(restore.text, /being permanently deleted/);
        const shown = await ok(s.url, 'GET', 'runs/get', { run_id: runs[0] });
        assert.equal(shown.run.info.lifecycle_stage, 'deleted');

        // Deleted just now: a 1-day collection leaves the others but finishes the purging one.
        const res = await cairnGc([...gcArgs(), '--older-than', '1d'], s.tmpDir);
        assert.equal(res.code, 0, res.err);
        assert.equal(await runExists(runs[0]!), false);
        assert.deepEqual(await filesUnder(`${e}/${runs[0]}`), []);
        assert.ok(await runExists(runs[1]!));
        assert.ok(await runExists(runs[2]!));
      });

      it('picks up where a SIGKILLed collection stopped', async (t) => {
        const e = await newExperiment('killed');
        const runs: string[] = [];
        for (let i = 0; i < 24; i++) runs.push(await newRun(e));
        for (const r of runs) await ok(s.url, 'POST', 'runs/delete', { run_id: r });
        const child = runCairn(['gc', ...gcArgs(), '--batch-size', '1'], s.tmpDir);
        let out = '';
        const exited = new Promise<string | number>((r) => child.on('exit', (c, sig) => r(sig ?? c ?? -1)));
        await new Promise<void>((resolve) => {
          child.stdout!.on('data', (c: Buffer) => {
            out += c.toString();
            if (/removed run /.test(out)) resolve();
          });
          void exited.then(() => resolve());
        });
        child.kill('SIGKILL');
        const how = await exited;
        const left = (await Promise.all(runs.map(runExists))).filter(Boolean).length;
        // Killed half-way (the process may have finished first on a fast machine: then none is left).
        t.diagnostic(`gc ended with ${how}; ${left} of ${runs.length} runs still there`);
        assert.ok(how === 'SIGKILL' || left === 0, `gc ended with ${how}`);
        const res = await cairnGc(gcArgs(), s.tmpDir);
        assert.equal(res.code, 0, res.err);
        for (const r of runs) {
          assert.equal(await runExists(r), false, `run ${r} removed`);
          assert.deepEqual(await filesUnder(`${e}/${r}`), []);
        }
        const purging = await sql(`SELECT COUNT(*) AS n FROM runs WHERE lifecycle_stage = 'purging'`);
        assert.equal(Number(purging[0]!.n), 0);
      });

      it('refuses bad options with a clear message', async () => {
        const bad = await cairnGc([...gcArgs(), '--older-than', 'yesterday'], s.tmpDir);
        assert.equal(bad.code, 1);
        assert.match(bad.err, /--older-than must look like 30d/);
        assert.ok(!bad.err.includes('    at '), 'no stack trace');
      });
    });
  }
}
