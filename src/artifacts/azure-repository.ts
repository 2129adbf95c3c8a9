/**
 * Artifacts in Azure Blob Storage, addressed as MLflow does:
 * `wasbs://<container>@<account>.blob.core.windows.net/<path>` (or `.blob.core.chinacloudapi.cn`).
 * Credentials come from the environment as MLflow reads them: `AZURE_STORAGE_CONNECTION_STRING`
 * (which also names the endpoint, e.g. Azurite's), else `AZURE_STORAGE_ACCESS_KEY` for the account
 * in the URI. Uploads are staged as blocks cut from the stream and committed at the end, so a
 * failed upload never replaces the previous file and memory stays at a few blocks.
 */
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import { invalidParam } from '../errors.js';
import {
  fileEntry,
  joinArtifactPath,
  sortedByPath,
  notAFileError,
  sourceStream,
  type ArtifactFileInfo,
  type ArtifactRepository,
  type ArtifactSource,
  type ArtifactStat,
  type MultipartUploads,
} from './artifact-repository.js';
import { azureClientDrivenUploads } from './azure-multipart.js';
import { guessMimeType } from './mime.js';
import { safeArtifactFilePath, safeArtifactPath } from './safe-path.js';
import { azureCredentialsFromEnv, parseWasbsUri, type WasbsUri } from './azure-uri.js';

export interface AzureRepositoryOptions {
  /** A ready client (tests, other credentials); by default one is built from the environment. */
  azureClient?: BlobServiceClient;
  /** Bytes per staged block of an upload (default 8 MiB). */
  blockSize?: number;
  /** Blocks uploaded at once. Memory use is about blockSize × concurrency. */
  blockConcurrency?: number;
}

const clients = new Map<string, BlobServiceClient>();

/** The client for an account, from the environment; shared by all repositories (it pools connections). */
export function azureClientFromEnv(uri: WasbsUri, env: NodeJS.ProcessEnv = process.env): BlobServiceClient {
  const credentials = azureCredentialsFromEnv(uri, env);
  const cacheKey =
    'connection' in credentials
      ? `conn|${credentials.connection}`
      : `key|${uri.account}|${uri.suffix}|${credentials.key}`;
  let client = clients.get(cacheKey);
  if (client) return client;
  client =
    'connection' in credentials
      ? BlobServiceClient.fromConnectionString(credentials.connection)
      : new BlobServiceClient(
          `https://${uri.account}.${uri.suffix}`,
          new StorageSharedKeyCredential(uri.account, credentials.key),
        );
  clients.set(cacheKey, client);
  return client;
}

const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;

export class AzureBlobArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly container: string;
  readonly prefix: string;
  private readonly containerClient: ContainerClient;
  private readonly blockSize: number;
  private readonly concurrency: number;
  /** Client-driven multipart uploads for the proxy's `mpu/` routes (parts are `Put Block` SAS URLs). */
  readonly multipart: MultipartUploads;

  constructor(rootUri: string, options: AzureRepositoryOptions = {}) {
    this.rootUri = rootUri;
    const parsed = parseWasbsUri(rootUri);
    this.container = parsed.container;
    this.prefix = parsed.prefix;
    const service = options.azureClient ?? azureClientFromEnv(parsed);
    this.containerClient = service.getContainerClient(parsed.container);
    this.blockSize = Math.max(1024 * 1024, options.blockSize ?? DEFAULT_BLOCK_SIZE);
    this.concurrency = Math.max(1, options.blockConcurrency ?? 2);
    this.multipart = azureClientDrivenUploads(this.containerClient, (path) =>
      this.key(safeArtifactFilePath(path)),
    );
  }

  private key(path: string | undefined): string {
    return joinArtifactPath(this.prefix, safeArtifactPath(path));
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    const rel = safeArtifactPath(path);
    const dirKey = this.key(rel);
    const listPrefix = dirKey ? `${dirKey}/` : '';
    const infos: ArtifactFileInfo[] = [];
    for await (const item of this.containerClient.listBlobsByHierarchy('/', { prefix: listPrefix })) {
      const name = item.name.slice(listPrefix.length).replace(/\/$/, '');
      if (!name) continue;
      const childPath = joinArtifactPath(rel, name);
      if (item.kind === 'prefix') infos.push({ path: childPath, is_dir: true });
      else {
        const size = item.properties.contentLength ?? 0;
        infos.push(fileEntry(childPath, size));
      }
    }
    return sortedByPath(infos);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const key = this.key(path);
    if (key) {
      try {
        const props = await this.containerClient.getBlobClient(key).getProperties();
        return { isDir: false, size: props.contentLength ?? 0 };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const page = this.containerClient
      .listBlobsFlat({ prefix: key ? `${key}/` : '' })
      .byPage({ maxPageSize: 1 });
    const first = await page.next();
    const found = !first.done && first.value.segment.blobItems.length > 0;
    return found ? { isDir: true, size: 0 } : undefined;
  }

  async openRead(path: string): Promise<Readable> {
    const rel = safeArtifactPath(path);
    if (!rel) throw invalidParam('The artifact root is a directory, not a file.');
    try {
      const res = await this.containerClient.getBlobClient(this.key(rel)).download();
      const body = res.readableStreamBody;
      if (!body) return Readable.from([]);
      return body instanceof Readable ? body : Readable.from(body);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw await notAFileError(this, rel);
    }
  }

  async write(path: string, source: ArtifactSource): Promise<void> {
    const rel = safeArtifactFilePath(path);
    const blob = this.containerClient.getBlockBlobClient(this.key(rel));
    await blob.uploadStream(sourceStream(source), this.blockSize, this.concurrency, {
      blobHTTPHeaders: { blobContentType: guessMimeType(rel) },
    });
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    if (key) await this.containerClient.getBlobClient(key).deleteIfExists();
    const names: string[] = [];
    for await (const item of this.containerClient.listBlobsFlat({ prefix: key ? `${key}/` : '' })) {
      names.push(item.name);
    }
    // Blob batches need a shared-key or token credential; single deletes work everywhere.
    for (let i = 0; i < names.length; i += 16) {
      await Promise.all(
        names.slice(i, i + 16).map((name) => this.containerClient.getBlobClient(name).deleteIfExists()),
      );
    }
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 404;
}
