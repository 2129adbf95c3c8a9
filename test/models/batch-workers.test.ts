import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CsvChunker } from '../../src/models/batch/csv.js';
import { lineNumberAt, linesStartingIn } from '../../src/models/batch/line-ranges.js';
import { batchPredictInWorkers } from '../../src/models/batch/parallel-predict.js';
import { batchPredict } from '../../src/models/batch/predict.js';
import { readJsonLines } from '../../src/models/batch/readers.js';
import { RecordSplitter } from '../../src/models/batch/record-splitter.js';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { saveModel } from '../../src/models/save.js';
import { prng } from '../helpers/prng.js';
import { saveThreeInputModel, threeInputScore } from './helpers/onnx-builder.js';
import { writeParquet } from './helpers/parquet-writer.js';

let tmp: string;
let modelDir: string;
let model: Model;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-batch-workers-'));
  modelDir = join(tmp, 'model');
  await saveThreeInputModel(modelDir);
  model = await loadModelFromDir(modelDir);
});
after(async () => {
  await model.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Feeds `text` to a splitter in pieces cut at random places. */
function split(format: 'csv' | 'jsonl', text: string, chunkSize: number, rand: () => number) {
  const splitter = new RecordSplitter(format, chunkSize);
  const bytes = Buffer.from(text);
  const slices = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rand() * 40);
    slices.push(...splitter.push(bytes.subarray(at, at + n)));
    at += n;
  }
  slices.push(...splitter.end());
  return { splitter, slices };
}

async function* bufs(list: Buffer[]): AsyncGenerator<Buffer> {
  yield* list;
}

async function frames<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

describe('batch prediction in worker processes', () => {
  it('cuts CSV into the chunks one process reads (quotes, CRLF, lone CR, blank lines), with their line numbers', () => {
    const rand = prng(7);
    const cells = ['1', '2.5', '"a,b"', '"say ""hi"""', '"two\nlines"', '', '"x\r\ny"', 'plain', 'q"mid'];
    const ends = ['\n', '\r\n', '\r'];
    let text = '\n"x1",x2,x3\r\n';
    for (let r = 0; r < 300; r++) {
      text += Array.from({ length: 3 }, () => cells[Math.floor(rand() * cells.length)]).join(',');
      text += ends[Math.floor(rand() * ends.length)];
      if (rand() < 0.1) text += '\n';
    }
    for (const chunkSize of [1, 7, 50, 1000]) {
      const whole = new CsvChunker({ chunkSize });
      const expected = [...whole.push(Buffer.from(text)), ...whole.end()].map((f) => f.toRecords());
      const { splitter, slices } = split('csv', text, chunkSize, rand);
      const got = slices.map((s) => {
        const c = new CsvChunker({ chunkSize, firstDataLine: s.firstLine });
        const fs = [...c.push(Buffer.concat([splitter.header!, s.bytes])), ...c.end()];
        assert.ok(fs.length <= 1, 'a slice is one chunk');
        return fs[0]?.toRecords() ?? [];
      });
      assert.deepEqual(
        got.filter((g) => g.length),
        expected,
        `chunk size ${chunkSize}`,
      );
      assert.equal(Buffer.concat([splitter.header!, ...slices.map((s) => s.bytes)]).toString(), text);
    }
    // An error in a later slice names the line of the whole file.
    const bad = 'x1,x2,x3\n1,2,3\n4,5,6\n7,8\n';
    const { splitter, slices } = split('csv', bad, 2, rand);
    const last = slices[slices.length - 1]!;
    const c = new CsvChunker({ chunkSize: 2, firstDataLine: last.firstLine });
    assert.throws(
      () => [...c.push(Buffer.concat([splitter.header!, last.bytes])), ...c.end()],
      /line 4: expected 3/,
    );
  });

  it('cuts JSON Lines into the chunks one process reads, with their line numbers', async () => {
    const rand = prng(11);
    let text = '';
    for (let r = 0; r < 200; r++) {
      text += JSON.stringify({ x1: r, x2: `s\n${r}`, x3: r / 3 }) + (rand() < 0.2 ? '\r\n' : '\n');
      if (rand() < 0.1) text += '  \n';
    }
    text += '{"x1": 1, "x2": 2, "x3": 3}';
    for (const chunkSize of [1, 9, 64]) {
      const expected = await frames(readJsonLines(bufs([Buffer.from(text)]), chunkSize));
      const { slices } = split('jsonl', text, chunkSize, rand);
      const got = [];
      for (const s of slices)
        got.push(...(await frames(readJsonLines(bufs([s.bytes]), chunkSize, s.firstLine))));
      assert.deepEqual(
        got.map((f) => f.toRecords()),
        expected.map((f) => f.toRecords()),
      );
    }
    const bad = '{"a": 1}\n{"a": 2}\n\n[1]\n';
    const { slices } = split('jsonl', bad, 1, rand);
    const last = slices[slices.length - 1]!;
    await assert.rejects(
      frames(readJsonLines(bufs([last.bytes]), 1, last.firstLine)),
      /Line 4 is not a JSON object/,
    );
  });

  it('numbers the first line of a byte range as the readers do (LF, CRLF, lone CR, blank lines)', async () => {
    const rand = prng(5);
    const ends = ['\n', '\r\n', '\r'];
    let text = 'x1,x2,x3\n';
    for (let r = 0; r < 400; r++) {
      text += `${r},${r % 7},${r / 4}${ends[Math.floor(rand() * ends.length)]}`;
      if (rand() < 0.1) text += '\n';
    }
    const bytes = Buffer.from(text);
    // Streams the text from `pos` in small pieces, as a file read would.
    const openAt = async (pos: number): Promise<AsyncIterable<Buffer>> =>
      bufs(
        Array.from({ length: Math.ceil((bytes.length - pos) / 17) }, (_, i) =>
          bytes.subarray(pos + i * 17, pos + (i + 1) * 17),
        ),
      );
    for (let start = 1; start < bytes.length; start += 1 + Math.floor(rand() * 50)) {
      let p = start;
      while (p < bytes.length && bytes[p - 1] !== 10) p++;
      if (p >= bytes.length) continue;
      const before = text.slice(0, p);
      const expected = {
        csv: 1 + (before.match(/\r\n|\r|\n/g) ?? []).length,
        jsonl: 1 + (before.match(/\n/g) ?? []).length,
      };
      assert.equal(await lineNumberAt(openAt, start, true), expected.csv, `CSV line at byte ${start}`);
      assert.equal(
        await lineNumberAt(openAt, start, false),
        expected.jsonl,
        `JSON Lines line at byte ${start}`,
      );
      const first: Buffer[] = [];
      for await (const b of linesStartingIn(openAt, start, start + 1)) first.push(b);
      assert.ok(Buffer.concat(first).equals(bytes.subarray(p, bytes.indexOf(10, p) + 1)), `the line at ${p}`);
    }
  });

  it('writes the same bytes with 1, 2 and 3 workers as one process, for CSV, JSON Lines, Parquet and JSON input and every output format', async () => {
    const n = 5003;
    const xs = Array.from({ length: n }, (_, i) => [(i % 101) / 4, i % 37, -(i % 13)] as const);
    const csv = join(tmp, 'in.csv');
    await writeFile(csv, `x1,x2,x3\r\n${xs.map((r) => r.join(',')).join('\r\n')}\r\n`);
    const jsonl = join(tmp, 'in.jsonl');
    await writeFile(jsonl, xs.map(([x1, x2, x3]) => JSON.stringify({ x1, x2, x3 })).join('\n'));
    // Quote characters: a quoted field may hold a line break, so the file is not cut at line ends.
    const quoted = join(tmp, 'quoted.csv');
    await writeFile(
      quoted,
      `"x1",x2,"x3"\n${xs.map((r, i) => (i % 50 === 7 ? `"${r[0]}",${r[1]},"${r[2]}\n"` : r.join(','))).join('\n')}\n`,
    );
    const json = join(tmp, 'in.json');
    await writeFile(json, JSON.stringify({ columns: ['x1', 'x2', 'x3'], data: xs }));
    const cols = { x1: xs.map((r) => r[0]), x2: xs.map((r) => r[1]), x3: xs.map((r) => r[2]) };
    const manyGroups = join(tmp, 'groups.parquet');
    await writeParquet(manyGroups, cols, 1000);
    const oneGroup = join(tmp, 'one-group.parquet');
    await writeParquet(oneGroup, cols, n);
    // CSV, JSON Lines and Parquet (the inputs the workers read themselves) with 1, 2 and 3
    // workers; the others (cut by this process, or parsed here) with 2.
    const cases: [string, 'jsonl' | 'csv' | 'json', number[]][] = [
      [csv, 'jsonl', [1, 2, 3]],
      [csv, 'csv', [2]],
      [quoted, 'jsonl', [2]],
      [jsonl, 'json', [1, 2, 3]],
      [manyGroups, 'csv', [1, 2, 3]],
      [oneGroup, 'jsonl', [2]],
      [json, 'jsonl', [2]],
    ];
    const expectedScores = xs.map(([a, b, c]) => threeInputScore(a, b, c));
    const outDir = await mkdtemp(join(tmp, 'identical-'));
    for (const [input, outputFormat, counts] of cases) {
      const one = join(tmp, `one.${outputFormat}`);
      const r1 = await batchPredict(model, {
        inputPath: input,
        outputPath: one,
        outputFormat,
        chunkSize: 300,
      });
      assert.equal(r1.rows, n);
      const expected = await readFile(one, 'utf8');
      for (const workers of counts) {
        const out = join(outDir, `out.${outputFormat}`);
        const r = await batchPredictInWorkers(modelDir, {
          inputPath: input,
          outputPath: out,
          outputFormat,
          chunkSize: 300,
          workers,
        });
        assert.equal(r.rows, n, `rows with ${workers} workers`);
        const text = await readFile(out, 'utf8');
        assert.equal(text, expected, `${input} → ${outputFormat}, ${workers} workers`);
        assert.deepEqual(await readdir(outDir), [`out.${outputFormat}`], 'the parts are removed');
        await rm(out);
        if (outputFormat === 'jsonl')
          assert.deepEqual(
            text
              .trim()
              .split('\n')
              .map((l) => (JSON.parse(l) as { score: number }).score),
            expectedScores,
          );
      }
    }
  });

  it('reports a worker process that dies (SIGKILL) with the chunk it was scoring, and leaves no output', async () => {
    // A model that kills its own process when it meets x1 = 4242, as a crash in native code would.
    const code = join(tmp, 'crash.mjs');
    await writeFile(
      code,
      [
        'export function predict(_, input) {',
        '  const rows = input.toRecords();',
        "  if (rows.some((r) => r.x1 === 4242)) process.kill(process.pid, 'SIGKILL');",
        '  return rows.map((r) => r.x1 + r.x2 + r.x3);',
        '}',
      ].join('\n'),
    );
    const crashing = join(tmp, 'crash-model');
    await saveModel(crashing, {
      flavor: 'js_function',
      code,
      inputExample: [{ x1: 1, x2: 2, x3: 3 }],
      rowWise: true,
    });
    const input = join(tmp, 'crash.csv');
    await writeFile(input, `x1,x2,x3\n${Array.from({ length: 6000 }, (_, i) => `${i},1,2`).join('\n')}\n`);
    const outDir = await mkdtemp(join(tmp, 'crash-out-'));
    for (const workers of [2, 3]) {
      await assert.rejects(
        batchPredictInWorkers(crashing, {
          inputPath: input,
          outputPath: join(outDir, 'scores.csv'),
          chunkSize: 100,
          workers,
        }),
        /A prediction worker process stopped unexpectedly \(signal SIGKILL\) while scoring chunk \d+\./,
        `${workers} workers`,
      );
      assert.deepEqual(await readdir(outDir), [], 'no output, no partial file, no parts');
    }
  });

  it('fails with the reader’s message when a worker meets bad input, and leaves no output file', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i},${i},${i}`);
    rows[1500] = '1,oops,3';
    const bad = join(tmp, 'bad.csv');
    await writeFile(bad, `x1,x2,x3\n${rows.join('\n')}\n`);
    const outDir = await mkdtemp(join(tmp, 'out-'));
    const out = join(outDir, 'scores.jsonl');
    await assert.rejects(
      batchPredictInWorkers(modelDir, { inputPath: bad, outputPath: out, chunkSize: 100, workers: 2 }),
      /column x2.*oops/,
    );
    await writeFile(bad, `x1,x2,x3\n${rows.slice(0, 1200).join('\n')}\n1,2\n`);
    await assert.rejects(
      batchPredictInWorkers(modelDir, { inputPath: bad, outputPath: out, chunkSize: 100, workers: 2 }),
      /line 1202: expected 3 fields/,
    );
    // CRLF line ends and blank lines before the bad record, found in a later byte range.
    await writeFile(bad, `x1,x2,x3\r\n\r\n${rows.slice(0, 1200).join('\r\n')}\r\n\r\n1,2\r\n4,5,6\r\n`);
    await assert.rejects(
      batchPredictInWorkers(modelDir, { inputPath: bad, outputPath: out, chunkSize: 100, workers: 2 }),
      /line 1204: expected 3 fields/,
    );
    const jsonl = join(tmp, 'bad.jsonl');
    await writeFile(
      jsonl,
      `${rows
        .slice(0, 1500)
        .map((_, i) => JSON.stringify({ x1: i, x2: 1, x3: 2 }))
        .join('\n')}\n[1]\n`,
    );
    await assert.rejects(
      batchPredictInWorkers(modelDir, { inputPath: jsonl, outputPath: out, chunkSize: 100, workers: 2 }),
      /Line 1501 is not a JSON object/,
    );
    assert.deepEqual(await readdir(outDir), [], 'no output file and no partial file');
  });
});
