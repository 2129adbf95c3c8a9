/**
 * Where the server may read and write artifacts for experiments and model versions. Without a
 * list, an experiment created with `artifact_location: "/etc"` would make the server write there on
 * upload, and a model version whose source is `/` would let anyone read the server's disk. Proxied
 * URIs (`mlflow-artifacts:`) always map under the artifacts destination and are always allowed.
 */
import { isAbsolute, relative } from 'node:path';
import { invalidParam } from '../errors.js';
import { localPathOfUri } from './local-repository.js';
import { uriScheme } from './repository-registry.js';

/** `file:` URIs and bare paths are local; everything else with a scheme is compared as a URI. */
function isLocal(uri: string): boolean {
  const scheme = uriScheme(uri);
  return !scheme || scheme === 'file';
}

function normalizedUri(uri: string): string {
  return uri.replace(/\/+$/, '');
}

export class AllowedArtifactRoots {
  private readonly localRoots: string[] = [];
  private readonly uriRoots: string[] = [];
  readonly description: string;

  /** `roots`: local folders (`/data/mlruns`, `file:///data`) and URI prefixes (`s3://bucket/path`). */
  constructor(roots: string[]) {
    for (const root of roots) {
      if (uriScheme(root) === 'mlflow-artifacts') continue;
      if (isLocal(root)) this.localRoots.push(localPathOfUri(root));
      else this.uriRoots.push(normalizedUri(root));
    }
    this.description = [...this.localRoots, ...this.uriRoots].join(', ') || '(proxied artifacts only)';
  }

  allows(uri: string): boolean {
    const scheme = uriScheme(uri);
    if (scheme === 'mlflow-artifacts') return true;
    if (isLocal(uri)) {
      let path: string;
      try {
        path = localPathOfUri(uri);
      } catch {
        return false;
      }
      return this.localRoots.some((root) => {
        const rel = relative(root, path);
        return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
      });
    }
    const target = normalizedUri(uri);
    if (target.split('/').includes('..')) return false;
    return this.uriRoots.some((root) => target === root || target.startsWith(`${root}/`));
  }

  /** Throws 400 naming the allowed roots when `uri` is outside them. */
  assertAllowed(uri: string): void {
    if (this.allows(uri)) return;
    throw invalidParam(
      `Artifact location '${uri}' is outside the allowed artifact roots (${this.description}). ` +
        'A server administrator can add it with --allowed-artifact-roots.',
    );
  }
}
