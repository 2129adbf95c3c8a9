/**
 * A large scoring request on a real `cairn models serve` process: 500,000 rows in one
 * `dataframe_split` body. The answer (streamed in chunks of rows) must be the very text the
 * unchunked path gives (whole JSON.parse, one predictionsResponse string) and every score the
 * model's; the server's peak memory (VmHWM from /proc) must stay well below what holding the rows
 * as JS lists and the answer as one string took (about 200 MB more for this request, against about 60 MB now).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { saveModel } from '../../src/models/save.js';
import { parseJsonRequest } from '../../src/models/scoring-input.js';
import { predictionsResponse } from '../../src/models/serialize.js';
import { threeInputModel, threeInputScore } from '../models/helpers/onnx-builder.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');
const ROWS = 500_000;
/** Growth of the server's peak RSS over its RSS before the request that the test accepts. */
const PEAK_GROWTH_LIMIT_MB = 150;

const cell = (r: number): [number, number, number] => [(r % 1000) / 7, (r % 97) / 3, r % 13];

function body(rows: number): string {
  const parts = new Array<string>(rows);
  for (let r = 0; r < rows; r++) parts[r] = JSON.stringify(cell(r));
  return `{"dataframe_split": {"columns": ["x1", "x2", "x3"], "data": [${parts.join(', ')}]}}`;
}

async function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1]);
  assert.ok(kb > 0, `${field} of the server process should be readable from /proc`);
  return kb / 1024;
}

function post(url: string, payload: string): Promise<{ status: number; text: string; chunked: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/invocations`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            chunked: res.headers['transfer-encoding'] === 'chunked',
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('scoring server with a large request', () => {
  let tmp: string;
  let model: Model;
  let child: ChildProcess;
  let url: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cairn-large-request-'));
    const dir = join(tmp, 'model');
    await saveModel(dir, {
      flavor: 'onnx',
      onnxBytes: threeInputModel(),
      inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
    });
    model = await loadModelFromDir(dir);
    child = spawn(
      process.execPath,
      [CLI, 'models', 'serve', '-m', dir, '-p', '0', '--max-request-rows', String(ROWS)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = / at (http:\/\/[^\s]+) \(/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${err}`)));
    });
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await model.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('answers 500,000 rows exactly like the unchunked path, within a bounded peak', async (t) => {
    const payload = body(ROWS);
    // Warm-up: code paths loaded and the model run once, so the peak measures the request.
    const warm = await post(url, '{"dataframe_split": {"columns": ["x1","x2","x3"], "data": [[1,2,3]]}}');
    assert.equal(warm.status, 200, warm.text);
    await new Promise((r) => setTimeout(r, 500));
    const rssBefore = await statusMb(child.pid!, 'VmRSS');

    const answer = await post(url, payload);
    const peak = await statusMb(child.pid!, 'VmHWM');
    t.diagnostic(`server RSS before ${rssBefore.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`);
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.ok(answer.chunked, 'an answer of 500,000 rows should be streamed in chunks');

    // The unchunked path: the whole body through JSON.parse, the whole answer as one string.
    const parsed = parseJsonRequest(payload, model.signature?.inputs);
    const unchunked = predictionsResponse(await model.predict(parsed.input));
    assert.equal(
      answer.text.length,
      unchunked.length,
      'the streamed answer should be as long as the unchunked one',
    );
    assert.ok(answer.text === unchunked, 'the streamed answer should be byte for byte the unchunked one');

    const scores = (JSON.parse(answer.text) as { predictions: { score: number }[] }).predictions;
    assert.equal(scores.length, ROWS, 'one prediction per row');
    for (let r = 0; r < ROWS; r++) {
      assert.equal(scores[r]!.score, threeInputScore(...cell(r)), `score of row ${r}`);
    }
    assert.ok(
      peak - rssBefore < PEAK_GROWTH_LIMIT_MB,
      `the server's peak RSS grew by ${(peak - rssBefore).toFixed(0)} MB (from ${rssBefore.toFixed(0)} MB); at most ${PEAK_GROWTH_LIMIT_MB} MB expected`,
    );
  });
});
