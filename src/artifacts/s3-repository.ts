/**
 * Artifacts under an S3 prefix (`s3://bucket/prefix`), also on S3-compatible stores (MinIO,
 * Ceph, moto) whose endpoint comes from `MLFLOW_S3_ENDPOINT_URL` or `AWS_ENDPOINT_URL`; those are
 * addressed path-style. Large uploads go as multipart uploads cut from the stream, so memory
 * stays at a few parts whatever the file size.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { invalidParam } from '../errors.js';
import {
  fileEntry,
  joinArtifactPath,
  sortedByPath,
  notAFileError,
  sourceStream,
  type ArtifactFileInfo,
  type ArtifactSource,
  type ArtifactRepository,
  type ArtifactStat,
  type MultipartUploads,
} from './artifact-repository.js';
import { chunksOf, clientDrivenUploads, uploadInParts } from './s3-multipart.js';
import { safeArtifactFilePath, safeArtifactPath } from './safe-path.js';
import { parseS3Uri, s3EndpointFromEnv } from './s3-uri.js';

export interface S3RepositoryOptions {
  /** A ready client (tests, custom credentials); by default one is built from the environment. */
  client?: S3Client;
  /** Bytes per multipart part (S3 minimum 5 MiB); also the threshold for a multipart upload. */
  partSize?: number;
  /** Parts uploaded at once. Memory use is about partSize × (concurrency + 1). */
  concurrency?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

const clients = new Map<string, S3Client>();

/** One client per endpoint and region, shared by all repositories (it pools connections). */
export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = s3EndpointFromEnv(env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const key = `${endpoint ?? ''}|${region}`;
  let client = clients.get(key);
  if (!client) {
    client = new S3Client({
      region,
      ...(endpoint
        ? {
            endpoint,
            forcePathStyle: true,
            // Many S3-compatible stores reject the newer default checksum headers.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
    });
    clients.set(key, client);
  }
  return client;
}

export class S3ArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly concurrency: number;

  constructor(rootUri: string, options: S3RepositoryOptions = {}) {
    this.rootUri = rootUri;
    const { bucket, prefix } = parseS3Uri(rootUri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.client = options.client ?? s3ClientFromEnv();
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.multipart = clientDrivenUploads(this.client, this.bucket, (path) => this.fileKey(path));
  }

  /**
   * Client-driven multipart uploads for the proxy's `mpu/` routes: the client PUTs each part to
   * a presigned URL, straight to the object store, and the server completes the upload.
   */
  readonly multipart: MultipartUploads;

  private fileKey(path: string): string {
    const rel = safeArtifactFilePath(path);
    return this.key(rel);
  }

  private key(path: string | undefined): string {
    return joinArtifactPath(this.prefix, safeArtifactPath(path));
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    const rel = safeArtifactPath(path);
    const dirKey = this.key(rel);
    const listPrefix = dirKey ? `${dirKey}/` : '';
    const infos: ArtifactFileInfo[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: listPrefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const cp of page.CommonPrefixes ?? []) {
        const name = cp.Prefix!.slice(listPrefix.length).replace(/\/$/, '');
        if (name) infos.push({ path: joinArtifactPath(rel, name), is_dir: true });
      }
      for (const obj of page.Contents ?? []) {
        const name = obj.Key!.slice(listPrefix.length);
        // A zero-byte "folder marker" object equal to the prefix is not a child.
        if (!name) continue;
        const size = obj.Size ?? 0;
        const childPath = joinArtifactPath(rel, name);
        infos.push(fileEntry(childPath, size));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return sortedByPath(infos);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const key = this.key(path);
    if (key) {
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        return { isDir: false, size: head.ContentLength ?? 0 };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const page = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key ? `${key}/` : '', MaxKeys: 1 }),
    );
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0 ? { isDir: true, size: 0 } : undefined;
  }

  async openRead(path: string): Promise<Readable> {
    const rel = safeArtifactPath(path);
    if (!rel) throw invalidParam('The artifact root is a directory, not a file.');
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      const body = out.Body;
      if (body instanceof Readable) return body;
      if (body && 'transformToWebStream' in body) {
        return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
      }
      return Readable.from([]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw await notAFileError(this, rel);
    }
  }

  async write(path: string, source: ArtifactSource): Promise<void> {
    const rel = safeArtifactFilePath(path);
    const key = this.key(rel);
    const parts = chunksOf(sourceStream(source), this.partSize);
    const first = await parts.next();
    const firstChunk = first.done ? Buffer.alloc(0) : first.value;
    if (firstChunk.length < this.partSize) {
      // The whole stream fitted in one part: one plain PUT.
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: firstChunk,
          ContentLength: firstChunk.length,
        }),
      );
      return;
    }
    await uploadInParts(
      { client: this.client, bucket: this.bucket },
      key,
      firstChunk,
      parts,
      this.concurrency,
    );
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const keys: string[] = [];
    if (key) keys.push(key);
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: key ? `${key}/` : '',
          ContinuationToken: token,
        }),
      );
      for (const obj of page.Contents ?? []) keys.push(obj.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
