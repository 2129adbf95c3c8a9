/**
 * The `cairn export` / `cairn import` commands as a user runs them: reports on stdout, errors as
 * one line, `--dry-run` writing nothing, and an import killed mid-way (SIGKILL) that a second
 * run completes, ending with exactly the source's data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { sqlitePath } from '../../src/store/sql/open-database.js';
import { loggedRun, newInstallation, ok, snapshot, type Installation, type Json } from './fixtures.js';

const CAIRN = resolve('bin/cairn.js');

function cairn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CAIRN, ...args], { timeout: 300_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const target = (inst: Installation) => [
  '--backend-store-uri',
  inst.db.uri,
  '--artifacts-destination',
  inst.artifacts,
];

function runCount(inst: Installation): number {
  const db = new Database(sqlitePath(inst.db.uri), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  } catch {
    return 0; // the schema is not there yet
  } finally {
    db.close();
  }
}

const RUNS = 60;

describe('cairn export / cairn import on the command line (sqlite)', () => {
  let src: Installation;
  let dst: Installation;
  let dir: string;
  let expected: Json;

  before(async () => {
    src = await newInstallation('sqlite');
    dst = await newInstallation('sqlite');
    const base = await src.start();
    const exp = String((await ok(base, 'POST', 'experiments/create', { name: 'cli-bulk' })).experiment_id);
    for (let i = 0; i < RUNS; i++) await loggedRun(base, exp, `bulk-${i}`, 2500, ['loss', 'acc']);
    expected = await snapshot(base);
    await src.stopServer();
    dir = join(src.tmpDir, 'export');
  });
  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test('export writes the folder and prints counts', async () => {
    const res = await cairn(['export', ...target(src), '--to', dir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`runs\\s+exported ${RUNS}\\b`));
    assert.match(res.stdout, new RegExp(`metric points\\s+exported ${RUNS * 5000}\\b`));
  });

  test('bad input is one clear line, exit code 1', async () => {
    const res = await cairn(['import', '--from', join(src.tmpDir, 'nope'), ...target(dst)]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^cairn: INVALID_PARAMETER_VALUE: --from .*nope: expected http/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  });

  test('--dry-run reports what would be imported and writes nothing', async () => {
    const res = await cairn(['import', '--from', dir, '--dry-run', '--no-progress', ...target(dst)]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Dry run: nothing was written/);
    assert.match(res.stdout, new RegExp(`runs\\s+would import ${RUNS}\\b`));
    assert.equal(runCount(dst), 0);
  });

  test('an import killed mid-way is completed by running it again', async () => {
    const child = spawn(process.execPath, [CAIRN, 'import', '--from', dir, ...target(dst)], {
      stdio: 'ignore',
    });
    const exited = new Promise<string | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let seen = 0;
    while (child.exitCode === null && seen < 5) {
      await sleep(20);
      seen = runCount(dst);
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the import finished before it could be interrupted');
    const partial = runCount(dst);
    assert.ok(partial >= 5 && partial < RUNS, `interrupted after ${partial} runs`);

    const res = await cairn(['import', '--from', dir, '--no-progress', ...target(dst)]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`runs\\s+imported ${RUNS - partial}, skipped ${partial}\\b`));
    assert.match(res.stdout, /already imported/);

    const actual = await snapshot(await dst.start());
    const comparable = (s: Json) => ({
      ...s,
      experiments: s.experiments.map((e: Json) =>
        e.experiment_id === '0' ? { ...e, creation_time: 0, last_update_time: 0 } : e,
      ),
    });
    assert.deepEqual(comparable(actual), comparable(expected));
  });
});
