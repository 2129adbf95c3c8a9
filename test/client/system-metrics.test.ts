/** System metrics sampled from this machine while a run is active, logged under MLflow's names. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { statfs } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import * as cairn from '../../src/index.js';
import { parseNvidiaSmi, type SystemMetricsSource } from '../../src/client/system-metrics/sources.js';
import { SystemMetricsSampler } from '../../src/client/system-metrics/sampler.js';
import { systemMetricsSettings } from '../../src/client/system-metrics/settings.js';

let server: TestServer;
let dir: string;
let client: cairn.TrackingClient;

const HOST_METRICS = [
  'system/cpu_utilization_percentage',
  'system/system_memory_usage_megabytes',
  'system/system_memory_usage_percentage',
  'system/disk_usage_percentage',
  'system/disk_usage_megabytes',
  'system/disk_available_megabytes',
  'system/network_receive_megabytes',
  'system/network_transmit_megabytes',
];

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of BACKENDS) {
  describe(`system metrics (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      dir = await mkdtemp(join(tmpdir(), 'cairn-sysmetrics-'));
      client = new cairn.TrackingClient(server.url);
      cairn.setTrackingUri(server.url);
      cairn.configureLogging({ spoolDir: join(dir, 'spool') });
      await cairn.setExperiment('system-metrics');
    });

    after(async () => {
      client.close();
      cairn.getClient().close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    test('a run with logSystemMetrics logs host metrics step by step and stops with the run', async () => {
      const run = await cairn.startRun({ logSystemMetrics: { samplingIntervalSeconds: 0.2 } });
      const history = (key: string) => client.getMetricHistory(run.runId, key);
      await waitFor('three logged steps', async () => {
        await run.flush();
        return (await history('system/cpu_utilization_percentage')).length >= 3;
      });
      await run.end();
      const afterEnd = (await history('system/cpu_utilization_percentage')).length;

      const keys = ((await client.getRun(run.runId)).data.metrics ?? []).map((m) => m.key).sort();
      assert.deepEqual(keys, [...HOST_METRICS].sort(), 'no GPU metrics on a machine without nvidia-smi');
      const cpu = await history('system/cpu_utilization_percentage');
      assert.deepEqual(
        cpu.map((m) => m.step),
        cpu.map((_, i) => i),
        'one step per logged sample, from 0',
      );
      for (const m of cpu) assert.ok(m.value >= 0 && m.value <= 100, `cpu ${m.value}`);
      const memMb = totalmem() / 1e6;
      for (const m of await history('system/system_memory_usage_megabytes')) {
        assert.ok(m.value > 0 && m.value <= memMb, `memory ${m.value} of ${memMb} MB`);
      }
      for (const m of await history('system/system_memory_usage_percentage'))
        assert.ok(m.value > 0 && m.value <= 100);
      const fs = await statfs('/');
      const availMb = (fs.bavail * fs.bsize) / 1e6;
      const loggedAvail = (await history('system/disk_available_megabytes')).at(-1)!.value;
      assert.ok(
        Math.abs(loggedAvail - availMb) < Math.max(1000, availMb * 0.05),
        `${loggedAvail} vs ${availMb}`,
      );
      const rx = (await history('system/network_receive_megabytes')).map((m) => m.value);
      rx.forEach((v, i) => assert.ok(i === 0 || v >= rx[i - 1]!, 'network totals only grow'));

      // Nothing more arrives once the run has ended.
      await new Promise((r) => setTimeout(r, 700));
      assert.equal((await history('system/cpu_utilization_percentage')).length, afterEnd);
      assert.equal((await client.getRun(run.runId)).info.status, 'FINISHED');
    });

    test('GPU metrics come from nvidia-smi when it answers (a stand-in script here: no GPU on this machine)', async () => {
      const bin = join(dir, 'bin');
      await import('node:fs/promises').then((f) => f.mkdir(bin, { recursive: true }));
      await writeFile(
        join(bin, 'nvidia-smi'),
        '#!/bin/sh\necho "37, 2048, 8192, 70.5, 250.00"\necho "5, 512, 16384, [N/A], [N/A]"\n',
      );
      await chmod(join(bin, 'nvidia-smi'), 0o755);
      const savedPath = process.env.PATH;
      process.env.PATH = `${bin}:${savedPath ?? ''}`;
      try {
        const run = await cairn.startRun({ logSystemMetrics: { samplingIntervalSeconds: 0.1 } });
        await waitFor('a GPU step', async () => {
          await run.flush();
          return (
            (await client.getMetricHistory(run.runId, 'system/gpu_0_utilization_percentage')).length >= 1
          );
        });
        await run.end();
        const latest = new Map(
          ((await client.getRun(run.runId)).data.metrics ?? []).map((m) => [m.key, m.value]),
        );
        assert.equal(latest.get('system/gpu_0_utilization_percentage'), 37);
        assert.equal(latest.get('system/gpu_0_memory_usage_percentage'), 25);
        assert.equal(latest.get('system/gpu_0_power_usage_watts'), 70.5);
        assert.equal(latest.get('system/gpu_0_power_usage_percentage'), 28.2);
        assert.equal(latest.get('system/gpu_1_utilization_percentage'), 5);
        assert.equal(latest.has('system/gpu_1_power_usage_watts'), false, 'N/A fields are left out');
      } finally {
        process.env.PATH = savedPath;
      }
    });

    test('the environment switches sampling on (MLflow names too), and a bad value creates no run', async () => {
      assert.equal(systemMetricsSettings(undefined, {}), undefined, 'off by default');
      assert.deepEqual(
        systemMetricsSettings(undefined, {
          MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: 'true',
          MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: '2.5',
          CAIRN_SYSTEM_METRICS_NODE_ID: 'node-1',
        }),
        { samplingIntervalSeconds: 2.5, samplesBeforeLogging: undefined, nodeId: 'node-1' },
      );
      assert.equal(systemMetricsSettings(false, { CAIRN_ENABLE_SYSTEM_METRICS_LOGGING: 'true' }), undefined);

      const exp = await cairn.setExperiment('system-metrics-bad-env');
      process.env.CAIRN_ENABLE_SYSTEM_METRICS_LOGGING = 'sometimes';
      try {
        await assert.rejects(cairn.startRun(), /ENABLE_SYSTEM_METRICS_LOGGING must be true or false/);
      } finally {
        delete process.env.CAIRN_ENABLE_SYSTEM_METRICS_LOGGING;
      }
      const runs = await client.searchRuns({ experiment_ids: [exp.experiment_id] });
      assert.equal(runs.items.length, 0);
    });
  });
}

test('readings are averaged over samplesBeforeLogging and named per node', async () => {
  let n = 0;
  const counting: SystemMetricsSource = { name: 'counter', sample: async () => ({ value: ++n }) };
  const logged: Array<[Record<string, number>, number]> = [];
  const sampler = new SystemMetricsSampler([counting], (m, step) => logged.push([m, step]), {
    samplingIntervalSeconds: 0.05,
    samplesBeforeLogging: 3,
    nodeId: 'worker-2',
  });
  sampler.start();
  await waitFor('two logged steps', async () => logged.length >= 2);
  await sampler.stop();
  assert.deepEqual(logged.slice(0, 2), [
    [{ 'system/worker-2/value': 2 }, 0],
    [{ 'system/worker-2/value': 5 }, 1],
  ]);
});

test('nvidia-smi output parsing', () => {
  assert.deepEqual(parseNvidiaSmi('100, 1024, 1024, 300, 300\n'), {
    gpu_0_utilization_percentage: 100,
    gpu_0_memory_usage_megabytes: 1073.741824,
    gpu_0_memory_usage_percentage: 100,
    gpu_0_power_usage_watts: 300,
    gpu_0_power_usage_percentage: 100,
  });
  assert.deepEqual(parseNvidiaSmi(''), {});
});
