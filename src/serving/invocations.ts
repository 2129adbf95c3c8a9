/**
 * `POST /invocations`: content-type negotiation, parsing with the scoring input protocol,
 * prediction (micro-batched or alone, with a deadline) and the answer, each timed into metrics.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MlflowError, badRequest, httpErrorOf } from '../errors.js';
import { isDataFrame, isTensor, isTensorDict, type ModelData } from '../models/data.js';
import type { Model } from '../models/model.js';
import {
  parseCsvRequest,
  parseJsonRequest,
  parseScoringBody,
  type ParsedRequest,
} from '../models/scoring-input.js';
import { JSON_SHAPE_LIMITS } from '../security/body-limits.js';
import { JsonShapeGuard } from '../security/request-body.js';
import { StreamedJson, tooManyRows } from './json-body.js';
import type { MicroBatcher } from './batcher.js';
import type { ScoringMetrics } from './metrics.js';
import {
  ANSWER_CHUNK_ROWS,
  predictionsChunks,
  predictionsJson,
  predictionsResponse,
} from '../models/serialize.js';

export interface InvocationsOptions {
  model: Model;
  metrics: ScoringMetrics;
  batcher?: MicroBatcher;
  timeoutMs: number;
  /** Most input rows per request (413 beyond, before the model runs). */
  maxRows: number;
}

export const DEFAULT_MAX_REQUEST_ROWS = 100_000;

/** Non-empty lines of a CSV body (a header and one per row; quoted newlines are rare in scoring input). */
function countLines(text: string): number {
  let lines = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (i > start) lines++;
    start = i + 1;
  }
  return start < text.length ? lines + 1 : lines;
}

const CONTENT_TYPES = ['text/csv', 'application/json'];

/** Sends an error answer `{error_code, message}`. */
export function sendError(reply: FastifyReply, err: MlflowError, status = err.httpStatus): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json')
    .send(JSON.stringify({ error_code: err.errorCode, message: err.message }));
}

/** The reason a content type is refused (415), or the parser for it. */
function parserFor(
  contentType: string,
  maxRows: number,
): { refuse: string } | { parse: (body: unknown, model: Model) => ParsedRequest } {
  const [mime = '', ...paramParts] = contentType.split(';').map((s) => s.trim());
  const params = new Map(
    paramParts.filter(Boolean).map((p) => {
      const i = p.indexOf('=');
      const name = p
        .slice(0, i < 0 ? p.length : i)
        .trim()
        .toLowerCase();
      return [name, i < 0 ? '' : p.slice(i + 1).trim()] as const;
    }),
  );
  if ((params.get('charset') ?? 'utf-8').toLowerCase() !== 'utf-8') {
    return { refuse: 'The scoring server only supports UTF-8' };
  }
  const unexpected = [...params.keys()].filter((k) => k !== 'charset');
  if (unexpected.length) return { refuse: `Unrecognized content type parameters: ${unexpected.join(', ')}.` };
  if (mime.toLowerCase() === 'application/json') {
    return {
      parse: (body, model) => {
        // Read and checked (size, depth, rows) while it arrived: see json-body.ts.
        if (body instanceof StreamedJson) return parseScoringBody(body.value, model.signature?.inputs);
        const text = typeof body === 'string' ? body : '';
        // Depth is checked before parsing: a deeply nested body must not reach JSON.parse.
        new JsonShapeGuard({ maxDepth: JSON_SHAPE_LIMITS.maxDepth, maxMembers: Infinity }).feed(text);
        return parseJsonRequest(text, model.signature?.inputs);
      },
    };
  }
  if (mime.toLowerCase() === 'text/csv') {
    return {
      parse: (body) => {
        const text = typeof body === 'string' ? body : '';
        // Rows are counted before the table is built, so an oversized table costs no more memory.
        if (countLines(text) - 1 > maxRows) throw tooManyRows(`more than ${maxRows}`, maxRows);
        return parseCsvRequest(text);
      },
    };
  }
  return {
    refuse: `This predictor only supports the following content types: Types: ${JSON.stringify(CONTENT_TYPES)}. Got '${contentType}'.`,
  };
}

function rowsOf(input: ModelData): number {
  if (isDataFrame(input)) return input.rowCount;
  if (isTensor(input)) return input.shape[0] ?? 1;
  if (isTensorDict(input)) return Object.values(input)[0]?.shape[0] ?? 1;
  return Array.isArray(input) ? input.length : 1;
}

/** The model input and params of a parsed request. */
function modelInput(
  model: Model,
  parsed: ParsedRequest,
): { input: ModelData; params: Record<string, unknown> } {
  if (!parsed.unwrapped)
    return { input: model.prepareInput(parsed.input), params: model.prepareParams(parsed.params) };
  // LLM-style body: keys named in the params schema are params, the rest is the input.
  const names = new Set((model.signature?.params ?? []).map((p) => p.name));
  const body = parsed.input as Record<string, unknown>;
  const pick = (isParam: boolean): Record<string, unknown> =>
    Object.fromEntries(Object.entries(body).filter(([k]) => names.has(k) === isParam));
  return { input: pick(false), params: model.prepareParams(pick(true)) };
}

/** Resolves with `work`, or rejects with DEADLINE_EXCEEDED after `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MlflowError(`Prediction did not finish within ${ms / 1000} s.`, 'DEADLINE_EXCEEDED')),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The answer body: text, or for more than {@link ANSWER_CHUNK_ROWS} rows a stream of the same
 * text made a chunk of rows at a time as the client reads it, so a large answer never exists whole.
 */
function answerBody(output: ModelData, wrapped: boolean): string | Readable {
  if (rowsOf(output) > ANSWER_CHUNK_ROWS) {
    return Readable.from(predictionsChunks(output, wrapped), { objectMode: false });
  }
  return wrapped ? predictionsResponse(output) : predictionsJson(output);
}

async function score(
  o: InvocationsOptions,
  parsed: ParsedRequest,
): Promise<{ body: string | Readable; rows: number }> {
  const { input, params } = modelInput(o.model, parsed);
  const work =
    o.batcher && isDataFrame(input) && Object.keys(params).length === 0
      ? o.batcher.submit(input)
      : (o.metrics.recordBatch(1), o.model.predictPrepared(input, params));
  let output: ModelData;
  try {
    output = await withDeadline(work, o.timeoutMs);
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    // The model itself failed on this input, as MLflow answers it: the client's request.
    throw badRequest(
      'Encountered an unexpected error while evaluating the model. Verify that the serialized input is ' +
        `compatible with the model for inference. Error: ${(err as Error).message ?? String(err)}`,
    );
  }
  return { body: answerBody(output, !parsed.unwrapped), rows: rowsOf(input) };
}

export function registerInvocations(app: FastifyInstance, o: InvocationsOptions): void {
  app.post('/invocations', async (req, reply) => {
    const started = process.hrtime.bigint();
    o.metrics.inFlight++;
    let status = 200;
    let rows = 0;
    try {
      const parser = parserFor(req.headers['content-type'] ?? '', o.maxRows);
      if ('refuse' in parser) {
        status = 415;
        return reply.code(415).header('content-type', 'text/plain').send(parser.refuse);
      }
      const parsed = parser.parse(req.body, o.model);
      // The parsed body is not needed any more: what the model does not keep can be collected.
      req.body = undefined;
      const requested = rowsOf(parsed.input);
      if (requested > o.maxRows) throw tooManyRows(String(requested), o.maxRows);
      const result = await score(o, parsed);
      rows = result.rows;
      return reply.header('content-type', 'application/json').send(result.body);
    } catch (err) {
      const answer = httpErrorOf(err);
      if (answer.internal) logInternalError(err);
      status = answer.status;
      return sendError(reply, answer.error, status);
    } finally {
      o.metrics.inFlight--;
      o.metrics.recordRequest(status, Number(process.hrtime.bigint() - started) / 1e9, rows);
    }
  });
}

/** Cairn's own failure: the log gets the details, the client a generic 500. */
export function logInternalError(err: unknown): void {
  const e = err as { stack?: unknown; message?: unknown } | null;
  process.stderr.write(`cairn: scoring server internal error: ${String(e?.stack ?? e?.message ?? err)}\n`);
}
