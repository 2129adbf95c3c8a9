/**
 * Issue 11 item 15 and the scoring server's log: rows per request are bounded (413 beyond, CSV
 * counted before the table is built), oversized bodies get 413 and a closed connection, deep JSON
 * is a 400, and every request is one log line with its id.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFromDir, type Model } from '../../src/models/model.js';
import { startScoringServer, type RunningScoringServer } from '../../src/serving/server.js';
import { ONNX_TABULAR_MODEL as FIXTURE } from '../helpers/fixtures.js';
import { LogCapture, rawExchange } from './helpers.js';

async function invoke(url: string, body: string, type: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/invocations`, { method: 'POST', body, headers: { 'Content-Type': type } });
  return { status: res.status, text: await res.text() };
}

describe('scoring server limits', () => {
  let model: Model;
  let server: RunningScoringServer;
  const logs = new LogCapture();
  before(async () => {
    model = await loadModelFromDir(FIXTURE);
    server = await startScoringServer(model, {
      port: 0,
      maxRequestRows: 1000,
      maxRequestBytes: 4 * 1024 * 1024,
      log: { level: 'info', format: 'json' },
      logDestination: logs,
    });
  });
  after(async () => {
    await server.close();
    await model.close();
  });

  it('scores up to --max-request-rows and answers 413 beyond, for JSON and CSV', async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => [i, 30]);
    const json = (n: number) =>
      JSON.stringify({ dataframe_split: { columns: ['amount', 'age'], data: rows(n) } });
    assert.equal((await invoke(server.url, json(1000), 'application/json')).status, 200);
    const tooMany = await invoke(server.url, json(1001), 'application/json');
    assert.equal(tooMany.status, 413, tooMany.text);
    assert.match(tooMany.text, /at most 1000 per request/);
    const csv = (n: number) =>
      `amount,age\n${rows(n)
        .map((r) => r.join(','))
        .join('\n')}\n`;
    assert.equal((await invoke(server.url, csv(1000), 'text/csv')).status, 200);
    const csvTooMany = await invoke(server.url, csv(5000), 'text/csv');
    assert.equal(csvTooMany.status, 413, csvTooMany.text);
  });

  it('refuses deep JSON with 400 and oversized bodies with 413 and a closed connection', async () => {
    const deep = await invoke(server.url, '['.repeat(100_000) + ']'.repeat(100_000), 'application/json');
    assert.equal(deep.status, 400, deep.text.slice(0, 200));
    const body = Buffer.alloc(6 * 1024 * 1024, 0x20);
    const res = await rawExchange(
      server.url,
      `POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    assert.equal(res.status, 413, res.text.slice(0, 200));
    assert.equal(res.headers.connection, 'close');
    assert.ok(res.closed);
  });

  it('refuses a JSON body with too many rows as soon as they arrive, before the body is complete', async () => {
    // 1,200 rows are sent, then the client stalls with most of the declared body still to come.
    const start = `{"dataframe_split": {"columns": ["amount", "age"], "data": [${Array.from(
      { length: 1200 },
      (_, i) => `[${i}, 30]`,
    ).join(', ')}, `;
    const declared = 3 * 1024 * 1024;
    for (const shape of [
      start,
      start.replace('{"dataframe_split": {"columns": ["amount", "age"], "data": ', '{"inputs": '),
    ]) {
      const res = await rawExchange(
        server.url,
        `POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
        Buffer.from(shape),
        { waitMs: 15_000 },
      );
      assert.equal(res.status, 413, res.text.slice(0, 300));
      assert.match(res.text, /at most 1000 per request/);
      assert.equal(res.headers.connection, 'close');
    }
  });

  it('logs one line per request with its id', async () => {
    const res = await fetch(`${server.url}/ping`);
    await res.text();
    await new Promise((r) => setTimeout(r, 50));
    const line = logs.requestLines().find((l) => l.req_id === res.headers.get('x-request-id'));
    assert.ok(line, 'the /ping request is logged under its X-Request-Id');
    assert.equal(line.route, '/ping');
    assert.equal(line.status, 200);
  });
});
