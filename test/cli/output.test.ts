/** The shared CLI output helpers: tables, key/value blocks, formatters and the progress bar. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  createProgressBar,
  formatBytes,
  formatDuration,
  formatTimestamp,
  printJson,
  printKeyValues,
  printTable,
  renderTable,
} from '../../src/cli/output.js';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

test('renderTable aligns columns, right-aligns numbers, truncates long cells and flattens newlines', () => {
  const text = renderTable(
    [
      { id: '1', name: 'short', n: 5 },
      { id: '22', name: 'a much longer name that goes on', n: 12345 },
      { id: '3', name: 'two\nlines', n: null },
    ],
    ['id', { key: 'name', header: 'NAME', maxWidth: 12 }, { key: 'n', header: 'N', align: 'right' }],
  );
  assert.equal(
    text,
    [
      'id  NAME              N',
      '--  ------------  -----',
      '1   short             5',
      '22  a much long…  12345',
      '3   two lines',
    ].join('\n') + '\n',
  );
});

test('printTable prints the empty message for no rows; printJson and printKeyValues', () => {
  const a = capture();
  printTable([], ['x'], { out: a.out, emptyMessage: 'No runs found.' });
  assert.equal(a.text(), 'No runs found.\n');
  const b = capture();
  printJson({ a: [1] }, b.out);
  assert.equal(b.text(), '{\n  "a": [\n    1\n  ]\n}\n');
  const c = capture();
  printKeyValues({ run_id: 'abc', status: 'FINISHED', tags: { k: 'v' }, none: undefined }, c.out);
  assert.equal(c.text(), 'run_id: abc\nstatus: FINISHED\ntags:   {"k":"v"}\nnone:   \n');
});

test('formatters', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
  assert.equal(formatTimestamp(0), '');
  assert.equal(formatTimestamp(Date.UTC(2024, 0, 2, 3, 4, 5)), '2024-01-02 03:04:05');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(12_300), '12.3s');
  assert.equal(formatDuration(125_000), '2m5s');
  assert.equal(formatDuration(2 * 3600_000 + 60_000), '2h1m');
});

test('the progress bar draws nothing on a non-TTY unless forced, and reaches 100%', () => {
  const quiet = capture();
  const silent = createProgressBar('Uploading', 100, { stream: quiet.out });
  silent.tick(50);
  silent.done();
  assert.equal(quiet.text(), '');

  const loud = capture();
  const bar = createProgressBar('Downloading', 2048, { stream: loud.out, force: true, intervalMs: 0 });
  bar.tick(1024);
  bar.addTotal(2048);
  bar.update(4096);
  bar.done();
  bar.done();
  const lines = loud.text().trim().split('\n');
  assert.equal(lines.length, 3, 'two updates and one final line; done() twice draws once');
  assert.match(lines[0]!, /^Downloading █+░+\s+50% 1\.0 KiB\/2\.0 KiB/);
  assert.match(lines[2]!, /^Downloading █+ 100% 4\.0 KiB\/4\.0 KiB/);
});
