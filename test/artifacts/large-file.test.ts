/**
 * A few hundred MB through the proxy and back with bounded memory: the upload streams from the
 * client (the SDK's proxy repository) through the server to disk, the download from disk to the
 * socket. Client and server share this process, so its RSS bounds both. Only the `mlflow-artifacts`
 * routes are used, which never touch the tracking store: one database (SQLite).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { HttpArtifactRepository } from '../../src/artifacts/http-repository.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMoto, useMotoEnvironment, type MotoServer } from './moto.js';
import { patternStream, sha256Of } from './repository-contract.js';

const MB = 1024 * 1024;
/** Headroom over the starting RSS that the transfer may use (a buffered file would need ≥ its size). */
const RSS_BUDGET = 120 * MB;

/** Samples this process's RSS while `work` runs; returns the peak above the starting value. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - start;
}

/** Downloads over plain HTTP, hashing as the bytes arrive. */
function downloadHash(url: string): Promise<{ status: number; sha: string; length: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      sha256Of(res).then(
        (sha) => resolve({ status: res.statusCode ?? 0, sha, length: res.headers['content-length'] }),
        reject,
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('large artifacts stream with bounded memory', () => {
  let server: TestServer;
  let moto: MotoServer;
  let s3Server: TestServer;
  const block = randomBytes(MB);

  before(async () => {
    server = await startTestServer('sqlite');
    moto = await startMoto();
    useMotoEnvironment(moto.endpoint);
    await moto.createBucket('large');
    s3Server = await startTestServer('sqlite', { artifactsDestination: 's3://large/root' });
  });
  after(async () => {
    await server?.stop();
    await s3Server?.stop();
    await moto?.stop();
  });

  it('moves a 300 MB file from a local file through the proxy to disk and back', async () => {
    const size = 300 * MB + 17;
    const source = join(server.tmpDir, 'source.bin');
    await pipeline(patternStream(size, block), createWriteStream(source));
    const expected = await sha256Of(createReadStream(source));
    const repo = new HttpArtifactRepository('mlflow-artifacts:/big', { trackingUri: server.url });

    const uploadGrowth = await peakRssGrowth(() => repo.write('model/weights.bin', createReadStream(source)));
    const stored = join(server.tmpDir, 'artifacts', 'big', 'model', 'weights.bin');
    assert.equal((await stat(stored)).size, size);

    // As MLflow's Python client sends it: one PUT with a Content-Length far above the JSON body limit.
    let rawStatus = 0;
    const rawGrowth = await peakRssGrowth(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            `${server.url}/api/2.0/mlflow-artifacts/artifacts/big/raw/weights.bin`,
            {
              method: 'PUT',
              headers: { 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' },
            },
            (res) => {
              rawStatus = res.statusCode ?? 0;
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', reject);
          createReadStream(source).pipe(req);
        }),
    );
    assert.equal(rawStatus, 200);
    assert.equal((await stat(join(server.tmpDir, 'artifacts', 'big', 'raw', 'weights.bin'))).size, size);

    let downloaded: { status: number; sha: string; length: string | undefined } | undefined;
    const downloadGrowth = await peakRssGrowth(async () => {
      downloaded = await downloadHash(
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/big/model/weights.bin`,
      );
    });
    assert.equal(downloaded!.status, 200);
    assert.equal(downloaded!.length, String(size));
    assert.equal(downloaded!.sha, expected);

    let clientSha = '';
    const clientGrowth = await peakRssGrowth(async () => {
      clientSha = await sha256Of(await repo.openRead('model/weights.bin'));
    });
    assert.equal(clientSha, expected);

    process.stdout.write(
      `# 300 MB via proxy, peak RSS growth: upload ${(uploadGrowth / MB).toFixed(0)} MB, ` +
        `upload with Content-Length ${(rawGrowth / MB).toFixed(0)} MB, ` +
        `download ${(downloadGrowth / MB).toFixed(0)} MB, client download ${(clientGrowth / MB).toFixed(0)} MB\n`,
    );
    for (const growth of [uploadGrowth, rawGrowth, downloadGrowth, clientGrowth])
      assert.ok(growth < RSS_BUDGET, `${growth / MB} MB`);
  });

  it('moves a 96 MB file through the proxy to an S3 destination (multipart) and back', async () => {
    const size = 96 * MB + 5;
    const expected = await sha256Of(patternStream(size, block));
    const repo = new HttpArtifactRepository('mlflow-artifacts:/s3big', { trackingUri: s3Server.url });
    const uploadGrowth = await peakRssGrowth(() => repo.write('w.bin', patternStream(size, block)));
    let sha = '';
    const downloadGrowth = await peakRssGrowth(async () => {
      sha = await sha256Of(await repo.openRead('w.bin'));
    });
    assert.equal(sha, expected);
    process.stdout.write(
      `# 96 MB via proxy to S3, peak RSS growth: upload ${(uploadGrowth / MB).toFixed(0)} MB, ` +
        `download ${(downloadGrowth / MB).toFixed(0)} MB\n`,
    );
    for (const growth of [uploadGrowth, downloadGrowth]) assert.ok(growth < RSS_BUDGET, `${growth / MB} MB`);
  });
});
