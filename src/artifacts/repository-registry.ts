/**
 * Chooses the artifact repository for a URI by its scheme. Adding a backend is one module and
 * one `registerArtifactRepository` line; the server, the SDK and the CLI open repositories with
 * `artifactRepositoryFor(uri, options)`.
 */
import { invalidParam } from '../errors.js';
import type { ArtifactRepository } from './artifact-repository.js';
import { AzureBlobArtifactRepository, type AzureRepositoryOptions } from './azure-repository.js';
import { HttpArtifactRepository, type HttpRepositoryOptions } from './http-repository.js';
import { LocalArtifactRepository } from './local-repository.js';
import { modelsRepository, runsRepository, type ArtifactUriResolvers } from './resolved-repository.js';
import { S3ArtifactRepository, type S3RepositoryOptions } from './s3-repository.js';

/** Settings a repository may need besides its URI. */
export interface RepositoryOptions
  extends HttpRepositoryOptions, S3RepositoryOptions, AzureRepositoryOptions, ArtifactUriResolvers {}

export type RepositoryFactory = (uri: string, options: RepositoryOptions) => ArtifactRepository;

const factories = new Map<string, RepositoryFactory>();

/** Makes `artifactRepositoryFor` use `factory` for URIs of `scheme` (lower case, no colon). */
export function registerArtifactRepository(scheme: string, factory: RepositoryFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

registerArtifactRepository('file', (uri) => new LocalArtifactRepository(uri));
registerArtifactRepository('s3', (uri, o) => new S3ArtifactRepository(uri, o));
registerArtifactRepository('s3a', (uri, o) => new S3ArtifactRepository(uri, o));
registerArtifactRepository('wasbs', (uri, o) => new AzureBlobArtifactRepository(uri, o));
registerArtifactRepository('mlflow-artifacts', (uri, o) => new HttpArtifactRepository(uri, o));
registerArtifactRepository('http', (uri, o) => new HttpArtifactRepository(uri, o));
registerArtifactRepository('https', (uri, o) => new HttpArtifactRepository(uri, o));
registerArtifactRepository('runs', (uri, o) => runsRepository(uri, o, (at) => artifactRepositoryFor(at, o)));
registerArtifactRepository('models', (uri, o) =>
  modelsRepository(uri, o, (at) => artifactRepositoryFor(at, o)),
);

/** The scheme of a URI, or `undefined` for a bare filesystem path (including `C:\...`). */
export function uriScheme(uri: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  if (!m || m[1]!.length === 1) return undefined;
  return m[1]!.toLowerCase();
}

/** The repository rooted at `uri`. Throws 400 for a scheme no backend handles. */
export function artifactRepositoryFor(uri: string, options: RepositoryOptions = {}): ArtifactRepository {
  const scheme = uriScheme(uri) ?? 'file';
  const factory = factories.get(scheme);
  if (!factory) {
    const known = [...factories.keys()].sort().join(', ');
    throw invalidParam(`No artifact repository handles '${scheme}:' URIs (${uri}). Supported: ${known}.`);
  }
  return factory(uri, options);
}
