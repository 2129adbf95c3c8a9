import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, api, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import * as projects from '../../src/client/projects.js';
import type { Run } from '../../src/entities/tracking.js';

let server: TestServer;
let root: string;

async function getRun(runId: string): Promise<Run> {
  const res = await api<{ run: Run }>(server.url, 'GET', 'runs/get', { run_id: runId });
  assert.equal(res.status, 200);
  return res.json.run;
}
const tagsOf = (run: Run): Record<string, string> =>
  Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
/** 'running', or 'gone' once the process has exited (a zombie has exited, only not been reaped). */
async function processState(pid: number): Promise<'running' | 'gone'> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The state letter follows the parenthesised command name, which may itself contain ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return stat && state !== 'Z' && state !== 'X' ? 'running' : 'gone';
}
const paramsOf = (run: Run): Record<string, string> =>
  Object.fromEntries((run.data.params ?? []).map((t) => [t.key, t.value]));

async function artifactText(runId: string, path: string): Promise<string> {
  const res = await fetch(`${server.url}/get-artifact?run_id=${runId}&path=${encodeURIComponent(path)}`);
  assert.equal(res.status, 200, `artifact ${path}`);
  return res.text();
}

async function project(
  name: string,
  mlproject: string | undefined,
  files: Record<string, string> = {},
): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  if (mlproject !== undefined) await writeFile(join(dir, 'MLproject'), mlproject);
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

const quiet = (): NodeJS.WritableStream => ({ write: () => true }) as unknown as NodeJS.WritableStream;

for (const backend of BACKENDS) {
  describe(`project runs against a real tracking server (${backend})`, () => {
    before(async () => {
      server = await startTestServer(backend);
      root = await mkdtemp(join(tmpdir(), 'cairn-projects-'));
    });
    after(async () => {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    });

    test('a successful run: params (declared, default, extra), MLflow tags, environment variables, output log, FINISHED', async () => {
      const dir = await project(
        'ok',
        `name: ok-project
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.1}
      message: string
    command: 'echo alpha={alpha} message={message}; echo "run=$MLFLOW_RUN_ID exp=$MLFLOW_EXPERIMENT_ID uri=$MLFLOW_TRACKING_URI"'
`,
      );
      execFileSync('git', ['init', '-q', dir]);
      execFileSync('git', [
        '-C',
        dir,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@e.x',
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        'c',
      ]);
      const commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      const handle = await projects.run(dir, {
        trackingUri: server.url,
        parameters: { message: "it's a $(test) & more", extra: 'x y' },
        experimentName: 'projects-demo',
        stdout: quiet(),
        stderr: quiet(),
      });
      assert.equal(await handle.wait(), 'FINISHED');
      const run = await getRun(handle.runId);
      assert.equal(run.info.status, 'FINISHED');
      assert.ok(run.info.end_time && run.info.end_time > 0);
      assert.deepEqual(paramsOf(run), { alpha: '0.1', message: "it's a $(test) & more", extra: 'x y' });
      const tags = tagsOf(run);
      assert.equal(tags['mlflow.source.type'], 'PROJECT');
      assert.equal(tags['mlflow.source.name'], dir);
      assert.equal(tags['mlflow.project.entryPoint'], 'main');
      assert.equal(tags['mlflow.project.backend'], 'local');
      assert.equal(tags['mlflow.source.git.commit'], commit);
      assert.equal(tags['mlflow.project.env'], undefined, 'no env tag for the local environment, as MLflow');
      const exp = await api<{ experiment: { experiment_id: string } }>(
        server.url,
        'GET',
        'experiments/get-by-name',
        { experiment_name: 'projects-demo' },
      );
      assert.equal(run.info.experiment_id, exp.json.experiment.experiment_id);
      const log = await artifactText(handle.runId, 'project_output.log');
      assert.match(log, /alpha=0\.1 message=it's a \$\(test\) & more/);
      assert.ok(
        log.includes(`run=${handle.runId} exp=${run.info.experiment_id} uri=${server.url} --extra x y`),
        log,
      );
    });

    test('a non-zero exit ends the run FAILED; a script entry point runs without an MLproject', async () => {
      const dir = await project('fail', undefined, { 'job.sh': 'echo working; exit 3\n' });
      const handle = await projects.run(dir, {
        trackingUri: server.url,
        entryPoint: 'job.sh',
        stdout: quiet(),
        stderr: quiet(),
      });
      assert.equal(await handle.wait(), 'FAILED');
      const run = await getRun(handle.runId);
      assert.equal(run.info.status, 'FAILED');
      assert.equal(tagsOf(run)['mlflow.project.entryPoint'], 'job.sh');
      assert.match(await artifactText(handle.runId, 'project_output.log'), /working/);
    });

    test('cancel kills the whole process group and ends the run KILLED', async () => {
      const pidFile = join(root, 'child.pid');
      const dir = await project(
        'cancel',
        `entry_points:\n  main:\n    command: 'sleep 300 & echo $! > ${pidFile}; wait'\n`,
      );
      const handle = await projects.run(dir, {
        trackingUri: server.url,
        stdout: quiet(),
        stderr: quiet(),
        killGraceMs: 2000,
      });
      const pid = await eventually(async () => {
        const n = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
        assert.ok(n > 0, 'the grandchild started');
        return n;
      }, 60_000);
      assert.equal(await handle.cancel(), 'KILLED');
      assert.equal((await getRun(handle.runId)).info.status, 'KILLED');
      // The grandchild got SIGTERM with its group. Once dead it may stay a zombie until whoever
      // adopted it reaps it (some containers' init never does), so a zombie counts as gone.
      await eventually(async () => assert.equal(await processState(pid), 'gone'), 60_000, 50);
    });

    test('--run-id logs into an existing run', async () => {
      const created = await api<{ run: Run }>(server.url, 'POST', 'runs/create', {
        experiment_id: '0',
        start_time: Date.now(),
      });
      const runId = created.json.run.info.run_id;
      const dir = await project(
        'reuse',
        `entry_points:\n  main:\n    parameters: {n: {type: float, default: 2}}\n    command: 'echo n={n}'\n`,
      );
      const handle = await projects.run(dir, {
        trackingUri: server.url,
        runId,
        stdout: quiet(),
        stderr: quiet(),
      });
      assert.equal(handle.runId, runId);
      assert.equal(await handle.wait(), 'FINISHED');
      assert.deepEqual(paramsOf(await getRun(runId)), { n: '2' });
    });

    test('bad input fails before any run is created, with a message naming the problem', async () => {
      const dir = await project(
        'bad',
        `entry_points:\n  main:\n    parameters: {lr: float}\n    command: 'echo {lr}'\n`,
      );
      const before = await api<{ runs?: unknown[] }>(server.url, 'POST', 'runs/search', {
        experiment_ids: ['0'],
      });
      await assert.rejects(
        projects.run(dir, { trackingUri: server.url, parameters: { lr: 'fast' } }),
        /Parameter 'lr' must be a float, got 'fast'/,
      );
      await assert.rejects(
        projects.run(dir, { trackingUri: server.url }),
        /No value given for parameter\(s\) 'lr'/,
      );
      await assert.rejects(
        projects.run(dir, { trackingUri: server.url, entryPoint: 'nope' }),
        /Entry point 'nope' is not declared/,
      );
      const afterSearch = await api<{ runs?: unknown[] }>(server.url, 'POST', 'runs/search', {
        experiment_ids: ['0'],
      });
      assert.equal(afterSearch.json.runs?.length ?? 0, before.json.runs?.length ?? 0);
    });

    test('`cairn run` CLI: exit status mapping, and SIGTERM kills the project and ends the run KILLED', async () => {
      const dir = await project(
        'cli',
        `entry_points:\n  main:\n    parameters: {code: {type: float, default: 0}}\n    command: 'echo started; sleep 0.2; exit {code}'\n  slow:\n    command: 'echo started; sleep 300'\n`,
      );
      const cli = (args: string[]) =>
        spawn(process.execPath, ['bin/cairn.js', 'run', dir, '--tracking-uri', server.url, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      const finish = (child: ReturnType<typeof cli>) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          let out = '';
          child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
          child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
          child.on('close', (code) => resolve({ code, out }));
        });
      const ok = await finish(cli(['-P', 'code=0']));
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /Run [0-9a-f]{32}: FINISHED/);
      const bad = await finish(cli(['-P', 'code=4']));
      assert.equal(bad.code, 1, bad.out);
      assert.match(bad.out, /FAILED/);

      const slow = cli(['-e', 'slow']);
      const done = finish(slow);
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        slow.stdout!.on('data', (c: Buffer) => {
          seen += c.toString();
          if (seen.includes('started')) resolve();
        });
        slow.on('exit', (code) => reject(new Error(`cairn run exited (${code}) before the project started`)));
      });
      slow.kill('SIGTERM');
      const killed = await done;
      assert.equal(killed.code, 130, killed.out);
      const runId = /Run ([0-9a-f]{32}): KILLED/.exec(killed.out)?.[1];
      assert.ok(runId, killed.out);
      assert.equal((await getRun(runId)).info.status, 'KILLED');
    });
  });
}
