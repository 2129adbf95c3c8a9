/**
 * Writing a local file so that a failed or interrupted transfer never leaves a partial file at
 * its name: the bytes go to a uniquely named `.part` file beside it (the name `stale-uploads.ts`
 * sweeps), which is renamed on success and removed on failure.
 */
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type AtomicWriteOptions =
  | {
      /** A transform between the data and the file (e.g. a progress counter). */
      through?: Transform;
      keepSourceOnError?: false;
    }
  | {
      /**
       * Leave `data` open when writing fails (a full disk): when `data` is a request, its
       * connection must survive so that the failure can be answered. By default a failure
       * destroys `data`.
       */
      keepSourceOnError: true;
      through?: never;
    };

/** Streams `data` into `file`, all or nothing. */
export async function writeFileAtomically(
  file: string,
  data: Readable,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const partial = `${file}.cairn-upload-${randomBytes(8).toString('hex')}.part`;
  try {
    const out = createWriteStream(partial, { flags: 'wx' });
    if (options.keepSourceOnError) await copyInto(data, out);
    else if (options.through) await pipeline(data, options.through, out);
    else await pipeline(data, out);
    await rename(partial, file);
  } catch (err) {
    await unlink(partial).catch(() => {});
    throw err;
  }
}

/**
 * Copies `data` into `out`. Unlike `pipeline`, a failing `out` leaves `data` open; `data` failing
 * or closing early (a client hanging up) fails the copy.
 */
function copyInto(data: Readable, out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      data.unpipe(out);
      data.off('error', fail);
      out.destroy();
      reject(err);
    };
    data.once('error', fail);
    data.once('close', () => {
      if (!data.readableEnded)
        fail(Object.assign(new Error('The upload stream closed early.'), { code: 'ECONNRESET' }));
    });
    out.once('error', fail);
    // 'close' after 'finish': the file descriptor is released before the file is renamed.
    out.once('close', () => {
      if (!out.writableFinished) return;
      data.off('error', fail);
      resolve();
    });
    data.pipe(out);
  });
}
