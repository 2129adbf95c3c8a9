import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { batchPredict } from '../../src/models/batch/predict.js';
import { parseNumberBytes } from '../../src/models/batch/csv-number.js';
import { CsvChunker, parseCsvTable } from '../../src/models/batch/csv.js';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { saveModel } from '../../src/models/save.js';
import { threeInputModel, threeInputScore, writeThreeInputCsv } from './helpers/onnx-builder.js';
import { writeParquet } from './helpers/parquet-writer.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');
let tmp: string;
let modelDir: string;
let model: Model;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-batch-'));
  modelDir = join(tmp, 'model');
  await saveModel(modelDir, {
    flavor: 'onnx',
    onnxBytes: threeInputModel(),
    inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
  });
  model = await loadModelFromDir(modelDir);
});
after(async () => {
  await model.close();
  await rm(tmp, { recursive: true, force: true });
});

const rows = [
  [1, 2, 3],
  [0.5, -4, 10],
  [1e-3, 2.5e2, -7],
];
const scores = rows.map(([a, b, c]) => threeInputScore(a!, b!, c!));

describe('batch prediction', () => {
  it('parses numbers from bytes exactly like Number()', () => {
    for (const text of [
      '0',
      '-1',
      '12.5',
      '1e-7',
      '-3.25E+2',
      '0.1',
      '123456789012345678',
      '1.7976931348623157e308',
      '.5',
      '5.',
    ]) {
      const b = Buffer.from(`x${text}x`);
      assert.equal(parseNumberBytes(b, 1, b.length - 1), Number(text), text);
    }
    assert.ok(Number.isNaN(parseNumberBytes(Buffer.from('abc'), 0, 3)));
  });

  it('splits CSV records the same whatever the chunk boundaries, and refuses an unclosed quote', () => {
    const text = 'a,b,c\r\n"x,1",2.5,"he said ""hi"""\r\n\r\n4,,6\n7,8,"9"';
    const whole = parseCsvTable(text).toRecords();
    assert.deepEqual(whole, [
      { a: 'x,1', b: 2.5, c: 'he said "hi"' },
      { a: 4, b: null, c: 6 },
      { a: 7, b: 8, c: '9' },
    ]);
    const chunker = new CsvChunker({ chunkSize: 2 });
    const frames = [...Buffer.from(text)].flatMap((byte) => chunker.push(Buffer.from([byte])));
    frames.push(...chunker.end());
    assert.deepEqual(
      frames.flatMap((f) => f.toRecords()),
      whole,
    );
    // The last record used to be dropped without a word.
    assert.throws(() => parseCsvTable('a,b\n1,"open'), /line 2: a quoted field is not closed/);
  });

  it('reads CSV (quoted fields, CRLF, column order) and writes JSON Lines, CSV and JSON', async () => {
    const input = join(tmp, 'in.csv');
    await writeFile(input, `"x3",x1,x2\r\n${rows.map(([a, b, c]) => `"${c}",${a},${b}`).join('\r\n')}\r\n`);
    const jsonl = join(tmp, 'out.jsonl');
    const r = await batchPredict(model, { inputPath: input, outputPath: jsonl, chunkSize: 2 });
    assert.equal(r.rows, 3);
    const lines = (await readFile(jsonl, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { score: number });
    assert.deepEqual(
      lines.map((l) => l.score),
      scores,
    );
    const csv = join(tmp, 'out.csv');
    await batchPredict(model, { inputPath: input, outputPath: csv, chunkSize: 2 });
    const csvLines = (await readFile(csv, 'utf8')).trim().split('\n');
    assert.equal(csvLines[0], 'score');
    assert.deepEqual(csvLines.slice(1).map(Number), scores);
    const json = join(tmp, 'out.json');
    await batchPredict(model, { inputPath: input, outputPath: json, chunkSize: 2 });
    assert.deepEqual(JSON.parse(await readFile(json, 'utf8')), {
      predictions: scores.map((score) => ({ score })),
    });
  });

  it('reads JSON Lines, JSON documents and Parquet row groups', async () => {
    const records = rows.map(([x1, x2, x3]) => ({ x1, x2, x3 }));
    const cases: [string, string | (() => Promise<void>)][] = [
      ['in.jsonl', records.map((r) => JSON.stringify(r)).join('\n')],
      ['records.json', JSON.stringify(records)],
      ['split.json', JSON.stringify({ columns: ['x1', 'x2', 'x3'], data: rows })],
      ['body.json', JSON.stringify({ dataframe_split: { columns: ['x1', 'x2', 'x3'], data: rows } })],
    ];
    for (const [name, content] of cases) {
      await writeFile(join(tmp, name), content as string);
      const out = join(tmp, `${name}.out.jsonl`);
      await batchPredict(model, { inputPath: join(tmp, name), outputPath: out, chunkSize: 2 });
      const got = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { score: number }).score);
      assert.deepEqual(got, scores, name);
    }
    const parquet = join(tmp, 'in.parquet');
    const n = 25;
    const cols = {
      x1: Array.from({ length: n }, (_, i) => i),
      x2: Array.from({ length: n }, (_, i) => i / 2),
      x3: Array.from({ length: n }, (_, i) => -i),
    };
    await writeParquet(parquet, cols, 10);
    const out = join(tmp, 'parquet.out.jsonl');
    const r = await batchPredict(model, { inputPath: parquet, outputPath: out, chunkSize: 4 });
    assert.equal(r.rows, n);
    const got = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { score: number }).score);
    assert.deepEqual(
      got,
      cols.x1.map((_, i) => threeInputScore(i, i / 2, -i)),
    );
  });

  it('reports bad input with the line and the column', async () => {
    const bad = join(tmp, 'bad.csv');
    await writeFile(bad, 'x1,x2,x3\n1,2,3\n1,oops,3\n');
    await assert.rejects(
      batchPredict(model, { inputPath: bad, outputPath: join(tmp, 'bad.out') }),
      /column x2.*oops/,
    );
    await writeFile(bad, 'x1,x2,x3\n1,2\n');
    await assert.rejects(
      batchPredict(model, { inputPath: bad, outputPath: join(tmp, 'bad.out') }),
      /line 2: expected 3 fields/,
    );
    await writeFile(join(tmp, 'bad.jsonl'), '{"x1": 1, "x2": 2, "x3": 3}\n[1]\n');
    await assert.rejects(
      batchPredict(model, { inputPath: join(tmp, 'bad.jsonl'), outputPath: join(tmp, 'bad.out') }),
      /Line 2 is not a JSON object/,
    );
  });

  it('reads standard input like mlflow models predict (-t json / -t csv)', async () => {
    const run = async (
      args: string[],
      stdin: string,
    ): Promise<{ code: number; stdout: string; stderr: string }> => {
      const child = spawn(process.execPath, [CLI, 'models', 'predict', '-m', modelDir, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(stdin);
      const [code] = (await once(child, 'exit')) as [number];
      return { code, stdout, stderr };
    };
    const json = await run(
      ['-t', 'json', '--output-format', 'json'],
      JSON.stringify({ dataframe_split: { columns: ['x1', 'x2', 'x3'], data: rows } }),
    );
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { predictions: scores.map((score) => ({ score })) });
    const csv = await run(['-t', 'csv'], `x1,x2,x3\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    assert.equal(csv.code, 0, csv.stderr);
    assert.deepEqual(
      csv.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { score: number }).score),
      scores,
    );
    const missing = await run(['-i', join(tmp, 'nope.csv')], '');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Input file '.*nope\.csv' does not exist/);
  });

  it('scores a 1,000,000-row CSV in a child process with bounded memory', async () => {
    const input = join(tmp, 'million.csv');
    await writeThreeInputCsv(input, 1_000_000);
    const output = join(tmp, 'million.jsonl');
    const child = spawn(
      process.execPath,
      [CLI, 'models', 'predict', '-m', modelDir, '-i', input, '-o', output, '--chunk-size', '10000'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // VmHWM is the kernel's own peak-RSS counter for the process; poll it until the process exits.
    let peakKb = 0;
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8')
        .then((s) => {
          const m = /VmHWM:\s+(\d+) kB/.exec(s);
          if (m) peakKb = Math.max(peakKb, Number(m[1]));
        })
        .catch(() => undefined);
    }, 20);
    const [code] = (await once(child, 'exit')) as [number];
    clearInterval(poll);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /Scored 1,000,000 rows/);
    const text = await readFile(output, 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 1_000_000);
    for (const i of [0, 1, 4242, 999_999]) {
      assert.equal(
        (JSON.parse(lines[i]!) as { score: number }).score,
        threeInputScore((i % 1000) / 8, i % 97, (i % 13) * 0.25),
        `row ${i}`,
      );
    }
    const peakMb = peakKb / 1024;
    process.stderr.write(`# batch predict 1M rows: peak RSS ${peakMb.toFixed(0)} MB\n`);
    assert.ok(peakKb > 0, 'peak RSS was measured');
    assert.ok(peakMb < 300, `peak RSS ${peakMb.toFixed(0)} MB should stay under 300 MB`);
  });
});
