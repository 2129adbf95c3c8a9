/**
 * A run's artifacts for the SDK. Every transfer goes through the artifact repository of the run's
 * `artifact_uri` (`artifactRepositoryFor`), the same code the server uses: the artifact proxy
 * (`mlflow-artifacts:`, `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…`) through this client's
 * transport with its retries and credentials, `file:` URIs and paths directly on disk, `s3://`
 * straight to the object store with the AWS credentials of the environment.
 *
 * @example
 * await client.artifacts.upload(runId, './plots', 'figures', { onProgress: (p) => console.log(p.path, p.bytes) });
 * const dir = await client.artifacts.download(runId, 'figures', './out');
 */
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { artifactRepositoryFor, type RepositoryOptions } from '../artifacts/repository-registry.js';
import { safeArtifactPath } from '../artifacts/safe-path.js';
import { downloadArtifacts, listRecursive, uploadPath, type TransferOptions } from '../artifacts/transfer.js';
import type { ArtifactFileInfo } from '../entities/artifacts.js';
import { invalidParam, MlflowError } from '../errors.js';
import type { HttpTransport } from './http.js';
import { loadSdkPlugins } from './sdk-plugins.js';

export type { TransferOptions, TransferProgress } from '../artifacts/transfer.js';

/** A relative artifact path from the caller, checked; 400 naming the path when it is unsafe. */
export function checkedArtifactPath(path: string | undefined): string {
  try {
    return safeArtifactPath(path);
  } catch (err) {
    if (err instanceof MlflowError) throw invalidParam(`Invalid artifact path '${path}'.`);
    throw err;
  }
}

/**
 * Repository options for the SDK: requests to the tracking server's artifact proxy go through
 * `transport` (keep-alive, retries, credentials); a proxy on another host gets a plain sender and
 * never this client's credentials.
 */
export function sdkRepositoryOptions(
  transport: HttpTransport,
  extra: RepositoryOptions = {},
): RepositoryOptions {
  const origin = new URL(transport.baseUrl).origin;
  const { runArtifactUri, modelArtifactUri } = extra;
  return {
    trackingUri: transport.baseUrl,
    http: (baseUrl) => (new URL(baseUrl).origin === origin ? transport : undefined),
    ...extra,
    // The storage URI a run or model resolves to may have a plugin's scheme: load plugins first.
    ...(runArtifactUri && {
      runArtifactUri: async (runId: string) => {
        await loadSdkPlugins();
        return runArtifactUri(runId);
      },
    }),
    ...(modelArtifactUri && {
      modelArtifactUri: async (uri: string) => {
        await loadSdkPlugins();
        return modelArtifactUri(uri);
      },
    }),
  };
}

/** What the artifact client needs from the tracking client. */
export interface RunArtifactSource {
  readonly http: HttpTransport;
  getRun(runId: string): Promise<{ info: { artifact_uri: string } }>;
}

export class ArtifactClient {
  private readonly roots = new Map<string, string>();
  private readonly repos = new Map<string, ArtifactRepository>();

  constructor(private readonly client: RunArtifactSource) {}

  /** The run's artifact root URI (cached: it never changes). */
  async artifactUri(runId: string): Promise<string> {
    let uri = this.roots.get(runId);
    if (!uri) {
      uri = (await this.client.getRun(runId)).info.artifact_uri;
      this.roots.set(runId, uri);
    }
    return uri;
  }

  /** Options for `artifactRepositoryFor` that reach this client's server (`runs:/` included). */
  repositoryOptions(extra: RepositoryOptions = {}): RepositoryOptions {
    return sdkRepositoryOptions(this.client.http, {
      runArtifactUri: (runId) => this.artifactUri(runId),
      ...extra,
    });
  }

  /** The repository holding a run's artifacts (`runs:/<run_id>`). */
  repository(runId: string): ArtifactRepository {
    let repo = this.repos.get(runId);
    if (!repo) {
      repo = artifactRepositoryFor(`runs:/${runId}`, this.repositoryOptions());
      this.repos.set(runId, repo);
    }
    return repo;
  }

  /** Uploads bytes or text as the artifact at `artifactFile` (e.g. `meta/classes.json`). */
  async uploadBytes(runId: string, artifactFile: string, data: Buffer | string): Promise<void> {
    const path = checkedArtifactPath(artifactFile);
    if (!path) throw invalidParam('An artifact file name is required.');
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await this.repository(runId).write(path, () => Readable.from([bytes]));
  }

  /** Uploads one local file into `artifactPath` (a directory inside the run root; default the root). */
  async uploadFile(
    runId: string,
    localFile: string,
    artifactPath?: string,
    options: TransferOptions = {},
  ): Promise<void> {
    await this.upload(runId, localFile, artifactPath, options);
  }

  /** Uploads a file, or every file under a directory, keeping the relative layout. */
  async upload(
    runId: string,
    localPath: string,
    artifactPath?: string,
    options: TransferOptions = {},
  ): Promise<void> {
    await uploadPath(this.repository(runId), localPath, checkedArtifactPath(artifactPath), options);
  }

  /** Lists one directory level of a run's artifacts (paths relative to the run root). */
  async list(runId: string, path?: string): Promise<ArtifactFileInfo[]> {
    return this.repository(runId).list(checkedArtifactPath(path));
  }

  /** Lists every file under `path`, recursively. */
  async listAll(runId: string, path?: string): Promise<ArtifactFileInfo[]> {
    return listRecursive(this.repository(runId), checkedArtifactPath(path));
  }

  /**
   * Downloads an artifact file or directory of a run into the local directory `dst` and returns
   * the local path of what was downloaded.
   */
  async download(runId: string, path: string, dst: string, options: TransferOptions = {}): Promise<string> {
    return downloadArtifacts(this.repository(runId), checkedArtifactPath(path), resolve(dst), options);
  }
}
