/**
 * Chooses the artifact repository for a URI by its scheme. Adding a backend is one module and
 * one `registerArtifactRepository` call (plugins make the same call through src/plugins/); the
 * server, the SDK and the CLI open repositories with `artifactRepositoryFor(uri, options)`.
 */
import { invalidParam } from '../errors.js';
import { checkApiVersion, EXTENSION_API_VERSIONS } from '../version.js';
import type { ArtifactRepository } from './artifact-repository.js';
import type { AzureRepositoryOptions } from './azure-repository.js';
import { azureCredentialsFromEnv, parseWasbsUri } from './azure-uri.js';
import { HttpArtifactRepository, type HttpRepositoryOptions } from './http-repository.js';
import { LocalArtifactRepository } from './local-repository.js';
import { modelsRepository, runsRepository, type ArtifactUriResolvers } from './resolved-repository.js';
import { LazyArtifactRepository } from './lazy-repository.js';
import type { S3RepositoryOptions } from './s3-repository.js';
import { parseS3Uri } from './s3-uri.js';

/** Settings a repository may need besides its URI. */
export interface RepositoryOptions
  extends HttpRepositoryOptions, S3RepositoryOptions, AzureRepositoryOptions, ArtifactUriResolvers {}

export type RepositoryFactory = (uri: string, options: RepositoryOptions) => ArtifactRepository;

/**
 * Extension point `artifactRepository` (interface version `EXTENSION_API_VERSIONS.artifactRepository`):
 * makes the repositories for the URIs of some schemes. Built-in and plugin providers alike are
 * added with `registerArtifactRepository`.
 */
export interface ArtifactRepositoryProvider {
  readonly apiVersion: number;
  /** A name for messages (e.g. `s3`, or the plugin's package name). */
  readonly name: string;
  /** URI schemes, lower case without the colon (`s3`, `s3a`). */
  readonly schemes: readonly string[];
  readonly create: RepositoryFactory;
}

const factories = new Map<string, RepositoryFactory>();

/**
 * Makes `artifactRepositoryFor` use `provider` for URIs of its schemes. Throws for an interface
 * version this Cairn does not implement or a scheme another provider already handles.
 */
export function registerArtifactRepository(provider: ArtifactRepositoryProvider): void {
  const name = String(provider?.name ?? '');
  checkApiVersion('artifactRepository', name, provider?.apiVersion);
  if (typeof provider.create !== 'function') {
    throw invalidParam(`The artifact repository provider '${name}' has no create() function.`);
  }
  const schemes = Array.isArray(provider.schemes) ? provider.schemes.map((s) => String(s).toLowerCase()) : [];
  if (schemes.length === 0)
    throw invalidParam(`The artifact repository provider '${name}' lists no schemes.`);
  for (const scheme of schemes) {
    if (!/^[a-z][a-z0-9+.-]+$/.test(scheme)) {
      throw invalidParam(`'${scheme}' (from '${name}') is not a URI scheme (lower case, no colon).`);
    }
    if (factories.has(scheme)) throw invalidParam(`'${scheme}:' URIs already have an artifact repository.`);
  }
  for (const scheme of schemes) factories.set(scheme, provider.create);
}

/** The URI schemes that have an artifact repository, sorted. */
export function artifactRepositorySchemes(): string[] {
  return [...factories.keys()].sort();
}

const v = EXTENSION_API_VERSIONS.artifactRepository;
registerArtifactRepository({
  apiVersion: v,
  name: 'file',
  schemes: ['file'],
  create: (uri) => new LocalArtifactRepository(uri),
});
registerArtifactRepository({
  apiVersion: v,
  name: 's3',
  schemes: ['s3', 's3a'],
  create: (uri, o) => {
    parseS3Uri(uri);
    return new LazyArtifactRepository(
      uri,
      async () => new (await import('./s3-repository.js')).S3ArtifactRepository(uri, o),
      true,
    );
  },
});
registerArtifactRepository({
  apiVersion: v,
  name: 'azure-blob',
  schemes: ['wasbs'],
  create: (uri, o) => {
    const parsed = parseWasbsUri(uri);
    if (!o.azureClient) azureCredentialsFromEnv(parsed);
    return new LazyArtifactRepository(
      uri,
      async () => new (await import('./azure-repository.js')).AzureBlobArtifactRepository(uri, o),
      true,
    );
  },
});
registerArtifactRepository({
  apiVersion: v,
  name: 'http',
  schemes: ['mlflow-artifacts', 'http', 'https'],
  create: (uri, o) => new HttpArtifactRepository(uri, o),
});
// runs:/ and models:/ resolve to another location through the tracking and registry APIs.
registerArtifactRepository({
  apiVersion: v,
  name: 'runs',
  schemes: ['runs'],
  create: (uri, o) => runsRepository(uri, o, (at) => artifactRepositoryFor(at, o)),
});
registerArtifactRepository({
  apiVersion: v,
  name: 'models',
  schemes: ['models'],
  create: (uri, o) => modelsRepository(uri, o, (at) => artifactRepositoryFor(at, o)),
});

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
    const known = artifactRepositorySchemes().join(', ');
    throw invalidParam(`No artifact repository handles '${scheme}:' URIs (${uri}). Supported: ${known}.`);
  }
  return factory(uri, options);
}
