/**
 * What killed `models predict` runs leave beside their output, and which of it a later run
 * removes: only names of its scheme, made on this host, whose process is gone. Real files, and
 * real process ids (a process that has ended, and this one).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { partialOutputName, partsFolderPrefix, removeLeftovers } from '../../src/models/batch/leftovers.js';

let tmp: string;
let deadPid: number;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-leftovers-'));
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  deadPid = child.pid!;
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A name this process would use, as the process `pid` would have made it. */
const ownedBy = (name: string, pid: number): string => name.replace(`-${process.pid}-`, `-${pid}-`);

describe('leftovers of killed batch predictions', () => {
  it('removes the parts folder and partial output of a dead process beside the output, nothing else', async () => {
    const output = join(tmp, 'scores.csv');
    const folder = basename(partsFolderPrefix(output)) + 'Ab3dE9';
    const partial = basename(partialOutputName(output, '0123456789ab'));
    assert.equal(dirname(partsFolderPrefix(output)), tmp, 'the parts folder is beside the output');
    const dead = [ownedBy(folder, deadPid), ownedBy(partial, deadPid)];
    const kept = [
      folder, // this process: alive
      partial,
      ownedBy(folder, deadPid).replace('.scores.csv.', '.other.csv.'), // another output
      ownedBy(folder, deadPid).replace(/parts-[^]*?-(\d+)-/, 'parts-elsewhere-$1-'), // another host
      '.scores.csv.parts-Ab3dE9', // an older scheme, owner unknown
      'scores.csv.bak',
    ];
    await mkdir(join(tmp, dead[0]!));
    await writeFile(join(tmp, dead[0]!, 'part-00000.csv'), 'a\n1\n');
    await writeFile(join(tmp, dead[1]!), 'a\n');
    for (const n of kept) await (n.includes('parts') ? mkdir(join(tmp, n)) : writeFile(join(tmp, n), ''));

    const removed = await removeLeftovers(output);
    assert.deepEqual(removed.sort(), dead.map((n) => join(tmp, n)).sort());
    assert.deepEqual((await readdir(tmp)).sort(), [...kept].sort());
    assert.deepEqual(await removeLeftovers(output), [], 'nothing more to remove');
  });

  it("removes a dead process's parts folder of standard output from the temporary folder", async () => {
    const mine = partsFolderPrefix(undefined);
    assert.equal(dirname(mine), tmpdir());
    const dead = join(tmpdir(), ownedBy(basename(mine), deadPid) + 'Zz9Yy8');
    const alive = join(tmpdir(), basename(mine) + 'Zz9Yy8');
    await mkdir(dead);
    await mkdir(alive);
    try {
      const removed = await removeLeftovers(undefined);
      assert.ok(removed.includes(dead), `removed: ${removed.join(', ')}`);
      assert.ok(!removed.includes(alive));
      assert.deepEqual(
        (await readdir(tmpdir())).filter((n) => n === basename(dead) || n === basename(alive)),
        [basename(alive)],
      );
    } finally {
      await rm(dead, { recursive: true, force: true });
      await rm(alive, { recursive: true, force: true });
    }
  });
});
