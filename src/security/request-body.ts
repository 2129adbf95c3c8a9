/**
 * Reading request bodies within limits: a byte limit (checked against Content-Length before
 * anything is read, then while reading) and, for JSON, a nesting depth and member count checked
 * on the raw bytes as they arrive, so that a depth or key-count bomb is refused before
 * `JSON.parse` ever sees it.
 *
 * A body over a limit answers 413 and the connection is closed. The rest of the body is read and
 * discarded first, within a bound (`discardRest`): closing a socket with unread data makes the
 * kernel reset the connection, and the client would then lose the 413 instead of reading it.
 */
import type { IncomingMessage } from 'node:http';
import { MlflowError, badRequest } from '../errors.js';

/** 413 Payload Too Large; the server closes the connection after answering it. */
export class PayloadTooLargeError extends MlflowError {
  constructor(message: string) {
    super(message, 'RESOURCE_EXHAUSTED');
    this.name = 'PayloadTooLargeError';
  }

  override get httpStatus(): number {
    return 413;
  }
}

export interface JsonShapeLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most members (object keys plus list items) in the whole body. */
  maxMembers: number;
}

/** Most bytes read and thrown away after a refusal, and for how long, before the socket is cut. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 5000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a character means to the guard outside strings (ASCII; every other character is 0). */
const OTHER = 0;
const OPEN = 1; // `{` `[`
const CLOSE = 2; // `}` `]`
const MEMBER = 3; // `,` `:`
const STRING = 4; // `"`
const CLASS = new Uint8Array(256);
CLASS[0x7b] = CLASS[0x5b] = OPEN;
CLASS[0x7d] = CLASS[0x5d] = CLOSE;
CLASS[0x2c] = CLASS[0x3a] = MEMBER;
CLASS[QUOTE] = STRING;

/**
 * Follows JSON text byte by byte, tracking only what the limits need (strings, depth, members).
 * The state lives in locals while a chunk is scanned (one table look-up per character outside
 * strings, a tight loop to the closing quote inside them): it runs over every byte of every JSON
 * body, 70 kB for a log-batch of 1,000 metrics.
 */
export class JsonShapeGuard {
  private depth = 0;
  private members = 0;
  private inString = false;
  private escaped = false;
  private readonly limits: JsonShapeLimits;

  constructor(limits: JsonShapeLimits) {
    this.limits = limits;
  }

  /**
   * Throws as soon as the text seen so far nests too deep or holds too many members. Takes raw
   * bytes or an already decoded string (the characters that matter are all ASCII).
   */
  feed(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') this.feedText(chunk);
    else this.feedBytes(chunk);
  }

  private feedBytes(b: Uint8Array): void {
    const { maxDepth, maxMembers } = this.limits;
    const n = b.length;
    let { depth, members, inString, escaped } = this;
    let i = 0;
    try {
      while (i < n) {
        if (inString) {
          if (escaped) {
            escaped = false;
            i++;
          }
          // To the closing quote or the next escape.
          let c = 0;
          while (i < n && (c = b[i]!) !== QUOTE && c !== BACKSLASH) i++;
          if (i === n) break;
          if (c === QUOTE) inString = false;
          else escaped = true;
          i++;
          continue;
        }
        const k = CLASS[b[i++]!]!;
        if (k === OTHER) continue;
        if (k === STRING) inString = true;
        else if (k === OPEN) {
          if (++depth > maxDepth) throw tooDeep(maxDepth);
        } else if (k === CLOSE) depth--;
        else if (++members > maxMembers) throw tooManyMembers(maxMembers);
      }
    } finally {
      this.depth = depth;
      this.members = members;
      this.inString = inString;
      this.escaped = escaped;
    }
  }

  private feedText(t: string): void {
    const { maxDepth, maxMembers } = this.limits;
    const n = t.length;
    let { depth, members, inString, escaped } = this;
    let i = 0;
    try {
      while (i < n) {
        if (inString) {
          if (escaped) {
            escaped = false;
            i++;
          }
          let c = 0;
          while (i < n && (c = t.charCodeAt(i)) !== QUOTE && c !== BACKSLASH) i++;
          if (i === n) break;
          if (c === QUOTE) inString = false;
          else escaped = true;
          i++;
          continue;
        }
        const c = t.charCodeAt(i++);
        const k = c < 128 ? CLASS[c]! : OTHER;
        if (k === OTHER) continue;
        if (k === STRING) inString = true;
        else if (k === OPEN) {
          if (++depth > maxDepth) throw tooDeep(maxDepth);
        } else if (k === CLOSE) depth--;
        else if (++members > maxMembers) throw tooManyMembers(maxMembers);
      }
    } finally {
      this.depth = depth;
      this.members = members;
      this.inString = inString;
      this.escaped = escaped;
    }
  }
}

// `{` or `[` opens a level; every `,` separates two members and every `:` follows a key: together
// they bound the number of members from above without parsing anything.
const tooDeep = (maxDepth: number) => badRequest(`The request body nests deeper than ${maxDepth} levels.`);
const tooManyMembers = (maxMembers: number) =>
  new PayloadTooLargeError(`The request body holds more than ${maxMembers} JSON members.`);

/**
 * Reads and discards what is left of a body, within a bound, so that an answer sent before the
 * body was read reaches the client (the connection is closed after it).
 */
export function discardRest(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('error', done);
      req.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}

const tooLarge = (limit: number) =>
  new PayloadTooLargeError(`Request body exceeds the limit of ${limit} bytes.`);

/**
 * A body being read by `readLimitedBody`. Its listeners are module functions that find this
 * state on the request, so reading a body makes no closures (it runs for every API call).
 */
interface BodyRead {
  limit: number;
  guard: JsonShapeGuard | undefined;
  chunks: Buffer[];
  size: number;
  resolve(result: Buffer | MlflowError): void;
  reject(err: Error): void;
}

const BODY_READ = Symbol('cairn.bodyRead');
type ReadingRequest = IncomingMessage & { [BODY_READ]?: BodyRead };

function finishRead(req: ReadingRequest, result: Buffer | Error): void {
  const read = req[BODY_READ];
  if (!read) return;
  req[BODY_READ] = undefined;
  req.off('data', onBodyData);
  req.off('end', onBodyEnd);
  req.off('error', onBodyError);
  req.off('close', onBodyClose);
  if (result instanceof Error && !(result instanceof MlflowError)) read.reject(result);
  else read.resolve(result);
}

function onBodyData(this: ReadingRequest, buf: Buffer): void {
  const read = this[BODY_READ];
  if (!read) return;
  read.size += buf.length;
  try {
    if (read.size > read.limit) throw tooLarge(read.limit);
    read.guard?.feed(buf);
  } catch (err) {
    this.pause();
    read.chunks.length = 0;
    finishRead(this, err as Error);
    return;
  }
  read.chunks.push(buf);
}

function onBodyEnd(this: ReadingRequest): void {
  const read = this[BODY_READ];
  if (read)
    finishRead(this, read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks, read.size));
}

function onBodyError(this: ReadingRequest, err: Error): void {
  finishRead(this, err);
}

function onBodyClose(this: ReadingRequest): void {
  if (!this.readableEnded) finishRead(this, new ClientAbortError());
}

/**
 * Reads a whole body of at most `limit` bytes; with `shape`, also checks JSON depth and members
 * while reading. Throws `PayloadTooLargeError` (413) or a 400, leaving the rest of the body
 * unread (the error reply drains it; see `discardRest`).
 */
export async function readLimitedBody(
  req: IncomingMessage,
  limit: number,
  shape?: JsonShapeLimits,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const reading = req as ReadingRequest;
  if (reading[BODY_READ]) throw new Error('The request body is already being read.');
  // Events rather than `for await`: leaving an async iterator early destroys the request, and
  // with it the socket, before the refusal could be drained and answered.
  const refusal = await new Promise<Buffer | MlflowError>((resolve, reject) => {
    reading[BODY_READ] = {
      limit,
      guard: shape ? new JsonShapeGuard(shape) : undefined,
      chunks: [],
      size: 0,
      resolve,
      reject,
    };
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('error', onBodyError);
    req.on('close', onBodyClose);
  });
  if (refusal instanceof MlflowError) throw refusal;
  return refusal;
}

/** The client closed the connection before its request body was complete. */
export class ClientAbortError extends Error {
  readonly code = 'ECONNRESET';

  constructor() {
    super('The client closed the connection before the request body was complete.');
    this.name = 'ClientAbortError';
  }
}

/**
 * A request that ended because its client went away (closed the socket, or the connection timed
 * out): nobody is left to answer, and it is no failure of the server.
 */
export function isClientAbort(req: IncomingMessage, err: unknown): boolean {
  if (err instanceof ClientAbortError) return true;
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return false;
  return req.aborted || req.socket?.destroyed === true;
}
