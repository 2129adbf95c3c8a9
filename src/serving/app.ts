/**
 * The scoring server app: `/ping`, `/health`, `/version`, `/metrics` and `/invocations`
 * (MLflow's pyfunc scoring protocol). Bad input always answers a JSON error with status 400 (415
 * for an unsupported content type, 413 past the size limit), never a 500.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { MlflowError, badRequest } from '../errors.js';
import { VERSION } from '../version.js';
import { isDataFrame, isTensor, isTensorDict, type ModelData } from '../models/data.js';
import type { Model } from '../models/model.js';
import { MicroBatcher, type BatcherOptions } from './batcher.js';
import { ScoringMetrics } from './metrics.js';
import { parseCsvRequest, parseJsonRequest, type ParsedRequest } from './protocol.js';
import { predictionsJson, predictionsResponse } from '../models/serialize.js';

export interface ScoringAppOptions {
  /** Largest accepted request body in bytes (default 64 MiB). */
  maxRequestBytes?: number;
  /** Micro-batching of concurrent requests; omit or set `maxSize` ≤ 1 to score each request alone. */
  batch?: BatcherOptions;
  /** Seconds a prediction may take before the request fails with 504 (default 60). */
  timeoutSeconds?: number;
  /** Extra labels on every metric (e.g. the worker id). */
  metricLabels?: Record<string, string>;
  /** Gathers the metrics of every worker process (set in cluster workers); default: this process only. */
  collectMetrics?: () => Promise<string>;
}

const CONTENT_TYPES = ['text/csv', 'application/json'];

function errorBody(err: MlflowError): string {
  return JSON.stringify({ error_code: err.errorCode, message: err.message });
}

function rowsOf(input: ModelData): number {
  if (isDataFrame(input)) return input.rowCount;
  if (isTensor(input)) return input.shape[0] ?? 1;
  if (isTensorDict(input)) return Object.values(input)[0]?.shape[0] ?? 1;
  return Array.isArray(input) ? input.length : 1;
}

export function buildScoringApp(
  model: Model,
  opts: ScoringAppOptions = {},
): { app: FastifyInstance; metrics: ScoringMetrics } {
  const maxBytes = opts.maxRequestBytes ?? 64 * 1024 * 1024;
  const timeoutMs = (opts.timeoutSeconds ?? 60) * 1000;
  const app = Fastify({
    logger: false,
    bodyLimit: maxBytes,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  const metrics = new ScoringMetrics(opts.metricLabels);
  const schema = model.signature?.inputs;
  const batcher =
    opts.batch && opts.batch.maxSize > 1 && model.rowWise
      ? new MicroBatcher((input) => model.predictPrepared(input), opts.batch)
      : undefined;
  if (batcher) batcher.onBatch = (requests) => metrics.recordBatch(requests);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxBytes }, (_req, body, done) =>
    done(null, body),
  );

  const sendError = (reply: FastifyReply, err: MlflowError, status = err.httpStatus): FastifyReply =>
    reply.code(status).header('content-type', 'application/json').send(errorBody(err));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof MlflowError)
      return sendError(reply, err, err.httpStatus >= 500 ? 400 : err.httpStatus);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(
        reply,
        new MlflowError(`Request body is larger than the limit of ${maxBytes} bytes.`, 'BAD_REQUEST'),
        413,
      );
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
    return sendError(reply, badRequest(err.message), status);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new MlflowError(`No route for ${req.method} ${req.url}.`, 'ENDPOINT_NOT_FOUND')),
  );

  const ping = async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> =>
    reply.code(200).header('content-type', 'application/json').send('\n');
  app.get('/ping', ping);
  app.get('/health', ping);
  app.get('/version', async (_req, reply) =>
    reply.header('content-type', 'text/plain; charset=utf-8').send(VERSION),
  );
  app.get('/metrics', async (_req, reply) => {
    const text = opts.collectMetrics
      ? await opts.collectMetrics().catch(() => metrics.render())
      : metrics.render();
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  const score = async (parsed: ParsedRequest): Promise<{ body: string; rows: number }> => {
    let input: ModelData;
    let rawParams = parsed.params;
    if (parsed.unwrapped) {
      // LLM-style body: keys named in the params schema are params, the rest is the input.
      const names = new Set((model.signature?.params ?? []).map((p) => p.name));
      const body = parsed.input as Record<string, unknown>;
      input = Object.fromEntries(Object.entries(body).filter(([k]) => !names.has(k)));
      rawParams = Object.fromEntries(Object.entries(body).filter(([k]) => names.has(k)));
    } else input = model.prepareInput(parsed.input);
    const params = model.prepareParams(rawParams);
    const rows = rowsOf(input);
    let output: ModelData;
    const work =
      batcher && isDataFrame(input) && Object.keys(params).length === 0
        ? batcher.submit(input)
        : (metrics.recordBatch(1), model.predictPrepared(input, params));
    let timer: NodeJS.Timeout | undefined;
    try {
      output = await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new MlflowError(
                  `Prediction did not finish within ${timeoutMs / 1000} s.`,
                  'DEADLINE_EXCEEDED',
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      if (err instanceof MlflowError) throw err;
      throw badRequest(
        'Encountered an unexpected error while evaluating the model. Verify that the serialized input is ' +
          `compatible with the model for inference. Error: ${(err as Error).message ?? String(err)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    return { body: parsed.unwrapped ? predictionsJson(output) : predictionsResponse(output), rows };
  };

  app.post('/invocations', async (req, reply) => {
    const started = process.hrtime.bigint();
    metrics.inFlight++;
    let status = 200;
    let rows = 0;
    try {
      const contentType = req.headers['content-type'] ?? '';
      const [mime = '', ...paramParts] = contentType.split(';').map((s) => s.trim());
      const params = new Map(
        paramParts.filter(Boolean).map((p) => {
          const i = p.indexOf('=');
          return [
            p
              .slice(0, i < 0 ? p.length : i)
              .trim()
              .toLowerCase(),
            i < 0 ? '' : p.slice(i + 1).trim(),
          ] as const;
        }),
      );
      const charset = (params.get('charset') ?? 'utf-8').toLowerCase();
      if (charset !== 'utf-8') {
        status = 415;
        return reply
          .code(415)
          .header('content-type', 'text/plain')
          .send('The scoring server only supports UTF-8');
      }
      const unexpected = [...params.keys()].filter((k) => k !== 'charset');
      if (unexpected.length) {
        status = 415;
        return reply
          .code(415)
          .header('content-type', 'text/plain')
          .send(`Unrecognized content type parameters: ${unexpected.join(', ')}.`);
      }
      const body = typeof req.body === 'string' ? req.body : '';
      let parsed: ParsedRequest;
      if (mime.toLowerCase() === 'application/json') parsed = parseJsonRequest(body, schema);
      else if (mime.toLowerCase() === 'text/csv') parsed = parseCsvRequest(body);
      else {
        status = 415;
        return reply
          .code(415)
          .header('content-type', 'text/plain')
          .send(
            `This predictor only supports the following content types: Types: ${JSON.stringify(CONTENT_TYPES)}. Got '${contentType}'.`,
          );
      }
      const result = await score(parsed);
      rows = result.rows;
      return reply.header('content-type', 'application/json').send(result.body);
    } catch (err) {
      const e = err instanceof MlflowError ? err : badRequest((err as Error).message);
      status = e.httpStatus >= 500 && e.errorCode !== 'DEADLINE_EXCEEDED' ? 400 : e.httpStatus;
      return sendError(reply, e, status);
    } finally {
      metrics.inFlight--;
      metrics.recordRequest(status, Number(process.hrtime.bigint() - started) / 1e9, rows);
    }
  });

  return { app, metrics };
}
