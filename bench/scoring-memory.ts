/**
 * Scoring server memory for one 64 MiB JSON request (`dataframe_split`, 3 float columns): RSS of
 * the `cairn models serve` process before the request, its peak while the request is read and
 * scored (kernel VmHWM), and after the answer (2 s later). Two requests: one within
 * `--max-request-rows` (scored) and one beyond it (refused with 413).
 *
 * With `SCORING_MEMORY_BEFORE=DIR` (a checkout of an earlier revision with node_modules) the same
 * measurements are taken on a server started from there too, side by side, for a before/after
 * comparison in one run.
 */
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../src/models/save.js';
import { threeInputModel } from '../test/models/helpers/onnx-builder.js';
import { cpuSeconds, machineLine } from './machine.js';
import { startServer } from './models.js';

const root = join(import.meta.dirname, '..');
const MiB = 1024 * 1024;

async function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

/** A `dataframe_split` body of about `bytes` bytes; returns it with its number of rows. */
function body(bytes: number): { buf: Buffer; rows: number } {
  const head = '{"dataframe_split": {"columns": ["x1", "x2", "x3"], "data": [';
  const parts: string[] = [head];
  let size = head.length;
  let rows = 0;
  while (size < bytes - 64) {
    const row = `${rows ? ', ' : ''}[${(rows % 1000) / 7}, ${(rows % 97) / 3}, ${rows % 13}]`;
    parts.push(row);
    size += row.length;
    rows++;
  }
  parts.push(']}}');
  return { buf: Buffer.from(parts.join('')), rows };
}

function post(url: string, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/invocations`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    // A refusal may close the connection before the whole body is sent.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? resolve(413) : reject(err),
    );
    req.end(payload);
  });
}

interface Measure {
  status: number;
  beforeMb: number;
  peakMb: number;
  afterMb: number;
  seconds: number;
  /** CPU seconds the server process used for the request (user + system). */
  cpu: number;
}

async function measure(
  checkout: string,
  modelDir: string,
  payload: Buffer,
  maxRows: number,
): Promise<Measure> {
  const server = await startServer(
    modelDir,
    ['--max-request-bytes', String(80 * MiB), '--max-request-rows', String(maxRows)],
    join(checkout, 'bin', 'cairn.js'),
  );
  try {
    // Warm-up: code paths loaded and the model run once.
    await post(
      server.url,
      Buffer.from('{"dataframe_split": {"columns": ["x1","x2","x3"], "data": [[1,2,3]]}}'),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const before = await statusKb(server.pid, 'VmRSS');
    const cpuBefore = await cpuSeconds(server.pid);
    const t = performance.now();
    const status = await post(server.url, payload);
    const seconds = (performance.now() - t) / 1000;
    const cpu = (await cpuSeconds(server.pid)) - cpuBefore;
    const peak = await statusKb(server.pid, 'VmHWM');
    await new Promise((r) => setTimeout(r, 2000));
    const after = await statusKb(server.pid, 'VmRSS');
    return { status, beforeMb: before / 1024, peakMb: peak / 1024, afterMb: after / 1024, seconds, cpu };
  } finally {
    await server.stop();
  }
}

export async function run(): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-scoring-memory-'));
  try {
    const modelDir = join(tmp, 'model');
    await saveModel(modelDir, {
      flavor: 'onnx',
      onnxBytes: threeInputModel(),
      inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
    });
    const { buf, rows } = body(64 * MiB);
    const checkouts: [string, string][] = [];
    if (process.env.SCORING_MEMORY_BEFORE) checkouts.push(['before', process.env.SCORING_MEMORY_BEFORE]);
    checkouts.push(['after', root]);
    const lines: string[] = [];
    for (const [label, checkout] of checkouts) {
      for (const [what, maxRows] of [
        ['scored', rows + 1],
        ['over the row limit (413)', 100_000],
      ] as const) {
        const m = await measure(checkout, modelDir, buf, maxRows);
        lines.push(
          `| ${label} | ${what} | ${m.status} | ${m.beforeMb.toFixed(0)} / ${m.peakMb.toFixed(0)} / ${m.afterMb.toFixed(0)} MB | ${m.seconds.toFixed(2)} s | ${m.cpu.toFixed(2)} s | ${os.loadavg()[0]!.toFixed(1)} |`,
        );
      }
    }
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
    return [
      '## Scoring server memory (64 MiB JSON request)',
      '',
      machineLine(),
      '',
      `One \`cairn models serve\` process (3-input ONNX model), one ${(buf.length / MiB).toFixed(1)} MiB \`dataframe_split\` request of ${rows.toLocaleString('en-US')} rows; RSS before the request / peak (VmHWM) / 2 s after the answer, wall time of the request, CPU seconds of the server process for it, and the 1-minute load average after it. ${process.env.SCORING_MEMORY_BEFORE ? `"before" is the server of ${process.env.SCORING_MEMORY_BEFORE_LABEL ?? 'an earlier revision'}, "after" this one, run back to back. ` : ''}Load average at the end (1/5/15 min): ${load} — the machine is shared: wall times are noisy, CPU seconds and memory much less so.`,
      '',
      '| server | request | status | RSS before / peak / after | time | server CPU | load |',
      '|---|---|---:|---:|---:|---:|---:|',
      ...lines,
    ].join('\n');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
