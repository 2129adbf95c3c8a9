/**
 * Compressed answers for clients that accept them (`Accept-Encoding`): brotli, else gzip. Used for
 * the web UI's files (compressed once, at a high setting: routes/ui-asset-cache.ts) and for large
 * API answers (compressed per answer, at a fast setting: a history or a page of runs is a few
 * times smaller, which is what a chart or a table waits for on a slow network). Compression runs
 * in libuv's thread pool, never on the event loop.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Encoding = 'br' | 'gzip';

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

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * `raw` compressed with `encoding`: `thorough` for files sent many times (brotli 9, gzip 9), fast
 * otherwise (brotli 1, gzip 1: a 2 MB page of history points in 5 and 10 ms, 5.4 and 4.7 times
 * smaller; higher settings gain a few percent for two to four times the time).
 */
export function compress(raw: Buffer, encoding: Encoding, thorough: boolean): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(raw, { level: thorough ? 9 : 1 });
  return brotli(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: thorough ? 9 : 1,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

/** Adds Accept-Encoding to the answer's Vary header, keeping what is there (e.g. CORS's Origin). */
export function varyOnEncoding(reply: FastifyReply): void {
  const current = reply.getHeader('vary');
  if (current === undefined || current === '') reply.header('Vary', 'Accept-Encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(String(current)))
    reply.header('Vary', `${String(current)}, Accept-Encoding`);
}

/** API answers from this size on are compressed; below it the gain is not worth the time. */
export const COMPRESS_ANSWERS_FROM_BYTES = 16 * 1024;

/**
 * A client on this machine talking to the server itself (not through a proxy, which names the
 * client it forwards for): compression would cost it time and save nothing (measured: a 2 MB
 * history page 49 -> 73 ms over loopback with gzip).
 */
function isLocalDirectClient(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  const h = request.headers;
  return loopback && !h['x-forwarded-for'] && !h.forwarded && !h.via;
}

/**
 * An `onSend` hook for API routes that can answer large JSON (reads and searches): compresses a
 * serialized answer of at least COMPRESS_ANSWERS_FROM_BYTES for a client that accepts it and is
 * not on this machine. Routes of small answers (the logging calls) do not carry it.
 */
export async function compressLargeAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  if (typeof payload !== 'string' || payload.length < COMPRESS_ANSWERS_FROM_BYTES) return payload;
  varyOnEncoding(reply);
  const [encoding] = acceptedEncodings(request.headers['accept-encoding']);
  if (!encoding || isLocalDirectClient(request)) return payload;
  reply.header('Content-Encoding', encoding);
  return compress(Buffer.from(payload), encoding, false);
}
