/**
 * The server's view of artifacts: the proxy destination (`--artifacts-destination`) and the
 * artifact roots of runs and model versions. Proxied URIs (`mlflow-artifacts:/x`,
 * `http(s)://…/api/2.0/mlflow-artifacts/artifacts/x`) are mapped onto the destination, so the
 * server reads and writes the storage itself; any other URI uses its own repository.
 */
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Run } from '../entities/tracking.js';
import { MlflowError, invalidParam, notFound } from '../errors.js';
import type { AllowedArtifactRoots } from './allowed-roots.js';
import type { ArtifactFileInfo, ArtifactRepository } from './artifact-repository.js';
import { PROXY_ARTIFACTS_PATH, parseProxyArtifactUri } from './http-repository.js';
import { artifactRepositoryFor, uriScheme, type RepositoryOptions } from './repository-registry.js';
import { artifactBasename, safeArtifactPath } from './safe-path.js';
import { countArtifactBytes } from '../observability/metrics.js';

/** What the service needs from tracking: a run's `artifact_uri`. */
export interface RunLookup {
  getRun(runId: string): Promise<Run>;
}

/** An open artifact file ready to be sent. */
export interface ArtifactDownload {
  stream: Readable;
  /** The file's base name (for Content-Disposition). */
  fileName: string;
  /** Size in bytes when known up front. */
  size?: number;
}

/** The tracking-side listing (`artifacts/list`): `files` is omitted when empty. */
export interface RunArtifactListing {
  root_uri: string;
  files?: ArtifactFileInfo[];
}

export const MULTIPART_NOT_SUPPORTED =
  'Multipart upload is not supported for the current artifact repository';

/** True for URIs served through the artifact proxy rather than read directly. */
export function isProxiedArtifactUri(uri: string): boolean {
  const scheme = uriScheme(uri);
  if (scheme === 'mlflow-artifacts') return true;
  return (scheme === 'http' || scheme === 'https') && uri.includes(PROXY_ARTIFACTS_PATH);
}

export class ArtifactService {
  private readonly artifactsDestination: string;
  private readonly tracking: RunLookup;
  private readonly options: RepositoryOptions;
  private readonly allowedRoots?: AllowedArtifactRoots;
  private destinationRepo?: ArtifactRepository;

  /**
   * `artifactsDestination`: where proxied artifacts are stored (a local folder or an object store
   * URI). `allowedRoots`: where else the server may read and write (all places when omitted).
   */
  constructor(
    artifactsDestination: string,
    tracking: RunLookup,
    options: RepositoryOptions = {},
    allowedRoots?: AllowedArtifactRoots,
  ) {
    this.artifactsDestination = artifactsDestination;
    this.tracking = tracking;
    this.options = options;
    this.allowedRoots = allowedRoots;
  }

  /** Throws 400 when an experiment's artifact location is outside the allowed roots. */
  assertAllowedLocation(uri: string): void {
    this.allowedRoots?.assertAllowed(uri);
  }

  /** The repository of `--artifacts-destination` (where proxied artifacts live). */
  get destination(): ArtifactRepository {
    if (!this.destinationRepo) {
      this.destinationRepo = this.repositoryAtDestination('');
    }
    return this.destinationRepo;
  }

  /** A repository rooted at `sub` (a safe relative path) under the destination. */
  private repositoryAtDestination(sub: string): ArtifactRepository {
    const dest = this.artifactsDestination;
    const scheme = uriScheme(dest);
    if (scheme === 'mlflow-artifacts' || scheme === 'http' || scheme === 'https') {
      throw new MlflowError(
        `The artifacts destination '${dest}' is itself a proxy URI; use a local path or an object store URI.`,
        'INVALID_STATE',
      );
    }
    if (!sub) return artifactRepositoryFor(dest, this.options);
    const uri = scheme ? `${dest.replace(/\/+$/, '')}/${sub}` : join(resolve(dest), ...sub.split('/'));
    return artifactRepositoryFor(uri, this.options);
  }

  /** The repository for an artifact root URI, with proxied URIs mapped onto the destination. */
  repositoryFor(uri: string): ArtifactRepository {
    if (isProxiedArtifactUri(uri)) {
      // The host part does not matter here: the path is relative to our own destination.
      const { root } = parseProxyArtifactUri(uri, 'http://localhost');
      return this.repositoryAtDestination(root);
    }
    this.allowedRoots?.assertAllowed(uri);
    return artifactRepositoryFor(uri, this.options);
  }

  // ---- The artifact proxy: paths relative to the destination ----

  /** Lists a destination folder with base names only (the proxy's listing shape). */
  async proxyList(path: string | undefined): Promise<ArtifactFileInfo[]> {
    const rel = safeArtifactPath(path);
    const files = await this.destination.list(rel);
    return files.map((f) => ({ ...f, path: artifactBasename(f.path) }));
  }

  async proxyDownload(path: string): Promise<ArtifactDownload> {
    return this.openFile(this.destination, safeArtifactPath(path));
  }

  async proxyUpload(path: string, data: Readable): Promise<void> {
    const rel = safeArtifactPath(path);
    if (!rel) throw invalidParam('Invalid path');
    await this.destination.write(rel, countArtifactBytes(data, 'in'));
  }

  async proxyDelete(path: string): Promise<void> {
    const rel = safeArtifactPath(path);
    if (!rel) throw invalidParam('Refusing to delete the root of the artifacts destination.');
    await this.destination.delete(rel);
  }

  /** The destination's multipart support, or 501 NOT_IMPLEMENTED. */
  proxyMultipart(path: string): NonNullable<ArtifactRepository['multipart']> {
    safeArtifactPath(path);
    const mpu = this.destination.multipart;
    if (!mpu) throw new MlflowError(MULTIPART_NOT_SUPPORTED, 'NOT_IMPLEMENTED');
    return mpu;
  }

  // ---- Run and model artifacts ----

  async runRepository(runId: string): Promise<{ run: Run; repo: ArtifactRepository }> {
    const run = await this.tracking.getRun(runId);
    return { run, repo: this.repositoryFor(run.info.artifact_uri) };
  }

  /** `artifacts/list`: paths relative to the run's root, including the requested folder. */
  async listRunArtifacts(runId: string, path?: string): Promise<RunArtifactListing> {
    const rel = safeArtifactPath(path);
    const { run, repo } = await this.runRepository(runId);
    const files = await repo.list(rel);
    const listing: RunArtifactListing = { root_uri: run.info.artifact_uri };
    if (files.length) listing.files = files;
    return listing;
  }

  async downloadRunArtifact(runId: string, path: string): Promise<ArtifactDownload> {
    const rel = safeArtifactPath(path);
    const { repo } = await this.runRepository(runId);
    return this.openFile(repo, rel);
  }

  async uploadRunArtifact(runId: string, path: string, data: Readable): Promise<void> {
    const rel = safeArtifactPath(path);
    if (!rel) throw invalidParam('Invalid path');
    const { repo } = await this.runRepository(runId);
    await repo.write(rel, countArtifactBytes(data, 'in'));
  }

  /** Opens `path` under an artifact root URI (e.g. a model version's download URI). */
  async downloadArtifactAt(rootUri: string, path: string): Promise<ArtifactDownload> {
    return this.openFile(this.repositoryFor(rootUri), safeArtifactPath(path));
  }

  async listArtifactsAt(rootUri: string, path?: string): Promise<ArtifactFileInfo[]> {
    return this.repositoryFor(rootUri).list(safeArtifactPath(path));
  }

  /** Opens a file, answering 404 for a missing one and 400 for a folder, never leaking paths. */
  private async openFile(repo: ArtifactRepository, rel: string): Promise<ArtifactDownload> {
    if (!rel) throw invalidParam('The artifact path names a directory, not a file.');
    const st = await repo.stat(rel);
    if (!st) throw notFound(`Artifact '${rel}' does not exist.`);
    if (st.isDir) throw invalidParam(`Artifact '${rel}' is a directory, not a file.`);
    const stream = await repo.openRead(rel);
    return { stream: countArtifactBytes(stream, 'out'), fileName: artifactBasename(rel), size: st.size };
  }
}
