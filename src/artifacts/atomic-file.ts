/**
 * Writing a local file so that a failed or interrupted transfer never leaves a partial file at
 * its name: the bytes go to a uniquely named `.part` file beside it, which is renamed on success
 * and removed on failure.
 */
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Streams `data` (through `through`, e.g. a progress counter) into `file`, all or nothing. */
export async function writeFileAtomically(file: string, data: Readable, through?: Transform): Promise<void> {
  const partial = `${file}.cairn-upload-${randomBytes(8).toString('hex')}.part`;
  try {
    const out = createWriteStream(partial, { flags: 'wx' });
    if (through) await pipeline(data, through, out);
    else await pipeline(data, out);
    await rename(partial, file);
  } catch (err) {
    await unlink(partial).catch(() => {});
    throw err;
  }
}
