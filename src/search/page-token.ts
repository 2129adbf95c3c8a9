/**
 * Opaque page tokens: base64url-encoded JSON objects. Stores put whatever they need to resume a
 * search in them (an offset, the last row's sort key, the request they belong to).
 */
import { invalidParam } from '../errors.js';

/** Tokens longer than this are rejected before decoding (a real token is a few hundred bytes). */
export const MAX_PAGE_TOKEN_LENGTH = 64 * 1024;

export function encodePageToken(obj: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(obj), 'utf8').toString('base64url');
}

/**
 * Decodes a token made by `encodePageToken`. An absent or empty token gives `undefined` (first
 * page). A malformed token, or one `validate` refuses, throws INVALID_PARAMETER_VALUE
 * "Invalid page token ...". Standard base64 (`+/` and `=` padding) is accepted too.
 */
export function decodePageToken<T = Record<string, unknown>>(
  token: string | undefined,
  validate?: (value: Record<string, unknown>) => boolean,
): T | undefined {
  if (token === undefined || token === null) return undefined;
  // Callers pass untyped request fields; a non-string must be refused, not crash.
  if (typeof token !== 'string') throw invalidParam('Invalid page token: it must be a string');
  if (token === '') return undefined;
  if (token.length > MAX_PAGE_TOKEN_LENGTH) throw invalidParam('Invalid page token: it is too long');
  // Buffer.from silently skips characters outside the alphabet, so check the alphabet first.
  if (!/^[A-Za-z0-9_\-+/]+={0,2}$/.test(token) || token.replace(/=+$/, '').length % 4 === 1) {
    throw invalidParam('Invalid page token, could not base64-decode');
  }
  const text = Buffer.from(token, 'base64').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParam('Invalid page token, could not decode its content');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParam('Invalid page token, unexpected content');
  }
  const record = value as Record<string, unknown>;
  let accepted: boolean;
  try {
    accepted = validate === undefined || validate(record);
  } catch {
    accepted = false;
  }
  if (!accepted) throw invalidParam('Invalid page token, it does not belong to this search');
  return record as T;
}

/** An offset token (`{offset: N}`), the simplest resumable position. */
export function encodeOffsetToken(offset: number): string {
  return encodePageToken({ offset });
}

/** Reads an offset token; absent → 0. */
export function decodeOffsetToken(token: string | undefined): number {
  const decoded = decodePageToken<{ offset: number }>(
    token,
    (v) => typeof v.offset === 'number' && Number.isSafeInteger(v.offset) && v.offset >= 0,
  );
  return decoded?.offset ?? 0;
}
