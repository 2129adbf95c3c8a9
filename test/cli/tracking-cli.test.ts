/** `cairn experiments|runs|artifacts|sync` as a user runs them: child processes of bin/cairn.js. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import type { Command } from 'commander';
import { TrackingClient } from '../../src/client/tracking-client.js';
import { experimentsCommand } from '../../src/cli/experiments-command.js';
import { runsCommand } from '../../src/cli/runs-command.js';
import { artifactsCommand } from '../../src/cli/artifacts-command.js';
import { syncCommand } from '../../src/cli/sync-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'cairn.js');
let server: TestServer;
let client: TrackingClient;
let dir: string;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cairn(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, CAIRN_TRACKING_URI: server.url, ...env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const res = await cairn(args, env);
  assert.equal(res.code, 0, `cairn ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

for (const backend of BACKENDS) {
  describe(`tracking CLI (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      client = new TrackingClient(server.url);
      dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
    });

    after(async () => {
      client.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    test('experiments create, list, get, rename, delete, restore', async () => {
      const created = JSON.parse(
        await ok(['experiments', 'create', 'cli-exp', '--tag', 'team=risk', '--json']),
      ) as {
        experiment_id: string;
      };
      const id = created.experiment_id;
      assert.equal((await client.getExperiment(id)).name, 'cli-exp');

      const table = await ok(['experiments', 'list']);
      assert.match(table, /^\s*ID\s+NAME\s+STAGE\s+CREATED/m);
      assert.match(table, new RegExp(`^\\s*${id}\\s+cli-exp\\s+active`, 'm'));
      const listed = JSON.parse(
        await ok(['experiments', 'list', '--json', '--filter', "tags.team = 'risk'"]),
      ) as {
        experiments: { name: string }[];
      };
      assert.deepEqual(
        listed.experiments.map((e) => e.name),
        ['cli-exp'],
      );

      const got = JSON.parse(await ok(['experiments', 'get', id, '--json'])) as {
        name: string;
        tags: unknown;
      };
      assert.equal(got.name, 'cli-exp');
      assert.deepEqual(got.tags, [{ key: 'team', value: 'risk' }]);
      assert.match(await ok(['experiments', 'get', '--name', 'cli-exp']), /experiment_id:\s+\d+/);

      await ok(['experiments', 'rename', id, 'cli-exp-2']);
      assert.equal((await client.getExperiment(id)).name, 'cli-exp-2');
      await ok(['experiments', 'delete', id]);
      assert.equal((await client.getExperiment(id)).lifecycle_stage, 'deleted');
      assert.match(await ok(['experiments', 'list', '--view', 'deleted']), /cli-exp-2/);
      await ok(['experiments', 'restore', id]);
      assert.equal((await client.getExperiment(id)).lifecycle_stage, 'active');

      const dup = await cairn(['experiments', 'create', 'cli-exp-2']);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /^cairn: RESOURCE_ALREADY_EXISTS: .*cli-exp-2/m);
      assert.doesNotMatch(dup.stderr, /\bat /, 'no stack trace');
    });

    test('runs list (filter, order, max results, table and JSON), get, describe, delete, restore', async () => {
      const exp = await client.createExperiment('cli-runs');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await client.createRun({ experiment_id: exp, run_name: `trial-${i}` });
        await client.logBatch(run.info.run_id, {
          metrics: [{ key: 'loss', value: 1 - i * 0.25, timestamp: 1, step: 0 }],
          params: [{ key: 'lr', value: String(0.1 * (i + 1)) }],
        });
        ids.push(run.info.run_id);
      }
      const table = await ok(['runs', 'list', '--experiment-id', exp]);
      assert.match(table, /RUN ID\s+NAME\s+STATUS\s+STARTED\s+DURATION\s+METRICS/);
      for (const id of ids) assert.ok(table.includes(id));
      assert.match(table, /loss=0\.7500/);

      const json = (args: string[]) => ok(['runs', 'list', '--experiment-id', exp, '--json', ...args]);
      const names = async (args: string[]) =>
        (JSON.parse(await json(args)) as { runs: { info: { run_name: string } }[] }).runs.map(
          (r) => r.info.run_name,
        );
      assert.deepEqual(await names(['--order-by', 'metrics.loss ASC']), ['trial-2', 'trial-1', 'trial-0']);
      assert.deepEqual(await names(['--filter', 'metrics.loss < 0.9', '--order-by', 'params.lr DESC']), [
        'trial-2',
        'trial-1',
      ]);
      assert.deepEqual(await names(['--order-by', 'attributes.run_name', '--max-results', '2']), [
        'trial-0',
        'trial-1',
      ]);
      const bad = await cairn([
        'runs',
        'list',
        '--experiment-id',
        exp,
        '--filter',
        'metrics.loss = 1 OR metrics.loss = 2',
      ]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /cairn: INVALID_PARAMETER_VALUE/);

      const run = JSON.parse(await ok(['runs', 'get', ids[0]!, '--json'])) as {
        run: { info: { run_name: string } };
      };
      assert.equal(run.run.info.run_name, 'trial-0');
      const described = await ok(['runs', 'describe', ids[0]!]);
      assert.match(described, /run_name:\s+trial-0/);
      assert.match(described, /Params:\n\s*KEY\s+VALUE\n[- ]+\nlr\s+0\.1/);
      assert.match(described, /Metrics \(latest\):[\s\S]*loss\s+1 \(step 0\)/);

      await ok(['runs', 'delete', ids[0]!]);
      assert.equal((await client.getRun(ids[0]!)).info.lifecycle_stage, 'deleted');
      assert.deepEqual(await names(['--view', 'deleted']), ['trial-0']);
      await ok(['runs', 'restore', ids[0]!]);
      assert.equal((await client.getRun(ids[0]!)).info.lifecycle_stage, 'active');
    });

    test('runs describe reports an artifact listing that failed instead of showing no artifacts', async () => {
      // Nothing listens on port 1: the artifact store of this experiment cannot be reached.
      const exp = await client.createExperiment('cli-unreachable-artifacts', {
        artifact_location: 'mlflow-artifacts://127.0.0.1:1/unreachable',
      });
      const runId = (await client.createRun({ experiment_id: exp, run_name: 'far-away' })).info.run_id;
      const text = await cairn(['runs', 'describe', runId]);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /run_name:\s+far-away/);
      assert.match(text.stderr, new RegExp(`Cannot list the artifacts of run ${runId}: .*127\\.0\\.0\\.1:1`));
      assert.doesNotMatch(text.stderr, /^\s+at /m, 'no stack trace');
      const json = await cairn(['runs', 'describe', runId, '--json']);
      assert.equal(json.code, 1);
      const body = JSON.parse(json.stdout) as { artifacts: unknown; artifacts_error: { error_code: string } };
      assert.equal(body.artifacts, null);
      assert.equal(body.artifacts_error.error_code, 'TEMPORARILY_UNAVAILABLE');
    });

    test('artifacts upload, list, download', async () => {
      const exp = await client.createExperiment('cli-artifacts');
      const runId = (await client.createRun({ experiment_id: exp })).info.run_id;
      const src = join(dir, 'upload');
      await mkdir(join(src, 'nested'), { recursive: true });
      await writeFile(join(src, 'a.txt'), 'A');
      await writeFile(join(src, 'nested', 'b.bin'), Buffer.alloc(2_000_000, 1));
      assert.match(
        await ok(['artifacts', 'upload', '--run-id', runId, '--local-path', src, '--artifact-path', 'data']),
        /Uploaded/,
      );

      const listing = await ok(['artifacts', 'list', '--run-id', runId, '--artifact-path', 'data']);
      assert.match(listing, /^data\/a\.txt\s+1 B$/m);
      assert.match(listing, /^data\/nested\/\s*$/m);
      const all = JSON.parse(
        await ok(['artifacts', 'list', '-u', `runs:/${runId}/data`, '-R', '--json']),
      ) as {
        files: { path: string; file_size: number }[];
      };
      assert.deepEqual(
        all.files.map((f) => [f.path, f.file_size]),
        [
          ['data/a.txt', 1],
          ['data/nested/b.bin', 2_000_000],
        ],
      );

      const dst = join(dir, 'download');
      const out = await ok([
        'artifacts',
        'download',
        '--run-id',
        runId,
        '--artifact-path',
        'data',
        '--dst-path',
        dst,
      ]);
      assert.equal(out.trim(), join(dst, 'data'));
      assert.equal(await readFile(join(dst, 'data', 'a.txt'), 'utf8'), 'A');
      assert.equal((await readFile(join(dst, 'data', 'nested', 'b.bin'))).length, 2_000_000);
      const missing = await cairn([
        'artifacts',
        'download',
        '--run-id',
        runId,
        '--artifact-path',
        'nope',
        '--dst-path',
        dst,
      ]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /RESOURCE_DOES_NOT_EXIST/);
    });

    /** Node arguments running the offline-writer fixture against an unreachable server. */
    const offlineWriterArgs = (
      runId: string,
      spoolDir: string,
      count: number,
      ...extra: string[]
    ): string[] => [
      '--import',
      'tsx',
      join(root, 'test/cli/fixtures/offline-writer.ts'),
      'http://127.0.0.1:1',
      runId,
      spoolDir,
      String(count),
      ...extra,
    ];

    test('sync delivers what a process spooled while the server was unreachable, exactly once', async () => {
      const exp = await client.createExperiment('cli-sync');
      const runId = (await client.createRun({ experiment_id: exp })).info.run_id;
      const spoolDir = join(dir, 'spool');
      const writer = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          offlineWriterArgs(runId, spoolDir, 2500),
          { cwd: root, timeout: 60_000 },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        ),
      );
      // At exit the records were queued, in flight or spooled: the exit hook spooled all of them.
      const status = JSON.parse(writer) as { queued: number; inFlight: number; spooled: number };
      assert.equal(status.queued + status.inFlight + status.spooled, 2512);

      const env = { CAIRN_SPOOL_DIR: spoolDir };
      const pending = JSON.parse(await ok(['sync', '--list', '--json'], env)) as {
        spools: { runId: string; pendingRecords: number }[];
      };
      assert.deepEqual(
        pending.spools.map((s) => [s.runId, s.pendingRecords]),
        [[runId, 2512]],
      );
      const report = await ok(['sync', '--tracking-uri', server.url], env);
      assert.match(report, new RegExp(runId));
      assert.match(await ok(['sync', '--list'], env), /Nothing pending/);
      assert.match(await ok(['sync'], env), /Nothing pending/);

      const history = await client.getMetricHistory(runId, 'loss');
      assert.deepEqual(
        history.map((m) => m.step),
        [...Array(2500).keys()],
      );
      assert.equal((await client.getMetricHistory(runId, 'late')).length, 10);
      const run = await client.getRun(runId);
      assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.1' }]);
      assert.ok(run.data.tags?.some((t) => t.key === 'phase' && t.value === 'offline'));
    });

    test('a process ended by SIGTERM spools what it had not delivered', async () => {
      const exp = await client.createExperiment('cli-sigterm');
      const runId = (await client.createRun({ experiment_id: exp })).info.run_id;
      const spoolDir = join(dir, 'spool-sigterm');
      const child = spawn(process.execPath, offlineWriterArgs(runId, spoolDir, 1000, 'hold'), {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      child.kill('SIGTERM');
      assert.equal(await exited, 'SIGTERM', 'the signal keeps its default effect');
      const pending = JSON.parse(await ok(['sync', '--list', '--json'], { CAIRN_SPOOL_DIR: spoolDir })) as {
        spools: { runId: string; pendingRecords: number; lockedBy?: number }[];
      };
      assert.deepEqual(
        pending.spools.map((s) => [s.runId, s.pendingRecords, s.lockedBy]),
        [[runId, 1012, undefined]],
      );
      await ok(['sync', '--tracking-uri', server.url], { CAIRN_SPOOL_DIR: spoolDir });
      assert.equal((await client.getMetricHistory(runId, 'loss')).length, 1000);
    });

    test('every command has --help with an example', () => {
      // Checked in-process (one child process per help page would be slow); the child-process tests
      // above already run each group through bin/cairn.js.
      const groups = [experimentsCommand(), runsCommand(), artifactsCommand(), syncCommand()];
      const pages: [string, Command][] = [];
      for (const group of groups) {
        pages.push([group.name(), group]);
        for (const sub of group.commands) pages.push([`${group.name()} ${sub.name()}`, sub]);
      }
      assert.equal(pages.length, 18);
      for (const [name, cmd] of pages) {
        let text = '';
        cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
        cmd.outputHelp();
        assert.match(text, /Examples?:\n\s+\$ cairn /, `cairn ${name} --help has an example`);
      }
    });
  });
}
