/**
 * The web UI's hashed files (`assets/`), kept in memory once read and compressed once: they never
 * change, so they are answered without file I/O (a page asks for its code and its data at once,
 * and its code must not wait behind the data's work) and, to a browser that accepts it, brotli- or
 * gzip-compressed (the app's code is about a third of its size then, which is most of the page's
 * load time on a slow network). Compression runs in libuv's thread pool, once per file, not on
 * the event loop. Bounded: files up to 4 MiB, 32 MiB in all (with their compressed copies);
 * anything else is read from disk each time and sent as it is.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const FILE_BYTES = 4 * 1024 * 1024;
const TOTAL_BYTES = 32 * 1024 * 1024;
/** Below this, compression saves less than its header costs. */
const MIN_COMPRESSED_BYTES = 1024;
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.json', '.svg', '.txt', '.map']);

export type Encoding = 'br' | 'gzip';

interface Entry {
  raw: Buffer;
  /** Compressed copies, once made (a promise while being made); absent when not worth it. */
  encoded?: Promise<Partial<Record<Encoding, Buffer>>>;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

async function compress(raw: Buffer): Promise<Partial<Record<Encoding, Buffer>>> {
  const [br, gz] = await Promise.all([
    brotli(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 9,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
    gzipAsync(raw, { level: 9 }),
  ]);
  const out: Partial<Record<Encoding, Buffer>> = {};
  // Kept only where it is smaller than the file itself.
  if (br.length < raw.length) out.br = br;
  if (gz.length < raw.length) out.gzip = gz;
  return out;
}

/**
 * The encodings an `Accept-Encoding` header allows, best first (brotli, then gzip); `q=0`
 * refuses one, and `*` stands for any not named.
 */
export function acceptedEncodings(header: string | undefined): Encoding[] {
  if (!header) return [];
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const star = q.get('*');
  return (['br', 'gzip'] as const).filter((e) => (q.get(e) ?? star ?? 0) > 0);
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
    entry.encoded = compress(entry.raw).then(
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
