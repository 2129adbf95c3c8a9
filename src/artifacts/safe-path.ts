/**
 * Validation of artifact paths that come from requests or stored URIs. A path must stay inside
 * its root whatever the decoding applied later (by a proxy, a client, a filesystem), so it is
 * checked after every layer of percent-decoding, not only as received.
 */
import { invalidParam, type MlflowError } from '../errors.js';

const invalidPath = (): MlflowError => invalidParam('Invalid path');

/** Decodes `%xx` escapes repeatedly until the text no longer changes (or is not decodable). */
function decodingLayers(raw: string): string[] {
  const layers = [raw];
  let current = raw;
  for (let i = 0; i < 8; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break; // a lone `%` is a literal character, not an escape
    }
    if (next === current) break;
    layers.push(next);
    current = next;
  }
  return layers;
}

function isUnsafe(text: string): boolean {
  if (text.includes('\0') || text.includes('\\')) return true;
  if (text.startsWith('/') || /^[a-zA-Z]:/.test(text)) return true;
  return text.split('/').some((segment) => segment === '..');
}

/**
 * Checks a relative artifact path and returns it normalized (no empty or `.` segments, no
 * leading or trailing slash). Throws 400 `INVALID_PARAMETER_VALUE` "Invalid path" for `..`
 * segments, absolute paths, drive letters, backslashes and NUL bytes, also when percent-encoded.
 */
export function safeArtifactPath(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '';
  for (const layer of decodingLayers(raw)) {
    if (isUnsafe(layer)) throw invalidPath();
  }
  return raw
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** `safeArtifactPath` for a path that must name a file: the root (empty) is refused with 400. */
export function safeArtifactFilePath(raw: string | undefined): string {
  const rel = safeArtifactPath(raw);
  if (!rel) throw invalidParam('An artifact path must name a file.');
  return rel;
}

/** The last segment of a normalized artifact path. */
export function artifactBasename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}
