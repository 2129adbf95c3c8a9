/**
 * Reads a JSON `/invocations` body as it arrives instead of whole: the bytes are counted against
 * the size limit, the nesting depth is checked on the raw bytes, and the value is built by a
 * streaming parser (@streamparser/json) that reports each row of `dataframe_split.data`,
 * `dataframe_records`, `instances` and `inputs` (or each value of a column of `inputs`) as it
 * completes. `--max-request-rows` is thus enforced while reading: a request with too many rows is
 * refused with 413 before the rest of its body is read. No copy of the raw body or of its text is
 * kept, so the memory a request takes is that of its parsed value. The rows of
 * `dataframe_split.data` are taken into columns as they complete (src/models/split-rows.ts): a
 * numeric column costs 8 bytes a cell instead of a JS list per row.
 */
import type { Readable } from 'node:stream';
import { JSONParser } from '@streamparser/json';
import { badRequest, MlflowError } from '../errors.js';
import { SplitRowsBuilder } from '../models/split-rows.js';
import { ClientAbortError, JsonShapeGuard, PayloadTooLargeError } from '../security/request-body.js';

export interface ScoringJsonLimits {
  maxBytes: number;
  maxRows: number;
  maxDepth: number;
}

/** The value of a JSON body read by {@link readScoringJson} (told apart from a text body). */
export class StreamedJson {
  constructor(readonly value: unknown) {}
}

/** The containers whose members are rows, as selectors of the parser (`inputs.*.*`: column values). */
const ROW_PATHS = [
  '$',
  '$.dataframe_split.data.*',
  '$.dataframe_records.*',
  '$.instances.*',
  '$.inputs.*',
  '$.inputs.*.*',
];

export const tooManyRows = (rows: string, max: number): PayloadTooLargeError =>
  new PayloadTooLargeError(
    `The request holds ${rows} rows; this server accepts at most ${max} per request (--max-request-rows).`,
  );

const tooLarge = (max: number): PayloadTooLargeError =>
  new PayloadTooLargeError(`The request body is too large: more than ${max} bytes (--max-request-bytes).`);

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** Counts rows per container; the largest count is the request's number of rows. */
class RowCounter {
  private readonly counts = new Map<unknown, number>();
  rows = 0;

  add(container: unknown): void {
    const n = (this.counts.get(container) ?? 0) + 1;
    this.counts.set(container, n);
    if (n > this.rows) this.rows = n;
  }
}

/**
 * The rows of every `dataframe_split.data` list, taken as columns while they can be; a list whose
 * rows cannot (a row that is not a list, or of another width) gets its rows back and stays a list.
 */
class SplitColumns {
  private readonly builders = new Map<unknown[], SplitRowsBuilder | 'rows'>();

  /** Takes the row just appended to `data`; false when `data` keeps its rows as lists. */
  take(data: unknown[]): boolean {
    let builder = this.builders.get(data);
    if (builder === 'rows') return false;
    if (!builder) this.builders.set(data, (builder = new SplitRowsBuilder()));
    const row = data[data.length - 1];
    if (builder.add(row)) {
      data.length -= 1;
      return true;
    }
    // Back to lists: the rows taken so far, then this one.
    data.length = 0;
    for (const r of builder.toRows()) data.push(r);
    data.push(row);
    this.builders.set(data, 'rows');
    return false;
  }

  /** Puts the columns in place of the (emptied) `data` list of the parsed body. */
  replaceIn(body: unknown): void {
    const split = isObject(body) ? body.dataframe_split : undefined;
    if (!isObject(split) || !Array.isArray(split.data)) return;
    const builder = this.builders.get(split.data);
    if (builder instanceof SplitRowsBuilder && builder.rowCount > 0) split.data = builder.finish();
  }
}

const isSplitData = (stack: { key?: unknown }[]): boolean =>
  stack.length === 3 && stack[1]!.key === 'dataframe_split' && stack[2]!.key === 'data';

/**
 * Parses a JSON scoring body from `stream`. Rejects with 413 past `maxBytes` or `maxRows`, 400 for
 * JSON that is invalid or nests deeper than `maxDepth`, and a client abort when the client goes
 * away mid-body. On a refusal the rest of the body is left unread (the error reply drains it).
 */
export function readScoringJson(
  stream: Readable,
  declaredLength: number,
  limits: ScoringJsonLimits,
): Promise<StreamedJson> {
  if (Number.isFinite(declaredLength) && declaredLength > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  const guard = new JsonShapeGuard({ maxDepth: limits.maxDepth, maxMembers: Infinity });
  const counter = new RowCounter();
  const splitColumns = new SplitColumns();
  const parser = new JSONParser({ paths: ROW_PATHS, keepStack: true });
  let root: { value: unknown } | undefined;
  let failure: Error | undefined;
  parser.onValue = ({ value, parent, stack }) => {
    if (stack.length === 0) {
      root = { value };
      return;
    }
    if (Array.isArray(parent)) {
      // `inputs.*.*` inside a list of rows is a cell, not a row: only columns of an object count.
      if (stack.length === 3 && !isObject(stack[2]?.value)) return;
      if (!(isSplitData(stack) && splitColumns.take(parent))) {
        // A list grown item by item keeps spare capacity (17 slots for a row of 3 numbers): an
        // exact copy keeps a row as small as JSON.parse would have made it.
        if (Array.isArray(value)) parent[parent.length - 1] = value.slice();
      }
      counter.add(parent);
      if (counter.rows > limits.maxRows) throw tooManyRows(`more than ${limits.maxRows}`, limits.maxRows);
    }
  };
  parser.onError = (err) => {
    failure ??= err;
  };
  parser.onEnd = () => {};

  return new Promise<StreamedJson>((resolve, reject) => {
    let size = 0;
    const finish = (result: StreamedJson | Error): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const refuse = (err: Error): void => {
      stream.pause();
      finish(err instanceof MlflowError ? err : invalidJson(err));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      try {
        if (size > limits.maxBytes) {
          throw tooLarge(limits.maxBytes);
        }
        guard.feed(chunk);
        parser.write(chunk);
      } catch (err) {
        refuse(err as Error);
        return;
      }
      if (failure) refuse(failure);
    };
    const onEnd = (): void => {
      // The parser ends by itself once the top-level value is complete.
      if (!failure && !parser.isEnded) {
        try {
          parser.end();
        } catch (err) {
          failure ??= err as Error;
        }
      }
      if (failure) return refuse(failure);
      if (!root) return refuse(new Error('Unexpected end of JSON input'));
      splitColumns.replaceIn(root.value);
      finish(new StreamedJson(root.value));
    };
    const onError = (err: Error): void => finish(err);
    const onClose = (): void => {
      if (!stream.readableEnded) finish(new ClientAbortError());
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

function invalidJson(err: Error): MlflowError {
  return badRequest(
    `Invalid input. Ensure that input is a valid JSON formatted string. Error: '${err.message}'`,
  );
}
