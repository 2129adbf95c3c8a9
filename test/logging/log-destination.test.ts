/**
 * The default log destination: lines gathered per event-loop turn, written in whole-line chunks of
 * at most PIPE_BUF bytes, and never lost when `cairn server` is stopped with SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TurnBufferedLines } from '../../src/logging/log-destination.js';
import { startServerProcess } from '../server/cli-process.js';
import { rawRequest } from '../server/helpers.js';

/** A destination writing to a fresh file, and a reader of what reached it. */
async function withFile(run: (lines: TurnBufferedLines, read: () => string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-logdest-'));
  const path = join(dir, 'out.log');
  const fd = openSync(path, 'a');
  try {
    await run(new TurnBufferedLines(fd), () => readFileSync(path, 'utf8'));
  } finally {
    closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
}

test('lines of one turn are written together at its end, in order', async () => {
  await withFile(async (lines, read) => {
    for (let i = 0; i < 100; i++) lines.write(`{"n":${i}}\n`);
    assert.equal(read(), '', 'nothing is written before the turn ends');
    await new Promise((r) => setImmediate(r));
    const written = read().split('\n').filter(Boolean);
    assert.equal(written.length, 100, 'every line is written once the turn is over');
    assert.deepEqual(
      written.map((l) => (JSON.parse(l) as { n: number }).n),
      Array.from({ length: 100 }, (_, i) => i),
      'lines keep their order',
    );
  });
});

test('a flush of many chunks, multi-byte characters and a line over 4096 bytes arrives whole, in order', async () => {
  await withFile(async (lines, read) => {
    const short = `${'a'.repeat(299)}\n`;
    const long = `${'é'.repeat(3000)}\n`; // 6,001 bytes: written as one line, never cut
    for (let i = 0; i < 30; i++) lines.write(short);
    lines.write(long);
    for (let i = 0; i < 20; i++) lines.write(`${'ü'.repeat(150)}${i}\n`);
    lines.flush();
    const expected =
      short.repeat(30) + long + Array.from({ length: 20 }, (_, i) => `${'ü'.repeat(150)}${i}\n`).join('');
    assert.equal(read(), expected, 'every byte arrives, in order, with no line cut or repeated');
  });
});

test('a destination whose reader is gone drops lines instead of failing the request', async () => {
  const lines = new TurnBufferedLines(987654); // no such descriptor: EBADF
  lines.write('{"a":1}\n');
  assert.doesNotThrow(() => lines.flush(), 'a failed write must not throw into the request path');
  assert.doesNotThrow(() => lines.write('{"a":2}\n'), 'later lines are dropped quietly');
  lines.flush();
});

test(
  'cairn server: every request line reaches standard output when stopped with SIGTERM',
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-logdest-'));
    try {
      const server = await startServerProcess([], dir);
      const count = 40;
      await Promise.all(
        Array.from({ length: count }, () =>
          rawRequest(server.url, 'GET', '/api/2.0/mlflow/experiments/get?experiment_id=0'),
        ),
      );
      // Stopped straight after the answers: lines still gathered must be written on the way out.
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
      const requestLines = server
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request' && l.route === '/api/2.0/mlflow/experiments/get');
      assert.equal(requestLines.length, count, `one line per request:\n${server.stdout()}`);
      for (const line of requestLines) {
        assert.equal(line.status, 200, 'status logged');
        assert.match(String(line.req_id), /^[0-9a-f-]{36}$/, 'request id logged');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
