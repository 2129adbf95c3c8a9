/**
 * Scale-out (issue 12 item 1): three `cairn server` processes on one PostgreSQL or MySQL database
 * and one S3-compatible store (moto), behind HAProxy. SDK clients with retries log metrics, upload
 * artifacts and register model versions while instances are SIGKILLed and restarted; afterwards
 * every acknowledged write is there, version numbers are gap-free, and a browser on one instance
 * sees what was written through the others. Runs on the server databases of the test matrix
 * (SQLite is one process's file, not a scale-out store).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { RegistryClient } from '../../src/client/registry.js';
import { ArtifactClient } from '../../src/client/artifacts.js';
import { MlflowError } from '../../src/errors.js';
import { startMoto, type MotoServer } from '../artifacts/moto.js';
import { BACKENDS, createTestDatabase } from '../helpers/backends.js';
import { cairnInstance, startLoadBalancer, type Instance, type LoadBalancer } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { ensureUiBuilt, launchBrowser, newPage } from '../ui/helpers.js';

const SERVER_BACKENDS = BACKENDS.filter((b) => b !== 'sqlite');
const TRAINERS = 4;
const MODEL = 'scale-model';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A write is acknowledged when the SDK call resolved. One the SDK gave up on (a request that died
 * with its instance, answered 502 by the load balancer, or was sent but never answered) may or
 * may not have been applied; such writes are counted, not checked.
 */
function unacknowledged(err: unknown): boolean {
  return (
    err instanceof MlflowError &&
    (err.name === 'TransportError' || (err as { status?: number }).status! >= 500)
  );
}

interface Acked {
  metrics: { runId: string; step: number; value: number }[];
  artifacts: { runId: string; path: string; content: string }[];
  versions: number[];
  lost: number;
}

describe(
  'three instances on one database and S3, behind a load balancer',
  { skip: !SERVER_BACKENDS.length },
  () => {
    let moto: MotoServer;
    let browser: Browser;

    before(async () => {
      ensureUiBuilt();
      moto = await startMoto();
      await moto.createBucket('cairn');
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await moto?.stop();
    });

    for (const backend of SERVER_BACKENDS) {
      it(`keeps every acknowledged write while instances are killed and restarted (${backend})`, async () => {
        const tmp = await mkdtemp(join(tmpdir(), 'cairn-cluster-'));
        const db = await createTestDatabase(backend, tmp);
        const instances: Instance[] = [];
        let lb: LoadBalancer | undefined;
        try {
          const env = {
            MLFLOW_S3_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_REGION: 'us-east-1',
          };
          const args = ['--backend-store-uri', db.uri, '--artifacts-destination', `s3://cairn/${backend}`];
          for (let i = 0; i < 3; i++) instances.push(await cairnInstance(args, env));
          // All three start at once on the empty database: one upgrades the schema under the
          // migration lock, the others wait for it and find it current.
          await Promise.all(instances.map((i) => i.start()));
          lb = await startLoadBalancer(tmp, instances);

          const client = new TrackingClient(lb.url, {
            retry: { maxAttempts: 12, baseDelayMs: 100, maxDelayMs: 1000 },
            timeoutMs: 20_000,
          });
          const registry = new RegistryClient(client);
          const artifacts = new ArtifactClient(client);
          const experimentId = await client.createExperiment(`scale-${backend}`);

          // A browser on instance 0 (never killed) watches the experiment.
          const page = await newPage(browser);
          await page.goto(`${instances[0]!.url}/experiments/${experimentId}`);

          const acked: Acked = { metrics: [], artifacts: [], versions: [], lost: 0 };
          /** Runs one write; false (and counted) when the SDK gave up without an answer. */
          const attempt = async (write: () => Promise<unknown>): Promise<boolean> => {
            try {
              await write();
              return true;
            } catch (err) {
              if (!unacknowledged(err)) throw err;
              acked.lost++;
              return false;
            }
          };

          let chaosDone = false;
          const trainer = async (t: number): Promise<string> => {
            let runId = '';
            while (!runId) {
              await attempt(async () => {
                const run = await client.createRun({
                  experiment_id: experimentId,
                  run_name: `trainer-${t}`,
                  start_time: Date.now(),
                });
                runId = run.info.run_id;
              });
            }
            // Keep writing until the instances have been killed and restarted.
            for (let step = 0; step < 30 || !chaosDone; step++) {
              const value = t * 10_000 + step;
              if (
                await attempt(() =>
                  client.logMetric(runId, { key: 'loss', value, timestamp: Date.now(), step }),
                )
              )
                acked.metrics.push({ runId, step, value });
              if (step % 10 === 9) {
                const path = `ckpt/step-${step}.txt`;
                const content = `trainer ${t} step ${step}`;
                if (await attempt(() => artifacts.uploadBytes(runId, path, content)))
                  acked.artifacts.push({ runId, path, content });
              }
              await sleep(20);
            }
            await attempt(async () => {
              const version = await registry.registerModel(`runs:/${runId}/ckpt`, MODEL);
              acked.versions.push(Number(version.version));
            });
            return runId;
          };
          const chaos = async (): Promise<void> => {
            await sleep(1000);
            await instances[1]!.kill();
            await sleep(1500);
            await instances[1]!.start();
            await instances[2]!.kill();
            await sleep(1000);
            await instances[2]!.start();
            chaosDone = true;
          };
          // Every task ends before the checks (or the clean-up after a failure): a trainer or the
          // chaos left running would restart instances or write after the clean-up.
          const tasks = await Promise.allSettled([
            ...Array.from({ length: TRAINERS }, (_, t) => trainer(t)),
            chaos(),
          ]);
          const failed = tasks.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
          const runIds = tasks.slice(0, TRAINERS).map((r) => (r as PromiseFulfilledResult<string>).value);

          // Every acknowledged metric point is stored, whichever instance took it.
          const byRun = new Map<string, Map<number, number>>();
          for (const runId of runIds) {
            const history = await client.getMetricHistory(runId, 'loss');
            byRun.set(runId, new Map(history.map((m) => [m.step ?? 0, m.value])));
          }
          assert.ok(acked.metrics.length >= TRAINERS * 30);
          for (const m of acked.metrics)
            assert.equal(byRun.get(m.runId)?.get(m.step), m.value, `${m.runId} step ${m.step}`);

          // Every acknowledged artifact is in the object store, listed by any instance.
          assert.ok(acked.artifacts.length >= TRAINERS * 3);
          for (const a of acked.artifacts) {
            const run = await client.getRun(a.runId);
            const key = `${backend}/${experimentId}/${a.runId}/artifacts/${a.path}`;
            const object = await moto.client.send(new GetObjectCommand({ Bucket: 'cairn', Key: key }));
            assert.equal(await object.Body?.transformToString(), a.content, run.info.artifact_uri);
            const listed = await artifacts.list(a.runId, 'ckpt');
            assert.ok(listed.some((f) => f.path === a.path));
          }

          // Version numbers are 1..n without gaps; every acknowledged version is one of them.
          const versions: number[] = [];
          for await (const v of registry.iterModelVersions({ filter: `name = '${MODEL}'` }))
            versions.push(Number(v.version));
          versions.sort((a, b) => a - b);
          assert.deepEqual(
            versions,
            Array.from({ length: versions.length }, (_, i) => i + 1),
          );
          for (const v of acked.versions) assert.ok(versions.includes(v), `version ${v}`);
          assert.ok(acked.versions.length >= 1);

          // The page on instance 0 picks up a run created and a metric logged through instance 2.
          const direct = new TrackingClient(instances[2]!.url);
          const seen = await direct.createRun({ experiment_id: experimentId, run_name: 'via-instance-2' });
          await new TrackingClient(instances[1]!.url).logMetric(seen.info.run_id, {
            key: 'loss',
            value: 4242,
            timestamp: Date.now(),
            step: 0,
          });
          const row = page.locator(`[data-run-id="${seen.info.run_id}"]`);
          await row.waitFor({ timeout: 30_000 });
          await eventually(
            async () => assert.equal(await row.locator('[data-column="metric:loss"]').textContent(), '4242'),
            30_000,
          );
          await page.context().close();
          process.stderr.write(
            `  ${backend}: ${acked.metrics.length} metric points, ${acked.artifacts.length} artifacts, ${acked.versions.length} versions acknowledged; ${acked.lost} writes given up\n`,
          );
        } finally {
          await lb?.stop();
          for (const i of instances) await i.stop();
          await db.drop();
          await rm(tmp, { recursive: true, force: true });
        }
      });
    }
  },
);
