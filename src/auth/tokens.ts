/**
 * Personal access tokens: 32 random bytes shown once to their owner. Only a SHA-256 hash is
 * stored; with that much entropy a fast hash is safe and lets a request find its token by index.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'cairn_';

export interface NewToken {
  tokenId: string;
  /** The secret the owner uses as `Authorization: Bearer <secret>`; never stored. */
  secret: string;
  hash: string;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateToken(): NewToken {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { tokenId: randomBytes(8).toString('hex'), secret, hash: hashToken(secret) };
}

/** Cairn's own tokens are recognised by their prefix; any other bearer value may be an OIDC JWT. */
export const looksLikeCairnToken = (value: string): boolean => value.startsWith(TOKEN_PREFIX);
