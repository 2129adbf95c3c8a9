/** Behaviour every artifact repository must show; run against each backend by its test file. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ArtifactRepository } from '../../src/artifacts/artifact-repository.js';
import { downloadArtifacts, listRecursive, uploadDirectory } from '../../src/artifacts/transfer.js';
import { MlflowError } from '../../src/errors.js';

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

const text = (s: string): Readable => Readable.from([Buffer.from(s)]);

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `count` bytes of `block` repeated, produced on demand (large files without large buffers). */
export function patternStream(count: number, block: Buffer): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= count) return this.push(null);
      const n = Math.min(block.length, count - sent);
      sent += n;
      this.push(block.subarray(0, n));
    },
  });
}

/** Passes `source` on until more than `limit` bytes went through, then fails (a client gone). */
export function breakingAfter(source: Readable, limit: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      const chunk = source.read() as Buffer | null;
      if (chunk) {
        sent += chunk.length;
        if (sent > limit) return this.destroy(new Error('client went away'));
        this.push(chunk);
      } else source.once('readable', () => this.read(0));
    },
  });
}

/** A stream that yields some bytes, then fails (a dropped upload). */
export function failingStream(bytesBefore: number): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.alloc(bytesBefore, 7));
      } else {
        this.destroy(new Error('connection dropped'));
      }
    },
  });
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MlflowError, `expected MlflowError, got ${String(err)}`);
    assert.equal(err.errorCode, code);
    return true;
  });
}

export function describeRepositoryContract(name: string, makeRepo: () => Promise<ArtifactRepository>): void {
  describe(`${name}: repository contract`, () => {
    it('writes and reads back files, creating parent folders', async () => {
      const repo = await makeRepo();
      await repo.write('hello.txt', text('hello\n'));
      await repo.write('dir/sub/data.json', text('{"k": 1}'));
      assert.equal((await readAll(await repo.openRead('hello.txt'))).toString(), 'hello\n');
      assert.equal((await readAll(await repo.openRead('dir/sub/data.json'))).toString(), '{"k": 1}');
    });

    it('lists a folder sorted, with paths including the prefix and sizes only for non-empty files', async () => {
      const repo = await makeRepo();
      await repo.write('b.txt', text('12345'));
      await repo.write('a-empty.txt', text(''));
      await repo.write('dir/notes.md', text('# notes\n'));
      await repo.write('dir/sub/x.bin', text('x'));
      assert.deepEqual(await repo.list(), [
        { path: 'a-empty.txt', is_dir: false },
        { path: 'b.txt', is_dir: false, file_size: 5 },
        { path: 'dir', is_dir: true },
      ]);
      assert.deepEqual(await repo.list('dir'), [
        { path: 'dir/notes.md', is_dir: false, file_size: 8 },
        { path: 'dir/sub', is_dir: true },
      ]);
      assert.deepEqual(await repo.list('dir/sub/'), [{ path: 'dir/sub/x.bin', is_dir: false, file_size: 1 }]);
      assert.deepEqual(await repo.list('nope'), []);
      assert.deepEqual(await repo.list('b.txt'), []);
    });

    it('stats files, folders and missing paths', async () => {
      const repo = await makeRepo();
      await repo.write('d/f.txt', text('abc'));
      assert.deepEqual(await repo.stat('d/f.txt'), { isDir: false, size: 3 });
      assert.deepEqual(await repo.stat('d'), { isDir: true, size: 0 });
      assert.equal(await repo.stat('missing'), undefined);
      assert.equal(await repo.stat('d/missing.txt'), undefined);
    });

    it('answers 404 for a missing file and 400 for a folder', async () => {
      const repo = await makeRepo();
      await repo.write('d/f.txt', text('abc'));
      await expectCode(repo.openRead('missing.txt'), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(repo.openRead('d'), 'INVALID_PARAMETER_VALUE');
    });

    it('replaces a file on a second write and stores empty files', async () => {
      const repo = await makeRepo();
      await repo.write('f.txt', text('first version'));
      await repo.write('f.txt', text('v2'));
      assert.equal((await readAll(await repo.openRead('f.txt'))).toString(), 'v2');
      await repo.write('empty', text(''));
      assert.equal((await readAll(await repo.openRead('empty'))).length, 0);
      assert.deepEqual(await repo.stat('empty'), { isDir: false, size: 0 });
    });

    it('deletes files and whole folders; deleting a missing path is fine', async () => {
      const repo = await makeRepo();
      await repo.write('keep.txt', text('k'));
      await repo.write('gone.txt', text('g'));
      await repo.write('tree/a/b.txt', text('b'));
      await repo.write('tree/c.txt', text('c'));
      await repo.delete('gone.txt');
      await repo.delete('tree');
      await repo.delete('never-existed');
      assert.deepEqual(await repo.list(), [{ path: 'keep.txt', is_dir: false, file_size: 1 }]);
    });

    it('rejects unsafe paths with 400 Invalid path', async () => {
      const repo = await makeRepo();
      for (const bad of [
        '../x',
        'a/../../x',
        '/etc/passwd',
        'a/%2e%2e/b',
        '..%2Fx',
        'a\\b',
        'a\0b',
        'C:/x',
      ]) {
        await expectCode(repo.write(bad, text('x')), 'INVALID_PARAMETER_VALUE');
        await expectCode(repo.list(bad), 'INVALID_PARAMETER_VALUE');
        await expectCode(repo.openRead(bad), 'INVALID_PARAMETER_VALUE');
        await expectCode(repo.delete(bad), 'INVALID_PARAMETER_VALUE');
      }
    });

    it('leaves nothing behind when the upload stream fails', async () => {
      const repo = await makeRepo();
      await repo.write('stable.txt', text('old'));
      await assert.rejects(repo.write('stable.txt', failingStream(1024)));
      await assert.rejects(repo.write('fresh.txt', failingStream(1024)));
      assert.equal((await readAll(await repo.openRead('stable.txt'))).toString(), 'old');
      assert.deepEqual(await repo.list(), [{ path: 'stable.txt', is_dir: false, file_size: 3 }]);
    });

    it('uploads and downloads whole folders through the transfer helpers', async () => {
      const repo = await makeRepo();
      const local = await mkdtemp(join(tmpdir(), 'cairn-transfer-'));
      try {
        await mkdir(join(local, 'src', 'nested'), { recursive: true });
        await writeFile(join(local, 'src', 'one.txt'), 'one');
        await writeFile(join(local, 'src', 'nested', 'two.txt'), 'two');
        const bytesByFile = new Map<string, number>();
        const written = await uploadDirectory(repo, join(local, 'src'), 'model', {
          onProgress: (p) => bytesByFile.set(p.path, p.bytes),
        });
        assert.deepEqual(written.sort(), ['model/nested/two.txt', 'model/one.txt']);
        assert.equal(
          [...bytesByFile.values()].reduce((a, b) => a + b, 0),
          6,
        );
        assert.deepEqual(
          (await listRecursive(repo)).map((f) => f.path),
          ['model/nested/two.txt', 'model/one.txt'],
        );
        const out = await downloadArtifacts(repo, 'model', join(local, 'out'));
        assert.equal(out, join(local, 'out', 'model'));
        assert.equal(await readFile(join(out, 'one.txt'), 'utf8'), 'one');
        assert.equal(await readFile(join(out, 'nested', 'two.txt'), 'utf8'), 'two');
        await expectCode(downloadArtifacts(repo, 'absent', join(local, 'out2')), 'RESOURCE_DOES_NOT_EXIST');
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    });
  });
}
