/**
 * Encryption of secrets stored in the database (webhook signing secrets) with AES-256-GCM.
 * Stored form: `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url parts). The key id (first
 * bytes of a hash of the key) says which key sealed a value, so a previous key can still open old
 * values during a rotation while everything new is sealed with the current one.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
/** Shortest accepted key text: a 32-byte random key in base64 is 44 characters. */
export const MIN_KEY_LENGTH = 32;

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

interface Key {
  id: string;
  bytes: Buffer;
}

function toKey(text: string, what: string): Key {
  if (text.length < MIN_KEY_LENGTH) {
    throw new SecretKeyError(
      `${what} must be at least ${MIN_KEY_LENGTH} characters (generate one with: openssl rand -base64 32).`,
    );
  }
  // The key text is hashed to exactly 32 bytes, so any sufficiently random string works.
  const bytes = createHash('sha256').update(`cairn-secret-key:${text}`).digest();
  const id = createHash('sha256').update(bytes).digest('base64url').slice(0, 8);
  return { id, bytes };
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

export class SecretBox {
  private readonly current: Key;
  private readonly all: Map<string, Key>;

  /** `current` seals; `previous` keys only open (for rotation). */
  constructor(current: string, previous: readonly string[] = []) {
    this.current = toKey(current, 'CAIRN_SECRET_KEY');
    this.all = new Map([[this.current.id, this.current]]);
    for (const p of previous) {
      const k = toKey(p, 'CAIRN_SECRET_KEY_PREVIOUS');
      if (!this.all.has(k.id)) this.all.set(k.id, k);
    }
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${PREFIX}${this.current.id}:${iv.toString('base64url')}:${tag.toString('base64url')}:${ct.toString('base64url')}`;
  }

  /** Opens a sealed value. Throws SecretKeyError when no configured key sealed it. */
  open(stored: string): string {
    if (!isSealed(stored)) throw new SecretKeyError('The stored secret is not encrypted.');
    const [id, iv, tag, ct] = stored.slice(PREFIX.length).split(':');
    const key = id ? this.all.get(id) : undefined;
    if (!key || iv === undefined || tag === undefined || ct === undefined) {
      throw new SecretKeyError(
        'A stored secret was encrypted with a key that is not configured (set CAIRN_SECRET_KEY_PREVIOUS to the old key).',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretKeyError('A stored secret could not be decrypted: it was altered or the key is wrong.');
    }
  }

  /** True when `stored` must be (re-)sealed with the current key: plain text or an older key. */
  needsResealing(stored: string): boolean {
    return !stored.startsWith(`${PREFIX}${this.current.id}:`);
  }

  /** Opens `stored` whatever it is (plain text from before encryption, or sealed). */
  reveal(stored: string): string {
    return isSealed(stored) ? this.open(stored) : stored;
  }
}
