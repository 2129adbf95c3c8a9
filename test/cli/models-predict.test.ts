/**
 * `cairn models predict --workers N` as a user runs it: the real CLI, real worker processes, real
 * files. Output to standard output, a full disk (a small tmpfs in a mount namespace of its own),
 * standard output on /dev/full, and Ctrl-C while the workers write their parts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveModel } from '../../src/models/save.js';
import { saveThreeInputModel, writeThreeInputCsv } from '../models/helpers/onnx-builder.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');
let tmp: string;
let modelDir: string;
let input: string;
const ROWS = 30_000;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-cli-predict-'));
  modelDir = join(tmp, 'model');
  await saveThreeInputModel(modelDir);
  input = join(tmp, 'in.csv');
  await writeThreeInputCsv(input, ROWS);
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `command args` to the end, collecting its output. */
async function run(command: string, args: string[]): Promise<Finished> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout: Buffer.concat(out), stderr };
}

const predictArgs = (...extra: string[]): string[] => [
  CLI,
  'models',
  'predict',
  '-m',
  modelDir,
  '-i',
  input,
  '--chunk-size',
  '1000',
  '--no-progress',
  ...extra,
];

/** Whether this process may make a mount namespace with a tmpfs of its own (root, or user namespaces). */
function canMountTmpfs(): boolean {
  const r = spawnSync('unshare', ['-m', '-r', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

/**
 * A slow model (100 ms per chunk), so that a signal comes while the workers are writing their
 * parts; each worker records its process id in the folder `pids` when it loads the model.
 */
async function slowModel(name: string): Promise<{ slow: string; pids: string }> {
  const pids = join(tmp, `${name}-pids`);
  await mkdir(pids);
  const code = join(tmp, `${name}.mjs`);
  await writeFile(
    code,
    [
      "import { writeFile } from 'node:fs/promises';",
      "import { join } from 'node:path';",
      `export async function load() { await writeFile(join(${JSON.stringify(pids)}, String(process.pid)), ''); }`,
      'export async function predict(_, input) {',
      '  await new Promise((r) => setTimeout(r, 100));',
      '  return input.toRecords().map((r) => r.x1 + r.x2);',
      '}',
    ].join('\n'),
  );
  const slow = join(tmp, `${name}-model`);
  await saveModel(slow, {
    flavor: 'js_function',
    code,
    // Fractional values, as in the input file: an integer example would make x1 an int64 column.
    inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
    rowWise: true,
  });
  // Saving ran the model once (to infer its signature) in this process: forget that one.
  await rm(pids, { recursive: true });
  await mkdir(pids);
  return { slow, pids };
}

/** Whether process `pid` has ended (gone, or a zombie nobody has reaped yet). */
function ended(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Waits until a part file is in a parts folder in `outDir`. */
async function partsWritten(outDir: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    for (const d of await readdir(outDir)) {
      if (!d.includes('.parts-')) continue;
      if ((await readdir(join(outDir, d)).catch(() => [])).length > 0) return;
    }
    assert.ok(Date.now() < deadline, `no part file appeared; stderr: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cairn models predict --workers', () => {
  it('writes the same bytes to standard output as to a file, with 1, 2 and 3 workers', async () => {
    const file = join(tmp, 'one.jsonl');
    const single = await run(process.execPath, predictArgs('-o', file));
    assert.equal(single.code, 0, single.stderr);
    const expected = await readFile(file);
    assert.equal(expected.toString().split('\n').length - 1, ROWS, 'one line per row');
    for (const workers of ['1', '2', '3']) {
      const piped = await run(process.execPath, predictArgs('--workers', workers));
      assert.equal(piped.code, 0, piped.stderr);
      assert.ok(piped.stdout.equals(expected), `standard output with ${workers} workers is the file's bytes`);
    }
    const leftovers = (await readdir(tmp)).filter((n) => n.startsWith('.'));
    assert.deepEqual(leftovers, [], 'no part folder or partial file is left beside the output');
  });

  it('reports a full disk, and leaves neither parts nor a partial output on it', async (t) => {
    if (!canMountTmpfs()) {
      t.skip('cannot mount a tmpfs here (needs root or unprivileged user namespaces)');
      return;
    }
    const mnt = join(tmp, 'small-disk');
    await mkdir(mnt);
    // 30,000 rows are about 500 kB of JSON Lines: the 256 kB disk fills while the parts are written.
    const script = [
      `mount -t tmpfs -o size=256k tmpfs "$1"`,
      `shift`,
      `"$@"`,
      `rc=$?`,
      `echo "left: $(ls -A "$MNT" | tr '\\n' ' ')"`,
      `exit $rc`,
    ].join('\n');
    for (const workers of ['2', '3']) {
      const r = await run('unshare', [
        '-m',
        '-r',
        'sh',
        '-c',
        `MNT="$1"; ${script}`,
        'sh',
        mnt,
        process.execPath,
        ...predictArgs('-o', join(mnt, 'scores.jsonl'), '--workers', workers),
      ]);
      assert.equal(r.code, 1, `exit code 1 with ${workers} workers; stderr: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^cairn: RESOURCE_EXHAUSTED: Cannot write .*: no space left on the device \(ENOSPC\)\.$/m,
        'the error says the disk is full',
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout.toString().trim(), 'left:', 'nothing is left on the full disk');
    }
  });

  it('reports a write error on standard output (/dev/full)', async () => {
    const r = await run('sh', [
      '-c',
      '"$@" > /dev/full',
      'sh',
      process.execPath,
      ...predictArgs('--workers', '2'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^cairn: RESOURCE_EXHAUSTED: Cannot write standard output: no space left on the device \(ENOSPC\)\.$/m,
    );
  });

  it('stops on Ctrl-C: the workers end, the parts and the unfinished output are removed, exit code 130', async () => {
    const { slow, pids } = await slowModel('slow');
    const outDir = join(tmp, 'interrupted');
    await mkdir(outDir);
    const child = spawn(
      process.execPath,
      [
        CLI,
        'models',
        'predict',
        '-m',
        slow,
        '-i',
        input,
        '-o',
        join(outDir, 'scores.jsonl'),
        '--chunk-size',
        '200',
        '--workers',
        '2',
        '--no-progress',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await partsWritten(outDir, () => stderr);
    child.kill('SIGINT');
    const [exitCode] = await exited;
    assert.equal(exitCode, 130, `exit code 130 after Ctrl-C; stderr: ${stderr}`);
    assert.match(stderr, /cairn: CANCELLED: Interrupted/, 'says it was interrupted');
    assert.doesNotMatch(stderr, /stopped unexpectedly/, 'the interruption is not reported as a crash');
    assert.deepEqual(await readdir(outDir), [], 'no parts, no partial file, no output');
    const workerPids = (await readdir(pids)).map(Number);
    assert.equal(workerPids.length, 2, 'both workers had started');
    for (const pid of workerPids)
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} has ended`);
  });

  it('after its process is SIGKILLed, the next run writing to the same output removes the parts folder and the partial output', async () => {
    const { slow, pids } = await slowModel('slow-killed');
    const outDir = join(tmp, 'killed');
    await mkdir(outDir);
    const output = join(outDir, 'scores.jsonl');
    const predictInto = (model: string): string[] => [
      CLI,
      'models',
      'predict',
      '-m',
      model,
      '-i',
      input,
      '-o',
      output,
      '--chunk-size',
      '200',
      '--workers',
      '2',
      '--no-progress',
    ];
    const child = spawn(process.execPath, predictInto(slow), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await partsWritten(outDir, () => stderr);
    child.kill('SIGKILL');
    assert.deepEqual((await exited)[1], 'SIGKILL');
    // Its workers stop on their own once the channel to their parent is gone.
    const workerPids = (await readdir(pids)).map(Number);
    assert.equal(workerPids.length, 2, 'both workers had started');
    const deadline = Date.now() + 60_000;
    while (!workerPids.every(ended)) {
      assert.ok(Date.now() < deadline, 'the workers of the killed run end');
      await new Promise((r) => setTimeout(r, 50));
    }
    const left = (await readdir(outDir)).sort();
    assert.equal(left.length, 2, `a parts folder and a partial output are left: ${left.join(', ')}`);
    const folder = left.find((n) => n.includes('.parts-'));
    const partial = left.find((n) => n.endsWith('.partial'));
    assert.ok(folder && partial, `a parts folder and a partial output are left: ${left.join(', ')}`);
    const ownerPid = String(child.pid);
    assert.ok(
      folder.includes(`-${ownerPid}-`) && partial.includes(`-${ownerPid}-`),
      'named after their owner',
    );

    // Not removed: the same names owned by a live process (this one), or not of the scheme.
    const alive = [folder, partial].map((n) => n.replace(`-${ownerPid}-`, `-${process.pid}-`));
    const foreign = ['.scores.jsonl.parts-x', `.scores.jsonl.parts-other.host-${ownerPid}-abcdef`];
    await mkdir(join(outDir, alive[0]!));
    await writeFile(join(outDir, alive[0]!, 'part-00000.jsonl'), 'kept');
    await writeFile(join(outDir, alive[1]!), 'kept');
    for (const n of foreign) await mkdir(join(outDir, n));

    const next = await run(process.execPath, predictInto(modelDir));
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, /Removed what an earlier, killed run had left beside the output: /);
    assert.ok(next.stderr.includes(join(outDir, folder)) && next.stderr.includes(join(outDir, partial)));
    assert.deepEqual(
      (await readdir(outDir)).sort(),
      [...alive, ...foreign, 'scores.jsonl'].sort(),
      "only the killed run's leftovers are gone",
    );
    assert.equal((await readFile(output, 'utf8')).split('\n').length - 1, ROWS, 'the new output is whole');
    assert.equal(await readFile(join(outDir, alive[1]!), 'utf8'), 'kept');
  });
});
