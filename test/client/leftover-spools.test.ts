/**
 * Spools that ended processes left behind are replayed when the SDK next logs to the same server:
 * once, exactly once per entry (receipts), and only the spools of that server whose owner is gone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendBatch } from '../../src/client/delivery.js';
import { replayLeftoverSpools } from '../../src/client/leftover-spools.js';
import { RunLogger } from '../../src/client/run-logger.js';
import { Spool, type SpoolBatch } from '../../src/client/spool.js';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let client: TrackingClient;
let spoolDir: string;

before(async () => {
  server = await startTestServer('sqlite');
  client = new TrackingClient(server.url);
  spoolDir = await mkdtemp(join(tmpdir(), 'cairn-leftover-'));
});
after(async () => {
  client.close();
  await server.stop();
  await rm(spoolDir, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const points = (from: number, to: number): SpoolBatch['metrics'] =>
  Array.from({ length: to - from }, (_, i) => ({
    key: 'loss',
    value: from + i,
    timestamp: 1000,
    step: from + i,
  }));

/** Leaves a spool as a process that ended with `lockPid` holding it would have. */
function leaveSpool(runId: string, writer: string, trackingUri: string, lockPid?: number): Spool {
  const spool = Spool.create(spoolDir, { run_id: runId, writer, tracking_uri: trackingUri });
  spool.addBatch({
    t: 'batch',
    id: 1,
    slot: 0,
    uncertain: false,
    metrics: points(0, 100),
    params: [],
    tags: [],
  });
  spool.unlock();
  if (lockPid !== undefined) writeFileSync(`${spool.file}.lock`, String(lockPid));
  return spool;
}

test("a dead process's spool for this server is replayed when a run logger starts, exactly once", async () => {
  const exp = await client.createExperiment('leftover');
  const newRun = async (): Promise<string> => (await client.createRun({ experiment_id: exp })).info.run_id;
  const runId = await newRun();

  // The process sent batch 1, which the server applied, but died before the answer came back;
  // batch 2 and the run end never left it.
  const applied: SpoolBatch = {
    t: 'batch',
    id: 1,
    slot: 0,
    uncertain: true,
    metrics: points(0, 100),
    params: [],
    tags: [],
  };
  await sendBatch(client, runId, 'deadbeef', applied);
  const dead = Spool.create(spoolDir, { run_id: runId, writer: 'deadbeef', tracking_uri: server.url });
  dead.addBatch(applied);
  dead.addBatch({
    t: 'batch',
    id: 2,
    slot: 0,
    uncertain: false,
    metrics: points(100, 150),
    params: [{ key: 'lr', value: '0.1' }],
    tags: [],
  });
  dead.addEnd({ t: 'end', id: 3, status: 'FINISHED', end_time: 5000 });
  dead.unlock();
  writeFileSync(`${dead.file}.lock`, String(await deadPid()));

  const otherServer = leaveSpool(await newRun(), 'cafe0001', 'http://127.0.0.1:1', await deadPid());
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  const stillOwned = leaveSpool(await newRun(), 'cafe0002', server.url, sleeper.pid);
  try {
    // The SDK starts logging a new run against the same server.
    const logger = new RunLogger(client, await newRun(), { spoolDir });
    const deadline = Date.now() + 30_000;
    while (existsSync(dead.file)) {
      assert.ok(Date.now() < deadline, 'the leftover spool was not replayed');
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await replayLeftoverSpools(client, spoolDir);
    const byFile = new Map(report.spools.map((r) => [r.file, r]));
    const replayed = byFile.get(dead.file);
    assert.deepEqual(
      [replayed?.delivered, replayed?.skippedAsDelivered, replayed?.removed],
      [1, 1, true],
      'batch 2 sent, batch 1 recognised as applied by its receipt',
    );
    assert.equal(byFile.get(stillOwned.file)?.error, `in use by process ${sleeper.pid}`);
    assert.equal(byFile.has(otherServer.file), false, "another server's spool is not even looked at");
    await logger.end('FINISHED');

    const steps = (await client.getMetricHistory(runId, 'loss')).map((m) => m.step);
    assert.deepEqual(steps, [...Array(150).keys()], 'every point once, in order');
    const run = await client.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.end_time, 5000);
    assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.1' }]);

    // Another server's spool and a live process's spool are left alone.
    assert.equal(Spool.load(otherServer.file).pending.length, 1);
    assert.equal(Spool.load(stillOwned.file).pending.length, 1);
    // Started once per process: a second logger does not replay again.
    const again = new RunLogger(client, await newRun(), { spoolDir });
    assert.equal(replayLeftoverSpools(client, spoolDir), replayLeftoverSpools(client, spoolDir));
    await again.end('FINISHED');
    assert.ok(existsSync(stillOwned.file));
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('of two processes taking the same leftover spool, only one gets its lock', async () => {
  const spool = leaveSpool('r-lock', 'feed0001', server.url, await deadPid());
  // A second process holds it now: the stale lock was taken over, the live one is respected.
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    Spool.load(spool.file).lock();
    writeFileSync(`${spool.file}.lock`, String(sleeper.pid));
    assert.throws(() => Spool.load(spool.file).lock(), new RegExp(`in use by process ${sleeper.pid}`));
  } finally {
    sleeper.kill('SIGKILL');
  }
});
