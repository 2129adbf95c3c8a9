/**
 * The web UI's hashed files (`assets/`), kept in memory once read and compressed once: they never
 * change, so they are answered without file I/O (a page asks for its code and its data at once,
 * and its code must not wait behind the data's work) and, to a browser that accepts it, brotli- or
 * gzip-compressed (http-compression.ts; the app's code is about a third of its size then, which
 * is most of the page's load time on a slow network), once per file. Bounded: files up to 4 MiB,
 * 32 MiB in all (with their compressed copies); anything else is read from disk each time and
 * sent as it is.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { compress, type Encoding } from '../http-compression.js';

const FILE_BYTES = 4 * 1024 * 1024;
const TOTAL_BYTES = 32 * 1024 * 1024;
/** Below this, compression saves less than its header costs. */
const MIN_COMPRESSED_BYTES = 1024;
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.json', '.svg', '.txt', '.map']);

interface Entry {
  raw: Buffer;
  /** Compressed copies, once made (a promise while being made); absent when not worth it. */
  encoded?: Promise<Partial<Record<Encoding, Buffer>>>;
}

async function compressBoth(raw: Buffer): Promise<Partial<Record<Encoding, Buffer>>> {
  const [br, gz] = await Promise.all([compress(raw, 'br', true), compress(raw, 'gzip', true)]);
  const out: Partial<Record<Encoding, Buffer>> = {};
  // Kept only where it is smaller than the file itself.
  if (br.length < raw.length) out.br = br;
  if (gz.length < raw.length) out.gzip = gz;
  return out;
}

export class UiAssetCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  /**
   * The file's body for a client accepting `accepted` (best first), read and cached on first
   * use; undefined when the file cannot be read.
   */
  async get(
    file: string,
    accepted: readonly Encoding[],
  ): Promise<{ body: Buffer; encoding?: Encoding } | undefined> {
    let entry = this.entries.get(file);
    if (!entry) {
      const raw = await readFile(file).catch(() => undefined);
      if (!raw) return undefined;
      entry = this.entries.get(file);
      if (!entry) {
        if (raw.length > FILE_BYTES || this.bytes + raw.length > TOTAL_BYTES) return { body: raw };
        entry = { raw };
        this.entries.set(file, entry);
        this.bytes += raw.length;
      }
    }
    if (!accepted.length) return { body: entry.raw };
    const encoded = await this.encoded(file, entry);
    for (const e of accepted) {
      const body = encoded[e];
      if (body) return { body, encoding: e };
    }
    return { body: entry.raw };
  }

  private encoded(file: string, entry: Entry): Promise<Partial<Record<Encoding, Buffer>>> {
    if (entry.encoded) return entry.encoded;
    if (entry.raw.length < MIN_COMPRESSED_BYTES || !COMPRESSIBLE.has(extname(file).toLowerCase())) {
      entry.encoded = Promise.resolve({});
      return entry.encoded;
    }
    entry.encoded = compressBoth(entry.raw).then(
      (out) => {
        const extra = (out.br?.length ?? 0) + (out.gzip?.length ?? 0);
        if (this.bytes + extra > TOTAL_BYTES) return {};
        this.bytes += extra;
        return out;
      },
      () => ({}),
    );
    return entry.encoded;
  }
}
