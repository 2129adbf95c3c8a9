/**
 * Repositories for URIs that name artifacts indirectly: `runs:/<run_id>/<path>` (a run's artifact
 * root) and `models:/...` (a registered model version or logged model). The real location is looked
 * up once, on first use, through resolvers the caller supplies (the SDK asks the tracking and
 * registry REST API), and every operation is then delegated to the repository of that location.
 */
import type { Readable } from 'node:stream';
import { parseRunsUri } from '../entities/artifacts.js';
import { invalidParam } from '../errors.js';
import type {
  ArtifactFileInfo,
  ArtifactRepository,
  ArtifactSource,
  ArtifactStat,
} from './artifact-repository.js';
import { safeArtifactPath } from './safe-path.js';

/** How indirect URIs are resolved to storage URIs. */
export interface ArtifactUriResolvers {
  /** The artifact root URI of a run. */
  runArtifactUri?: (runId: string) => Promise<string>;
  /** The storage URI of the files a `models:/` URI names. */
  modelArtifactUri?: (uri: string) => Promise<string>;
}

/** `base` with a relative path appended (the path is checked first). */
export function appendArtifactPath(base: string, path: string): string {
  const rel = safeArtifactPath(path);
  return rel ? `${base.replace(/\/+$/, '')}/${rel}` : base;
}

export class ResolvedArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  private target?: Promise<ArtifactRepository>;

  /** `open` is called once, when the repository is first used. */
  constructor(
    rootUri: string,
    private readonly open: () => Promise<ArtifactRepository>,
  ) {
    this.rootUri = rootUri;
  }

  /** The repository of the resolved location. */
  resolve(): Promise<ArtifactRepository> {
    this.target ??= this.open().catch((err: unknown) => {
      this.target = undefined; // a failed lookup (network) may succeed later
      throw err;
    });
    return this.target;
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    return (await this.resolve()).list(safeArtifactPath(path));
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    return (await this.resolve()).stat(safeArtifactPath(path));
  }

  async openRead(path: string): Promise<Readable> {
    return (await this.resolve()).openRead(safeArtifactPath(path));
  }

  async write(path: string, data: ArtifactSource): Promise<void> {
    return (await this.resolve()).write(safeArtifactPath(path), data);
  }

  async delete(path: string): Promise<void> {
    return (await this.resolve()).delete(safeArtifactPath(path));
  }
}

/** The run id and run-relative path of a `runs:/` URI; 400 when it is malformed or unsafe. */
export function runsUriParts(uri: string): { runId: string; path: string } {
  const parts = parseRunsUri(uri);
  if (!parts) throw invalidParam(`Invalid artifact URI '${uri}': expected runs:/<run_id>/<path>.`);
  return { runId: parts.runId, path: safeArtifactPath(parts.path) };
}

/** Resolves `runs:/` URIs through `resolvers.runArtifactUri`, then opens the result with `repositoryFor`. */
export function runsRepository(
  uri: string,
  resolvers: ArtifactUriResolvers,
  repositoryFor: (storageUri: string) => ArtifactRepository,
): ArtifactRepository {
  const { runId, path } = runsUriParts(uri);
  const lookup = resolvers.runArtifactUri;
  if (!lookup) {
    throw invalidParam(`Cannot open '${uri}' here: runs:/ URIs need a tracking server to look the run up.`);
  }
  return new ResolvedArtifactRepository(uri, async () =>
    repositoryFor(appendArtifactPath(await lookup(runId), path)),
  );
}

/** Resolves `models:/` URIs through `resolvers.modelArtifactUri`, then opens the result. */
export function modelsRepository(
  uri: string,
  resolvers: ArtifactUriResolvers,
  repositoryFor: (storageUri: string) => ArtifactRepository,
): ArtifactRepository {
  const lookup = resolvers.modelArtifactUri;
  if (!lookup) {
    throw invalidParam(`Cannot open '${uri}' here: models:/ URIs need a model registry to resolve them.`);
  }
  return new ResolvedArtifactRepository(uri, async () => repositoryFor(await lookup(uri)));
}
