/**
 * S3 multipart uploads: the server's own streamed uploads (parts cut from the stream) and the
 * client-driven uploads of the proxy's `mpu/` routes (parts PUT to presigned URLs).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { invalidParam, notFound } from '../errors.js';
import { checkPartCount, type MultipartUploads } from './artifact-repository.js';
import { presignUrl } from './s3-presign.js';

/** S3 caps a multipart upload at 10,000 parts. */
const MAX_PARTS = 10_000;
/** Lifetime of the part-upload URLs handed to clients. */
const PART_URL_TTL_SECONDS = 3600;

/** Client-driven uploads into `bucket`; `fileKey` maps an artifact path to its object key. */
export function clientDrivenUploads(
  client: S3Client,
  bucket: string,
  fileKey: (path: string) => string,
): MultipartUploads {
  return {
    create: async (path, numParts) => {
      checkPartCount(numParts, MAX_PARTS);
      const key = fileKey(path);
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const uploadId = created.UploadId!;
      const [url, region, credentials] = await Promise.all([
        objectUrl(client, bucket, key),
        client.config.region(),
        client.config.credentials(),
      ]);
      const credentialsList = [];
      for (let part = 1; part <= numParts; part++) {
        const partUrl = presignUrl({
          method: 'PUT',
          url,
          query: { partNumber: String(part), uploadId },
          region,
          credentials,
          expiresInSeconds: PART_URL_TTL_SECONDS,
        });
        credentialsList.push({ url: partUrl, part_number: part, headers: {} });
      }
      return { upload_id: uploadId, credentials: credentialsList };
    },
    complete: async (path, uploadId, parts) => {
      await client
        .send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: fileKey(path),
            UploadId: uploadId,
            MultipartUpload: {
              Parts: [...parts]
                .sort((a, b) => a.part_number - b.part_number)
                .map((p) => ({ PartNumber: p.part_number, ETag: p.etag })),
            },
          }),
        )
        .catch((err: unknown) => {
          throw multipartClientError(err);
        });
    },
    abort: async (path, uploadId) => {
      await client
        .send(
          new AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: fileKey(path),
            UploadId: uploadId,
          }),
        )
        .catch((err: unknown) => {
          throw multipartClientError(err);
        });
    },
  };
}

/** The object's URL as the client reaches it: the configured endpoint, or AWS's own. */
async function objectUrl(client: S3Client, bucket: string, key: string): Promise<URL> {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  const endpoint = await client.config.endpoint?.();
  if (endpoint) {
    const port = endpoint.port ? `:${endpoint.port}` : '';
    const base = `${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path.replace(/\/+$/, '')}`;
    return client.config.forcePathStyle
      ? new URL(`${base}/${encodeURIComponent(bucket)}/${encodedKey}`)
      : new URL(`${endpoint.protocol}//${bucket}.${endpoint.hostname}${port}/${encodedKey}`);
  }
  const region = await client.config.region();
  // Bucket names with dots break TLS on virtual-hosted URLs; those use path style.
  return /^[a-z0-9-]+$/.test(bucket)
    ? new URL(`https://${bucket}.s3.${region}.amazonaws.com/${encodedKey}`)
    : new URL(`https://s3.${region}.amazonaws.com/${bucket}/${encodedKey}`);
}

/**
 * Uploads `first` and the rest of a stream's parts as one multipart object, `concurrency` parts at
 * a time; on any failure the upload is aborted, so no partial object appears.
 */
export async function uploadInParts(
  { client, bucket }: { client: S3Client; bucket: string },
  key: string,
  first: Buffer,
  rest: AsyncGenerator<Buffer>,
  concurrency: number,
): Promise<void> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId!;
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const upload = (partNumber: number, body: Buffer): void => {
    const p = client
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then((out) => {
        completed.push({ PartNumber: partNumber, ETag: out.ETag });
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  try {
    let partNumber = 1;
    upload(partNumber, first);
    for await (const chunk of rest) {
      if (failure) break;
      if (++partNumber > MAX_PARTS)
        throw invalidParam(`File too large for ${MAX_PARTS} parts of ${first.length} bytes.`);
      upload(partNumber, chunk);
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
  } catch (err) {
    await Promise.allSettled(inFlight);
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch(() => {});
    throw err;
  }
}

/** Cuts a byte stream into buffers of exactly `size` bytes (the last one may be shorter). */
export async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let yielded = false;
  for await (const raw of stream) {
    let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
    while (pendingBytes + chunk.length >= size) {
      const take = size - pendingBytes;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending, size);
      yielded = true;
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length) {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
  }
  // An empty tail is only yielded for an empty stream (so a zero-byte file is still written).
  if (pendingBytes > 0 || !yielded) yield Buffer.concat(pending, pendingBytes);
}

/** S3 answers to a client's bad multipart request, as the client's error rather than ours. */
function multipartClientError(err: unknown): unknown {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  if (name === 'NoSuchUpload')
    return notFound('No such multipart upload (unknown, completed or aborted upload_id).');
  if (['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML'].includes(name)) {
    return invalidParam(`The multipart upload cannot be completed: ${(err as Error).message}`);
  }
  return err;
}
