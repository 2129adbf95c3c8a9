import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { invalidParam, MlflowError } from '../errors.js';
import { VERSION } from '../version.js';
import { loggerOptions } from '../logging/logger.js';
import { registerRequestLog } from '../logging/request-log.js';
import { JSON_SHAPE_LIMITS, jsonBodyLimit } from '../security/body-limits.js';
import { connectionTimeoutOptions, endConnectionsOnClose } from '../security/connection-guard.js';
import { registerNetworkGuard } from '../security/network-guard.js';
import { readLimitedBody } from '../security/request-body.js';
import { parseJsonBody, parseQuery, recordRawBodyLength } from './body.js';
import { handleError, sendError } from './error-reply.js';
import type { ServerContext } from './context.js';
import type { Endpoint, Fields } from './endpoint.js';
import { trackingEndpoints } from './routes/tracking.js';
import { loggedModelEndpoints } from './routes/logged-models.js';
import { registryEndpoints } from './routes/registry.js';
import { registerArtifactProxy } from './routes/artifact-proxy.js';
import { artifactEndpoints } from './routes/artifacts.js';
import { registerUiRoutes } from './routes/ui.js';
import { authEndpoints } from './routes/auth.js';
import { registerAuthHooks } from './auth/auth-hooks.js';
import { runEndpoint } from './auth/list-filter.js';
import { compressLargeAnswer } from './http-compression.js';
import './request-state.js';
import { registerObservation } from './observation.js';

/** The mounts every MLflow REST endpoint is served under. */
export const API_PREFIXES = [
  '/api/2.0/mlflow/',
  '/ajax-api/2.0/mlflow/',
  '/api/2.0/preview/mlflow/',
] as const;

export function allEndpoints(): Endpoint[] {
  return [...trackingEndpoints, ...loggedModelEndpoints, ...artifactEndpoints, ...registryEndpoints];
}

export interface AppOptions {
  /** Where log lines go (default: standard output). */
  logDestination?: NodeJS.WritableStream;
}

/**
 * Builds the HTTP application: the MLflow REST API under every prefix, the artifact proxy, the
 * web UI, `/health` and `/version`. Errors always answer `{error_code, message}`.
 */
export async function buildApp(ctx: ServerContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggerOptions(ctx.config.log, options.logDestination),
    ...connectionTimeoutOptions(ctx.config.network),
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2000 },
    return503OnClosing: true,
    // Malformed URLs (bad percent-encoding) and similar rejections before routing still answer
    // an MLflow error body.
    frameworkErrors: (error, _request, reply) => {
      sendError(reply, new MlflowError(`Bad request: ${error.message}`, 'BAD_REQUEST'));
    },
  });

  // Bodies are read by the handlers themselves: JSON for API calls, a raw stream for artifact
  // uploads. So no content type is rejected up front and no upload is buffered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  app.setErrorHandler(handleError);
  endConnectionsOnClose(app);
  registerRequestLog(app);
  await registerNetworkGuard(app, ctx.config.network, ctx.config.host);

  // Pipeline state of each request (fields, principal, authorization decision).
  app.decorateRequest('cairn', null as never);
  app.addHook('onRequest', (request, _reply, done) => {
    request.cairn = { principal: null };
    done();
  });
  // Stages 2 and 3 (authentication, authorization) when access control is on.
  if (ctx.auth) registerAuthHooks(app, ctx.auth);

  const methodsByPath = new Map<string, Set<string>>();

  registerObservation(app, ctx);
  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(VERSION));

  for (const prefix of API_PREFIXES) {
    app.get(`${prefix}server-features`, async () => ({ workspaces_enabled: false }));
  }

  const routePaths = new Set([...allEndpoints(), ...authEndpoints].map((ep) => ep.path));
  const unknownRoutes = Object.keys(ctx.config.jsonBodyLimits).filter((p) => !routePaths.has(p));
  if (unknownRoutes.length) {
    throw invalidParam(
      `--json-body-limits names no API route: ${unknownRoutes.join(', ')} (routes are written as in docs/security.md, e.g. runs/log-batch).`,
    );
  }

  if (!ctx.config.artifactsOnly) {
    for (const ep of [...allEndpoints(), ...(ctx.auth ? authEndpoints : [])]) {
      const bodyLimit = jsonBodyLimit(ep.path, ctx.config.maxBodyBytes, ctx.config.jsonBodyLimits);
      const decode = async (request: FastifyRequest): Promise<void> => {
        const fields = await decodeFields(request, bodyLimit);
        rejectNulCharacters(request.params as Fields);
        request.cairn.fields = fields;
      };
      for (const prefix of API_PREFIXES) {
        const url = prefix + ep.path;
        const known = methodsByPath.get(url) ?? new Set<string>();
        ep.methods.forEach((m) => known.add(m));
        methodsByPath.set(url, known);
        app.route({
          method: ep.methods,
          url,
          config: { jsonOnly: true },
          // Reads and searches can answer large JSON: compressed for clients that accept it.
          onSend: ep.methods.includes('GET') || ep.path.includes('search') ? compressLargeAnswer : undefined,
          // With access control, fields are decoded before authorization, which finds the
          // resource in them; without, the handler decodes them (one pipeline stage less).
          preValidation: ctx.auth ? decode : undefined,
          handler: async (request: FastifyRequest, reply: FastifyReply) => {
            if (!ctx.auth) await decode(request);
            const call = {
              fields: request.cairn.fields ?? {},
              params: (request.params ?? {}) as Record<string, string>,
              ctx,
              request,
              reply,
            };
            const result = await runEndpoint(ep, call, ctx.auth?.access);
            if (reply.sent) return reply;
            return reply.type('application/json').send(result ?? {});
          },
        });
      }
    }
  } else {
    for (const prefix of API_PREFIXES) {
      app.all(`${prefix}*`, async (_req, reply) =>
        reply
          .code(503)
          .type('text/plain')
          .send('This server runs with --artifacts-only: tracking endpoints are disabled.'),
      );
    }
  }

  await registerArtifactProxy(app, ctx);
  if (!ctx.config.artifactsOnly) await registerUiRoutes(app, ctx);

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const allowed = methodsByPath.get(path) ?? methodsByPath.get(path.replace(/\/$/, ''));
    if (allowed) {
      return reply
        .code(405)
        .header('Allow', [...allowed].join(', '))
        .type('application/json')
        .send({ error_code: 'BAD_REQUEST', message: `Method ${request.method} is not allowed on ${path}.` });
    }
    return sendError(reply, new MlflowError(`No endpoint ${request.method} ${path}.`, 'ENDPOINT_NOT_FOUND'));
  });

  return app;
}

async function decodeFields(request: FastifyRequest, bodyLimit: number): Promise<Fields> {
  if (request.method === 'GET') return withoutNul(parseQuery(request.url));
  if (request.method === 'POST' || request.method === 'PUT') {
    const type = String(request.headers['content-type'] ?? '');
    const raw = await readLimitedBody(request.raw, bodyLimit, JSON_SHAPE_LIMITS);
    recordRawBodyLength(request, raw.length);
    // What API clients send, taken without parsing the header.
    if (type !== 'application/json' && (raw.length > 0 || type)) {
      const media = type.split(';', 1)[0]!.trim().toLowerCase();
      if (media === '')
        throw new MlflowError('Bad Request. Content-Type header is missing.', 'INVALID_PARAMETER_VALUE');
      if (media !== 'application/json') {
        throw new MlflowError(
          `Bad Request. Content-Type must be one of ['application/json'], got '${media}'.`,
          'INVALID_PARAMETER_VALUE',
        );
      }
    }
    return withoutNul(parseJsonBody(raw), raw);
  }
  // PATCH and DELETE: a JSON body when there is one (MLflow's Python client sends one).
  const raw = await readLimitedBody(request.raw, bodyLimit, JSON_SHAPE_LIMITS);
  const fields = raw.length ? withoutNul(parseJsonBody(raw), raw) : {};
  // Tolerate clients that put DELETE arguments in the query string.
  return { ...withoutNul(parseQuery(request.url)), ...fields };
}

/**
 * NUL characters cannot be stored by PostgreSQL and are never meaningful in names, keys or
 * values, so they are refused up front instead of failing deep in a store. Iterative, so a
 * deeply nested body cannot overflow the stack.
 */
function rejectNulCharacters(fields: Fields): void {
  const pending: unknown[] = [fields];
  while (pending.length) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (v.includes('\0')) throw badRequestNul();
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\0')) throw badRequestNul();
        pending.push(item);
      }
    }
  }
}

/**
 * `fields` after checking them for NUL characters. JSON text can carry a NUL only as the escape
 * `\u0000` (a raw control character is not valid JSON), so a body whose bytes hold no such
 * sequence needs no walk over its decoded values: a 1,000-metric log-batch is spared one.
 */
function withoutNul(fields: Fields, raw?: Buffer): Fields {
  if (!raw || raw.includes(NUL_ESCAPE)) rejectNulCharacters(fields);
  return fields;
}

/** As bytes: searching a buffer for a string would encode the string on every call. */
const NUL_ESCAPE = Buffer.from('\\u0000', 'latin1');

const badRequestNul = (): MlflowError =>
  new MlflowError('Request fields must not contain NUL (\\u0000) characters.', 'INVALID_PARAMETER_VALUE');
