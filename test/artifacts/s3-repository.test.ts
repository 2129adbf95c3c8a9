import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3ArtifactRepository, s3ClientFromEnv } from '../../src/artifacts/s3-repository.js';
import { parseS3Uri } from '../../src/artifacts/s3-uri.js';
import { presignUrl } from '../../src/artifacts/s3-presign.js';
import {
  breakingAfter,
  describeRepositoryContract,
  failingStream,
  patternStream,
  readAll,
  sha256Of,
} from './repository-contract.js';
import { startMoto, useMotoEnvironment, type MotoServer } from './moto.js';

let moto: MotoServer;
let counter = 0;

before(async () => {
  moto = await startMoto();
  useMotoEnvironment(moto.endpoint);
  await moto.createBucket('artifacts');
});
after(async () => {
  await moto?.stop();
});

/** Each test gets its own prefix in the shared bucket, through the environment-built client. */
describeRepositoryContract(
  's3 (moto)',
  async () => new S3ArtifactRepository(`s3://artifacts/contract-${++counter}`),
);

describe('s3 repository specifics', () => {
  it('parses s3 URIs', () => {
    assert.deepEqual(parseS3Uri('s3://b/p/q/'), { bucket: 'b', prefix: 'p/q' });
    assert.deepEqual(parseS3Uri('s3://b'), { bucket: 'b', prefix: '' });
    assert.throws(() => parseS3Uri('s3:///x'), /Not an S3 URI/);
  });

  it('uses the endpoint from MLFLOW_S3_ENDPOINT_URL with path-style addressing', async () => {
    const client = s3ClientFromEnv();
    assert.equal(await client.config.forcePathStyle, true);
    const endpoint = await client.config.endpoint!();
    assert.equal(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`, moto.endpoint);
  });

  it('streams a large file as a multipart upload and reads it back intact', async () => {
    const repo = new S3ArtifactRepository('s3://artifacts/multipart', { partSize: 5 * 1024 * 1024 });
    const seed = randomBytes(1024 * 1024);
    const size = 12 * 1024 * 1024 + 123;
    const expected = await sha256Of(patternStream(size, seed));
    await repo.write('big/model.bin', patternStream(size, seed));
    assert.deepEqual(await repo.stat('big/model.bin'), { isDir: false, size });
    assert.equal(await sha256Of(await repo.openRead('big/model.bin')), expected);
    // Stored as a multipart object: S3 ETags of multipart objects end in -<parts>.
    const obj = await moto.client.send(
      new GetObjectCommand({ Bucket: 'artifacts', Key: 'multipart/big/model.bin' }),
    );
    await readAll(obj.Body as Readable);
    assert.match(obj.ETag ?? '', /-3"?$/);
  });

  it('aborts the multipart upload when the stream fails', async () => {
    const repo = new S3ArtifactRepository('s3://artifacts/aborted', { partSize: 5 * 1024 * 1024 });
    const seed = randomBytes(1024 * 1024);
    const source = patternStream(11 * 1024 * 1024, seed);
    const broken = breakingAfter(source, 7 * 1024 * 1024);
    await assert.rejects(repo.write('x.bin', broken), /client went away/);
    assert.equal(await repo.stat('x.bin'), undefined);
    const uploads = await moto.client.send(
      new ListMultipartUploadsCommand({ Bucket: 'artifacts', Prefix: 'aborted/' }),
    );
    assert.equal(uploads.Uploads?.length ?? 0, 0);
    await assert.rejects(repo.write('y.bin', failingStream(100)));
    assert.equal(await repo.stat('y.bin'), undefined);
  });

  it('ignores folder-marker objects and lists objects written by other tools', async () => {
    await moto.client.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'markers/dir/', Body: '' }));
    await moto.client.send(
      new PutObjectCommand({ Bucket: 'artifacts', Key: 'markers/dir/f.txt', Body: 'abc' }),
    );
    const repo = new S3ArtifactRepository('s3://artifacts/markers');
    assert.deepEqual(await repo.list(), [{ path: 'dir', is_dir: true }]);
    assert.deepEqual(await repo.list('dir'), [{ path: 'dir/f.txt', is_dir: false, file_size: 3 }]);
  });

  it('lists folders with more than one page of objects', async () => {
    const repo = new S3ArtifactRepository('s3://artifacts/many');
    const names = Array.from({ length: 1005 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((n) => repo.write(n, Readable.from([Buffer.from('x')]))));
    }
    const listed = await repo.list();
    assert.equal(listed.length, 1005);
    assert.equal(listed[1004]!.path, 'f1004.txt');
    await repo.delete('');
    assert.deepEqual(await repo.list(), []);
  });

  it('presigns URLs exactly as AWS documents (SigV4 query-string example)', () => {
    const url = presignUrl({
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      expiresInSeconds: 86400,
      now: new Date('2013-05-24T00:00:00Z'),
    });
    assert.equal(
      new URL(url).searchParams.get('X-Amz-Signature'),
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('runs client-driven multipart uploads through presigned part URLs', async () => {
    const repo = new S3ArtifactRepository('s3://artifacts/mpu');
    const mpu = repo.multipart;
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = Buffer.from('the tail');
    const { upload_id: uploadId, credentials } = await mpu.create('dir/file.bin', 2);
    assert.deepEqual(
      credentials.map((c) => c.part_number),
      [1, 2],
    );
    const etags: string[] = [];
    for (const [i, body] of [part1, part2].entries()) {
      const res = await fetch(credentials[i]!.url, { method: 'PUT', body, headers: credentials[i]!.headers });
      assert.equal(res.status, 200, await res.text());
      etags.push(res.headers.get('etag')!);
    }
    await mpu.complete('dir/file.bin', uploadId, [
      { part_number: 2, etag: etags[1]! },
      { part_number: 1, etag: etags[0]! },
    ]);
    const back = await readAll(await repo.openRead('dir/file.bin'));
    assert.ok(back.equals(Buffer.concat([part1, part2])));

    const aborted = await mpu.create('other.bin', 1);
    await mpu.abort('other.bin', aborted.upload_id);
    const uploads = await moto.client.send(
      new ListMultipartUploadsCommand({ Bucket: 'artifacts', Prefix: 'mpu/' }),
    );
    assert.equal(uploads.Uploads?.length ?? 0, 0);
    await assert.rejects(mpu.create('x.bin', 0), /num_parts/);
    await assert.rejects(mpu.create('../x.bin', 1), /Invalid path/);
  });
});
