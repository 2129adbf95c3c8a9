/**
 * The inputs of a sharded batch prediction: files on local disk or objects in S3, listed when a
 * folder or prefix is given, and read by byte range so that a shard reads only its part.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { asyncBufferFromFile, type AsyncBuffer } from 'hyparquet';
import { artifactRepositoryFor, uriScheme } from '../../artifacts/repository-registry.js';
import { parseS3Uri } from '../../artifacts/s3-uri.js';
import { invalidParam, notFound } from '../../errors.js';

export interface InputFile {
  /** Local path or `s3://bucket/key`. */
  uri: string;
  size: number;
}

const isS3 = (uri: string): boolean => ['s3', 's3a'].includes(uriScheme(uri) ?? '');

/** Files whose names start with `.` or `_` (partial files, `_SUCCESS` markers) are not input. */
const isDataFile = (name: string): boolean => !/^[._]/.test(name.split('/').pop() ?? '');

/** Each input as a list of files: a folder or prefix stands for the files in it, sorted by name. */
export async function expandInputs(inputs: string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const input of inputs) {
    if (isS3(input)) {
      const repo = artifactRepositoryFor(input);
      const st = await repo.stat('');
      if (!st) throw notFound(`Input '${input}' does not exist.`);
      if (!st.isDir) {
        files.push({ uri: input, size: st.size });
        continue;
      }
      const base = input.replace(/\/+$/, '');
      for (const f of await repo.list(''))
        if (!f.is_dir && isDataFile(f.path)) files.push({ uri: `${base}/${f.path}`, size: f.file_size ?? 0 });
      continue;
    }
    if (uriScheme(input)) throw invalidParam(`Input '${input}': expected a local path or an s3:// URI.`);
    const st = await stat(input).catch(() => undefined);
    if (!st) throw notFound(`Input '${input}' does not exist.`);
    if (st.isFile()) {
      files.push({ uri: input, size: st.size });
      continue;
    }
    const names = (await readdir(input, { withFileTypes: true }))
      .filter((d) => d.isFile() && isDataFile(d.name))
      .map((d) => d.name)
      .sort();
    for (const name of names)
      files.push({ uri: join(input, name), size: (await stat(join(input, name))).size });
  }
  if (files.length === 0) throw invalidParam(`No input files in ${inputs.join(', ')}.`);
  return files;
}

/** Bytes [start, end) of a file (to its end without `end`), as a stream of buffers. */
export async function readByteRange(
  file: InputFile,
  start: number,
  end?: number,
): Promise<AsyncIterable<Buffer>> {
  if (end !== undefined && end <= start) return Readable.from([]);
  if (!isS3(file.uri))
    return createReadStream(file.uri, {
      start,
      ...(end !== undefined ? { end: end - 1 } : {}),
      highWaterMark: 1 << 20,
    }) as AsyncIterable<Buffer>;
  const { bucket, prefix } = parseS3Uri(file.uri);
  // Loaded on first use: the AWS SDK costs every local prediction its start-up otherwise.
  const [{ GetObjectCommand }, { s3ClientFromEnv }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('../../artifacts/s3-repository.js'),
  ]);
  const out = await s3ClientFromEnv().send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: prefix,
      Range: `bytes=${start}-${end !== undefined ? end - 1 : ''}`,
    }),
  );
  const body = out.Body;
  if (body instanceof Readable) return body as AsyncIterable<Buffer>;
  throw new Error(`S3 returned no readable body for ${file.uri}`);
}

/** Random access to a Parquet file for hyparquet: the local file, or ranged GETs on S3. */
export async function parquetBuffer(file: InputFile): Promise<AsyncBuffer> {
  if (!isS3(file.uri)) return asyncBufferFromFile(file.uri);
  return {
    byteLength: file.size,
    slice: async (start: number, end?: number): Promise<ArrayBuffer> => {
      const parts: Buffer[] = [];
      for await (const b of await readByteRange(file, start, end ?? file.size)) parts.push(b);
      const all = Buffer.concat(parts);
      return all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
    },
  };
}
