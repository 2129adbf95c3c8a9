/** Registry search page tokens: base64 of `{"offset": N}` (the format MLflow clients know). */
import { invalidParam } from '../errors.js';

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token) || token.length % 4 === 1) {
    throw invalidParam('Invalid page token, could not base64-decode');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalidParam('Invalid page token, could not base64-decode');
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw invalidParam(`Invalid page token: it does not hold a valid offset.`);
  }
  return offset;
}
